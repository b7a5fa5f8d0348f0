import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** A session as a refresh sees it. */
export interface SessionRef {
  sessionId: string;
  expiresAt: Date;
}

/** What became of a refresh token that could not be rotated. */
export interface UsedTokenState extends SessionRef {
  /** The session was revoked or has reached its absolute end. */
  ended: boolean;
  /** The token was used (rotated) at most GRACE_SECONDS ago. */
  inGrace: boolean;
}

/**
 * The rows an UPDATE … RETURNING gave back: TypeORM's PostgreSQL driver answers `[rows, count]`
 * for UPDATE and DELETE, and the rows alone for INSERT and SELECT.
 */
export function returnedRows<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0])) {
    return result[0] as T[];
  }
  return result as T[];
}

/** Two tabs refreshing on their own timers may present one token twice within this. */
export const GRACE_SECONDS = 30;

/**
 * Sessions (auth_sessions) and their refresh tokens (refresh_tokens). Every write that races is
 * one conditional statement: two refreshes with the same token cannot both rotate it.
 */
@Injectable()
export class SessionsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** A new session with its first refresh token, in one statement. */
  async start(userId: number, sessionId: string, tokenId: string, expiresAt: Date): Promise<void> {
    await this.dataSource.query(
      `WITH session AS (
         INSERT INTO auth_sessions (id, user_id, expires_at) VALUES ($1, $2, $3)
       )
       INSERT INTO refresh_tokens (id, user_id, session_id, expires_at) VALUES ($4, $2, $1, $3)`,
      [sessionId, userId, expiresAt, tokenId],
    );
  }

  /**
   * Uses up a token that was never used, in a session that is live: its session, or null (then
   * see `inspect`).
   */
  async rotate(tokenId: string, userId: number): Promise<SessionRef | null> {
    const rows = returnedRows<{ session_id: string; expires_at: Date }>(
      await this.dataSource.query(
        `UPDATE refresh_tokens t SET used_at = now()
       FROM auth_sessions s
       WHERE t.id = $1 AND t.user_id = $2 AND t.used_at IS NULL
         AND s.id = t.session_id AND s.revoked_at IS NULL AND s.expires_at > now()
       RETURNING s.id AS session_id, s.expires_at`,
        [tokenId, userId],
      ),
    );
    return rows[0] ? { sessionId: rows[0].session_id, expiresAt: rows[0].expires_at } : null;
  }

  /** A token `rotate` refused: unknown (null), in an ended session, or used before. */
  async inspect(tokenId: string, userId: number): Promise<UsedTokenState | null> {
    const rows: Array<{
      session_id: string;
      expires_at: Date;
      ended: boolean;
      in_grace: boolean;
    }> = await this.dataSource.query(
      `SELECT s.id AS session_id, s.expires_at,
              (s.revoked_at IS NOT NULL OR s.expires_at <= now()) AS ended,
              (t.used_at IS NOT NULL AND t.used_at > now() - make_interval(secs => $3)) AS in_grace
       FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
       WHERE t.id = $1 AND t.user_id = $2`,
      [tokenId, userId, GRACE_SECONDS],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      sessionId: row.session_id,
      expiresAt: row.expires_at,
      ended: row.ended,
      inGrace: row.in_grace,
    };
  }

  /** Adds a refresh token to a session that is still live; false when it is not. */
  async addToken(
    sessionId: string,
    userId: number,
    tokenId: string,
    expiresAt: Date,
  ): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO refresh_tokens (id, user_id, session_id, expires_at)
       SELECT $1, $2, s.id, $4 FROM auth_sessions s
       WHERE s.id = $3 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now()
       RETURNING id`,
      [tokenId, userId, sessionId, expiresAt],
    );
    return rows.length > 0;
  }

  /** The ids among these whose session is live: not revoked and not past its end. */
  async findLive(sessionIds: readonly string[]): Promise<string[]> {
    const rows: Array<{ id: string }> = await this.dataSource.query(
      `SELECT id FROM auth_sessions
       WHERE id = ANY($1::uuid[]) AND revoked_at IS NULL AND expires_at > now()`,
      [sessionIds],
    );
    return rows.map((row) => row.id);
  }

  /** Ends one session; true when it was live. */
  async revoke(sessionId: string, userId: number): Promise<boolean> {
    const rows = returnedRows<unknown>(
      await this.dataSource.query(
        `UPDATE auth_sessions SET revoked_at = now()
       WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL
       RETURNING id`,
        [sessionId, userId],
      ),
    );
    return rows.length > 0;
  }

  async revokeAllForUser(userId: number): Promise<number> {
    const rows = returnedRows<unknown>(
      await this.dataSource.query(
        `UPDATE auth_sessions SET revoked_at = now()
       WHERE user_id = $1 AND revoked_at IS NULL
       RETURNING id`,
        [userId],
      ),
    );
    return rows.length;
  }

  /**
   * Housekeeping on each login: sessions past their absolute end, with their tokens. A revoked
   * session is kept until then, so that its tokens are still recognised (and refused).
   */
  async pruneForUser(userId: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM auth_sessions WHERE user_id = $1 AND expires_at < now()`,
      [userId],
    );
  }
}
