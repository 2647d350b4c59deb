import { ConfigurationError } from '@ledger/app/platform/config/ledger-config.js';
import { topicReplication } from './topic-replication.js';

const unset = { replicationFactor: undefined, minInsyncReplicas: undefined };

describe('topicReplication', () => {
  it.each([
    [1, 1, 1],
    [2, 2, 1],
    [3, 3, 2],
    [5, 3, 2],
  ])('defaults on %i brokers to %i replicas and min.insync.replicas %i', (brokers, replicationFactor, minIsr) => {
    expect(topicReplication(brokers, unset)).toEqual({ replicationFactor, minInsyncReplicas: minIsr });
  });

  it('takes what is configured', () => {
    expect(topicReplication(5, { replicationFactor: 5, minInsyncReplicas: 3 })).toEqual({
      replicationFactor: 5,
      minInsyncReplicas: 3,
    });
    expect(topicReplication(3, { replicationFactor: 2, minInsyncReplicas: undefined }).minInsyncReplicas).toBe(1);
  });

  it('refuses more replicas than brokers, naming the variable', () => {
    expect(() => topicReplication(1, { ...unset, replicationFactor: 3 })).toThrow(ConfigurationError);
    expect(() => topicReplication(1, { ...unset, replicationFactor: 3 })).toThrow(
      'KAFKA_REPLICATION_FACTOR=3 but the cluster has 1 broker',
    );
  });

  it('refuses a min.insync.replicas no acks=-1 write could meet', () => {
    expect(() => topicReplication(3, { replicationFactor: 2, minInsyncReplicas: 3 })).toThrow(
      'KAFKA_MIN_INSYNC_REPLICAS=3 is more than the replication factor 2',
    );
  });
});
