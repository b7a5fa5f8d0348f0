import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ChannelsModule } from '../channels/channels.module';
import { ClipsModule } from '../clips/clips.module';
import { eventLogProvider } from './event-log';
import { eventTicketStoreProvider, EventTicketsService } from './event-tickets';
import { EventsAuthGuard } from './events-auth.guard';
import { EventsController } from './events.controller';
import { EventsHub } from './events.hub';
import { EventsPublisher } from './events.publisher';

/**
 * The live feed (PRODUCT §17): `GET /events` and its tickets in api processes, EventsPublisher
 * for ingestion wherever a worker runs, the event log (Redis Stream or memory ring) between them.
 */
@Module({
  imports: [AuthModule, ChannelsModule, ClipsModule],
  controllers: [EventsController],
  providers: [
    eventLogProvider,
    eventTicketStoreProvider,
    EventTicketsService,
    EventsAuthGuard,
    EventsHub,
    EventsPublisher,
  ],
  exports: [EventsPublisher],
})
export class EventsModule {}
