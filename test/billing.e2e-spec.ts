import { createUser } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

const TOKEN = 'kirvano-e2e-token-0123456789';
const DAY = 86_400_000;

let sequence = 0;
const unique = (prefix: string) => `${prefix}${++sequence}_${process.pid}`;

interface UserRow {
  plan: string;
  plan_expires_at: Date | null;
  status: string;
  trial_used: boolean;
  kirvano_customer_id: string | null;
  kirvano_last_sale_id: string | null;
  slots_base: number;
}

describe('POST /webhooks/kirvano', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ env: { CLIPADOR_KIRVANO_TOKEN: TOKEN } });
  });

  afterAll(async () => {
    await testApp.close();
  });

  const send = (body: unknown, token: string | null = TOKEN) => {
    const call = testApp.http().post('/webhooks/kirvano');
    if (token !== null) void call.set('Security-Token', token);
    return call.send(body as object);
  };

  /** A user with an e-mail, as an admin or set-plan would leave them. */
  async function userWithEmail(email: string) {
    const user = await createUser(testApp, { role: 'viewer' });
    await testApp.dataSource.query(`UPDATE users SET email = $2 WHERE id = $1`, [user.id, email]);
    return user;
  }

  const userRow = async (id: number): Promise<UserRow> =>
    (
      await testApp.dataSource.query(
        `SELECT plan, plan_expires_at, status, trial_used, kirvano_customer_id,
                kirvano_last_sale_id, slots_base
         FROM users WHERE id = $1`,
        [id],
      )
    )[0];

  const count = async (sql: string, params: unknown[]) =>
    Number((await testApp.dataSource.query(sql, params))[0].n);

  const approved = (email: string, saleId: string, offer = 'Mensal Plus') => ({
    event: 'SALE_APPROVED',
    sale_id: saleId,
    status: 'APPROVED',
    payment_method: 'PIX',
    created_at: '2026-12-01 10:00:00',
    customer: { id: 'cust-1', name: 'Fulano de Tal', email },
    products: [{ offer_name: offer }],
  });

  const daysFromNow = (date: Date | null) => (date!.getTime() - Date.now()) / DAY;

  describe('the token', () => {
    it('refuses a missing or wrong Security-Token with 403 Invalid token, storing nothing', async () => {
      const email = `${unique('tok')}@example.com`;
      for (const token of [null, '', 'wrong', `${TOKEN}x`, TOKEN.slice(0, -1)]) {
        const response = await send(approved(email, unique('S')), token).expect(403);
        expect(response.body).toEqual({
          statusCode: 403,
          code: 'invalid_token',
          detail: 'Invalid token',
        });
      }
      expect(await count(`SELECT count(*) AS n FROM purchases WHERE email = $1`, [email])).toBe(0);
    });

    it('refuses every call while CLIPADOR_KIRVANO_TOKEN is unset', async () => {
      const unset = await startTestApp({ databaseUrl: testApp.databaseUrl });
      try {
        for (const token of [null, '', TOKEN]) {
          const call = unset.http().post('/webhooks/kirvano');
          if (token !== null) void call.set('Security-Token', token);
          const response = await call.send(approved('x@example.com', unique('S'))).expect(403);
          expect(response.body.detail).toBe('Invalid token');
        }
      } finally {
        await unset.close();
      }
    });
  });

  describe('bad bodies', () => {
    it.each([
      ['no customer', { event: 'SALE_APPROVED', sale_id: 'S1' }, 'Email missing'],
      ['an empty e-mail', { event: 'SALE_APPROVED', customer: { email: ' ' } }, 'Email missing'],
      ['an e-mail that is a number', { customer: { email: 5 } }, 'Email missing'],
      ['a JSON array', [], 'Email missing'],
      [
        'an approval without sale_id',
        { event: 'SALE_APPROVED', customer: { email: 'a@b.c' } },
        'sale_id missing',
      ],
      [
        'an approved status without sale_id',
        { event: 'x', status: 'approved', customer: { email: 'a@b.c' } },
        'sale_id missing',
      ],
      [
        'an e-mail without @',
        { customer: { email: 'not-an-email' } },
        'customer.email is not an e-mail address of at most 255 characters',
      ],
      [
        'a sale_id of 129 characters',
        { event: 'SALE_APPROVED', sale_id: 'x'.repeat(129), customer: { email: 'a@b.c' } },
        'sale_id must have at most 128 characters',
      ],
    ])('answers 400 to %s', async (_what, body, detail) => {
      const response = await send(body).expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, detail });
    });

    it('refuses malformed JSON with 400 and a body over 64 KB with 413', async () => {
      const malformed = await testApp
        .http()
        .post('/webhooks/kirvano')
        .set('Security-Token', TOKEN)
        .set('Content-Type', 'application/json')
        .send('{"event":');
      expect(malformed.status).toBe(400);
      expect(malformed.body.code).toBe('malformed_json');
      const big = approved('big@example.com', unique('S'));
      const response = await send({ ...big, padding: 'x'.repeat(70 * 1024) });
      expect(response.status).toBe(413);
      expect(response.body.code).toBe('payload_too_large');
      expect(
        await count(`SELECT count(*) AS n FROM purchases WHERE email = 'big@example.com'`, []),
      ).toBe(0);
    });
  });

  describe('SALE_APPROVED', () => {
    it('stores the purchase and gives the user the plan, its slots and days', async () => {
      const email = `${unique('buyer')}@example.com`;
      const user = await userWithEmail(email);
      const saleId = unique('SALE');
      const response = await send({
        ...approved(email.toUpperCase(), saleId),
        extra: { a: 1 },
      }).expect(200);
      expect(response.body).toEqual({ status: 'success' });

      const row = await userRow(user.id);
      expect(row).toMatchObject({
        plan: 'Mensal Plus',
        status: 'active',
        trial_used: false,
        kirvano_customer_id: 'cust-1',
        kirvano_last_sale_id: saleId,
        slots_base: 8,
      });
      expect(daysFromNow(row.plan_expires_at)).toBeCloseTo(31, 1);
      const [purchase] = await testApp.dataSource.query(
        `SELECT email, plan, status, payment_method, raw_payload FROM purchases WHERE sale_id = $1`,
        [saleId],
      );
      expect(purchase).toMatchObject({
        email,
        plan: 'Mensal Plus',
        status: 'approved',
        payment_method: 'PIX',
      });
      expect(JSON.parse(purchase.raw_payload)).toMatchObject({ extra: { a: 1 } });
    });

    it('extends from the current expiry, marks a trial, and matches event names in any case', async () => {
      const email = `${unique('trial')}@example.com`;
      const user = await userWithEmail(email);
      await send({
        ...approved(email, unique('SALE'), 'Teste Grátis'),
        event: 'sale_approved',
      }).expect(200);
      let row = await userRow(user.id);
      expect(row.trial_used).toBe(true);
      expect(daysFromNow(row.plan_expires_at)).toBeCloseTo(3, 1);
      await send(approved(email, unique('SALE'), 'Anual Pro')).expect(200);
      row = await userRow(user.id);
      expect(row).toMatchObject({ plan: 'Anual Pro', slots_base: 15, trial_used: true });
      expect(daysFromNow(row.plan_expires_at)).toBeCloseTo(368, 1);
    });

    it('applies a sale delivered 3 times and twice concurrently exactly once', async () => {
      const email = `${unique('redeliver')}@example.com`;
      const user = await userWithEmail(email);
      const saleId = unique('SALE');
      const body = approved(email, saleId);
      for (let i = 0; i < 3; i++) await send(body).expect(200);
      await Promise.all([send(body).expect(200), send(body).expect(200)]);
      expect(daysFromNow((await userRow(user.id)).plan_expires_at)).toBeCloseTo(31, 1);
      expect(await count(`SELECT count(*) AS n FROM purchases WHERE sale_id = $1`, [saleId])).toBe(
        1,
      );
      expect(
        await count(`SELECT count(*) AS n FROM billing_events WHERE sale_id = $1`, [saleId]),
      ).toBe(1);
    });

    it('treats an unknown event with status approved as a sale, and ignores other unknown events', async () => {
      const email = `${unique('status')}@example.com`;
      const user = await userWithEmail(email);
      await send({
        event: 'SOMETHING_NEW',
        status: 'pending',
        sale_id: unique('S'),
        customer: { email },
      }).expect(200);
      expect((await userRow(user.id)).plan).toBe('free');
      const saleId = unique('SALE');
      await send({ ...approved(email, saleId), event: 'PAYMENT_OK', status: 'approved' }).expect(
        200,
      );
      expect(await userRow(user.id)).toMatchObject({
        plan: 'Mensal Plus',
        kirvano_last_sale_id: saleId,
      });
    });

    it('keeps a purchase for an e-mail no user has, applied once a user gets that e-mail', async () => {
      const email = `${unique('later')}@example.com`;
      const saleId = unique('SALE');
      await send(approved(email, saleId, 'Mensal Solo')).expect(200);
      await send(approved(email, saleId, 'Mensal Solo')).expect(200);
      const user = await createUser(testApp, { role: 'viewer' });
      expect((await userRow(user.id)).plan).toBe('free');

      const { BillingService } = await import('../src/billing/billing.service');
      const billing = testApp.app.get(BillingService);
      const applied = await testApp.dataSource.transaction(async (manager) => {
        await manager.query(`UPDATE users SET email = $2 WHERE id = $1`, [user.id, email]);
        return billing.applyPendingPurchases(manager, user.id, email);
      });
      expect(applied).toBe(1);
      const row = await userRow(user.id);
      expect(row).toMatchObject({
        plan: 'Mensal Solo',
        slots_base: 3,
        kirvano_last_sale_id: saleId,
        kirvano_customer_id: 'cust-1',
      });
      expect(daysFromNow(row.plan_expires_at)).toBeCloseTo(31, 1);
      // Applied once: a second time finds nothing pending.
      const again = await testApp.dataSource.transaction((manager) =>
        billing.applyPendingPurchases(manager, user.id, email),
      );
      expect(again).toBe(0);
    });

    it('never applies a pending purchase that was canceled before a user had the e-mail', async () => {
      const email = `${unique('gone')}@example.com`;
      const saleId = unique('SALE');
      await send(approved(email, saleId)).expect(200);
      await send({ event: 'subscription.canceled', sale_id: saleId, customer: { email } }).expect(
        200,
      );
      const user = await createUser(testApp, { role: 'viewer' });
      const { BillingService } = await import('../src/billing/billing.service');
      const applied = await testApp.dataSource.transaction(async (manager) => {
        await manager.query(`UPDATE users SET email = $2 WHERE id = $1`, [user.id, email]);
        return testApp.app.get(BillingService).applyPendingPurchases(manager, user.id, email);
      });
      expect(applied).toBe(0);
      expect((await userRow(user.id)).plan).toBe('free');
    });
  });

  describe('subscription.renewed', () => {
    it("extends by the plan's days once per charge, whatever the redeliveries", async () => {
      const email = `${unique('renew')}@example.com`;
      const user = await userWithEmail(email);
      const saleId = unique('SALE');
      await send(approved(email, saleId)).expect(200);
      const renewal = (period: string) => ({
        event: 'subscription.renewed',
        sale_id: saleId,
        status: 'approved',
        period,
        customer: { email },
        plan: { name: 'Mensal Plus' },
      });
      for (let i = 0; i < 3; i++) await send(renewal('2027-01')).expect(200);
      await Promise.all([
        send(renewal('2027-01')).expect(200),
        send(renewal('2027-01')).expect(200),
      ]);
      expect(daysFromNow((await userRow(user.id)).plan_expires_at)).toBeCloseTo(62, 1);
      // Next month's charge is a new event.
      await send(renewal('2027-02')).expect(200);
      await send(renewal('2027-02')).expect(200);
      expect(daysFromNow((await userRow(user.id)).plan_expires_at)).toBeCloseTo(93, 1);
      // The user still holds the sale's purchase: renewals never stored a second one.
      expect(await count(`SELECT count(*) AS n FROM purchases WHERE sale_id = $1`, [saleId])).toBe(
        1,
      );
    });
  });

  describe('ending events', () => {
    it.each([
      ['subscription.canceled'],
      ['SUBSCRIPTION.EXPIRED'],
      ['subscription.late'],
      ['purchase.refunded'],
      ['purchase.chargeback'],
    ])('%s of the last sale leaves the user on free, active, without expiry', async (event) => {
      const email = `${unique('end')}@example.com`;
      const user = await userWithEmail(email);
      const saleId = unique('SALE');
      await send(approved(email, saleId, 'Anual Pro')).expect(200);
      const ending = { event, sale_id: saleId, status: 'canceled', customer: { email } };
      for (let i = 0; i < 3; i++) await send(ending).expect(200);
      await Promise.all([send(ending).expect(200), send(ending).expect(200)]);
      expect(await userRow(user.id)).toMatchObject({
        plan: 'free',
        plan_expires_at: null,
        status: 'active',
        slots_base: 1,
      });
      const [purchase] = await testApp.dataSource.query(
        `SELECT status FROM purchases WHERE sale_id = $1`,
        [saleId],
      );
      expect(purchase.status).toBe('canceled');
      expect(
        await count(`SELECT count(*) AS n FROM billing_events WHERE sale_id = $1`, [saleId]),
      ).toBe(2);
    });

    it('ignores a late cancel of an older sale: the newer purchase stays', async () => {
      const email = `${unique('late')}@example.com`;
      const user = await userWithEmail(email);
      const oldSale = unique('SALE');
      const newSale = unique('SALE');
      await send(approved(email, oldSale, 'Mensal Solo')).expect(200);
      await send(approved(email, newSale, 'Mensal Plus')).expect(200);
      await send({
        event: 'purchase.refunded',
        sale_id: oldSale,
        status: 'refunded',
        customer: { email },
      }).expect(200);
      expect(await userRow(user.id)).toMatchObject({
        plan: 'Mensal Plus',
        kirvano_last_sale_id: newSale,
      });
    });

    it('handles an unknown event with status refunded as an ending event', async () => {
      const email = `${unique('refund')}@example.com`;
      const user = await userWithEmail(email);
      const saleId = unique('SALE');
      await send(approved(email, saleId)).expect(200);
      await send({
        event: 'REFUND_DONE',
        status: 'refunded',
        sale_id: saleId,
        customer: { email },
      }).expect(200);
      expect((await userRow(user.id)).plan).toBe('free');
    });
  });
});
