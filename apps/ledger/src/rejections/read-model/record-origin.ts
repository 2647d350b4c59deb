/** Where an input came from: enough to find it again and to keep it when it is rejected. */
export interface RecordOrigin {
  readonly source: 'kafka' | 'api';
  readonly topic: string | null;
  readonly partition: number | null;
  readonly offset: string | null;
  /** The record's key as Kafka gave it: bytes, neither necessarily UTF-8 nor free of NUL. */
  readonly key: Buffer | null;
  readonly payload: Buffer;
}

export interface Rejection {
  readonly origin: RecordOrigin;
  readonly reason: string;
  readonly detail: string;
}
