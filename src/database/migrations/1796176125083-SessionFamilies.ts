import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sessions as refresh-token families (PRODUCT §6 "Sessions and login"):
 * - auth_sessions: one row per login, with its absolute end (JWT_REFRESH_DAYS after the login,
 *   never extended by rotation) and when it was revoked (logout, reuse of a rotated token, a
 *   password change);
 * - refresh_tokens belong to a session and record when they were used (rotated), which is how a
 *   second use is told apart: within 30 s a fresh pair of the same family (two tabs), later the
 *   family's revocation;
 * - users.token_version: bumped by every password change; access and refresh tokens carry it and
 *   stop working once it moved.
 * Refresh tokens issued before this migration belong to no session: they are deleted (their users
 * log in again once).
 */
export class SessionFamilies1796176125083 implements MigrationInterface {
  name = 'SessionFamilies1796176125083';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" ADD "token_version" integer NOT NULL DEFAULT 0`);
    await queryRunner.query(
      `CREATE TABLE "auth_sessions" ("id" uuid NOT NULL, "user_id" integer NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "revoked_at" TIMESTAMP WITH TIME ZONE, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_auth_sessions" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_auth_sessions_user_id" ON "auth_sessions" ("user_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "auth_sessions" ADD CONSTRAINT "FK_auth_sessions_user_id" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
    await queryRunner.query(`DELETE FROM "refresh_tokens"`);
    await queryRunner.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "revoked_at"`);
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ADD "session_id" uuid NOT NULL`);
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ADD "used_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE INDEX "IDX_refresh_tokens_session_id" ON "refresh_tokens" ("session_id") `,
    );
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" ADD CONSTRAINT "FK_refresh_tokens_session_id" FOREIGN KEY ("session_id") REFERENCES "auth_sessions"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" DROP CONSTRAINT "FK_refresh_tokens_session_id"`,
    );
    await queryRunner.query(`DROP INDEX "IDX_refresh_tokens_session_id"`);
    await queryRunner.query(`DELETE FROM "refresh_tokens"`);
    await queryRunner.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "used_at"`);
    await queryRunner.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "session_id"`);
    await queryRunner.query(
      `ALTER TABLE "refresh_tokens" ADD "revoked_at" TIMESTAMP WITH TIME ZONE`,
    );
    await queryRunner.query(
      `ALTER TABLE "auth_sessions" DROP CONSTRAINT "FK_auth_sessions_user_id"`,
    );
    await queryRunner.query(`DROP INDEX "IDX_auth_sessions_user_id"`);
    await queryRunner.query(`DROP TABLE "auth_sessions"`);
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "token_version"`);
  }
}
