import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { UserRole } from '../../users/entities/user.entity';
import {
  ChannelConfigImportRow,
  DeliveryImportRow,
  PurchaseImportRow,
  SubscriptionImportRow,
  UserImportRow,
} from './legacy-rules';

export interface ExistingUserRow {
  id: number;
  username: string;
  role: UserRole;
  email: string | null;
}

/**
 * The import's own SQL, for writes the owning modules have no bulk method for (users with their
 * legacy hashes and plan columns, …). Every write is one statement over unnest() arrays, keyed
 * on the target's unique constraints with ON CONFLICT DO NOTHING: a re-run, or a row the target
 * already has, changes nothing. Everything runs in the caller's transaction (its EntityManager).
 */
@Injectable()
export class LegacyImportRepository {
  /** Users here with these usernames, or owning these (lower-cased) e-mails. */
  async findUsers(
    manager: EntityManager,
    usernames: readonly string[],
    emails: readonly string[],
  ): Promise<ExistingUserRow[]> {
    if (usernames.length === 0 && emails.length === 0) return [];
    return manager.query(
      `SELECT id, username, role, email FROM users
       WHERE username = ANY($1::text[]) OR email = ANY($2::text[])`,
      [usernames, emails],
    );
  }

  /**
   * Inserts users as they were (the legacy hash kept: it is replaced by bcrypt on the user's next
   * login); a username already here is left alone. Returns the new ids by username.
   */
  async insertUsers(
    manager: EntityManager,
    rows: readonly UserImportRow[],
    slotsBase: (plan: string) => number,
  ): Promise<Map<string, number>> {
    if (rows.length === 0) return new Map();
    const column = <K extends keyof UserImportRow>(key: K) => rows.map((row) => row[key]);
    const inserted: Array<{ id: number; username: string }> = await manager.query(
      `INSERT INTO users (username, hashed_password, role, email, plan, plan_expires_at, status,
                          trial_used, kirvano_customer_id, kirvano_last_sale_id, slots_base,
                          created_at, updated_at)
       SELECT u.username, u.hashed_password, u.role, u.email, u.plan, u.plan_expires_at, u.status,
              u.trial_used, u.kirvano_customer_id, u.kirvano_last_sale_id, u.slots_base,
              COALESCE(u.created_at, now()), now()
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[],
                   $7::text[], $8::boolean[], $9::text[], $10::text[], $11::int[],
                   $12::timestamptz[])
         AS u(username, hashed_password, role, email, plan, plan_expires_at, status, trial_used,
              kirvano_customer_id, kirvano_last_sale_id, slots_base, created_at)
       ON CONFLICT (username) DO NOTHING
       RETURNING id, username`,
      [
        column('username'),
        column('hashedPassword'),
        column('role'),
        column('email'),
        column('plan'),
        column('planExpiresAt'),
        column('status'),
        column('trialUsed'),
        column('kirvanoCustomerId'),
        column('kirvanoLastSaleId'),
        rows.map((row) => slotsBase(row.plan)),
        column('createdAt'),
      ],
    );
    return new Map(inserted.map((row) => [row.username, row.id]));
  }

  /** --admins on users that were already here: made admin (one statement); returns how many. */
  async promoteToAdmin(manager: EntityManager, userIds: readonly number[]): Promise<number> {
    if (userIds.length === 0) return 0;
    const [, affected]: [unknown, number] = await manager.query(
      `UPDATE users SET role = 'admin', updated_at = now()
       WHERE id = ANY($1::int[]) AND role <> 'admin'`,
      [userIds],
    );
    return affected;
  }

  /**
   * Which of these Twitch clip ids are stored here already (the import leaves those as they are).
   * A read of the clips module's table: ClipsService has no such lookup.
   */
  async findStoredClipIds(
    manager: EntityManager,
    clipIds: readonly string[],
  ): Promise<Set<string>> {
    if (clipIds.length === 0) return new Set();
    const rows: Array<{ clipId: string }> = await manager.query(
      `SELECT clip_id AS "clipId" FROM clips WHERE clip_id = ANY($1::text[])`,
      [clipIds],
    );
    return new Set(rows.map((row) => row.clipId));
  }

  /**
   * For the report, over the clips' tables: how many distinct bursts hold these clips (by Twitch
   * clip id), and how many of the clips sit in one.
   */
  async countBursts(
    manager: EntityManager,
    clipIds: readonly string[],
  ): Promise<{ bursts: number; clipsInBursts: number }> {
    if (clipIds.length === 0) return { bursts: 0, clipsInBursts: 0 };
    const rows: Array<{ bursts: number; clipsInBursts: number }> = await manager.query(
      `SELECT count(DISTINCT bc.burst_id)::int AS bursts, count(bc.burst_id)::int AS "clipsInBursts"
       FROM clips c JOIN burst_clips bc ON bc.clip_id = c.id
       WHERE c.clip_id = ANY($1::text[])`,
      [clipIds],
    );
    return rows[0];
  }

  /** Purchases by sale_id (unique); returns how many were new. */
  async insertPurchases(
    manager: EntityManager,
    rows: readonly PurchaseImportRow[],
  ): Promise<number> {
    if (rows.length === 0) return 0;
    const column = <K extends keyof PurchaseImportRow>(key: K) => rows.map((row) => row[key]);
    const inserted: unknown[] = await manager.query(
      `INSERT INTO purchases (sale_id, email, plan, status, payment_method, raw_payload, created_at)
       SELECT u.sale_id, u.email, u.plan, u.status, u.payment_method, u.raw_payload,
              COALESCE(u.created_at, now())
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                   $7::timestamptz[])
         AS u(sale_id, email, plan, status, payment_method, raw_payload, created_at)
       ON CONFLICT (sale_id) DO NOTHING
       RETURNING id`,
      [
        column('saleId'),
        column('email'),
        column('plan'),
        column('status'),
        column('paymentMethod'),
        column('rawPayload'),
        column('createdAt'),
      ],
    );
    return inserted.length;
  }

  /**
   * Channel configurations, one per user (user_id unique): a user who already has one here (they
   * opened the Streams page) keeps theirs. Returns how many were new.
   */
  async insertChannelConfigs(
    manager: EntityManager,
    rows: ReadonlyArray<ChannelConfigImportRow & { userId: number }>,
  ): Promise<number> {
    const unique = firstBy(rows, (row) => String(row.userId));
    if (unique.length === 0) return 0;
    const column = <K extends keyof (ChannelConfigImportRow & { userId: number })>(key: K) =>
      unique.map((row) => row[key]);
    const inserted: unknown[] = await manager.query(
      `INSERT INTO user_channel_configs (
         user_id, monitor_mode, partner_mode, clipador_chefe_username, manual_min_clips,
         manual_interval_seconds, manual_min_clips_vod, slots_configured, notify_online,
         public_share_enabled, public_description, created_at, updated_at)
       SELECT u.user_id, u.monitor_mode, u.partner_mode, u.chefe, u.manual_min_clips,
              u.manual_interval_seconds, u.manual_min_clips_vod, u.slots_configured,
              u.notify_online, u.public_share_enabled, u.public_description,
              COALESCE(u.created_at, now()), now()
       FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::int[], $6::int[], $7::int[],
                   $8::int[], $9::boolean[], $10::boolean[], $11::text[], $12::timestamptz[])
         AS u(user_id, monitor_mode, partner_mode, chefe, manual_min_clips,
              manual_interval_seconds, manual_min_clips_vod, slots_configured, notify_online,
              public_share_enabled, public_description, created_at)
       ON CONFLICT (user_id) DO NOTHING
       RETURNING id`,
      [
        column('userId'),
        column('monitorMode'),
        column('partnerMode'),
        column('clipadorChefeUsername'),
        column('manualMinClips'),
        column('manualIntervalSeconds'),
        column('manualMinClipsVod'),
        column('slotsConfigured'),
        column('notifyOnline'),
        column('publicShareEnabled'),
        column('publicDescription'),
        column('createdAt'),
      ],
    );
    return inserted.length;
  }

  /**
   * Subscriptions (unique user and streamer), with the streamer's own interval and minimum (the
   * old table had none of its own). Returns how many were new.
   */
  async insertSubscriptions(
    manager: EntityManager,
    rows: ReadonlyArray<SubscriptionImportRow & { userId: number; streamerId: number }>,
  ): Promise<number> {
    const unique = firstBy(rows, (row) => `${row.userId}:${row.streamerId}`);
    if (unique.length === 0) return 0;
    const inserted: unknown[] = await manager.query(
      `INSERT INTO user_streamers (user_id, streamer_id, label, order_index, created_at)
       SELECT u.user_id, u.streamer_id, u.label, u.order_index, COALESCE(u.created_at, now())
       FROM unnest($1::int[], $2::int[], $3::text[], $4::int[], $5::timestamptz[])
         AS u(user_id, streamer_id, label, order_index, created_at)
       ON CONFLICT (user_id, streamer_id) DO NOTHING
       RETURNING id`,
      [
        unique.map((row) => row.userId),
        unique.map((row) => row.streamerId),
        unique.map((row) => row.label),
        unique.map((row) => row.orderIndex),
        unique.map((row) => row.createdAt),
      ],
    );
    return inserted.length;
  }

  /**
   * Deliveries, once per user and clip (the target's unique key). The clip is found by its Twitch
   * id and the burst through the clip (old burst ids mean nothing here: bursts were re-derived),
   * with that burst's start and end; a clip not stored here leaves both NULL. Returns how many
   * were new.
   */
  async insertDeliveries(
    manager: EntityManager,
    rows: ReadonlyArray<DeliveryImportRow & { userId: number; streamerId: number }>,
  ): Promise<number> {
    const unique = firstBy(rows, (row) => `${row.userId}\u0000${row.clipExternalId}`);
    if (unique.length === 0) return 0;
    const inserted: unknown[] = await manager.query(
      `INSERT INTO clip_deliveries (
         user_id, streamer_id, burst_id, clip_id, clip_external_id, burst_start, burst_end,
         delivered_at, delivery_channel, extra_payload)
       SELECT u.user_id, u.streamer_id, b.id, c.id, u.clip_external_id, b.start_time, b.end_time,
              COALESCE(u.delivered_at, now()), u.delivery_channel, u.extra_payload::jsonb
       FROM unnest($1::int[], $2::int[], $3::text[], $4::timestamptz[], $5::text[], $6::text[])
         AS u(user_id, streamer_id, clip_external_id, delivered_at, delivery_channel,
              extra_payload)
       LEFT JOIN clips c ON c.clip_id = u.clip_external_id
       LEFT JOIN burst_clips bc ON bc.clip_id = c.id
       LEFT JOIN bursts b ON b.id = bc.burst_id
       ON CONFLICT (user_id, clip_external_id) DO NOTHING
       RETURNING id`,
      [
        unique.map((row) => row.userId),
        unique.map((row) => row.streamerId),
        unique.map((row) => row.clipExternalId),
        unique.map((row) => row.deliveredAt),
        unique.map((row) => row.deliveryChannel),
        unique.map((row) => row.extraPayload),
      ],
    );
    return inserted.length;
  }
}

/** The first row of each key, in order: one statement may not touch a row twice. */
function firstBy<T>(rows: readonly T[], key: (row: T) => string): T[] {
  const seen = new Set<string>();
  return rows.filter((row) => {
    const k = key(row);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
