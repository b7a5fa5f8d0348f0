import { RetentionStep } from '../retention/retention.step';

/**
 * Sent notifications (the §17 outbox) older than RETENTION_NOTIFICATION_DAYS; pending and failed
 * ones stay (a failed one is what GET /config/me/notifications shows). Until the notifications
 * table is migrated the runner skips this step.
 */
export const notificationsRetention: RetentionStep = {
  name: 'notifications',
  table: 'notifications',
  days: (settings) => settings.notificationDays,
  sql: `
    WITH gone AS (
      DELETE FROM notifications WHERE id IN (
        SELECT id FROM notifications
        WHERE status = 'sent' AND sent_at < $1
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
      RETURNING 1)
    SELECT count(*)::int AS n FROM gone`,
};
