import { randomBytes } from 'node:crypto';
import { SecretBox } from '../common/crypto/secret-box';
import { ValidationFailedError } from '../common/errors/domain.error';
import { NewStreamerRow, StreamerRecord, StreamsRepository } from './streams.repository';
import { credentialProblems, StreamsService } from './streams.service';

describe('credentialProblems', () => {
  it('needs both credentials for api_mode client, naming each missing one', () => {
    expect(credentialProblems({ api_mode: 'client' }).map((p) => p.field)).toEqual([
      'client_twitch_client_id',
      'client_twitch_client_secret',
    ]);
    expect(
      credentialProblems({ api_mode: 'client', client_twitch_client_secret: 's' }).map(
        (p) => p.field,
      ),
    ).toEqual(['client_twitch_client_id']);
    expect(
      credentialProblems({
        api_mode: 'client',
        client_twitch_client_id: 'i',
        client_twitch_client_secret: 's',
      }),
    ).toEqual([]);
  });

  it('needs the id and the secret together in every mode', () => {
    for (const api_mode of [undefined, null, 'clipador_only', 'clipador_trial'] as const) {
      expect(credentialProblems({ api_mode, client_twitch_client_id: 'i' })).toEqual([
        {
          field: 'client_twitch_client_secret',
          message: 'client_twitch_client_secret is required together with client_twitch_client_id',
        },
      ]);
      expect(
        credentialProblems({ api_mode, client_twitch_client_secret: 's' }).map((p) => p.field),
      ).toEqual(['client_twitch_client_id']);
      expect(credentialProblems({ api_mode })).toEqual([]);
    }
  });
});

describe('StreamsService', () => {
  const secretBox = new SecretBox(randomBytes(32));
  let inserted: NewStreamerRow[];
  let stored: { clientId: string | null; encryptedClientSecret: string | null } | null;
  let service: StreamsService;

  beforeEach(() => {
    inserted = [];
    stored = null;
    const repository: Partial<StreamsRepository> = {
      insert: (row: NewStreamerRow): Promise<StreamerRecord> => {
        inserted.push(row);
        return Promise.resolve({
          id: 7,
          twitchUserId: row.twitchUserId,
          displayName: row.displayName,
          avatarUrl: row.avatarUrl,
          isActive: row.isActive,
          monitorIntervalSeconds: row.monitorIntervalSeconds,
          monitorMinClips: row.monitorMinClips,
          apiMode: row.apiMode,
          trialExpiresAt: row.trialExpiresAt,
          hasClientCredentials: row.clientTwitchClientId !== null,
          lastClipSyncedAt: null,
        });
      },
      findClientCredentials: () => Promise.resolve(stored),
    };
    service = new StreamsService(repository as StreamsRepository, secretBox);
  });

  it('applies the defaults and hands the repository an encrypted secret only', async () => {
    const created = await service.create({
      twitch_user_id: '42',
      client_twitch_client_id: 'cid',
      client_twitch_client_secret: 'plain-secret',
    });
    expect(inserted).toHaveLength(1);
    const row = inserted[0];
    expect(row).toMatchObject({
      displayName: '42',
      isActive: true,
      monitorIntervalSeconds: 180,
      monitorMinClips: 2,
      apiMode: 'clipador_only',
      trialExpiresAt: null,
      avatarUrl: null,
    });
    expect(row.encryptedClientSecret).not.toContain('plain-secret');
    expect(secretBox.decrypt(row.encryptedClientSecret!)).toBe('plain-secret');
    expect(JSON.stringify(created)).not.toContain('secret');
  });

  it('refuses broken credential rules before touching the repository', async () => {
    await expect(service.create({ twitch_user_id: '42', api_mode: 'client' })).rejects.toThrow(
      ValidationFailedError,
    );
    expect(inserted).toHaveLength(0);
  });

  it('decrypts stored credentials, and has none when either half is missing', async () => {
    stored = { clientId: 'cid', encryptedClientSecret: secretBox.encrypt('s3cret') };
    expect(await service.getClientCredentials(7)).toEqual({
      clientId: 'cid',
      clientSecret: 's3cret',
    });
    stored = { clientId: 'cid', encryptedClientSecret: null };
    expect(await service.getClientCredentials(7)).toBeNull();
    stored = { clientId: null, encryptedClientSecret: secretBox.encrypt('s3cret') };
    expect(await service.getClientCredentials(7)).toBeNull();
  });
});
