import { Injectable } from '@nestjs/common';
import type { LedgerEvent } from '@ledger/contracts';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Decision as RatingDecision } from '@ledger/rating';

/** What the writer answers per input: a rating decision, or why it could not be rated. */
type Decision = RatingDecision | { outcome: 'unrated'; reason: string; detail: string };

export const RATED_OUTCOMES = ['charged', 'recorded', 'rejected', 'repeat', 'conflict', 'unrated'] as const;
export type RatedOutcome = (typeof RATED_OUTCOMES)[number];

/** One slice of a partition, as it was committed. */
export interface CommittedSlice {
  readonly topic: string;
  /** Records in the slice, including any recorded before (a redelivery). */
  readonly size: number;
  /** Records new to the ledger. */
  readonly recorded: number;
  /** Why each new record that could not be read was rejected. */
  readonly unreadable: readonly string[];
  /** The rating decision of each new readable record. */
  readonly decisions: readonly Decision[];
  readonly seconds: number;
}

/** prom-client default gauges whose _total suffix breaks Prometheus naming. */
const LINTED_DEFAULT_GAUGES = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

/**
 * The service's Prometheus metrics, in a registry of its own (so two instances in one process,
 * as in the tests, never collide), with Node's default process metrics.
 */
@Injectable()
export class LedgerMetrics {
  readonly registry = new Registry();

  private readonly recordsConsumed = new Counter({
    name: 'ledger_records_consumed_total',
    help: 'Records read from Kafka and recorded by the ledger for the first time (redeliveries not counted)',
    labelNames: ['topic'] as const,
    registers: [this.registry],
  });

  private readonly recordsRated = new Counter({
    name: 'ledger_records_rated_total',
    help: 'Readable records by rating outcome (a bolt-on purchased counts as charged)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  private readonly recordsRejected = new Counter({
    name: 'ledger_records_rejected_total',
    help: 'Records that went to the rejections, unreadable or rejected by rating, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly batchSize = new Histogram({
    name: 'ledger_batch_size',
    help: 'Records per committed slice of a partition',
    buckets: [1, 5, 10, 25, 50, 100, 250, 500, 1000, 2000],
    registers: [this.registry],
  });

  private readonly offsetGaps = new Counter({
    name: 'ledger_ingest_offset_gaps_total',
    help: 'Offset discontinuities found on an input partition (records deleted unread, or offsets gone back)',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });

  private readonly partitionStalled = new Gauge({
    name: 'ledger_partition_stalled',
    help: '1 while an input partition has lag and its recorded offset has not advanced for HEALTH_STALLED_PARTITION_SECONDS',
    labelNames: ['topic', 'partition'] as const,
    registers: [this.registry],
  });

  private readonly batchDuration = new Histogram({
    name: 'ledger_batch_duration_seconds',
    help: 'Time to decode, rate and commit one slice of a partition',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly httpRequests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  private readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer an HTTP request, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters, which `promtool check metrics` flags; nodejs_active_*{type} without _total stay.
    for (const name of LINTED_DEFAULT_GAUGES) this.registry.removeSingleMetric(name);
    // Every outcome is a series from the start, so a rate over it never begins with a gap.
    for (const outcome of RATED_OUTCOMES) this.recordsRated.labels({ outcome }).inc(0);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition; gauges read at scrape time refresh themselves first. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  offsetGapDetected(topic: string, partition: number): void {
    this.offsetGaps.labels({ topic, partition: String(partition) }).inc();
  }

  partitionStalledIs(topic: string, partition: number, stalled: boolean): void {
    this.partitionStalled.labels({ topic, partition: String(partition) }).set(stalled ? 1 : 0);
    // The gap counter of every partition is a series from the start, so increase() sees its first gap.
    this.offsetGaps.labels({ topic, partition: String(partition) }).inc(0);
  }

  sliceCommitted(slice: CommittedSlice): void {
    this.batchSize.observe(slice.size);
    this.batchDuration.observe(slice.seconds);
    if (slice.recorded > 0) this.recordsConsumed.labels({ topic: slice.topic }).inc(slice.recorded);
    for (const reason of slice.unreadable) this.recordsRejected.labels({ reason }).inc();
    for (const decision of slice.decisions) {
      const { outcome, rejection } = outcomeOf(decision);
      this.recordsRated.labels({ outcome }).inc();
      if (rejection) this.recordsRejected.labels({ reason: rejection }).inc();
    }
  }

  httpRequestAnswered(method: string, route: string, status: number, seconds: number): void {
    this.httpRequests.labels({ method, route, status: String(status) }).inc();
    this.httpDuration.labels({ method, route }).observe(seconds);
  }
}

/** The outcome label of a decision, and the reason when it ends in the rejections. */
function outcomeOf(decision: Decision): { outcome: RatedOutcome; rejection: string | null } {
  switch (decision.outcome) {
    case 'repeat':
      return { outcome: 'repeat', rejection: null };
    case 'conflict':
      return { outcome: 'conflict', rejection: decision.reason };
    case 'unrated':
      return { outcome: 'unrated', rejection: decision.reason };
    case 'new':
      return outcomeOfEvent(decision.events[0]);
  }
}

function outcomeOfEvent(event: LedgerEvent): { outcome: RatedOutcome; rejection: string | null } {
  switch (event.type) {
    case 'MessageCharged':
    case 'BoltOnPurchased':
      return { outcome: 'charged', rejection: null };
    case 'MessageRerated':
      // Ingest decides first ratings only; a rerating is appended by a run, never by a slice.
      throw new Error('a rating decision cannot append MessageRerated');
    case 'MessageRecorded':
      return { outcome: 'recorded', rejection: null };
    case 'MessageRejected':
    case 'BoltOnPurchaseRejected':
      return { outcome: 'rejected', rejection: event.data.reason };
  }
}
