import { Module } from '@nestjs/common';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveriesService } from './deliveries.service';

/**
 * clip_deliveries (PRODUCT §13), the only table it writes. Ingestion hands it what a sync is
 * committing; channels serve the history from it.
 */
@Module({
  providers: [DeliveriesRepository, DeliveriesService],
  exports: [DeliveriesService],
})
export class DeliveriesModule {}
