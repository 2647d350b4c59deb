import zstdEncoder from '@bokuweb/zstd-wasm';
import { decompress as zstdDecompress } from 'fzstd';
import kafkajs from 'kafkajs';
import lz4 from 'lz4-napi';
import snappy from 'snappy';

const { CompressionCodecs, CompressionTypes } = kafkajs;

/** Every codec a Kafka record batch may be compressed with, by the names librdkafka and Java use. */
export const KAFKA_COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type KafkaCompression = (typeof KAFKA_COMPRESSIONS)[number];

const TYPES: Record<KafkaCompression, kafkajs.CompressionTypes> = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

export const compressionType = (name: KafkaCompression): kafkajs.CompressionTypes => TYPES[name];

/** The Java client frames snappy the way snappy-java's stream does; librdkafka sends it raw. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

export function snappyDecompress(buffer: Buffer): Buffer {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) {
    return snappy.uncompressSync(buffer) as Buffer;
  }
  const chunks: Buffer[] = [];
  for (let position = XERIAL_HEADER_BYTES; position < buffer.length;) {
    const size = buffer.readUInt32BE(position);
    position += 4;
    chunks.push(snappy.uncompressSync(buffer.subarray(position, position + size)) as Buffer);
    position += size;
  }
  return Buffer.concat(chunks);
}

/** Builds the xerial framing (one chunk) that the Java client writes; for tests of snappyDecompress. */
export function xerialSnappyFrame(payload: Buffer): Buffer {
  const chunk = snappy.compressSync(payload);
  const header = Buffer.alloc(XERIAL_HEADER_BYTES + 4);
  XERIAL_MAGIC.copy(header);
  header.writeUInt32BE(1, 8);
  header.writeUInt32BE(1, 12);
  header.writeUInt32BE(chunk.length, XERIAL_HEADER_BYTES);
  return Buffer.concat([header, chunk]);
}

/** The wasm encoder loads once, on the first zstd send. */
let zstdReady: Promise<void> | null = null;

/** A synchronous codec call as kafkajs wants it: a promise, rejected (not thrown) on corrupt bytes. */
const settle = <T>(work: () => T): Promise<T> => new Promise((resolve) => resolve(work()));

interface Encoder {
  buffer: Buffer;
}

const codecs = {
  [CompressionTypes.Snappy]: () => ({
    compress: (encoder: Encoder): Promise<Buffer> => settle(() => snappy.compressSync(encoder.buffer)),
    decompress: (buffer: Buffer): Promise<Buffer> => settle(() => snappyDecompress(buffer)),
  }),
  [CompressionTypes.LZ4]: () => ({
    compress: (encoder: Encoder): Promise<Buffer> => settle(() => lz4.compressFrameSync(encoder.buffer)),
    decompress: (buffer: Buffer): Promise<Buffer> => settle(() => lz4.decompressFrameSync(buffer)),
  }),
  [CompressionTypes.ZSTD]: () => ({
    compress: async (encoder: Encoder): Promise<Buffer> => {
      zstdReady ??= zstdEncoder.init();
      await zstdReady;
      return Buffer.from(zstdEncoder.compress(encoder.buffer, 3));
    },
    // fzstd, unlike the wasm build, reads frames that do not state their size, as librdkafka writes them.
    decompress: (buffer: Buffer): Promise<Buffer> => settle(() => Buffer.from(zstdDecompress(buffer))),
  }),
};

/** Teaches kafkajs (which reads only gzip by itself) every other codec; safe to call more than once. */
export function registerKafkaCodecs(): void {
  Object.assign(CompressionCodecs, codecs);
}
