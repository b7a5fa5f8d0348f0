import { actionFor, parseKirvanoEvent, planDays } from './kirvano-event';

describe('Kirvano events', () => {
  it('gives each plan its days (§15)', () => {
    expect(planDays('Teste Gratuito')).toBe(3);
    expect(planDays('MENSAL PLUS')).toBe(31);
    expect(planDays('Anual Pro')).toBe(365);
    expect(planDays('Parceiro')).toBe(365);
    expect(planDays('Super')).toBe(365);
    expect(planDays('Vitalício')).toBe(31);
    expect(planDays(null)).toBe(31);
  });

  it('classifies events by name, else by status', () => {
    expect(actionFor('sale_approved', null)).toBe('approved');
    expect(actionFor('subscription.renewed', 'approved')).toBe('renewed');
    for (const event of [
      'subscription.canceled',
      'subscription.expired',
      'subscription.late',
      'purchase.refunded',
      'purchase.chargeback',
    ]) {
      expect(actionFor(event, 'approved')).toBe('ending');
    }
    expect(actionFor('new_thing', 'approved')).toBe('approved');
    expect(actionFor('new_thing', 'chargeback')).toBe('ending');
    expect(actionFor('new_thing', 'pending')).toBe('ignored');
    expect(actionFor('', null)).toBe('ignored');
  });

  it('reads the fields it needs, lower-cases names and e-mails, and keeps the raw body', () => {
    const body = {
      event: 'SALE_APPROVED',
      sale_id: 12345,
      status: 'APPROVED',
      payment: { method: 'CREDIT_CARD' },
      customer: { id: 77, email: ' Buyer@Example.COM ' },
      plan: { name: 'Mensal Plus' },
      transaction_id: 'tx-1',
    };
    expect(parseKirvanoEvent(body)).toMatchObject({
      event: 'sale_approved',
      action: 'approved',
      email: 'buyer@example.com',
      saleId: '12345',
      status: 'approved',
      plan: 'Mensal Plus',
      paymentMethod: 'CREDIT_CARD',
      customerId: '77',
      chargeKey: 'tx-1',
      rawPayload: JSON.stringify(body),
    });
  });

  it('prefers products[0].offer_name over plan.name', () => {
    const event = parseKirvanoEvent({
      customer: { email: 'a@b.c' },
      products: [{ offer_name: 'Anual Pro' }],
      plan: { name: 'Mensal Plus' },
    });
    expect(event.plan).toBe('Anual Pro');
  });

  it('keys a charge by the first of transaction_id, charge_id, period, created_at, else the body hash', () => {
    const base = { customer: { email: 'a@b.c' } };
    expect(parseKirvanoEvent({ ...base, charge_id: 'c', period: 'p' }).chargeKey).toBe('c');
    expect(parseKirvanoEvent({ ...base, period: 'p', created_at: 't' }).chargeKey).toBe('p');
    expect(parseKirvanoEvent({ ...base, created_at: 't' }).chargeKey).toBe('t');
    const hashed = parseKirvanoEvent(base);
    expect(hashed.chargeKey).toMatch(/^[0-9a-f]{64}$/);
    expect(hashed.chargeKey).toBe(hashed.payloadHash);
    expect(parseKirvanoEvent({ ...base, period: 'x'.repeat(200) }).chargeKey).toMatch(
      /^[0-9a-f]{64}$/,
    );
  });

  it('refuses a body without an e-mail, and a sale without sale_id', () => {
    expect(() => parseKirvanoEvent(null)).toThrow('Email missing');
    expect(() => parseKirvanoEvent({ customer: {} })).toThrow('Email missing');
    expect(() =>
      parseKirvanoEvent({ event: 'SALE_APPROVED', customer: { email: 'a@b.c' } }),
    ).toThrow('sale_id missing');
    expect(
      parseKirvanoEvent({ event: 'subscription.late', customer: { email: 'a@b.c' } }).saleId,
    ).toBeNull();
  });
});
