import { RetentionStep } from '../retention/retention.step';

/**
 * Kirvano's raw payload (names, e-mails, documents) is kept RETENTION_PURCHASE_PAYLOAD_DAYS for
 * support, then cleared; the purchase row (sale, e-mail, plan, status) stays, and so does the
 * payload's hash in billing_events (replays are still recognised).
 */
export const purchasePayloadsRetention: RetentionStep = {
  name: 'purchases.raw_payload',
  table: 'purchases',
  days: (settings) => settings.purchasePayloadDays,
  sql: `
    WITH gone AS (
      UPDATE purchases SET raw_payload = NULL WHERE id IN (
        SELECT id FROM purchases
        WHERE raw_payload IS NOT NULL AND created_at < $1
        LIMIT $2
        FOR UPDATE SKIP LOCKED)
      RETURNING 1)
    SELECT count(*)::int AS n FROM gone`,
};
