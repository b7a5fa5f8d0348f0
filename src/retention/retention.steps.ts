import { sessionsRetention, refreshTokensRetention } from '../auth/sessions.retention';
import { purchasePayloadsRetention } from '../billing/purchases.retention';
import { clipsRetention } from '../clips/clips.retention';
import { deliveriesRetention } from '../deliveries/deliveries.retention';
import { notificationsRetention } from '../notifications/notifications.retention';
import { RetentionStep } from './retention.step';

/**
 * The daily clean-up's steps, in order; each module owns its step (its table, its rule). A module
 * with data to age out adds its step here. Deliveries go before clips: a clip's deletion sets its
 * deliveries' clip_id to NULL, which is work wasted on rows about to go.
 */
export const RETENTION_STEPS: readonly RetentionStep[] = [
  deliveriesRetention,
  clipsRetention,
  notificationsRetention,
  refreshTokensRetention,
  sessionsRetention,
  purchasePayloadsRetention,
];
