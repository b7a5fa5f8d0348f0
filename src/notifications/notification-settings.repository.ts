import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';

/** A user's channels as stored: URLs and secret still encrypted. */
export interface StoredChannels {
  webhookUrl: string | null;
  webhookHint: string | null;
  webhookSecret: string | null;
  discordUrl: string | null;
  discordHint: string | null;
  telegramChatId: string | null;
  telegramHint: string | null;
}

/** The columns a settings change may write, as the table spells them. */
export type ChannelsPatch = Partial<{
  webhook_url: string | null;
  webhook_hint: string | null;
  webhook_secret: string | null;
  discord_url: string | null;
  discord_hint: string | null;
  telegram_chat_id: string | null;
  telegram_hint: string | null;
}>;

const PATCHABLE: ReadonlySet<string> = new Set([
  'webhook_url',
  'webhook_hint',
  'webhook_secret',
  'discord_url',
  'discord_hint',
  'telegram_chat_id',
  'telegram_hint',
]);

const COLUMNS = `webhook_url AS "webhookUrl", webhook_hint AS "webhookHint",
  webhook_secret AS "webhookSecret", discord_url AS "discordUrl", discord_hint AS "discordHint",
  telegram_chat_id AS "telegramChatId", telegram_hint AS "telegramHint"`;

/** notification_channels, telegram_link_nonces and notification_cursors. */
@Injectable()
export class NotificationSettingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async find(userId: number): Promise<StoredChannels | null> {
    const rows: StoredChannels[] = await this.dataSource.query(
      `SELECT ${COLUMNS} FROM notification_channels WHERE user_id = $1`,
      [userId],
    );
    return rows[0] ?? null;
  }

  /** Writes the given columns, creating the row when there is none (one statement). */
  async upsert(
    userId: number,
    patch: ChannelsPatch,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    const columns = Object.keys(patch).filter((column) => PATCHABLE.has(column));
    if (columns.length === 0) return;
    const values = columns.map((column) => patch[column as keyof ChannelsPatch]);
    await manager.query(
      `INSERT INTO notification_channels (user_id, ${columns.join(', ')})
       VALUES ($1, ${columns.map((_, i) => `$${i + 2}`).join(', ')})
       ON CONFLICT (user_id) DO UPDATE SET
         ${[...columns.map((c) => `${c} = EXCLUDED.${c}`), 'updated_at = now()'].join(', ')}`,
      [userId, ...values],
    );
  }

  async insertLinkNonce(userId: number, nonceHash: string, expiresAt: Date): Promise<void> {
    // One pending link per user: an older nonce stops working when a new one is made.
    await this.dataSource.transaction(async (manager) => {
      await manager.query('DELETE FROM telegram_link_nonces WHERE user_id = $1', [userId]);
      await manager.query(
        'INSERT INTO telegram_link_nonces (nonce_hash, user_id, expires_at) VALUES ($1, $2, $3)',
        [nonceHash, userId, expiresAt],
      );
    });
  }

  /**
   * Binds a chat to the user whose unexpired nonce this is, consuming the nonce, in one
   * statement; the user id, or null for an unknown, used or expired nonce.
   */
  async bindChat(nonceHash: string, chatId: string, hint: string): Promise<number | null> {
    const rows: Array<{ userId: number }> = await this.dataSource.query(
      `WITH used AS (
         DELETE FROM telegram_link_nonces
         WHERE nonce_hash = $1 AND expires_at > now()
         RETURNING user_id)
       INSERT INTO notification_channels (user_id, telegram_chat_id, telegram_hint)
       SELECT user_id, $2, $3 FROM used
       ON CONFLICT (user_id) DO UPDATE SET telegram_chat_id = EXCLUDED.telegram_chat_id,
         telegram_hint = EXCLUDED.telegram_hint, updated_at = now()
       RETURNING user_id AS "userId"`,
      [nonceHash, chatId, hint],
    );
    return rows[0]?.userId ?? null;
  }

  /**
   * Runs `work` holding the named cursor's row lock, or returns undefined at once when another
   * worker holds it (SKIP LOCKED): one getUpdates poller at a time across every worker, which is
   * what Telegram requires (a second concurrent getUpdates is answered 409).
   */
  async withCursor<T>(
    name: string,
    work: (value: number, save: (next: number) => Promise<void>) => Promise<T>,
  ): Promise<T | undefined> {
    return this.dataSource.transaction(async (manager) => {
      const rows: Array<{ value: string }> = await manager.query(
        'SELECT value::text AS value FROM notification_cursors WHERE name = $1 FOR UPDATE SKIP LOCKED',
        [name],
      );
      if (!rows[0]) return undefined;
      return work(Number(rows[0].value), async (next) => {
        await manager.query('UPDATE notification_cursors SET value = $2 WHERE name = $1', [
          name,
          next,
        ]);
      });
    });
  }
}
