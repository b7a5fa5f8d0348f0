import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * clip_deliveries' references to users, streamers, bursts and clips, kept by statement-level
 * triggers instead of foreign keys. A burst on a popular streamer writes one row per subscriber
 * and clip (PRODUCT §13: 10,000 subscribers × 5 clips = 50,000 rows in the sync's transaction);
 * four foreign keys cost four referential checks per row, about 0.7 s of that transaction here.
 *
 * The behaviour is the old schema's: deleting a user or a streamer deletes its deliveries
 * (CASCADE), deleting a burst or a clip clears burst_id / clip_id (SET NULL), TRUNCATE included.
 * What a foreign key's check also did — keep a row that is being referenced from being deleted
 * meanwhile — the fan-out does with one FOR KEY SHARE lock per referenced row instead of one check
 * per delivery (deliveries.repository.ts): a concurrent delete waits for the sync's commit, and its
 * trigger then sees the committed deliveries. Anything else that writes clip_deliveries (the
 * legacy import) must write ids that exist, as it reads them from those tables.
 */
export class DeliveryReferencesByTrigger1796174454487 implements MigrationInterface {
  name = 'DeliveryReferencesByTrigger1796174454487';

  public async up(queryRunner: QueryRunner): Promise<void> {
    for (const constraint of FOREIGN_KEYS) {
      await queryRunner.query(`ALTER TABLE "clip_deliveries" DROP CONSTRAINT "${constraint.name}"`);
    }
    for (const reference of REFERENCES) {
      const onRows =
        reference.action === 'delete'
          ? `DELETE FROM clip_deliveries d USING gone g WHERE d.${reference.column} = g.id`
          : `UPDATE clip_deliveries d SET ${reference.column} = NULL FROM gone g WHERE d.${reference.column} = g.id`;
      const onTruncate =
        reference.action === 'delete'
          ? 'DELETE FROM clip_deliveries'
          : `UPDATE clip_deliveries SET ${reference.column} = NULL WHERE ${reference.column} IS NOT NULL`;
      await queryRunner.query(
        `CREATE FUNCTION ${reference.fn}() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF TG_OP = 'TRUNCATE' THEN
             ${onTruncate};
           ELSE
             ${onRows};
           END IF;
           RETURN NULL;
         END $$`,
      );
      await queryRunner.query(
        `CREATE TRIGGER "trg_${reference.table}_deleted_deliveries" AFTER DELETE ON "${reference.table}" REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION ${reference.fn}()`,
      );
      await queryRunner.query(
        `CREATE TRIGGER "trg_${reference.table}_truncated_deliveries" AFTER TRUNCATE ON "${reference.table}" FOR EACH STATEMENT EXECUTE FUNCTION ${reference.fn}()`,
      );
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const reference of REFERENCES) {
      await queryRunner.query(
        `DROP TRIGGER "trg_${reference.table}_truncated_deliveries" ON "${reference.table}"`,
      );
      await queryRunner.query(
        `DROP TRIGGER "trg_${reference.table}_deleted_deliveries" ON "${reference.table}"`,
      );
      await queryRunner.query(`DROP FUNCTION ${reference.fn}()`);
    }
    // Rows a foreign key would refuse go first, as its ON DELETE would have treated them.
    await queryRunner.query(
      `DELETE FROM clip_deliveries d WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.user_id)
         OR NOT EXISTS (SELECT 1 FROM streamers s WHERE s.id = d.streamer_id)`,
    );
    await queryRunner.query(
      `UPDATE clip_deliveries d SET burst_id = NULL
       WHERE burst_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM bursts b WHERE b.id = d.burst_id)`,
    );
    await queryRunner.query(
      `UPDATE clip_deliveries d SET clip_id = NULL
       WHERE clip_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM clips c WHERE c.id = d.clip_id)`,
    );
    for (const constraint of FOREIGN_KEYS) {
      await queryRunner.query(
        `ALTER TABLE "clip_deliveries" ADD CONSTRAINT "${constraint.name}" FOREIGN KEY ("${constraint.column}") REFERENCES "${constraint.table}"("id") ON DELETE ${constraint.onDelete} ON UPDATE NO ACTION`,
      );
    }
  }
}

/** The foreign keys ChannelsSchema created on clip_deliveries. */
const FOREIGN_KEYS = [
  {
    name: 'FK_62898c9994016e00179c92dee15',
    column: 'user_id',
    table: 'users',
    onDelete: 'CASCADE',
  },
  {
    name: 'FK_ed987f745d97b717eea2d338e49',
    column: 'streamer_id',
    table: 'streamers',
    onDelete: 'CASCADE',
  },
  {
    name: 'FK_52012880bf0f94562b2f632a87d',
    column: 'burst_id',
    table: 'bursts',
    onDelete: 'SET NULL',
  },
  {
    name: 'FK_40e4f8f800156fcee8f34831567',
    column: 'clip_id',
    table: 'clips',
    onDelete: 'SET NULL',
  },
] as const;

const REFERENCES = [
  { table: 'users', column: 'user_id', action: 'delete', fn: 'clipador_deliveries_follow_users' },
  {
    table: 'streamers',
    column: 'streamer_id',
    action: 'delete',
    fn: 'clipador_deliveries_follow_streamers',
  },
  {
    table: 'bursts',
    column: 'burst_id',
    action: 'set_null',
    fn: 'clipador_deliveries_follow_bursts',
  },
  { table: 'clips', column: 'clip_id', action: 'set_null', fn: 'clipador_deliveries_follow_clips' },
] as const;
