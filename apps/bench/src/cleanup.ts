import type kafkajs from 'kafkajs';
import pg from 'pg';
import type { BenchConfig } from './bench-config.js';

/** Drops every database, topic and consumer group this run made; what fails to go is named, not fatal. */
export async function cleanUp(kafka: kafkajs.Kafka, config: BenchConfig): Promise<string[]> {
  const problems: string[] = [];
  const admin = new pg.Client({ connectionString: config.postgresUrl });
  try {
    await admin.connect();
    const databases = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `ledger_bench_${config.runId}_%`,
    ]);
    for (const { datname } of databases.rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } catch (error) {
    problems.push(`databases ledger_bench_${config.runId}_*: ${(error as Error).message}`);
  } finally {
    await admin.end().catch(() => undefined);
  }
  const kafkaAdmin = kafka.admin();
  try {
    await kafkaAdmin.connect();
    const mine = (name: string): boolean => name.startsWith(`bench-${config.runId}-`);
    const topics = (await kafkaAdmin.listTopics()).filter(mine);
    if (topics.length > 0) await kafkaAdmin.deleteTopics({ topics });
    const groups = (await kafkaAdmin.listGroups()).groups.map((group) => group.groupId).filter(mine);
    if (groups.length > 0) await kafkaAdmin.deleteGroups(groups);
  } catch (error) {
    problems.push(`topics and groups bench-${config.runId}-*: ${(error as Error).message}`);
  } finally {
    await kafkaAdmin.disconnect().catch(() => undefined);
  }
  return problems;
}
