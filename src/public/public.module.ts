import { Module } from '@nestjs/common';
import { ChangeGenerationsModule } from '../change-generations/change-generations';
import { PublicClipsRepository } from './public-clips.repository';
import { PublicClipsService } from './public-clips.service';
import { PublicController } from './public.controller';
import { PublicRateLimitGuard, publicRateLimiterProvider } from './public-rate-limit';

/** Routes open to the internet without a login: the landing page's clip feed (PRODUCT §14). */
@Module({
  imports: [ChangeGenerationsModule],
  controllers: [PublicController],
  providers: [
    PublicClipsRepository,
    PublicClipsService,
    publicRateLimiterProvider,
    PublicRateLimitGuard,
  ],
})
export class PublicModule {}
