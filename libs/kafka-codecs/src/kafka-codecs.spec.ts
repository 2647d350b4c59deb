import kafkajs from 'kafkajs';
import {
  KAFKA_COMPRESSIONS,
  compressionType,
  registerKafkaCodecs,
  snappyDecompress,
  xerialSnappyFrame,
} from './index.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

describe('the Kafka codecs', () => {
  beforeAll(() => registerKafkaCodecs());

  const batch = Buffer.from(JSON.stringify(Array.from({ length: 500 }, (_, index) => ({ messageId: `M-${index}` }))));

  it.each(KAFKA_COMPRESSIONS.filter((name) => name !== 'none'))('round-trips a batch through %s', async (name) => {
    const codec = (CompressionCodecs as unknown as Record<number, () => Codec>)[compressionType(name)]();
    const compressed = await codec.compress({ buffer: batch });
    expect(compressed.length).toBeLessThan(batch.length);
    expect((await codec.decompress(compressed)).equals(batch)).toBe(true);
  });

  it('reads snappy as the Java client frames it (xerial) and as librdkafka sends it (raw)', async () => {
    const codec = (CompressionCodecs as unknown as Record<number, () => Codec>)[CompressionTypes.Snappy]();
    expect(snappyDecompress(xerialSnappyFrame(batch)).equals(batch)).toBe(true);
    expect((await codec.decompress(xerialSnappyFrame(batch))).equals(batch)).toBe(true);
    expect((await codec.decompress(await codec.compress({ buffer: batch }))).equals(batch)).toBe(true);
  });

  it('fails loudly on bytes that are not what the batch says', async () => {
    const codecs = CompressionCodecs as unknown as Record<number, () => Codec>;
    for (const type of [CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]) {
      await expect(codecs[type]().decompress(Buffer.from('not compressed at all'))).rejects.toThrow();
    }
  });
});
