/**
 * The plan rules of PRODUCT §11, as pure functions over plain data (no Nest, no ORM): what a plan
 * is worth in slots, whether a user counts as active, and how many slots they have in total.
 */

/** Statuses that count as active while the plan has not expired. */
export const ACTIVE_USER_STATUSES: readonly string[] = ['active', 'trial'];

/** First rule that matches the folded plan name wins; anything else (`free` included) → 1. */
const PLAN_SLOT_RULES: readonly { contains: readonly string[]; slots: number }[] = [
  { contains: ['teste gratuito', 'gratuito', 'mensal solo'], slots: 3 },
  { contains: ['mensal plus'], slots: 8 },
  { contains: ['anual pro'], slots: 15 },
  { contains: ['parceiro'], slots: 1 },
  { contains: ['super'], slots: 999 },
];

export const DEFAULT_BASE_SLOTS = 1;

/** Lower-cased, accents removed, runs of white space made one space: `Mênsal  PLUS` → `mensal plus`. */
export function foldPlanName(plan: string): string {
  return plan.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** The base slots a plan gives (stored on the user as slots_base whenever the plan changes). */
export function baseSlotsForPlan(plan: string | null | undefined): number {
  if (!plan) return DEFAULT_BASE_SLOTS;
  const folded = foldPlanName(plan);
  for (const rule of PLAN_SLOT_RULES) {
    if (rule.contains.some((needle) => folded.includes(needle))) return rule.slots;
  }
  return DEFAULT_BASE_SLOTS;
}

/** Active: status `active` or `trial`, and the plan has no expiry or expires after `now`. */
export function isUserActive(
  status: string | null | undefined,
  planExpiresAt: Date | null | undefined,
  now: Date,
): boolean {
  if (!status || !ACTIVE_USER_STATUSES.includes(status.trim().toLowerCase())) return false;
  return planExpiresAt == null || planExpiresAt.getTime() > now.getTime();
}

/** slots_total = max(base, slots_configured ?? base). */
export function slotsTotal(base: number, configured: number | null | undefined): number {
  return Math.max(base, configured ?? base);
}
