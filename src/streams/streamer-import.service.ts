import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { SecretBox, SecretDecryptionError } from '../common/crypto/secret-box';
import { ValidationFailedError } from '../common/errors/domain.error';
import { CreateStreamerDto } from './dto/create-streamer.dto';
import {
  credentialProblems,
  DEFAULT_API_MODE,
  DEFAULT_MONITOR_INTERVAL_SECONDS,
  DEFAULT_MONITOR_MIN_CLIPS,
  newStreamerRow,
} from './streamer-rules';
import {
  ImportedStreamerFields,
  StreamerImportState,
  StreamsRepository,
} from './streams.repository';

/**
 * A streamer row to import (the seed command), valid by CreateStreamerDto's rules. A field left
 * undefined was not in the file: a new streamer gets the default, an existing one keeps its value.
 * A null field was given empty: the default (display_name, interval, min clips, api_mode,
 * is_active) or no value (avatar, trial end, credentials), as for `POST /streams`.
 */
export type StreamerImport = CreateStreamerDto;

export type StreamerImportOutcome = 'inserted' | 'updated' | 'skipped';

/** The merge of an imported streamer row (the seed's CSV, import-legacy) into what is stored. */
@Injectable()
export class StreamerImportService {
  private readonly logger = new Logger(StreamerImportService.name);

  constructor(
    private readonly streamers: StreamsRepository,
    private readonly secretBox: SecretBox,
  ) {}

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
      const id = await this.streamers.insertForImport(
        manager,
        newStreamerRow(input, this.secretBox),
      );
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
