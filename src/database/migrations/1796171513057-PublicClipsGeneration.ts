import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A third change counter, `clips`, for the public clip feed (GET /public/clips, src/public): it
 * moves once per committed transaction that changed what the feed shows — a clip inserted,
 * updated (its view count, title…) or deleted, a streamer renamed, (de)activated or deleted —
 * with the same two steps as migration ChangeGenerations (statement-level triggers mark the
 * transaction, the deferred constraint trigger bumps the counter at COMMIT).
 *
 * The clip triggers look at their transition tables, so a statement that touched no row (the
 * sync's upsert when Twitch returned only clips whose counts did not change) marks nothing.
 *
 * Also an index on clips.created_at: the feed is "the newest clips", across streamers.
 */
export class PublicClipsGeneration1796171513057 implements MigrationInterface {
  name = 'PublicClipsGeneration1796171513057';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `INSERT INTO "cache_generations" ("name", "value") VALUES ('clips', 0) ON CONFLICT DO NOTHING`,
    );
    await queryRunner.query(
      `CREATE FUNCTION clipador_mark_clips_rows_changed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM touched_clips) THEN
           PERFORM clipador_mark_changed('clips');
         END IF;
         RETURN NULL;
       END $$`,
    );
    for (const event of ['INSERT', 'UPDATE', 'DELETE'] as const) {
      const table = event === 'DELETE' ? 'OLD TABLE' : 'NEW TABLE';
      await queryRunner.query(
        `CREATE TRIGGER "trg_clips_${event.toLowerCase()}_public" AFTER ${event} ON "clips" REFERENCING ${table} AS touched_clips FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_clips_rows_changed()`,
      );
    }
    await queryRunner.query(
      `CREATE TRIGGER "trg_clips_truncated_public" AFTER TRUNCATE ON "clips" FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_changed_trigger('clips')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "trg_streamers_changed_public" AFTER UPDATE OF "display_name", "is_active" OR DELETE OR TRUNCATE ON "streamers" FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_changed_trigger('clips')`,
    );
    await queryRunner.query(`CREATE INDEX "idx_clips_created_at" ON "clips" ("created_at")`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idx_clips_created_at"`);
    await queryRunner.query(`DROP TRIGGER "trg_streamers_changed_public" ON "streamers"`);
    await queryRunner.query(`DROP TRIGGER "trg_clips_truncated_public" ON "clips"`);
    for (const event of ['insert', 'update', 'delete']) {
      await queryRunner.query(`DROP TRIGGER "trg_clips_${event}_public" ON "clips"`);
    }
    await queryRunner.query(`DROP FUNCTION clipador_mark_clips_rows_changed()`);
    await queryRunner.query(`DELETE FROM "cache_generations" WHERE "name" = 'clips'`);
  }
}
