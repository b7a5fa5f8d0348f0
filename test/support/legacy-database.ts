import { pbkdf2Sync, randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { LEGACY_TABLES, LegacyTable } from '../../src/cli/legacy/legacy-source';
import { databaseUrl, runPrefix, withAdminClient } from './databases';

/**
 * A database of the old Python service, built as /work/shared/design/LEGACY-SCHEMA.md describes
 * it: the tables of its Alembic migrations 0001–0003 and what its `create_all` added. Two shapes
 * exist in the wild, so both can be built:
 * - `migrations`: streamers as 0001 made them, without api_mode, trial_expires_at and the client
 *   credential columns;
 * - `create_all`: streamers with those four columns (the secret in plain text).
 * Any table can be left out (`omit`): the old migrations drifted.
 */
export type LegacyShape = 'migrations' | 'create_all';

export { LEGACY_TABLES };
export type { LegacyTable };

const STREAMER_CREDENTIAL_COLUMNS = `,
  api_mode varchar(32) DEFAULT 'clipador_only',
  trial_expires_at timestamptz,
  client_twitch_client_id varchar(128),
  client_twitch_client_secret varchar(256)`;

function ddl(table: LegacyTable, shape: LegacyShape): string {
  switch (table) {
    case 'users':
      return `CREATE TABLE users (
        id serial PRIMARY KEY,
        username varchar(100) UNIQUE NOT NULL,
        hashed_password varchar(255) NOT NULL,
        role varchar(32) DEFAULT 'admin',
        created_at timestamptz DEFAULT now(),
        updated_at timestamptz DEFAULT now(),
        email varchar(255),
        plan varchar(50) DEFAULT 'free',
        plan_expires_at timestamptz,
        status varchar(32) DEFAULT 'active',
        trial_used boolean,
        kirvano_customer_id varchar(128),
        kirvano_last_sale_id varchar(128))`;
    case 'streamers':
      return `CREATE TABLE streamers (
        id serial PRIMARY KEY,
        twitch_user_id varchar(64) UNIQUE NOT NULL,
        display_name varchar(255),
        avatar_url text,
        is_active boolean DEFAULT true,
        monitor_interval_seconds integer DEFAULT 180,
        monitor_min_clips integer DEFAULT 2,
        last_clip_synced_at timestamptz,
        created_at timestamptz DEFAULT now(),
        updated_at timestamptz DEFAULT now()${shape === 'create_all' ? STREAMER_CREDENTIAL_COLUMNS : ''})`;
    case 'clips':
      return `CREATE TABLE clips (
        id serial PRIMARY KEY,
        clip_id varchar(64) UNIQUE NOT NULL,
        streamer_id integer REFERENCES streamers(id) ON DELETE CASCADE,
        streamer_name varchar(256),
        streamer_external_id varchar(128),
        created_at timestamptz,
        viewer_count integer,
        video_id varchar(64),
        title text,
        duration integer,
        fetched_at timestamptz DEFAULT now(),
        broadcaster_level integer)`;
    case 'bursts':
      return `CREATE TABLE bursts (
        id serial PRIMARY KEY,
        streamer_id integer REFERENCES streamers(id) ON DELETE CASCADE,
        start_time timestamptz,
        end_time timestamptz,
        clip_count integer,
        created_at timestamptz DEFAULT now())`;
    case 'burst_clips':
      return `CREATE TABLE burst_clips (
        id serial PRIMARY KEY,
        burst_id integer REFERENCES bursts(id) ON DELETE CASCADE,
        clip_id integer REFERENCES clips(id) ON DELETE CASCADE,
        clip_external_id varchar(64),
        UNIQUE (burst_id, clip_external_id))`;
    case 'purchases':
      return `CREATE TABLE purchases (
        id serial PRIMARY KEY,
        sale_id varchar(128) UNIQUE,
        email varchar(255),
        plan varchar(100),
        status varchar(32),
        payment_method varchar(64),
        raw_payload text,
        created_at timestamptz DEFAULT now())`;
    case 'user_channel_configs':
      return `CREATE TABLE user_channel_configs (
        id serial PRIMARY KEY,
        user_id integer UNIQUE REFERENCES users(id) ON DELETE CASCADE,
        channel_name varchar(255),
        channel_slug varchar(255) UNIQUE,
        monitor_mode varchar(32) DEFAULT 'AUTOMATICO',
        partner_mode varchar(32) DEFAULT 'somente_bot',
        clipador_chefe_username varchar(80),
        manual_min_clips integer,
        manual_interval_seconds integer,
        manual_min_clips_vod integer,
        slots_configured integer,
        last_streamers_update timestamptz,
        notify_online boolean,
        twitch_client_id varchar(128),
        twitch_client_secret varchar(256),
        public_share_enabled boolean,
        public_description text,
        created_at timestamptz DEFAULT now(),
        updated_at timestamptz DEFAULT now())`;
    case 'user_streamers':
      return `CREATE TABLE user_streamers (
        id serial PRIMARY KEY,
        user_id integer REFERENCES users(id) ON DELETE CASCADE,
        streamer_id integer REFERENCES streamers(id) ON DELETE CASCADE,
        label varchar(120),
        order_index integer DEFAULT 0,
        created_at timestamptz DEFAULT now(),
        UNIQUE (user_id, streamer_id))`;
    case 'clip_deliveries':
      return `CREATE TABLE clip_deliveries (
        id serial PRIMARY KEY,
        user_id integer REFERENCES users(id),
        streamer_id integer REFERENCES streamers(id) ON DELETE CASCADE,
        burst_id integer REFERENCES bursts(id) ON DELETE SET NULL,
        clip_id integer REFERENCES clips(id) ON DELETE SET NULL,
        clip_external_id varchar(120),
        burst_start timestamptz,
        burst_end timestamptz,
        delivered_at timestamptz DEFAULT now(),
        delivery_channel varchar(32) DEFAULT 'web',
        extra_payload text,
        UNIQUE (user_id, streamer_id, burst_start, burst_end, clip_external_id))`;
    case 'streamer_status':
      return `CREATE TABLE streamer_status (
        id serial PRIMARY KEY,
        user_id integer REFERENCES users(id),
        streamer_id integer REFERENCES streamers(id),
        status varchar(16) DEFAULT 'offline',
        last_seen timestamptz,
        last_notified timestamptz,
        updated_at timestamptz DEFAULT now(),
        UNIQUE (user_id, streamer_id))`;
  }
}

export interface LegacyDatabase {
  name: string;
  url: string;
  /** A connection to it, for filling it in (and for tests that look at it afterwards). */
  client: Client;
  /** Inserts rows (objects with the same keys) into a table; returns nothing. */
  insert(table: LegacyTable, rows: ReadonlyArray<Record<string, unknown>>): Promise<void>;
  drop(): Promise<void>;
}

/** A fresh, empty old-service database of this run (dropped by the e2e teardown if left over). */
export async function createLegacyDatabase(
  shape: LegacyShape,
  options: { omit?: readonly LegacyTable[] } = {},
): Promise<LegacyDatabase> {
  const name = `${runPrefix()}_legacy_${randomBytes(4).toString('hex')}`;
  await withAdminClient((admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = databaseUrl(name);
  const client = new Client({ connectionString: url });
  await client.connect();
  for (const table of LEGACY_TABLES) {
    if (!options.omit?.includes(table)) await client.query(ddl(table, shape));
  }
  return {
    name,
    url,
    client,
    insert: async (table, rows) => {
      for (const row of rows) {
        const columns = Object.keys(row);
        const placeholders = columns.map((_, i) => `$${i + 1}`).join(', ');
        await client.query(
          `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${placeholders})`,
          Object.values(row),
        );
      }
      // Rows are inserted with explicit ids: move each serial past them, as the old app would.
      if (rows.some((row) => 'id' in row)) {
        await client.query(
          `SELECT setval(pg_get_serial_sequence('${table}', 'id'), (SELECT max(id) FROM ${table}))`,
        );
      }
    },
    drop: async () => {
      await client.end();
      await withAdminClient((admin) =>
        admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
      );
    },
  };
}

/**
 * A password hash exactly as passlib's `pbkdf2_sha256.hash()` writes it
 * (`$pbkdf2-sha256$<rounds>$<salt>$<checksum>`, "adapted base64": `.` for `+`, no padding),
 * computed here with node:crypto on its own, not with the service's hasher, so the test does not
 * check the hasher against itself.
 */
export function passlibPbkdf2Sha256(password: string, rounds = 1000): string {
  const salt = randomBytes(16);
  const checksum = pbkdf2Sync(password, salt, rounds, 32, 'sha256');
  const ab64 = (bytes: Buffer) => bytes.toString('base64').replace(/=+$/, '').replace(/\+/g, '.');
  return `$pbkdf2-sha256$${rounds}$${ab64(salt)}$${ab64(checksum)}`;
}

/** Hashes written by passlib 1.7.4 itself: `pbkdf2_sha256.using(rounds=1000).hash(password)`. */
export const PASSLIB_VECTORS = {
  ascii: {
    password: 'old-password-1',
    hash: '$pbkdf2-sha256$1000$n9Pa.x.DcI6xFiKE8D5nDA$wpOuRm6vyGj5KRXO/Bv1d3A8IRImVjWfiJSjHcRweTU',
  },
  /** 40 × "ç": 80 bytes of UTF-8, more than bcrypt's 72. */
  long: {
    password: 'ç'.repeat(40),
    hash: '$pbkdf2-sha256$1000$V6oVwlhrba3V2htj7H3vnQ$u5iO3AdOVHbWffjEIF/nuC43KWeidgacHGyX2xUXdYQ',
  },
} as const;
