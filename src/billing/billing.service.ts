import { createHash, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/configuration';
import { UsersService } from '../users/users.service';
import { BillingError } from './billing.errors';
import { APPROVED_STATUS, BillingRepository } from './billing.repository';
import { isTrialPlan, KirvanoEvent, parseKirvanoEvent, planDays } from './kirvano-event';

/** What the webhook did, for its log line (no personal data). */
export type KirvanoOutcome =
  | 'applied'
  | 'pending_user'
  | 'redelivery'
  | 'ignored_not_last_sale'
  | 'ignored_no_user'
  | 'ignored_event';

const ENDING_DEFAULT_STATUS = 'canceled';

/** customer.id from a stored payload (NULL once retention scrubbed it). */
function customerIdOf(rawPayload: string | null): string | null {
  if (!rawPayload) return null;
  try {
    return parseKirvanoEvent(JSON.parse(rawPayload)).customerId;
  } catch {
    return null;
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * Kirvano billing (PRODUCT §15): each event applied once, in one transaction with its record in
 * billing_events, whose unique key turns a redelivery — sequential or concurrent — into a no-op.
 * Users' plans are changed through UsersService (the users module owns that table).
 */
@Injectable()
export class BillingService {
  private readonly logger = new Logger(BillingService.name);
  private readonly tokenDigest: Buffer | undefined;

  constructor(
    config: ConfigService<AppConfig, true>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly billing: BillingRepository,
    private readonly users: UsersService,
  ) {
    const token = config.get('billing', { infer: true }).kirvanoToken;
    this.tokenDigest = token === undefined ? undefined : digest(token);
  }

  /**
   * Constant time whatever the header: both sides are hashed to 32 bytes first, so
   * timingSafeEqual compares equal lengths and the time tells nothing about the token's length.
   */
  assertToken(header: string | string[] | undefined): void {
    const sent = typeof header === 'string' ? header : '';
    const matches = timingSafeEqual(digest(sent), this.tokenDigest ?? digest(''));
    if (!this.tokenDigest || !matches) {
      this.logger.warn({ configured: this.tokenDigest !== undefined }, 'billing_token_refused');
      throw BillingError.invalidToken();
    }
  }

  async handleKirvano(securityToken: string | string[] | undefined, body: unknown): Promise<void> {
    this.assertToken(securityToken);
    const event = parseKirvanoEvent(body);
    const outcome = await this.dataSource.transaction((manager) => this.apply(manager, event));
    const fields = { event: event.event, action: event.action, saleId: event.saleId, outcome };
    if (outcome === 'ignored_event') this.logger.warn(fields, 'billing_event_unknown');
    else this.logger.log(fields, 'billing_event');
  }

  private async apply(manager: EntityManager, event: KirvanoEvent): Promise<KirvanoOutcome> {
    const eventId = await this.billing.recordEvent(manager, event);
    if (eventId === null) return 'redelivery';
    switch (event.action) {
      case 'approved':
        return this.approve(manager, event, eventId);
      case 'renewed':
        return this.renew(manager, event, eventId);
      case 'ending':
        return this.end(manager, event, eventId);
      default:
        return 'ignored_event';
    }
  }

  private async approve(
    manager: EntityManager,
    event: KirvanoEvent,
    eventId: number,
  ): Promise<KirvanoOutcome> {
    // One purchase per sale: a second approval of the same sale (another charge key) is kept
    // as an event and changes nothing.
    if (!(await this.billing.insertPurchase(manager, event))) return 'redelivery';
    const user = await this.users.lockPlanHolderByEmail(manager, event.email);
    if (!user) return 'pending_user';
    await this.grantPurchase(manager, user.id, event);
    await this.billing.setEventUser(manager, eventId, user.id);
    return 'applied';
  }

  private async renew(
    manager: EntityManager,
    event: KirvanoEvent,
    eventId: number,
  ): Promise<KirvanoOutcome> {
    const user = await this.users.lockPlanHolderByEmail(manager, event.email);
    if (!user) return 'ignored_no_user';
    await this.users.grantPlan(manager, user.id, {
      plan: null,
      days: planDays(event.plan ?? user.plan),
      customerId: event.customerId,
    });
    await this.billing.setEventUser(manager, eventId, user.id);
    return 'applied';
  }

  /** Only for the user's last sale: a late cancel of an old sale never ends a newer purchase. */
  private async end(
    manager: EntityManager,
    event: KirvanoEvent,
    eventId: number,
  ): Promise<KirvanoOutcome> {
    if (event.saleId !== null) {
      const status =
        event.status && event.status !== APPROVED_STATUS ? event.status : ENDING_DEFAULT_STATUS;
      await this.billing.markPurchaseEnded(manager, event.saleId, status);
    }
    const user = await this.users.lockPlanHolderByEmail(manager, event.email);
    if (!user) return 'ignored_no_user';
    if (event.saleId === null || user.kirvanoLastSaleId !== event.saleId) {
      return 'ignored_not_last_sale';
    }
    await this.users.endPlan(manager, user.id);
    await this.billing.setEventUser(manager, eventId, user.id);
    return 'applied';
  }

  private grantPurchase(manager: EntityManager, userId: number, event: KirvanoEvent) {
    return this.users.grantPlan(manager, userId, {
      plan: event.plan ?? 'free',
      days: planDays(event.plan),
      saleId: event.saleId,
      customerId: event.customerId,
      trial: isTrialPlan(event.plan),
    });
  }

  /**
   * Applies the purchases made with `email` before any user had it, to the user who has it now
   * (set-plan --email, an admin's change). Runs in the caller's transaction, after the e-mail
   * was set; returns how many were applied.
   */
  async applyPendingPurchases(
    manager: EntityManager,
    userId: number,
    email: string,
  ): Promise<number> {
    const user = await this.users.lockPlanHolder(manager, userId);
    if (!user) return 0;
    const pending = await this.billing.pendingPurchases(manager, email.trim().toLowerCase());
    for (const purchase of pending) {
      await this.users.grantPlan(manager, userId, {
        plan: purchase.plan ?? 'free',
        days: planDays(purchase.plan),
        saleId: purchase.saleId,
        customerId: customerIdOf(purchase.rawPayload),
        trial: isTrialPlan(purchase.plan),
      });
      await this.billing.assignSaleEvents(manager, purchase.saleId, userId);
    }
    if (pending.length > 0) {
      this.logger.log(
        { userId, purchases: pending.map((purchase) => purchase.saleId) },
        'billing_pending_applied',
      );
    }
    return pending.length;
  }
}
