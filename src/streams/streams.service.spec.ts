import { randomBytes } from 'node:crypto';
import { SecretBox } from '../common/crypto/secret-box';
import { ValidationFailedError } from '../common/errors/domain.error';
import { EntityManager } from 'typeorm';
import {
  ImportedStreamerFields,
  NewStreamerRow,
  StreamerImportState,
  StreamerRecord,
  StreamsRepository,
} from './streams.repository';
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
          isLive: false,
          liveSince: null,
          liveViewerCount: null,
          liveTitle: null,
          liveGameName: null,
          lastLiveCheckAt: null,
          lastSeenLiveAt: null,
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

describe('StreamsService.importStreamer', () => {
  const secretBox = new SecretBox(randomBytes(32));
  // The repository is mocked, so the manager is only passed through.
  const manager = {} as EntityManager;
  let stored: StreamerImportState | null;
  let inserted: NewStreamerRow[];
  let updated: ImportedStreamerFields[];
  let service: StreamsService;

  function storedStreamer(overrides: Partial<StreamerImportState> = {}): StreamerImportState {
    return {
      id: 3,
      twitchUserId: '1003',
      displayName: 'Client',
      avatarUrl: null,
      isActive: true,
      monitorIntervalSeconds: 180,
      monitorMinClips: 3,
      apiMode: 'client',
      trialExpiresAt: null,
      hasClientCredentials: true,
      lastClipSyncedAt: null,
      isLive: false,
      liveSince: null,
      liveViewerCount: null,
      liveTitle: null,
      liveGameName: null,
      lastLiveCheckAt: null,
      lastSeenLiveAt: null,
      clientTwitchClientId: 'cid',
      encryptedClientSecret: secretBox.encrypt('same-secret'),
      ...overrides,
    };
  }

  /** The row a file with every column would give for the stored streamer above. */
  const sameRow = {
    twitch_user_id: '1003',
    display_name: 'Client',
    avatar_url: null,
    monitor_interval_seconds: 180,
    monitor_min_clips: 3,
    api_mode: 'client' as const,
    trial_expires_at: null,
    client_twitch_client_id: 'cid',
    client_twitch_client_secret: 'same-secret',
  };

  beforeEach(() => {
    stored = null;
    inserted = [];
    updated = [];
    const repository: Partial<StreamsRepository> = {
      findForImport: () => Promise.resolve(stored),
      insertForImport: (_manager: EntityManager, row: NewStreamerRow) => {
        inserted.push(row);
        return Promise.resolve(8);
      },
      updateForImport: (_manager: EntityManager, _id: number, fields: ImportedStreamerFields) => {
        updated.push(fields);
        return Promise.resolve();
      },
    };
    service = new StreamsService(repository as StreamsRepository, secretBox);
  });

  it('inserts an unknown streamer with the API defaults and an encrypted secret', async () => {
    const outcome = await service.importStreamer(manager, {
      twitch_user_id: '1003',
      display_name: null,
      api_mode: 'client',
      client_twitch_client_id: 'cid',
      client_twitch_client_secret: 'plain-secret',
    });
    expect(outcome).toBe('inserted');
    expect(inserted[0]).toMatchObject({
      displayName: '1003',
      monitorIntervalSeconds: 180,
      monitorMinClips: 2,
      apiMode: 'client',
    });
    expect(secretBox.decrypt(inserted[0].encryptedClientSecret!)).toBe('plain-secret');
  });

  it('skips a streamer whose fields and decrypted secret are the same as stored', async () => {
    stored = storedStreamer();
    expect(await service.importStreamer(manager, sameRow)).toBe('skipped');
    expect(updated).toEqual([]);
  });

  it('updates a changed secret, re-encrypted, and keeps an unchanged one as it was stored', async () => {
    stored = storedStreamer();
    expect(
      await service.importStreamer(manager, { ...sameRow, client_twitch_client_secret: 'new' }),
    ).toBe('updated');
    expect(secretBox.decrypt(updated[0].encryptedClientSecret!)).toBe('new');

    expect(await service.importStreamer(manager, { ...sameRow, display_name: 'Renamed' })).toBe(
      'updated',
    );
    expect(updated[1].displayName).toBe('Renamed');
    expect(updated[1].encryptedClientSecret).toBe(stored.encryptedClientSecret);
  });

  it('replaces a stored secret that no longer decrypts (the key changed)', async () => {
    const otherKey = new SecretBox(randomBytes(32));
    stored = storedStreamer({ encryptedClientSecret: otherKey.encrypt('same-secret') });
    expect(await service.importStreamer(manager, sameRow)).toBe('updated');
    expect(secretBox.decrypt(updated[0].encryptedClientSecret!)).toBe('same-secret');
  });

  it('keeps the fields of columns the file lacks, and gives empty cells the defaults', async () => {
    stored = storedStreamer({ avatarUrl: 'https://example.com/a.png', monitorIntervalSeconds: 60 });
    const outcome = await service.importStreamer(manager, {
      twitch_user_id: '1003',
      display_name: null,
      monitor_min_clips: null,
    });
    expect(outcome).toBe('updated');
    expect(updated[0]).toMatchObject({
      displayName: '1003',
      monitorMinClips: 2,
      avatarUrl: 'https://example.com/a.png',
      monitorIntervalSeconds: 60,
      apiMode: 'client',
      clientTwitchClientId: 'cid',
      encryptedClientSecret: stored.encryptedClientSecret,
    });
  });

  it('refuses an update that would leave a client-mode streamer without credentials', async () => {
    stored = storedStreamer();
    await expect(
      service.importStreamer(manager, {
        twitch_user_id: '1003',
        client_twitch_client_id: null,
        client_twitch_client_secret: null,
      }),
    ).rejects.toThrow(ValidationFailedError);
    expect(updated).toEqual([]);
  });
});
