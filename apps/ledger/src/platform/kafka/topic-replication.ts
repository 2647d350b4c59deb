import { ConfigurationError } from '@ledger/app/platform/config/ledger-config.js';

export interface TopicReplication {
  readonly replicationFactor: number;
  readonly minInsyncReplicas: number;
}

/**
 * How the service creates a missing topic on a cluster of `brokers` brokers: as configured, else
 * what the cluster allows (3 replicas and min.insync.replicas 2 from three brokers up, else one
 * replica per broker and 1), so that acks=-1 survives the loss of a broker wherever it can.
 */
export function topicReplication(
  brokers: number,
  configured: { replicationFactor: number | undefined; minInsyncReplicas: number | undefined },
): TopicReplication {
  const replicationFactor = configured.replicationFactor ?? Math.min(3, Math.max(brokers, 1));
  if (replicationFactor > brokers) {
    throw new ConfigurationError(
      `KAFKA_REPLICATION_FACTOR=${replicationFactor} but the cluster has ${brokers} broker${brokers === 1 ? '' : 's'}`,
    );
  }
  const minInsyncReplicas = configured.minInsyncReplicas ?? (replicationFactor >= 3 ? 2 : 1);
  if (minInsyncReplicas > replicationFactor) {
    throw new ConfigurationError(
      `KAFKA_MIN_INSYNC_REPLICAS=${minInsyncReplicas} is more than the replication factor ${replicationFactor}: ` +
        'no write with acks=-1 could succeed',
    );
  }
  return { replicationFactor, minInsyncReplicas };
}
