import type kafkajs from 'kafkajs';
import { assertAnswered, sendAnswered, sendBatchAnswered, unanswered } from './answered-send.js';

const message = (partition: number | undefined, value: string): kafkajs.Message => ({ partition, value });
const answer = (topicName: string, partition: number, baseOffset: string): kafkajs.RecordMetadata => ({
  topicName,
  partition,
  errorCode: 0,
  baseOffset,
});

/** What kafkajs 2.2.4 resolves when a broker died under the request: no answer for the partitions it led. */
function droppingOnce(dropped: number) {
  const calls: kafkajs.TopicMessages[][] = [];
  const sendBatch = (batch: kafkajs.ProducerBatch): Promise<kafkajs.RecordMetadata[]> => {
    const topicMessages = batch.topicMessages ?? [];
    calls.push(topicMessages);
    const partitions = topicMessages.flatMap(({ topic, messages }) => [
      ...new Set(messages.map(({ partition }) => `${topic}:${partition}`)),
    ]);
    return Promise.resolve(
      partitions
        .map((where) => where.split(':'))
        .filter(([, partition]) => calls.length > 1 || Number(partition) !== dropped)
        .map(([topic, partition]) => answer(topic, Number(partition), '0')),
    );
  };
  return { calls, sendBatch };
}

describe('sendBatchAnswered', () => {
  it('given a send that left a partition unanswered, sends that partition again, in order, and only it', async () => {
    const { calls, sendBatch } = droppingOnce(1);
    const left: number[] = [];
    const answers = await sendBatchAnswered(
      sendBatch,
      {
        acks: -1,
        topicMessages: [
          { topic: 'feed', messages: [message(0, 'a'), message(1, 'b'), message(0, 'c'), message(1, 'd')] },
        ],
      },
      (count) => left.push(count),
    );
    expect(calls).toHaveLength(2);
    expect(calls[1]).toEqual([{ topic: 'feed', messages: [message(1, 'b'), message(1, 'd')] }]);
    expect(answers.map(({ partition }) => partition).sort()).toEqual([0, 1]);
    expect(left).toEqual([2]);
  });

  it('given every partition answered, sends once', async () => {
    const { calls, sendBatch } = droppingOnce(-1);
    await sendBatchAnswered(sendBatch, { topicMessages: [{ topic: 'dlq', messages: [message(2, 'x')] }] });
    expect(calls).toHaveLength(1);
  });

  it('gives up, saying how many, when a partition stays unanswered', async () => {
    const never = (): Promise<kafkajs.RecordMetadata[]> => Promise.resolve([]);
    await expect(
      sendBatchAnswered(never, { topicMessages: [{ topic: 't', messages: [message(0, 'x')] }] }),
    ).rejects.toThrow('kafkajs left 1 messages unanswered after 10 sends');
  });
});

describe('sendAnswered', () => {
  it('sends the unanswered part of a one-topic record again as a record of that topic', async () => {
    const records: kafkajs.ProducerRecord[] = [];
    const send = (record: kafkajs.ProducerRecord): Promise<kafkajs.RecordMetadata[]> => {
      records.push(record);
      return Promise.resolve(records.length === 1 ? [answer('feed', 0, '7')] : [answer('feed', 1, '3')]);
    };
    const answers = await sendAnswered(send, { topic: 'feed', acks: -1, messages: [message(0, 'a'), message(1, 'b')] });
    expect(records).toEqual([
      { topic: 'feed', acks: -1, messages: [message(0, 'a'), message(1, 'b')] },
      { topic: 'feed', acks: -1, messages: [message(1, 'b')] },
    ]);
    expect(answers).toHaveLength(2);
  });
});

describe('unanswered', () => {
  it('keeps the messages of partitions without an answer; a message placed by kafkajs cannot be checked', () => {
    expect(
      unanswered(
        [
          { topic: 'a', messages: [message(0, '1'), message(1, '2'), message(undefined, '3')] },
          { topic: 'b', messages: [message(0, '4')] },
        ],
        [answer('a', 0, '0'), answer('b', 0, '0')],
      ),
    ).toEqual([{ topic: 'a', messages: [message(1, '2')] }]);
  });
});

describe('assertAnswered', () => {
  const record = { topic: 'feed', messages: [message(0, 'a'), message(1, 'b')] };

  it('passes when every partition was answered', () => {
    expect(() => assertAnswered(record, [answer('feed', 0, '1'), answer('feed', 1, '4')])).not.toThrow();
  });

  it('throws, saying how many, when one was not: the transaction is aborted and sent again', () => {
    expect(() => assertAnswered(record, [answer('feed', 0, '1')])).toThrow(
      'kafkajs left 1 messages to feed unanswered after a leader change',
    );
  });
});
