import { Command, CommandHandler, Query, QueryHandler, type ICommandHandler, type IQueryHandler } from '@nestjs/cqrs';
import { Inject } from '@nestjs/common';
import type { Pool } from '@ledger/app/platform/database/database.js';
import { API_PG_POOL } from '@ledger/app/platform/database/database.module.js';
import { ReratingError } from '../domain/rerating.errors.js';
import { ReratingRunsRepository, type ReratingRunRecord } from '../read-model/rerating-runs.repository.js';
import { ReratingService, type ReratingRequest } from './rerating.service.js';

/** Start a rerating run: a dry run, nothing appended. */
export class StartReratingRunCommand extends Command<ReratingRunRecord> {
  constructor(readonly request: ReratingRequest) {
    super();
  }
}

/** Apply a run: decide again on the state now and append what changed; a second apply changes nothing. */
export class ApplyReratingRunCommand extends Command<ReratingRunRecord> {
  constructor(readonly runId: string) {
    super();
  }
}

export class GetReratingRunQuery extends Query<ReratingRunRecord> {
  constructor(readonly runId: string) {
    super();
  }
}

export class ListReratingRunsQuery extends Query<ReratingRunRecord[]> {
  constructor(readonly limit: number) {
    super();
  }
}

@CommandHandler(StartReratingRunCommand)
export class StartReratingRunHandler implements ICommandHandler<StartReratingRunCommand> {
  constructor(private readonly rerating: ReratingService) {}

  execute({ request }: StartReratingRunCommand): Promise<ReratingRunRecord> {
    return this.rerating.dryRun(request);
  }
}

@CommandHandler(ApplyReratingRunCommand)
export class ApplyReratingRunHandler implements ICommandHandler<ApplyReratingRunCommand> {
  constructor(private readonly rerating: ReratingService) {}

  execute({ runId }: ApplyReratingRunCommand): Promise<ReratingRunRecord> {
    return this.rerating.apply(runId);
  }
}

@QueryHandler(GetReratingRunQuery)
export class GetReratingRunHandler implements IQueryHandler<GetReratingRunQuery> {
  constructor(
    @Inject(API_PG_POOL) private readonly pool: Pool,
    private readonly runs: ReratingRunsRepository,
  ) {}

  async execute({ runId }: GetReratingRunQuery): Promise<ReratingRunRecord> {
    const run = await this.runs.find(this.pool, runId);
    if (!run) throw new ReratingError('RERATING_RUN_NOT_FOUND', `no rerating run ${runId}`);
    return run;
  }
}

@QueryHandler(ListReratingRunsQuery)
export class ListReratingRunsHandler implements IQueryHandler<ListReratingRunsQuery> {
  constructor(
    @Inject(API_PG_POOL) private readonly pool: Pool,
    private readonly runs: ReratingRunsRepository,
  ) {}

  execute({ limit }: ListReratingRunsQuery): Promise<ReratingRunRecord[]> {
    return this.runs.list(this.pool, limit);
  }
}
