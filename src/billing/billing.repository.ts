import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { KirvanoEvent } from './kirvano-event';

/** A purchase that reached no user yet (its e-mail had none), with what applying it needs. */
export interface PendingPurchase {
  saleId: string;
  plan: string | null;
  rawPayload: string | null;
}

/** An approved purchase's status; an ending event replaces it, and then it is never applied. */
export const APPROVED_STATUS = 'approved';

/** SQL on billing_events and purchases, in the caller's transaction. */
@Injectable()
export class BillingRepository {
  /**
   * Records the event once: the id of the new row, or null when (event, sale_id, charge_key)
   * is already there — a redelivery. Under concurrent delivery the second INSERT waits for the
   * first transaction on the unique index, then finds the row.
   */
  async recordEvent(manager: EntityManager, event: KirvanoEvent): Promise<number | null> {
    const rows: Array<{ id: number }> = await manager.query(
      `INSERT INTO billing_events (event, sale_id, charge_key, payload_hash)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (event, sale_id, charge_key) DO NOTHING
       RETURNING id`,
      [event.event, event.saleId ?? '', event.chargeKey, event.payloadHash],
    );
    return rows[0]?.id ?? null;
  }

  async setEventUser(manager: EntityManager, eventId: number, userId: number): Promise<void> {
    await manager.query(`UPDATE billing_events SET user_id = $2 WHERE id = $1`, [eventId, userId]);
  }

  /** Inserts the sale's purchase; false when the sale was already stored (nothing changes). */
  async insertPurchase(manager: EntityManager, event: KirvanoEvent): Promise<boolean> {
    const rows: Array<{ id: number }> = await manager.query(
      `INSERT INTO purchases (sale_id, email, plan, status, payment_method, raw_payload)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (sale_id) DO NOTHING
       RETURNING id`,
      [
        event.saleId,
        event.email,
        event.plan,
        // The sale is approved; the payload's own wording stays in raw_payload.
        APPROVED_STATUS,
        event.paymentMethod,
        event.rawPayload,
      ],
    );
    return rows.length > 0;
  }

  /** An ending event's status on its sale's purchase: it will not be applied to anyone later. */
  async markPurchaseEnded(manager: EntityManager, saleId: string, status: string): Promise<void> {
    await manager.query(`UPDATE purchases SET status = $2 WHERE sale_id = $1`, [saleId, status]);
  }

  /**
   * Approved purchases for this e-mail that no event ever applied to a user, oldest first. The
   * caller holds the user's row lock, which every application of a purchase to that user takes
   * first, so two callers cannot both see one as pending.
   */
  pendingPurchases(manager: EntityManager, email: string): Promise<PendingPurchase[]> {
    return manager.query(
      `SELECT p.sale_id AS "saleId", p.plan, p.raw_payload AS "rawPayload"
       FROM purchases p
       WHERE p.email = $1 AND p.status = $2
         AND NOT EXISTS (
           SELECT 1 FROM billing_events e WHERE e.sale_id = p.sale_id AND e.user_id IS NOT NULL)
       ORDER BY p.created_at, p.id`,
      [email, APPROVED_STATUS],
    );
  }

  /** Marks the sale's events as applied to this user. */
  async assignSaleEvents(manager: EntityManager, saleId: string, userId: number): Promise<void> {
    await manager.query(
      `UPDATE billing_events SET user_id = $2 WHERE sale_id = $1 AND user_id IS NULL`,
      [saleId, userId],
    );
  }
}
