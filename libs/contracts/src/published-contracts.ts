import { z } from 'zod';
import { boltOnPurchaseSchema, messageSentSchema, MSISDN_PATTERN } from './inputs.js';
import { ratedMessageSchema } from './rated-message.schema.js';
import { deadLetterTopic, TOPICS } from './topics.js';

type JsonObject = Record<string, unknown>;

const SCHEMA_DIR = 'docs/schemas';
const ASYNCAPI_FILE = 'docs/asyncapi.json';

const schemaFile = (topic: string): string => `${SCHEMA_DIR}/${topic}.json`;

/** The input side of a zod schema: what a producer may send, before the ledger normalises it. */
function jsonSchemaOf(schema: z.ZodType, title: string, description: string): JsonObject {
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonObject;
  const { $schema, ...rest } = generated;
  return { $schema, title, description, ...rest };
}

/** Adds to an instant field what zod checks inside a transform, where JSON Schema cannot see it. */
function asInstant(schema: JsonObject, field: string): JsonObject {
  const properties = schema.properties as Record<string, JsonObject>;
  properties[field] = {
    ...properties[field],
    format: 'date-time',
    description: 'RFC 3339 with an offset (Z or +hh:mm); a real calendar instant in the years 0001 to 9999 once in UTC',
  };
  return schema;
}

function messageSentJsonSchema(): JsonObject {
  const schema = asInstant(
    jsonSchemaOf(
      messageSentSchema,
      TOPICS.messageSent,
      'One message an O2 SMSC or MMSC accepted (docs/CONTRACT.md section 2.1). Key: the sender MSISDN.',
    ),
    'sentAt',
  );
  // The kind/mms rule is a zod refinement, which JSON Schema generation cannot express.
  schema.allOf = [
    {
      if: { properties: { kind: { const: 'MMS' } } },
      then: { required: ['mms'], properties: { mms: { type: 'object' } } },
    },
    { if: { properties: { kind: { const: 'SMS' } } }, then: { properties: { mms: { type: 'null' } } } },
  ];
  return schema;
}

function boltOnPurchaseJsonSchema(): JsonObject {
  return asInstant(
    jsonSchemaOf(
      boltOnPurchaseSchema,
      TOPICS.boltOnPurchased,
      'One bolt-on a retail channel sold (docs/CONTRACT.md section 2.2). Key: the subscriber MSISDN.',
    ),
    'purchasedAt',
  );
}

function ratedMessageJsonSchema(): JsonObject {
  return jsonSchemaOf(
    ratedMessageSchema,
    TOPICS.messageRated,
    'One rated message: the charge of docs/CONTRACT.md section 5 and its globalPosition. Key: the sender MSISDN.',
  );
}

const msisdnKey = { type: 'string', pattern: MSISDN_PATTERN.source };

const kafkaMessageBinding = (key: JsonObject): JsonObject => ({ kafka: { key, bindingVersion: '0.5.0' } });

const channel = (address: string, description: string, message: string): JsonObject => ({
  address,
  description,
  messages: { [message]: { $ref: `#/components/messages/${message}` } },
  bindings: { kafka: { topic: address, bindingVersion: '0.5.0' } },
});

const DEAD_LETTER_HEADERS = {
  type: 'object',
  properties: {
    'ledger-reason': {
      type: 'string',
      enum: ['EMPTY_RECORD', 'TOO_LARGE', 'NOT_UTF8', 'NOT_JSON', 'INVALID_RECORD', 'UNKNOWN_VALUE'],
    },
    'ledger-detail': { type: 'string', description: 'what was wrong, in words' },
    'ledger-source-topic': { type: 'string', description: 'the input topic the record was read from' },
    'ledger-source-partition': { type: 'string', description: 'its partition, as decimal text' },
    'ledger-source-offset': { type: 'string', description: 'its offset, as decimal text (int64)' },
  },
  required: [
    'ledger-reason',
    'ledger-detail',
    'ledger-source-topic',
    'ledger-source-partition',
    'ledger-source-offset',
  ],
};

function asyncApiDocument(): JsonObject {
  const deadLetter = (topic: string): JsonObject =>
    channel(
      deadLetterTopic(topic),
      `Every record of ${topic} the ledger could not read, copied with its key and its bytes unchanged.`,
      'deadLetter',
    );
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'message-ledger',
      version: '1.0.0',
      description:
        'The Kafka topics the ledger reads and writes (docs/CONTRACT.md sections 2, 5 and 6). ' +
        'Every name is prefixed with KAFKA_TOPIC_PREFIX in an environment that sets it.',
    },
    defaultContentType: 'application/json',
    channels: {
      messageSent: channel(TOPICS.messageSent, 'Messages O2 SMSCs and MMSCs accepted, one record each.', 'messageSent'),
      boltOnPurchased: channel(TOPICS.boltOnPurchased, 'Bolt-ons sold by retail channels.', 'boltOnPurchased'),
      messageSentDeadLetters: deadLetter(TOPICS.messageSent),
      boltOnPurchasedDeadLetters: deadLetter(TOPICS.boltOnPurchased),
      messageRated: channel(
        TOPICS.messageRated,
        'Each rated message once, in the order the ledger recorded it per subscriber.',
        'messageRated',
      ),
    },
    operations: {
      readMessageSent: {
        action: 'receive',
        channel: { $ref: '#/channels/messageSent' },
        summary: 'The ledger rates every record, or rejects it with a reason.',
      },
      readBoltOnPurchased: {
        action: 'receive',
        channel: { $ref: '#/channels/boltOnPurchased' },
        summary: 'The ledger records every purchase, or rejects it with a reason.',
      },
      writeMessageSentDeadLetters: {
        action: 'send',
        channel: { $ref: '#/channels/messageSentDeadLetters' },
        summary: 'Unreadable records of network.message-sent.v1.',
      },
      writeBoltOnPurchasedDeadLetters: {
        action: 'send',
        channel: { $ref: '#/channels/boltOnPurchasedDeadLetters' },
        summary: 'Unreadable records of retail.bolt-on-purchased.v1.',
      },
      writeMessageRated: {
        action: 'send',
        channel: { $ref: '#/channels/messageRated' },
        summary:
          'The rated-message feed, read from the event store and published in Kafka transactions (read committed).',
      },
    },
    components: {
      messages: {
        messageSent: {
          name: 'MessageSent',
          contentType: 'application/json',
          payload: { $ref: `schemas/${TOPICS.messageSent}.json` },
          bindings: kafkaMessageBinding({ ...msisdnKey, description: 'the sender MSISDN' }),
        },
        boltOnPurchased: {
          name: 'BoltOnPurchased',
          contentType: 'application/json',
          payload: { $ref: `schemas/${TOPICS.boltOnPurchased}.json` },
          bindings: kafkaMessageBinding({ ...msisdnKey, description: 'the subscriber MSISDN' }),
        },
        deadLetter: {
          name: 'DeadLetter',
          contentType: 'application/octet-stream',
          summary: 'The unreadable record: its key and value exactly as read; why, in the headers.',
          headers: DEAD_LETTER_HEADERS,
          payload: { description: 'the original value, byte for byte (it may be empty, not UTF-8 or not JSON)' },
        },
        messageRated: {
          name: 'MessageRated',
          contentType: 'application/json',
          headers: {
            type: 'object',
            properties: {
              'ledger-feed-position': {
                type: 'string',
                pattern: '^[1-9][0-9]*$',
                description:
                  "the record's place in the live feed, an int64 as decimal text: 1, 2, 3… over all partitions, no gap, no repeat; absent on a replay",
              },
              'ledger-replay': {
                type: 'string',
                enum: ['true'],
                description: 'present on a record republished by `npm run ledger -- replay-feed`',
              },
              'ledger-replay-run': {
                type: 'string',
                description: 'the id of the replay run that republished the record',
              },
              'ledger-feed-too-large': {
                type: 'string',
                pattern: '^[1-9][0-9]*$',
                description:
                  'the size in bytes of a charge larger than the topic takes; the value is then {messageId, globalPosition, tooLarge: true} and the charge is read from GET /v1/messages/{messageId}',
              },
            },
          },
          payload: { $ref: `schemas/${TOPICS.messageRated}.json` },
          bindings: kafkaMessageBinding({ ...msisdnKey, description: 'the sender MSISDN' }),
        },
      },
    },
  };
}

/**
 * Every published contract file, by its path from the repository root, as the code defines it
 * today; `npm run contracts:generate` writes them and published-contracts.spec.ts compares.
 */
export function publishedContracts(): Map<string, JsonObject> {
  return new Map([
    [schemaFile(TOPICS.messageSent), messageSentJsonSchema()],
    [schemaFile(TOPICS.boltOnPurchased), boltOnPurchaseJsonSchema()],
    [schemaFile(TOPICS.messageRated), ratedMessageJsonSchema()],
    [ASYNCAPI_FILE, asyncApiDocument()],
  ]);
}
