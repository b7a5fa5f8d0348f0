import { randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { SecretBox } from '../common/crypto/secret-box';
import { ValidationFailedError } from '../common/errors/domain.error';
import { StreamerImportService } from './streamer-import.service';
import {
  ImportedStreamerFields,
  NewStreamerRow,
  StreamerImportState,
  StreamsRepository,
} from './streams.repository';

describe('StreamerImportService.importStreamer', () => {
  const secretBox = new SecretBox(randomBytes(32));
  // The repository is mocked, so the manager is only passed through.
  const manager = {} as EntityManager;
  let stored: StreamerImportState | null;
  let inserted: NewStreamerRow[];
  let updated: ImportedStreamerFields[];
  let service: StreamerImportService;

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
    service = new StreamerImportService(repository as StreamsRepository, secretBox);
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
