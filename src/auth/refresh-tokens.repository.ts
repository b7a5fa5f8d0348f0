import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { RefreshTokenEntity } from './entities/refresh-token.entity';

@Injectable()
export class RefreshTokensRepository {
  constructor(
    @InjectRepository(RefreshTokenEntity) private readonly tokens: Repository<RefreshTokenEntity>,
  ) {}

  async add(id: string, userId: number, expiresAt: Date): Promise<void> {
    await this.tokens.insert({ id, userId, expiresAt, revokedAt: null });
  }

  /**
   * Revokes one live token and tells whether it was live. A single conditional UPDATE, so two
   * concurrent refreshes with the same token cannot both succeed.
   */
  async revokeIfLive(id: string, userId: number): Promise<boolean> {
    const result = await this.tokens
      .createQueryBuilder()
      .update()
      .set({ revokedAt: () => 'now()' })
      .where('id = :id AND user_id = :userId AND revoked_at IS NULL AND expires_at > now()', {
        id,
        userId,
      })
      .execute();
    return (result.affected ?? 0) > 0;
  }

  async revokeAllForUser(userId: number): Promise<number> {
    const result = await this.tokens.update(
      { userId, revokedAt: IsNull() },
      { revokedAt: () => 'now()' },
    );
    return result.affected ?? 0;
  }

  /** Housekeeping on each login: a user's expired or long-revoked tokens can never be used again. */
  async pruneForUser(userId: number): Promise<void> {
    await this.tokens.query(
      `DELETE FROM refresh_tokens
       WHERE user_id = $1 AND (expires_at < now() OR revoked_at < now() - interval '1 day')`,
      [userId],
    );
  }
}
