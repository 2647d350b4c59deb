/** A Kafka client setting that cannot be used; `variable` names the environment variable at fault. */
export class KafkaClientConfigError extends Error {
  override readonly name = 'KafkaClientConfigError';

  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
  }
}
