import { RetentionStep } from '../retention/retention.step';

/**
 * Sessions past their absolute end, and their refresh tokens. A revoked session is kept until
 * then so that its tokens are still recognised and refused (sessions.repository.ts). Tokens go
 * first, in their own batches: a long-lived session may have thousands, which a cascade from one
 * batch of sessions would delete in one statement.
 */
export const refreshTokensRetention: RetentionStep = {
  name: 'refresh_tokens',
  table: 'refresh_tokens',
  days: () => 0,
  sql: `
    WITH gone AS (
      DELETE FROM refresh_tokens WHERE id IN (
        SELECT t.id FROM refresh_tokens t JOIN auth_sessions s ON s.id = t.session_id
        WHERE s.expires_at < $1
        LIMIT $2
        FOR UPDATE OF t SKIP LOCKED)
      RETURNING 1)
    SELECT count(*)::int AS n FROM gone`,
};

export const sessionsRetention: RetentionStep = {
  name: 'auth_sessions',
  table: 'auth_sessions',
  days: () => 0,
  sql: `
    WITH gone AS (
      DELETE FROM auth_sessions WHERE id IN (
        SELECT id FROM auth_sessions
        WHERE expires_at < $1
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
      RETURNING 1)
    SELECT count(*)::int AS n FROM gone`,
};
