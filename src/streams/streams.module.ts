import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { secretBoxProvider } from '../common/crypto/secret-box';
import { StreamerEntity } from './entities/streamer.entity';
import { StreamerImportService } from './streamer-import.service';
import { StreamerSyncService } from './streamer-sync.service';
import { StreamsController } from './streams.controller';
import { StreamsRepository } from './streams.repository';
import { StreamsService } from './streams.service';

/**
 * Monitored streamers, through three services: StreamsService (the API's /streams and the
 * streamer an attach creates), StreamerSyncService (what ingestion and the imports' clips read and
 * write) and StreamerImportService (the imports' merge of a streamer row). The SecretBox stays
 * private to this module: client secrets are encrypted and decrypted here only, and other modules
 * (ingestion) ask StreamerSyncService for credentials.
 */
@Module({
  imports: [TypeOrmModule.forFeature([StreamerEntity])],
  controllers: [StreamsController],
  providers: [
    StreamsRepository,
    StreamsService,
    StreamerSyncService,
    StreamerImportService,
    secretBoxProvider,
  ],
  exports: [StreamsService, StreamerSyncService, StreamerImportService],
})
export class StreamsModule {}
