import { whileTopicsPropagate } from './topic-propagation.js';

const kafkaError = (type: string): Error => Object.assign(new Error(type), { type });

describe('whileTopicsPropagate', () => {
  it('given a broker that does not know the new topics yet, runs the work again until it does', async () => {
    let calls = 0;
    const retried: string[] = [];
    const result = await whileTopicsPropagate(
      () => (++calls < 3 ? Promise.reject(kafkaError('UNKNOWN_TOPIC_OR_PARTITION')) : Promise.resolve('subscribed')),
      (error) => retried.push(error.message),
    );
    expect(result).toBe('subscribed');
    expect(retried).toEqual(['UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_OR_PARTITION']);
  });

  it('throws any other error at once', async () => {
    let calls = 0;
    const refused = () => {
      calls += 1;
      return Promise.reject(kafkaError('TOPIC_AUTHORIZATION_FAILED'));
    };
    await expect(whileTopicsPropagate(refused, () => undefined)).rejects.toThrow('TOPIC_AUTHORIZATION_FAILED');
    expect(calls).toBe(1);
  });

  it('gives up after its time', async () => {
    const never = () => Promise.reject(kafkaError('LEADER_NOT_AVAILABLE'));
    await expect(whileTopicsPropagate(never, () => undefined, 0)).rejects.toThrow('LEADER_NOT_AVAILABLE');
  });
});
