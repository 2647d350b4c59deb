import { Module } from '@nestjs/common';
import { RatedFeedRelay } from './rated-feed-relay.service.js';
import { RatedFeedMetrics } from './rated-feed.metrics.js';
import { RatedFeedRepository } from './read-model/rated-feed.repository.js';

const repositories = [RatedFeedRepository];
const services = [RatedFeedMetrics, RatedFeedRelay];

/** The rated-message feed: read from the event store and published to Kafka by one relay at a time (docs/FEED.md). */
@Module({ providers: [...repositories, ...services] })
export class RatedFeedModule {}
