import type { QueryRunner } from 'typeorm';

/** What a migration hands a read model's DDL functions: the one call they make. */
export type SchemaRunner = Pick<QueryRunner, 'query'>;
