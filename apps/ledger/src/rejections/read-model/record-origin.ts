/** Where an input came from: enough to find it again and to keep it when it is rejected. */
export interface RecordOrigin {
  readonly source: 'kafka' | 'api';
  readonly topic: string | null;
  readonly partition: number | null;
  readonly offset: string | null;
  readonly key: string | null;
  readonly payload: Buffer;
}

export interface Rejection {
  readonly origin: RecordOrigin;
  readonly reason: string;
  readonly detail: string;
}
