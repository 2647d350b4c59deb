import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import kafkajs from 'kafkajs';
import type { HistoryLine } from './reference-ledger.js';

const { Kafka, logLevel } = kafkajs;

/** Runs `work` over `items`, at most `limit` at a time. */
export async function inPool<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++];
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
}

/** The path of an executable on PATH, or null. */
export function onPath(command: string): string | null {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (!directory) continue;
    const candidate = join(directory, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** Produces `key<TAB>value` lines with kcat, as an operator would from a shell; resolves once all are acknowledged. */
export async function produceWithKcat(
  kcat: string,
  brokers: string,
  topic: string,
  records: readonly { key: string; value: string }[],
): Promise<void> {
  const child = spawn(kcat, ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-X', 'acks=all'], {
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  for (const { key, value } of records) {
    if (/[\t\n]/.test(key + value)) throw new Error(`a record for kcat holds a tab or newline: ${key}`);
  }
  child.stdin.end(records.map(({ key, value }) => `${key}\t${value}\n`).join(''));
  const code = await exited;
  if (code !== 0) throw new Error(`kcat exited with ${code}: ${stderr}`);
}

/** The end offset of every partition of a topic, straight from the broker. */
export async function highWatermarks(brokers: string, topic: string): Promise<Map<number, bigint>> {
  const kafka = new Kafka({ clientId: 'scenario-offsets', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return new Map(offsets.map((offset) => [offset.partition, BigInt(offset.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** The paths at which two JSON values differ, with both sides, at most `max` of them. */
export function differences(expected: unknown, actual: unknown, path = '', max = 12): string[] {
  const found: string[] = [];
  const walk = (e: unknown, a: unknown, at: string): void => {
    if (found.length >= max) return;
    if (e !== null && a !== null && typeof e === 'object' && typeof a === 'object') {
      if (Array.isArray(e) !== Array.isArray(a)) {
        found.push(`${at || '.'}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`);
        return;
      }
      const keys = new Set([...Object.keys(e), ...Object.keys(a)]);
      for (const key of keys) {
        walk(
          (e as Record<string, unknown>)[key],
          (a as Record<string, unknown>)[key],
          `${at}${Array.isArray(e) ? `[${key}]` : `.${key}`}`,
        );
      }
      return;
    }
    if (JSON.stringify(e) !== JSON.stringify(a)) {
      found.push(`${at || '.'}: expected ${JSON.stringify(e)}, got ${JSON.stringify(a)}`);
    }
  };
  walk(expected, actual, path);
  return found;
}

export interface Mismatch {
  /** What was compared, e.g. `message MMSC1-20030402-000017`. */
  what: string;
  /** The subscriber whose history explains it. */
  msisdn: string | null;
  lines: string[];
}

/** A readable report of the first few mismatches, with the history of the subscriber of the first. */
export function report(
  title: string,
  mismatches: readonly Mismatch[],
  historyOf: (msisdn: string) => HistoryLine[],
  shown = 5,
): string {
  const parts = [`${title}: ${mismatches.length} mismatch(es); the first ${Math.min(shown, mismatches.length)}:`];
  for (const mismatch of mismatches.slice(0, shown)) {
    parts.push(`- ${mismatch.what}${mismatch.msisdn ? ` (subscriber ${mismatch.msisdn})` : ''}`);
    parts.push(...mismatch.lines.map((line) => `    ${line}`));
  }
  const first = mismatches.find((mismatch) => mismatch.msisdn !== null);
  if (first?.msisdn) {
    const history = historyOf(first.msisdn);
    parts.push(`History of ${first.msisdn} as the reference recorded it (${history.length} inputs, last 60):`);
    parts.push(...history.slice(-60).map((line) => `    #${line.step} ${line.input} => ${line.outcome}`));
  }
  return parts.join('\n');
}
