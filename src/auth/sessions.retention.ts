import { deleteBatch, RetentionStep } from '../retention/retention.step';

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
  sql: deleteBatch(
    'refresh_tokens',
    `EXISTS (SELECT 1 FROM auth_sessions s
             WHERE s.id = refresh_tokens.session_id AND s.expires_at < $1)`,
  ),
};

export const sessionsRetention: RetentionStep = {
  name: 'auth_sessions',
  table: 'auth_sessions',
  days: () => 0,
  sql: deleteBatch('auth_sessions', 'expires_at < $1'),
};
