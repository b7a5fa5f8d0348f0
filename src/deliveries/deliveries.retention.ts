import { deleteBatch, RetentionStep } from '../retention/retention.step';

/**
 * Deliveries older than RETENTION_DELIVERY_DAYS. No index on delivered_at alone (it would slow
 * every fan-out's insert): the scan stops at the first `$2` old rows, which the oldest ids are.
 */
export const deliveriesRetention: RetentionStep = {
  name: 'clip_deliveries',
  table: 'clip_deliveries',
  days: (settings) => settings.deliveryDays,
  sql: deleteBatch('clip_deliveries', 'delivered_at < $1'),
};
