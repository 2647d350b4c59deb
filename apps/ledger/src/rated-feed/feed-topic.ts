import kafkajs from 'kafkajs';
import type { Logger } from '@nestjs/common';
import { keyPartitioner } from '@ledger/app/platform/kafka/key-partitioner.js';
import { asReference, largestRecordBytes, recordBytes, type OutgoingFeedRecord } from './feed-records.js';
import type { FeedRow } from './read-model/rated-feed.repository.js';

/** Bytes per partition per send; under the broker's default max.message.bytes (1 MiB) with room to spare. */
const SEND_BYTES = 512 * 1024;
/** When the topic's max.message.bytes cannot be read: Kafka's default. */
const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** What a publisher of the feed needs to know of its topic. */
export interface FeedTopic {
  /** The partition of a key, as Kafka's default partitioner (murmur2) places it. */
  partitionFor(key: string): number;
  /** Bytes per partition in one send. */
  readonly sendBytes: number;
  /** The largest record the topic takes. */
  readonly largestRecord: number;
}

/** Reads the feed topic's partitions and max.message.bytes. */
export async function readFeedTopic(admin: kafkajs.Admin, topic: string, logger: Logger): Promise<FeedTopic> {
  const [offsets, maxMessageBytes] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    maxMessageBytesOf(admin, topic, logger),
  ]);
  const { partitionFor } = keyPartitioner(topic, offsets);
  return {
    partitionFor,
    sendBytes: Math.min(SEND_BYTES, maxMessageBytes),
    largestRecord: largestRecordBytes(maxMessageBytes),
  };
}

async function maxMessageBytesOf(admin: kafkajs.Admin, topic: string, logger: Logger): Promise<number> {
  try {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configNames: ['max.message.bytes'] }],
    });
    const value = Number(described.resources[0]?.configEntries[0]?.configValue);
    return Number.isFinite(value) && value > 0 ? value : DEFAULT_MAX_MESSAGE_BYTES;
  } catch (error) {
    logger.warn(`could not read max.message.bytes of ${topic}: ${(error as Error).message}; assuming Kafka's default`);
    return DEFAULT_MAX_MESSAGE_BYTES;
  }
}

/**
 * The records of feed rows, placed on their partitions; a charge larger than the topic takes goes
 * as a reference (the broker would refuse it for ever, and the feed must go on).
 */
export function feedRecords(
  rows: readonly FeedRow[],
  topic: FeedTopic,
  headersOf: (row: FeedRow, index: number) => Record<string, string>,
  onTooLarge: (row: FeedRow, bytes: number) => void,
): OutgoingFeedRecord[] {
  return rows.map((row, index) => {
    const record = {
      partition: topic.partitionFor(row.key),
      key: row.key,
      value: row.payload,
      headers: headersOf(row, index),
    };
    const bytes = recordBytes(record);
    if (bytes <= topic.largestRecord) return record;
    onTooLarge(row, bytes);
    return asReference(record);
  });
}
