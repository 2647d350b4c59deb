import { Module } from '@nestjs/common';
import { OutboxRepository } from './read-model/outbox.repository.js';
import { RatedMessageRelay } from './rated-message-relay.service.js';

const repositories = [OutboxRepository];
const services = [RatedMessageRelay];

/** The rated-message feed: the outbox the writer fills, and the relay that publishes it to Kafka. */
@Module({ providers: [...repositories, ...services], exports: repositories })
export class RatedFeedModule {}
