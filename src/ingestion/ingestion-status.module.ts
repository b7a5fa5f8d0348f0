import { Module } from '@nestjs/common';
import { IngestionStatusService, ingestionStatusStoreProvider } from './ingestion-status.service';

/**
 * Worker liveness and cycle progress (Redis, or memory without Redis), on its own so that readers
 * outside ingestion — `/health/worker` — import it explicitly; IngestionModule imports it too, so
 * every module of a process shares one IngestionStatusService.
 */
@Module({
  providers: [IngestionStatusService, ingestionStatusStoreProvider],
  exports: [IngestionStatusService],
})
export class IngestionStatusModule {}
