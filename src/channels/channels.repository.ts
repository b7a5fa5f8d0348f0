import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { MonitorMode, PartnerMode } from './entities/user-channel-config.entity';

/** A user's config row with the plan's base slots (from users). */
export interface ChannelConfigRecord {
  monitorMode: MonitorMode;
  partnerMode: PartnerMode;
  clipadorChefeUsername: string | null;
  manualMinClips: number | null;
  manualIntervalSeconds: number | null;
  manualMinClipsVod: number | null;
  slotsConfigured: number | null;
  notifyOnline: boolean;
  publicShareEnabled: boolean;
  publicDescription: string | null;
  slotsBase: number;
}

/** One subscription with its streamer, the interval and min already the effective ones. */
export interface SubscriptionRecord {
  id: number;
  streamerId: number;
  twitchUserId: string;
  displayName: string;
  avatarUrl: string | null;
  orderIndex: number;
  label: string | null;
  monitorIntervalSeconds: number;
  monitorMinClips: number;
  /** The streamer's live state (§16); lastLiveCheckAt null = never checked. */
  isLive: boolean;
  lastSeenLiveAt: Date | null;
  lastLiveCheckAt: Date | null;
}

/** The columns `PUT /config/me` may write (as the table spells them), with their values. */
export type ConfigPatch = Partial<{
  monitor_mode: MonitorMode;
  partner_mode: PartnerMode;
  clipador_chefe_username: string | null;
  manual_min_clips: number | null;
  manual_interval_seconds: number | null;
  manual_min_clips_vod: number | null;
  notify_online: boolean;
  public_share_enabled: boolean;
  public_description: string | null;
  slots_configured: number | null;
}>;

const PATCHABLE_COLUMNS: ReadonlySet<string> = new Set([
  'monitor_mode',
  'partner_mode',
  'clipador_chefe_username',
  'manual_min_clips',
  'manual_interval_seconds',
  'manual_min_clips_vod',
  'notify_online',
  'public_share_enabled',
  'public_description',
  'slots_configured',
]);

const CONFIG_COLUMNS = `
  c.monitor_mode AS "monitorMode",
  c.partner_mode AS "partnerMode",
  c.clipador_chefe_username AS "clipadorChefeUsername",
  c.manual_min_clips AS "manualMinClips",
  c.manual_interval_seconds AS "manualIntervalSeconds",
  c.manual_min_clips_vod AS "manualMinClipsVod",
  c.slots_configured AS "slotsConfigured",
  c.notify_online AS "notifyOnline",
  c.public_share_enabled AS "publicShareEnabled",
  c.public_description AS "publicDescription",
  u.slots_base AS "slotsBase"`;

/** user_channel_configs and user_streamers: the only tables this module writes. */
@Injectable()
export class ChannelsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  async findConfig(
    userId: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<ChannelConfigRecord | null> {
    const rows: ChannelConfigRecord[] = await manager.query(
      `SELECT ${CONFIG_COLUMNS}
       FROM user_channel_configs c JOIN users u ON u.id = c.user_id
       WHERE c.user_id = $1`,
      [userId],
    );
    return rows[0] ?? null;
  }

  /** The user's row with the defaults; nothing when it exists (idempotent, race-free). */
  async insertDefaults(
    userId: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO user_channel_configs (user_id) VALUES ($1) ON CONFLICT (user_id) DO NOTHING`,
      [userId],
    );
  }

  /**
   * The user's config row, locked until the caller's transaction ends (an attach's slot check),
   * with the plan's base slots. The row must exist (insertDefaults first).
   */
  async lockConfig(
    manager: EntityManager,
    userId: number,
  ): Promise<{ slotsBase: number; slotsConfigured: number | null }> {
    const rows: Array<{ slotsBase: number; slotsConfigured: number | null }> = await manager.query(
      `SELECT u.slots_base AS "slotsBase", c.slots_configured AS "slotsConfigured"
       FROM user_channel_configs c JOIN users u ON u.id = c.user_id
       WHERE c.user_id = $1
       FOR UPDATE OF c`,
      [userId],
    );
    if (!rows[0]) throw new Error(`No channel config for user ${userId} after inserting it`);
    return rows[0];
  }

  /** Writes the given columns, creating the row (defaults for the rest) when there is none. */
  async upsertConfig(userId: number, patch: ConfigPatch): Promise<void> {
    const columns = Object.keys(patch).filter((column) => PATCHABLE_COLUMNS.has(column));
    const values = columns.map((column) => patch[column as keyof ConfigPatch]);
    const placeholders = columns.map((_, i) => `$${i + 2}`);
    const updates = columns.map((column) => `${column} = EXCLUDED.${column}`);
    await this.dataSource.query(
      `INSERT INTO user_channel_configs (user_id${columns.map((c) => `, ${c}`).join('')})
       VALUES ($1${placeholders.map((p) => `, ${p}`).join('')})
       ON CONFLICT (user_id) DO UPDATE SET ${[...updates, 'updated_at = now()'].join(', ')}`,
      [userId, ...values],
    );
  }

  /** Who subscribes to these streamers: (streamer id, user id) pairs. */
  findSubscribers(
    streamerIds: readonly number[],
  ): Promise<Array<{ streamerId: number; userId: number }>> {
    return this.dataSource.query(
      `SELECT streamer_id AS "streamerId", user_id AS "userId"
       FROM user_streamers WHERE streamer_id = ANY($1::int[])`,
      [streamerIds],
    );
  }

  listSubscriptions(
    userId: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<SubscriptionRecord[]> {
    return manager.query(
      `SELECT us.id, us.streamer_id AS "streamerId", s.twitch_user_id AS "twitchUserId",
              s.display_name AS "displayName", s.avatar_url AS "avatarUrl",
              us.order_index AS "orderIndex", us.label,
              COALESCE(us.monitor_interval_seconds, s.monitor_interval_seconds)
                AS "monitorIntervalSeconds",
              COALESCE(us.monitor_min_clips, s.monitor_min_clips) AS "monitorMinClips",
              s.is_live AS "isLive", s.last_seen_live_at AS "lastSeenLiveAt",
              s.last_live_check_at AS "lastLiveCheckAt"
       FROM user_streamers us JOIN streamers s ON s.id = us.streamer_id
       WHERE us.user_id = $1
       ORDER BY us.order_index, us.id`,
      [userId],
    );
  }

  async countSubscriptions(manager: EntityManager, userId: number): Promise<number> {
    const rows: Array<{ n: number }> = await manager.query(
      'SELECT count(*)::int AS n FROM user_streamers WHERE user_id = $1',
      [userId],
    );
    return rows[0].n;
  }

  async isAttachedByTwitchUserId(
    manager: EntityManager,
    userId: number,
    twitchUserId: string,
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `SELECT 1 FROM user_streamers us JOIN streamers s ON s.id = us.streamer_id
       WHERE us.user_id = $1 AND s.twitch_user_id = $2`,
      [userId, twitchUserId],
    );
    return rows.length > 0;
  }

  /**
   * A new subscription at the end of the user's order (max + 1); null when the user already has
   * this streamer (the unique key decides, not a prior read).
   */
  async insertSubscription(
    manager: EntityManager,
    row: {
      userId: number;
      streamerId: number;
      label: string | null;
      monitorIntervalSeconds: number | null;
      monitorMinClips: number | null;
    },
  ): Promise<number | null> {
    const rows: Array<{ id: number }> = await manager.query(
      `INSERT INTO user_streamers
         (user_id, streamer_id, label, order_index, monitor_interval_seconds, monitor_min_clips)
       VALUES ($1, $2, $3,
               (SELECT COALESCE(max(order_index) + 1, 0) FROM user_streamers WHERE user_id = $1),
               $4, $5)
       ON CONFLICT (user_id, streamer_id) DO NOTHING
       RETURNING id`,
      [row.userId, row.streamerId, row.label, row.monitorIntervalSeconds, row.monitorMinClips],
    );
    return rows[0]?.id ?? null;
  }

  /** Removes the subscription; false when the user did not have it. */
  async deleteSubscription(userId: number, streamerId: number): Promise<boolean> {
    const [rows]: [unknown[], number] = await this.dataSource.query(
      'DELETE FROM user_streamers WHERE user_id = $1 AND streamer_id = $2 RETURNING id',
      [userId, streamerId],
    );
    return rows.length > 0;
  }

  /**
   * order_index = position for each listed streamer, in one statement; returns the ids that
   * were not attached (the caller then rolls the transaction back).
   */
  async reorder(manager: EntityManager, userId: number, streamerIds: number[]): Promise<number[]> {
    // TypeORM answers UPDATE … RETURNING as [rows, affected].
    const [rows]: [Array<{ streamerId: number }>, number] = await manager.query(
      `UPDATE user_streamers us SET order_index = t.position - 1
       FROM unnest($2::int[]) WITH ORDINALITY AS t(streamer_id, position)
       WHERE us.user_id = $1 AND us.streamer_id = t.streamer_id
       RETURNING us.streamer_id AS "streamerId"`,
      [userId, streamerIds],
    );
    const updated = new Set(rows.map((row) => row.streamerId));
    return streamerIds.filter((id) => !updated.has(id));
  }

  /** An admin's slots_configured, in the caller's transaction; creates the row with the defaults if missing. */
  async setSlotsConfigured(
    manager: EntityManager,
    userId: number,
    slots: number | null,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO user_channel_configs (user_id, slots_configured) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET slots_configured = EXCLUDED.slots_configured,
         updated_at = now()`,
      [userId, slots],
    );
  }
}
