import { randomBytes } from 'node:crypto';
import { SecretBox } from '../common/crypto/secret-box';
import { StreamerSyncService } from './streamer-sync.service';
import { StreamsRepository } from './streams.repository';

describe('StreamerSyncService', () => {
  const secretBox = new SecretBox(randomBytes(32));
  let stored: { clientId: string | null; encryptedClientSecret: string | null } | null;
  let service: StreamerSyncService;

  beforeEach(() => {
    stored = null;
    const repository: Partial<StreamsRepository> = {
      findClientCredentials: () => Promise.resolve(stored),
    };
    service = new StreamerSyncService(repository as StreamsRepository, secretBox);
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
