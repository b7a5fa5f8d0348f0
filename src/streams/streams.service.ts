import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SecretBox, SecretDecryptionError } from '../common/crypto/secret-box';
import { FieldProblem, NotFoundError, ValidationFailedError } from '../common/errors/domain.error';
import { CreateStreamerDto } from './dto/create-streamer.dto';
import { StreamerDto } from './dto/streamer.dto';
import { ApiMode } from './entities/streamer.entity';
import {
  ImportedStreamerFields,
  LiveStreamRow,
  LiveTransitions,
  NewStreamerRow,
  StreamerImportState,
  StreamerRecord,
  StreamsRepository,
} from './streams.repository';

export const DEFAULT_MONITOR_INTERVAL_SECONDS = 180;
export const DEFAULT_MONITOR_MIN_CLIPS = 2;
export const DEFAULT_API_MODE: ApiMode = 'clipador_only';

/** What ingestion needs to sync one streamer (never its secret; see getClientCredentials). */
export interface StreamerForSync {
  id: number;
  twitchUserId: string;
  displayName: string;
  isActive: boolean;
  apiMode: ApiMode;
  /** Only meaningful for `clipador_trial`; null means the trial never expires. */
  trialExpiresAt: Date | null;
  /** The burst window W. */
  monitorIntervalSeconds: number;
  /** The burst threshold K. */
  monitorMinClips: number;
  lastClipSyncedAt: Date | null;
  hasClientCredentials: boolean;
  /** Live status (§16), as the last complete Get Streams answers left it. */
  isLive: boolean;
  /** Viewers at the last live check (null when not live): AUTOMATICO's threshold (§16). */
  liveViewerCount: number | null;
  lastSeenLiveAt: Date | null;
}

/** A streamer's own Twitch app credentials, decrypted. Keep in memory only: never log or queue. */
export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/**
 * A streamer row to import (the seed command), valid by CreateStreamerDto's rules. A field left
 * undefined was not in the file: a new streamer gets the default, an existing one keeps its value.
 * A null field was given empty: the default (display_name, interval, min clips, api_mode,
 * is_active) or no value (avatar, trial end, credentials), as for `POST /streams`.
 */
export type StreamerImport = CreateStreamerDto;

/** What an attach knows of a streamer it may have to create. */
export interface AttachStreamerInput {
  twitchUserId: string;
  displayName: string | null;
  avatarUrl: string | null;
  /** Admins only; an existing streamer keeps its own. */
  apiMode: ApiMode | null;
  managed: boolean;
}

export type StreamerImportOutcome = 'inserted' | 'updated' | 'skipped';

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

    const created = await this.streamers.insert(this.newStreamerRow(input));
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
   * Imports one streamer row inside the caller's transaction: inserts it, updates it when a field
   * the row carries differs from what is stored, or skips it. Throws ValidationFailedError when the
   * streamer as it would be stored breaks the credential rules (a row may leave some fields as
   * they are, so the rules are checked on the result, not only on the row).
   *
   * Stored secrets cannot be compared as ciphertext (every encryption has a fresh IV), so the
   * stored one is decrypted here and compared in memory: re-importing the same secret is no change
   * and does not re-encrypt it. A stored secret that no longer decrypts (the key changed) counts as
   * changed and is replaced, encrypted with the current key. Secrets are never logged.
   */
  async importStreamer(
    manager: EntityManager,
    input: StreamerImport,
  ): Promise<StreamerImportOutcome> {
    let stored = await this.streamers.findForImport(manager, input.twitch_user_id);
    if (!stored) {
      const problems = credentialProblems(input);
      if (problems.length > 0) throw new ValidationFailedError(problems);
      const id = await this.streamers.insertForImport(manager, this.newStreamerRow(input));
      if (id !== null) {
        this.logImport('inserted', id, input.twitch_user_id, []);
        return 'inserted';
      }
      // Another writer inserted it meanwhile: compare with theirs.
      stored = await this.streamers.findForImport(manager, input.twitch_user_id);
      if (!stored) throw new Error(`Streamer ${input.twitch_user_id} vanished during its import`);
    }
    return this.updateImported(manager, stored, input);
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
      this.newStreamerRow({
        twitch_user_id: input.twitchUserId,
        display_name: input.displayName,
        avatar_url: input.avatarUrl,
        api_mode: apiMode,
      }),
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

  /** For an import's clips: the streamers with these twitch_user_ids, in the caller's transaction. */
  async findByTwitchUserIds(
    manager: EntityManager,
    twitchUserIds: readonly string[],
  ): Promise<StreamerForSync[]> {
    return (await this.streamers.findByTwitchUserIds(manager, twitchUserIds)).map(
      toStreamerForSync,
    );
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

  /** For ingestion's planner: the streamers §16 polls (active; managed or subscribed), by id. */
  async findPolledForSync(): Promise<StreamerForSync[]> {
    return (await this.streamers.findPolled()).map(toStreamerForSync);
  }

  /**
   * For ingestion's planner: one complete Get Streams answer (see the repository). `alongside`
   * runs in the same transaction with the transitions, so what reacts to them in the database
   * (the notification outbox) commits with them or not at all.
   */
  recordLiveChecks(
    checkedAt: Date,
    checkedIds: readonly number[],
    live: readonly LiveStreamRow[],
    alongside?: (manager: EntityManager, transitions: LiveTransitions) => Promise<void>,
  ): Promise<LiveTransitions> {
    if (!alongside) return this.streamers.recordLiveChecks(checkedAt, checkedIds, live);
    return this.streamers.transaction(async (manager) => {
      const transitions = await this.streamers.recordLiveChecks(
        checkedAt,
        checkedIds,
        live,
        manager,
      );
      await alongside(manager, transitions);
      return transitions;
    });
  }

  /** For ingestion: every active streamer, by id. */
  async findActiveForSync(): Promise<StreamerForSync[]> {
    return (await this.streamers.findActive()).map(toStreamerForSync);
  }

  /**
   * For ingestion's per-streamer job, which reloads its streamer: null when it is gone. The job
   * decides what "not eligible" means (e.g. `isActive` false).
   */
  async findForSync(id: number): Promise<StreamerForSync | null> {
    const record = await this.streamers.findById(id);
    return record ? toStreamerForSync(record) : null;
  }

  /** Takes the streamer's sync lock for the rest of the caller's transaction. */
  lockForSync(manager: EntityManager, streamerId: number): Promise<void> {
    return this.streamers.lockForSync(manager, streamerId);
  }

  /** Records a successful sync inside the caller's transaction. */
  recordSynced(manager: EntityManager, streamerId: number, syncedUntil: Date): Promise<void> {
    return this.streamers.recordSynced(manager, streamerId, syncedUntil);
  }

  /**
   * Makes a skipped or failed sync visible on the streamer, with its reason; inside the caller's
   * transaction when a manager is given (an import that stores a streamer inactive with its reason).
   */
  recordSyncProblem(
    streamerId: number,
    status: 'skipped' | 'failed',
    reason: string,
    manager?: EntityManager,
  ): Promise<void> {
    return this.streamers.recordSyncProblem(streamerId, status, reason, manager);
  }

  /**
   * The streamer's own Twitch credentials, decrypted; null when it has none (or is gone). This is
   * the only place in the code base that decrypts a client secret. Throws SecretDecryptionError
   * when the stored value cannot be decrypted (CLIPADOR_ENCRYPTION_KEY changed, or the value was
   * altered): ingestion should skip the streamer with that reason, not retry.
   */
  async getClientCredentials(id: number): Promise<ClientCredentials | null> {
    const stored = await this.streamers.findClientCredentials(id);
    if (!stored?.clientId || !stored.encryptedClientSecret) return null;
    try {
      return {
        clientId: stored.clientId,
        clientSecret: this.secretBox.decrypt(stored.encryptedClientSecret),
      };
    } catch (error) {
      this.logger.warn(
        { streamerId: id, reason: (error as Error).message },
        'streamer_client_secret_undecryptable',
      );
      throw error;
    }
  }

  /** A new row from a validated body or import row, with the API's defaults; secret encrypted. */
  private newStreamerRow(input: CreateStreamerDto): NewStreamerRow {
    const secret = input.client_twitch_client_secret ?? null;
    return {
      twitchUserId: input.twitch_user_id,
      displayName: input.display_name ?? input.twitch_user_id,
      avatarUrl: input.avatar_url ?? null,
      isActive: input.is_active ?? true,
      monitorIntervalSeconds: input.monitor_interval_seconds ?? DEFAULT_MONITOR_INTERVAL_SECONDS,
      monitorMinClips: input.monitor_min_clips ?? DEFAULT_MONITOR_MIN_CLIPS,
      apiMode: input.api_mode ?? DEFAULT_API_MODE,
      trialExpiresAt: input.trial_expires_at ? new Date(input.trial_expires_at) : null,
      clientTwitchClientId: input.client_twitch_client_id ?? null,
      encryptedClientSecret: secret === null ? null : this.secretBox.encrypt(secret),
    };
  }

  private async updateImported(
    manager: EntityManager,
    stored: StreamerImportState,
    input: StreamerImport,
  ): Promise<StreamerImportOutcome> {
    const secret = this.importedSecret(
      stored.encryptedClientSecret,
      input.client_twitch_client_secret,
    );
    const trialExpiresAt = input.trial_expires_at ? new Date(input.trial_expires_at) : null;
    const fields: ImportedStreamerFields = {
      displayName: importedValue(input.display_name, stored.displayName, input.twitch_user_id),
      avatarUrl: importedValue(input.avatar_url, stored.avatarUrl, null),
      isActive: importedValue(input.is_active, stored.isActive, true),
      monitorIntervalSeconds: importedValue(
        input.monitor_interval_seconds,
        stored.monitorIntervalSeconds,
        DEFAULT_MONITOR_INTERVAL_SECONDS,
      ),
      monitorMinClips: importedValue(
        input.monitor_min_clips,
        stored.monitorMinClips,
        DEFAULT_MONITOR_MIN_CLIPS,
      ),
      apiMode: importedValue(input.api_mode, stored.apiMode, DEFAULT_API_MODE),
      trialExpiresAt: input.trial_expires_at === undefined ? stored.trialExpiresAt : trialExpiresAt,
      clientTwitchClientId: importedValue(
        input.client_twitch_client_id,
        stored.clientTwitchClientId,
        null,
      ),
      encryptedClientSecret: secret.encrypted,
    };
    const problems = credentialProblems({
      api_mode: fields.apiMode,
      client_twitch_client_id: fields.clientTwitchClientId,
      // The rules ask only whether a secret is there; the stored one stays encrypted.
      client_twitch_client_secret: fields.encryptedClientSecret === null ? null : 'present',
    });
    if (problems.length > 0) throw new ValidationFailedError(problems);

    const changed = changedImportFields(stored, fields, secret.changed);
    if (changed.length === 0) return 'skipped';
    await this.streamers.updateForImport(manager, stored.id, fields);
    this.logImport('updated', stored.id, stored.twitchUserId, changed);
    return 'updated';
  }

  /** The secret an import stores, and whether it differs from the stored one (see importStreamer). */
  private importedSecret(
    storedEncrypted: string | null,
    given: string | null | undefined,
  ): { encrypted: string | null; changed: boolean } {
    if (given === undefined) return { encrypted: storedEncrypted, changed: false };
    if (given === null) return { encrypted: null, changed: storedEncrypted !== null };
    if (storedEncrypted !== null && this.decryptsTo(storedEncrypted, given)) {
      return { encrypted: storedEncrypted, changed: false };
    }
    return { encrypted: this.secretBox.encrypt(given), changed: true };
  }

  private decryptsTo(encrypted: string, plain: string): boolean {
    try {
      return this.secretBox.decrypt(encrypted) === plain;
    } catch (error) {
      if (error instanceof SecretDecryptionError) return false;
      throw error;
    }
  }

  private logImport(
    outcome: StreamerImportOutcome,
    streamerId: number,
    twitchUserId: string,
    changed: string[],
  ): void {
    this.logger.log({ streamerId, twitchUserId, outcome, changed }, 'streamer_imported');
  }
}

/** An imported field: undefined (not in the file) keeps the stored value, null takes the default. */
function importedValue<T>(given: T | null | undefined, stored: T, fallback: T): T {
  return given === undefined ? stored : (given ?? fallback);
}

/** Names (as the file spells them) of the fields an import changes; never their values. */
function changedImportFields(
  stored: StreamerImportState,
  next: ImportedStreamerFields,
  secretChanged: boolean,
): string[] {
  const pairs: Array<[string, unknown, unknown]> = [
    ['display_name', stored.displayName, next.displayName],
    ['avatar_url', stored.avatarUrl, next.avatarUrl],
    ['is_active', stored.isActive, next.isActive],
    ['monitor_interval_seconds', stored.monitorIntervalSeconds, next.monitorIntervalSeconds],
    ['monitor_min_clips', stored.monitorMinClips, next.monitorMinClips],
    ['api_mode', stored.apiMode, next.apiMode],
    [
      'trial_expires_at',
      stored.trialExpiresAt?.getTime() ?? null,
      next.trialExpiresAt?.getTime() ?? null,
    ],
    ['client_twitch_client_id', stored.clientTwitchClientId, next.clientTwitchClientId],
  ];
  const changed = pairs.filter(([, before, after]) => before !== after).map(([name]) => name);
  return secretChanged ? [...changed, 'client_twitch_client_secret'] : changed;
}

/**
 * Rules across fields, kept here (not in the DTO) so that every way of creating a streamer obeys
 * them: `api_mode: client` always uses the streamer's own credentials, so it needs both; and an
 * id without its secret (or the reverse) is unusable in any mode.
 */
export function credentialProblems(
  input: Pick<
    CreateStreamerDto,
    'api_mode' | 'client_twitch_client_id' | 'client_twitch_client_secret'
  >,
): FieldProblem[] {
  const hasId = input.client_twitch_client_id != null;
  const hasSecret = input.client_twitch_client_secret != null;
  if (input.api_mode === 'client') {
    return [
      ...(hasId ? [] : ['client_twitch_client_id']),
      ...(hasSecret ? [] : ['client_twitch_client_secret']),
    ].map((field) => ({ field, message: `${field} is required when api_mode is client` }));
  }
  if (hasId && !hasSecret) {
    return [
      {
        field: 'client_twitch_client_secret',
        message: 'client_twitch_client_secret is required together with client_twitch_client_id',
      },
    ];
  }
  if (hasSecret && !hasId) {
    return [
      {
        field: 'client_twitch_client_id',
        message: 'client_twitch_client_id is required together with client_twitch_client_secret',
      },
    ];
  }
  return [];
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

function toStreamerForSync(record: StreamerRecord): StreamerForSync {
  return {
    id: record.id,
    twitchUserId: record.twitchUserId,
    displayName: record.displayName,
    isActive: record.isActive,
    apiMode: record.apiMode,
    trialExpiresAt: record.trialExpiresAt,
    monitorIntervalSeconds: record.monitorIntervalSeconds,
    monitorMinClips: record.monitorMinClips,
    lastClipSyncedAt: record.lastClipSyncedAt,
    hasClientCredentials: record.hasClientCredentials,
    isLive: record.isLive,
    liveViewerCount: record.isLive ? record.liveViewerCount : null,
    lastSeenLiveAt: record.lastSeenLiveAt,
  };
}
