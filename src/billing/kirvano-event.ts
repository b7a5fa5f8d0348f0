import { createHash } from 'node:crypto';
import { foldPlanName } from '../users/plan-rules';
import { BillingError } from './billing.errors';

/**
 * A Kirvano webhook body, read as PRODUCT §15 describes it. Pure: no Nest, no database. The body
 * is the provider's free-form JSON, so it is read field by field (unknown fields are the norm
 * there and are kept in raw_payload, never rejected).
 */

/** What an event does to the user it concerns. */
export type KirvanoAction = 'approved' | 'renewed' | 'ending' | 'ignored';

export interface KirvanoEvent {
  /** The event name, lower-cased ('' when the body had none): the billing_events key's first part. */
  event: string;
  action: KirvanoAction;
  /** Lower-cased. Personal data: never logged. */
  email: string;
  saleId: string | null;
  /** The payload's status, lower-cased. */
  status: string | null;
  /** products[0].offer_name, else plan.name. */
  plan: string | null;
  paymentMethod: string | null;
  customerId: string | null;
  /** The payload's charge or period id (transaction_id, charge_id, period, created_at), else the body's hash. */
  chargeKey: string;
  /** sha256 (hex) of the body as JSON. */
  payloadHash: string;
  /** The body as JSON text, for purchases.raw_payload. Personal data: never logged. */
  rawPayload: string;
}

const ENDING_EVENTS = new Set([
  'subscription.canceled',
  'subscription.expired',
  'subscription.late',
  'purchase.refunded',
  'purchase.chargeback',
]);

const ACTION_BY_STATUS: Record<string, KirvanoAction> = {
  approved: 'approved',
  canceled: 'ending',
  refunded: 'ending',
  chargeback: 'ending',
};

const MAX_EMAIL = 255;
const MAX_SALE_ID = 128;
const MAX_CHARGE_KEY = 128;
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+$/;

export function actionFor(event: string, status: string | null): KirvanoAction {
  if (event === 'sale_approved') return 'approved';
  if (event === 'subscription.renewed') return 'renewed';
  if (ENDING_EVENTS.has(event)) return 'ending';
  return (status && ACTION_BY_STATUS[status]) || 'ignored';
}

/** The plan's length in days (§15): `teste` 3, `mensal` 31, `parceiro`/`anual`/`super` 365, else 31. */
export function planDays(plan: string | null | undefined): number {
  const folded = foldPlanName(plan ?? '');
  if (folded.includes('teste')) return 3;
  if (folded.includes('mensal')) return 31;
  if (['parceiro', 'anual', 'super'].some((word) => folded.includes(word))) return 365;
  return 31;
}

export function isTrialPlan(plan: string | null | undefined): boolean {
  return foldPlanName(plan ?? '').includes('teste');
}

/** Reads a webhook body. Throws BillingError for what §15 refuses (no e-mail, no sale_id on a sale). */
export function parseKirvanoEvent(body: unknown): KirvanoEvent {
  const root = asRecord(body);
  const customer = asRecord(root?.customer);
  const rawEmail = customer?.email;
  if (typeof rawEmail !== 'string' || rawEmail.trim() === '') throw BillingError.emailMissing();
  const email = rawEmail.trim().toLowerCase();
  if (email.length > MAX_EMAIL || !EMAIL_PATTERN.test(email)) throw BillingError.invalidEmail();

  const event = (text(root?.event, 64) ?? '').toLowerCase();
  const status = text(root?.status, 32)?.toLowerCase() ?? null;
  const saleId = identifier(root?.sale_id);
  if (saleId !== null && saleId.length > MAX_SALE_ID) throw BillingError.saleIdTooLong();
  const action = actionFor(event, status);
  if (action === 'approved' && saleId === null) throw BillingError.saleIdMissing();

  const products = Array.isArray(root?.products) ? (root.products as unknown[]) : [];
  const plan =
    text(asRecord(products[0])?.offer_name, 100) ?? text(asRecord(root?.plan)?.name, 100);
  const rawPayload = JSON.stringify(body);
  const payloadHash = createHash('sha256').update(rawPayload).digest('hex');
  const charge = ['transaction_id', 'charge_id', 'period', 'created_at']
    .map((field) => identifier(root?.[field]))
    .find((value) => value !== null);
  const chargeKey =
    charge === undefined
      ? payloadHash
      : charge.length > MAX_CHARGE_KEY
        ? createHash('sha256').update(charge).digest('hex')
        : charge;

  return {
    event,
    action,
    email,
    saleId,
    status,
    plan,
    paymentMethod:
      text(root?.payment_method, 64) ?? text(asRecord(root?.payment)?.method, 64) ?? null,
    customerId: identifier(customer?.id)?.slice(0, 128) ?? null,
    chargeKey,
    payloadHash,
    rawPayload,
  };
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** A non-empty string, trimmed and cut to `max` characters, or null. */
function text(value: unknown, max: number): string | null {
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed.slice(0, max);
}

/** An id sent as a string or a number, as text; null when absent or of another type. */
function identifier(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
