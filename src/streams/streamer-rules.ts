import { SecretBox } from '../common/crypto/secret-box';
import { FieldProblem } from '../common/errors/domain.error';
import { CreateStreamerDto } from './dto/create-streamer.dto';
import { ApiMode } from './entities/streamer.entity';
import { NewStreamerRow } from './streams.repository';

/**
 * The rules every way of creating a streamer obeys (POST /streams, an attach, the imports): the
 * API's defaults, the credential rules across fields, and the new row with its secret encrypted.
 */

export const DEFAULT_MONITOR_INTERVAL_SECONDS = 180;
export const DEFAULT_MONITOR_MIN_CLIPS = 2;
export const DEFAULT_API_MODE: ApiMode = 'clipador_only';

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

/** A new row from a validated body or import row, with the API's defaults; secret encrypted. */
export function newStreamerRow(input: CreateStreamerDto, secretBox: SecretBox): NewStreamerRow {
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
    encryptedClientSecret: secret === null ? null : secretBox.encrypt(secret),
  };
}
