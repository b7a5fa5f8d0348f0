import { deleteBatch, RetentionStep } from '../retention/retention.step';

/**
 * Sent notifications (the §17 outbox) older than RETENTION_NOTIFICATION_DAYS; pending and failed
 * ones stay (a failed one is what GET /config/me/notifications shows). Until the notifications
 * table is migrated the runner skips this step.
 */
export const notificationsRetention: RetentionStep = {
  name: 'notifications',
  table: 'notifications',
  days: (settings) => settings.notificationDays,
  sql: deleteBatch('notifications', `status = 'sent' AND sent_at < $1`),
};
