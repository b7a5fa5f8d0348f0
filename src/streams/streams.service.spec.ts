import { randomBytes } from 'node:crypto';
import { SecretBox } from '../common/crypto/secret-box';
import { ValidationFailedError } from '../common/errors/domain.error';
import { NewStreamerRow, StreamerRecord, StreamsRepository } from './streams.repository';
import { StreamsService } from './streams.service';

describe('StreamsService', () => {
  const secretBox = new SecretBox(randomBytes(32));
  let inserted: NewStreamerRow[];
  let service: StreamsService;

  beforeEach(() => {
    inserted = [];
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
});
