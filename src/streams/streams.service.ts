import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SecretBox } from '../common/crypto/secret-box';
import { NotFoundError, ValidationFailedError } from '../common/errors/domain.error';
import { CreateStreamerDto } from './dto/create-streamer.dto';
import { StreamerDto } from './dto/streamer.dto';
import { ApiMode } from './entities/streamer.entity';
import { credentialProblems, DEFAULT_API_MODE, newStreamerRow } from './streamer-rules';
import { StreamerRecord, StreamsRepository } from './streams.repository';

/** What an attach knows of a streamer it may have to create. */
export interface AttachStreamerInput {
  twitchUserId: string;
  displayName: string | null;
  avatarUrl: string | null;
  /** Admins only; an existing streamer keeps its own. */
  apiMode: ApiMode | null;
  managed: boolean;
}

/**
 * The streamers the API manages: `/streams` (list, create, delete) and the streamer a user's
 * attach may create. Ingestion's reads and writes are StreamerSyncService's, the CSV and legacy
 * imports' merge StreamerImportService's.
 */
@Injectable()
export class StreamsService {
  private readonly logger = new Logger(StreamsService.name);

  constructor(
    private readonly streamers: StreamsRepository,
    private readonly secretBox: SecretBox,
  ) {}

  async list(): Promise<StreamerDto[]> {
    return (await this.streamers.listOrderedByDisplayName()).map(toStreamerDto);
  }

  /**
   * Creates a streamer: throws ValidationFailedError when the credential rules are broken and
   * StreamerAlreadyExistsError (409) for a known twitch_user_id. The client secret is encrypted
   * before it leaves this method and is never logged.
   */
  async create(input: CreateStreamerDto): Promise<StreamerDto> {
    const problems = credentialProblems(input);
    if (problems.length > 0) throw new ValidationFailedError(problems);

    const created = await this.streamers.insert(newStreamerRow(input, this.secretBox));
    this.logger.log(
      {
        streamerId: created.id,
        twitchUserId: created.twitchUserId,
        apiMode: created.apiMode,
        hasClientCredentials: created.hasClientCredentials,
      },
      'streamer_created',
    );
    return toStreamerDto(created);
  }

  /**
   * For a user's attach (PRODUCT §12), in the caller's transaction: the streamer with this
   * twitch_user_id, created with the defaults (180 s / 2 clips / clipador_only, or the admin's
   * api_mode) when it does not exist. `managed` is false when a viewer's attach creates it (§16).
   * An existing streamer's settings are never changed.
   */
  async findOrCreateForAttach(
    manager: EntityManager,
    input: AttachStreamerInput,
  ): Promise<{ id: number; created: boolean }> {
    const apiMode = input.apiMode ?? DEFAULT_API_MODE;
    const problems = credentialProblems({ api_mode: apiMode });
    if (problems.length > 0) throw new ValidationFailedError(problems);
    const result = await this.streamers.findOrInsertForAttach(
      manager,
      newStreamerRow(
        {
          twitch_user_id: input.twitchUserId,
          display_name: input.displayName,
          avatar_url: input.avatarUrl,
          api_mode: apiMode,
        },
        this.secretBox,
      ),
      input.managed,
    );
    if (result.created) {
      this.logger.log(
        {
          streamerId: result.id,
          twitchUserId: input.twitchUserId,
          apiMode,
          managed: input.managed,
        },
        'streamer_created_by_attach',
      );
    }
    return result;
  }

  /** Whether a streamer with this twitch_user_id exists. */
  existsByTwitchUserId(twitchUserId: string): Promise<boolean> {
    return this.streamers.existsByTwitchUserId(twitchUserId);
  }

  /** Deletes a streamer with its clips and bursts; NotFoundError (404) when there is none. */
  async remove(id: number): Promise<void> {
    const deleted = await this.streamers.deleteById(id);
    if (!deleted) throw new NotFoundError('Streamer', id);
    this.logger.log(
      { streamerId: deleted.id, twitchUserId: deleted.twitchUserId },
      'streamer_deleted',
    );
  }
}

function toStreamerDto(record: StreamerRecord): StreamerDto {
  return {
    id: record.id,
    twitch_user_id: record.twitchUserId,
    display_name: record.displayName,
    avatar_url: record.avatarUrl,
    is_active: record.isActive,
    monitor_interval_seconds: record.monitorIntervalSeconds,
    monitor_min_clips: record.monitorMinClips,
    api_mode: record.apiMode,
    trial_expires_at: record.trialExpiresAt ? record.trialExpiresAt.toISOString() : null,
    has_client_credentials: record.hasClientCredentials,
    is_live: record.isLive,
    live_since: isoOrNull(record.liveSince),
    live_viewer_count: record.liveViewerCount,
    live_title: record.liveTitle,
    live_game_name: record.liveGameName,
    last_live_check_at: isoOrNull(record.lastLiveCheckAt),
    last_seen_live_at: isoOrNull(record.lastSeenLiveAt),
  };
}

function isoOrNull(value: Date | null): string | null {
  return value ? value.toISOString() : null;
}
