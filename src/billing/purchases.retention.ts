import { RetentionStep, updateBatch } from '../retention/retention.step';

/**
 * Kirvano's raw payload (names, e-mails, documents) is kept RETENTION_PURCHASE_PAYLOAD_DAYS for
 * support, then cleared; the purchase row (sale, e-mail, plan, status) stays, and so does the
 * payload's hash in billing_events (replays are still recognised).
 */
export const purchasePayloadsRetention: RetentionStep = {
  name: 'purchases.raw_payload',
  table: 'purchases',
  days: (settings) => settings.purchasePayloadDays,
  sql: updateBatch(
    'purchases',
    'raw_payload = NULL',
    'raw_payload IS NOT NULL AND created_at < $1',
  ),
};
