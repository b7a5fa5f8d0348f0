import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Change generations: one counter per cached view of the data (`users`, `bursts`), bumped once
 * by every committed transaction that changed what that view shows. A process may reuse an
 * answer built from generation g for as long as the counter still reads g (see
 * src/change-generations/change-generations.ts), in every process, since the counter lives here.
 *
 * The bump is done by the database, not by the code that writes, so no writer can forget it:
 * the service, the CLI, a test or an operator in psql. Two steps keep it cheap and free of lock
 * trouble:
 *   1. statement-level triggers on the tables a view reads mark the transaction as having
 *      changed it (`clipador_mark_changed`: one row in cache_generation_marks and a
 *      transaction-local setting, so only the first statement of a transaction pays);
 *   2. a DEFERRED constraint trigger on that mark bumps the counter at COMMIT, as the last
 *      statement of the transaction. The counter's row lock is therefore held only while the
 *      transaction commits — concurrent syncs do not queue behind each other for their whole
 *      duration, and no transaction can hold it while waiting for another lock (no deadlock).
 *
 * What marks which counter (everything the recent-bursts answer and the guard's user read):
 *   users                           → users
 *   bursts, burst_clips             → bursts (any write; deletes by cascade included)
 *   clips UPDATE                    → bursts, only when an updated clip belongs to a burst (the
 *                                     sync's view-count refresh of clips in no burst is free)
 *   streamers UPDATE OF display_name, twitch_user_id; DELETE → bursts
 *   TRUNCATE of any of them         → its counter
 * New clips are not marked: a clip enters the answer only when burst_clips gains it.
 */
export class ChangeGenerations1796018629257 implements MigrationInterface {
  name = 'ChangeGenerations1796018629257';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "cache_generations" ("name" character varying(32) NOT NULL, "value" bigint NOT NULL DEFAULT '0', CONSTRAINT "PK_cache_generations" PRIMARY KEY ("name"))`,
    );
    await queryRunner.query(
      `INSERT INTO "cache_generations" ("name", "value") VALUES ('users', 0), ('bursts', 0)`,
    );
    await queryRunner.query(
      `CREATE TABLE "cache_generation_marks" ("name" character varying(32) NOT NULL)`,
    );
    await queryRunner.query(
      `CREATE FUNCTION clipador_mark_changed(target text) RETURNS void LANGUAGE plpgsql AS $$
       BEGIN
         IF current_setting('clipador.changed_' || target, true) IS DISTINCT FROM 'yes' THEN
           INSERT INTO cache_generation_marks (name) VALUES (target);
           PERFORM set_config('clipador.changed_' || target, 'yes', true);
         END IF;
       END $$`,
    );
    await queryRunner.query(
      `CREATE FUNCTION clipador_mark_changed_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         PERFORM clipador_mark_changed(TG_ARGV[0]);
         RETURN NULL;
       END $$`,
    );
    await queryRunner.query(
      `CREATE FUNCTION clipador_mark_clips_changed() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM changed_clips c JOIN burst_clips bc ON bc.clip_id = c.id) THEN
           PERFORM clipador_mark_changed('bursts');
         END IF;
         RETURN NULL;
       END $$`,
    );
    await queryRunner.query(
      `CREATE FUNCTION clipador_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         UPDATE cache_generations SET value = value + 1 WHERE name = NEW.name;
         -- Only this transaction's own marks are visible to it (others' are uncommitted).
         DELETE FROM cache_generation_marks WHERE name = NEW.name;
         RETURN NULL;
       END $$`,
    );
    await queryRunner.query(
      `CREATE CONSTRAINT TRIGGER "trg_cache_generation_marks_bump" AFTER INSERT ON "cache_generation_marks" DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION clipador_bump_generation()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "trg_users_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "users" FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_changed_trigger('users')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "trg_bursts_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "bursts" FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_changed_trigger('bursts')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "trg_burst_clips_changed" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "burst_clips" FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_changed_trigger('bursts')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "trg_clips_updated" AFTER UPDATE ON "clips" REFERENCING NEW TABLE AS changed_clips FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_clips_changed()`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "trg_clips_truncated" AFTER TRUNCATE ON "clips" FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_changed_trigger('bursts')`,
    );
    await queryRunner.query(
      `CREATE TRIGGER "trg_streamers_changed" AFTER UPDATE OF "display_name", "twitch_user_id" OR DELETE OR TRUNCATE ON "streamers" FOR EACH STATEMENT EXECUTE FUNCTION clipador_mark_changed_trigger('bursts')`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "trg_streamers_changed" ON "streamers"`);
    await queryRunner.query(`DROP TRIGGER "trg_clips_truncated" ON "clips"`);
    await queryRunner.query(`DROP TRIGGER "trg_clips_updated" ON "clips"`);
    await queryRunner.query(`DROP TRIGGER "trg_burst_clips_changed" ON "burst_clips"`);
    await queryRunner.query(`DROP TRIGGER "trg_bursts_changed" ON "bursts"`);
    await queryRunner.query(`DROP TRIGGER "trg_users_changed" ON "users"`);
    await queryRunner.query(
      `DROP TRIGGER "trg_cache_generation_marks_bump" ON "cache_generation_marks"`,
    );
    await queryRunner.query(`DROP FUNCTION clipador_bump_generation()`);
    await queryRunner.query(`DROP FUNCTION clipador_mark_clips_changed()`);
    await queryRunner.query(`DROP FUNCTION clipador_mark_changed_trigger()`);
    await queryRunner.query(`DROP FUNCTION clipador_mark_changed(text)`);
    await queryRunner.query(`DROP TABLE "cache_generation_marks"`);
    await queryRunner.query(`DROP TABLE "cache_generations"`);
  }
}
