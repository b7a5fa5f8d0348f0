import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { ChangeGenerationsReader } from '../change-generations/change-generations';
import { AppConfig } from '../config/configuration';
import { PublicClipsCache } from './public-clips.cache';
import { PublicClipsRepository } from './public-clips.repository';

@Injectable()
export class PublicClipsService {
  private readonly cache: PublicClipsCache;

  constructor(
    repository: PublicClipsRepository,
    generations: ChangeGenerationsReader,
    config: ConfigService<AppConfig, true>,
  ) {
    this.cache = new PublicClipsCache(
      (limit) => repository.newest(limit),
      async () => (await generations.read()).clips,
      config.get('publicClips', { infer: true }).refreshSeconds * 1000,
    );
  }

  /**
   * The JSON bytes of `{"data":[…]}` (PublicClipsDto's shape): the newest `limit` clips of
   * active streamers, at most refreshSeconds behind the last commit (src/public/public-clips.cache.ts).
   */
  newestJson(limit: number): Promise<Buffer> {
    return this.cache.answer(limit);
  }
}
