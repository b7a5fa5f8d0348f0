import { Module } from '@nestjs/common';
import { ChangeGenerationsModule } from '../change-generations/change-generations';
import { BurstsRepository } from './bursts.repository';
import { BurstsService } from './bursts.service';
import { ClipsController } from './clips.controller';
import { ClipsRepository } from './clips.repository';
import { ClipsService } from './clips.service';

@Module({
  imports: [ChangeGenerationsModule],
  controllers: [ClipsController],
  providers: [ClipsRepository, ClipsService, BurstsRepository, BurstsService],
  exports: [ClipsService, BurstsService],
})
export class ClipsModule {}
