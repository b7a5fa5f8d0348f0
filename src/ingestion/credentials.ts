import type { ApiMode } from '../streams/entities/streamer.entity';

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
