import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A change counter for the channel configs (`GET /config/me`), kept like the others of the
 * ChangeGenerations migration: it moves once per committed transaction that wrote
 * user_channel_configs or user_streamers, or changed what a config shows of a streamer
 * (display_name, avatar_url, twitch_user_id, monitor_interval_seconds, monitor_min_clips) or
 * deleted one. A config also shows users.slots_base, which the `users` counter covers.
 */
export class ChannelsGeneration1796175202761 implements MigrationInterface {
  name = 'ChannelsGeneration1796175202761';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO "cache_generations" ("name", "value") VALUES ('channels', 0) ON CONFLICT DO NOTHING`,
    );
    for (const table of ['user_channel_configs', 'user_streamers']) {
      await queryRunner.query(
        `CREATE TRIGGER "trg_${table}_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "${table}" FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_changed_trigger('channels')`,
      );
    }
    await queryRunner.query(
      `CREATE TRIGGER "trg_streamers_channels_changed" AFTER UPDATE OF "display_name", "avatar_url", "twitch_user_id", "monitor_interval_seconds", "monitor_min_clips", "is_live", "last_seen_live_at", "last_live_check_at" OR DELETE OR TRUNCATE ON "streamers" FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_changed_trigger('channels')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "trg_streamers_channels_changed" ON "streamers"`);
    for (const table of ['user_streamers', 'user_channel_configs']) {
      await queryRunner.query(`DROP TRIGGER "trg_${table}_changed" ON "${table}"`);
    }
    await queryRunner.query(`DELETE FROM "cache_generations" WHERE "name" = 'channels'`);
  }
}
