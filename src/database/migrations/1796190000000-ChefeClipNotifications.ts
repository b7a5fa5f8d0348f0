import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The partner modes' notifications and the config's last "now live" (PRODUCT §12, §13, §17):
 *   - `chefe_clip` rows name the clip they announce (clip_id; gone with the clip);
 *   - /config/me reads each streamer's newest sent "now live" of the user through a partial
 *     index, and a statement that sends (or deletes) one moves the `channels` counter, so the
 *     cached config shows it on the very next request. Other sends (bursts, tests) move nothing.
 */
export class ChefeClipNotifications1796190000000 implements MigrationInterface {
  name = 'ChefeClipNotifications1796190000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "notifications" ADD "clip_id" integer, ADD CONSTRAINT "fk_notifications_clip" FOREIGN KEY ("clip_id") REFERENCES "clips"("id") ON DELETE CASCADE`,
    );
    await queryRunner.query(
      `ALTER TABLE "notifications" DROP CONSTRAINT "chk_notifications_kind", ADD CONSTRAINT "chk_notifications_kind" CHECK ("kind" IN ('burst', 'burst_grown', 'live', 'chefe_clip', 'test'))`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_notifications_clip" ON "notifications" ("clip_id") WHERE "clip_id" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "idx_notifications_live_sent" ON "notifications" ("user_id", "streamer_id", "sent_at" DESC) WHERE "kind" = 'live' AND "status" = 'sent'`,
    );
    await queryRunner.query(
      `CREATE FUNCTION clipador_mark_live_notified() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM changed_notifications WHERE kind = 'live' AND status = 'sent') THEN
           PERFORM clipador_mark_changed('channels');
         END IF;
         RETURN NULL;
       END $$`,
    );
    // Transition tables allow one event per trigger: one for the send, one for retention.
    await queryRunner.query(
      `CREATE TRIGGER "trg_notifications_live_sent" AFTER UPDATE ON "notifications" REFERENCING NEW TABLE AS changed_notifications FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_live_notified()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "trg_notifications_live_deleted" AFTER DELETE ON "notifications" REFERENCING OLD TABLE AS changed_notifications FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_live_notified()`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "trg_notifications_live_deleted" ON "notifications"`);
    await queryRunner.query(`DROP TRIGGER "trg_notifications_live_sent" ON "notifications"`);
    await queryRunner.query(`DROP FUNCTION clipador_mark_live_notified()`);
    await queryRunner.query(`DROP INDEX "idx_notifications_live_sent"`);
    await queryRunner.query(`DROP INDEX "idx_notifications_clip"`);
    await queryRunner.query(`DELETE FROM "notifications" WHERE "kind" = 'chefe_clip'`);
    await queryRunner.query(
      `ALTER TABLE "notifications" DROP CONSTRAINT "chk_notifications_kind", ADD CONSTRAINT "chk_notifications_kind" CHECK ("kind" IN ('burst', 'burst_grown', 'live', 'test'))`,
    );
    await queryRunner.query(
      `ALTER TABLE "notifications" DROP CONSTRAINT "fk_notifications_clip", DROP COLUMN "clip_id"`,
    );
  }
}
