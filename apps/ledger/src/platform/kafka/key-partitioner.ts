import kafkajs from 'kafkajs';

/** Where a key goes among a topic's partitions, as Kafka's default partitioner (murmur2) places it. */
export interface KeyPartitioner {
  readonly partitions: number;
  readonly partitionFor: (key: Buffer | string) => number;
}

/** The partitioner of a topic whose partitions are known by their ids (as `fetchTopicOffsets` lists them). */
export function keyPartitioner(topic: string, partitions: readonly { partition: number }[]): KeyPartitioner {
  // What the partitioner needs to place a key: only the partitions' ids count.
  const partitionMetadata = partitions.map(({ partition }) => ({
    partitionId: partition,
    leader: 0,
    replicas: [0],
    isr: [0],
    partitionErrorCode: 0,
  }));
  const partitioner = kafkajs.Partitioners.DefaultPartitioner();
  return {
    partitions: partitionMetadata.length,
    partitionFor: (key) => partitioner({ topic, partitionMetadata, message: { key, value: null } }),
  };
}
