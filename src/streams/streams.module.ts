import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { secretBoxProvider } from '../common/crypto/secret-box';
import { StreamerEntity } from './entities/streamer.entity';
import { StreamsController } from './streams.controller';
import { StreamsRepository } from './streams.repository';
import { StreamsService } from './streams.service';

/**
 * Monitored streamers. The SecretBox stays private to this module: client secrets are encrypted
 * and decrypted by StreamsService only, and other modules (ingestion) ask it for credentials.
 */
@Module({
  imports: [TypeOrmModule.forFeature([StreamerEntity])],
  controllers: [StreamsController],
  providers: [StreamsRepository, StreamsService, secretBoxProvider],
  exports: [StreamsService],
})
export class StreamsModule {}
