import { SecretDecryptionError } from '../common/crypto/secret-box';
import type { TwitchSection } from '../config/configuration';
import type { ApiMode } from '../streams/entities/streamer.entity';
import type { StreamerForSync, StreamerSyncService } from '../streams/streamer-sync.service';

export interface TwitchAppCredentials {
  clientId: string;
  clientSecret: string;
}

export interface StreamerCredentialInputs {
  apiMode: ApiMode;
  trialExpiresAt: Date | null;
  /** The streamer's own credentials, decrypted; undefined when the streamer has none. */
  own: TwitchAppCredentials | undefined;
}

export type CredentialChoice =
  | { kind: 'use'; source: 'clipador' | 'client'; credentials: TwitchAppCredentials }
  | { kind: 'skip'; reason: string };

/**
 * Which Twitch credentials a streamer's sync uses (PRODUCT §4). Each client id is its own
 * rate-limit bucket, so this choice also decides whose budget the sync spends.
 */
export function chooseCredentials(
  streamer: StreamerCredentialInputs,
  clipador: TwitchAppCredentials | undefined,
  now: Date,
): CredentialChoice {
  const useClipador = (): CredentialChoice =>
    clipador
      ? { kind: 'use', source: 'clipador', credentials: clipador }
      : {
          kind: 'skip',
          reason:
            'Clipador Twitch credentials are not configured (CLIPADOR_TWITCH_CLIENT_ID/SECRET)',
        };
  const useOwn = (why: string): CredentialChoice =>
    streamer.own
      ? { kind: 'use', source: 'client', credentials: streamer.own }
      : { kind: 'skip', reason: `${why}, and the streamer has no client credentials` };

  switch (streamer.apiMode) {
    case 'clipador_only':
      return useClipador();
    case 'clipador_trial':
      if (!streamer.trialExpiresAt || streamer.trialExpiresAt.getTime() > now.getTime()) {
        return useClipador();
      }
      return useOwn(`Trial expired at ${streamer.trialExpiresAt.toISOString()}`);
    case 'client':
      return useOwn('api_mode is client');
  }
}

/**
 * The credentials a streamer's requests use now, or why it has none: its own are decrypted only
 * when its mode may need them (an undecryptable secret is a skip with that reason, not a retry).
 */
export async function credentialsForStreamer(
  streams: Pick<StreamerSyncService, 'getClientCredentials'>,
  streamer: StreamerForSync,
  clipador: TwitchAppCredentials | undefined,
  now: Date,
): Promise<{ use: TwitchAppCredentials } | { skip: string }> {
  let own: TwitchAppCredentials | undefined;
  if (streamer.hasClientCredentials && streamer.apiMode !== 'clipador_only') {
    try {
      own = (await streams.getClientCredentials(streamer.id)) ?? undefined;
    } catch (error) {
      if (error instanceof SecretDecryptionError) return { skip: error.message };
      throw error;
    }
  }
  const choice = chooseCredentials(
    { apiMode: streamer.apiMode, trialExpiresAt: streamer.trialExpiresAt, own },
    clipador,
    now,
  );
  return choice.kind === 'use' ? { use: choice.credentials } : { skip: choice.reason };
}

/** Clipador's own app credentials, when both halves are configured. */
export function appCredentials(twitch: TwitchSection): TwitchAppCredentials | undefined {
  return twitch.clientId && twitch.clientSecret
    ? { clientId: twitch.clientId, clientSecret: twitch.clientSecret }
    : undefined;
}
