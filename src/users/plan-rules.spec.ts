import { baseSlotsForPlan, foldPlanName, isUserActive, slotsTotal } from './plan-rules';

describe('plan rules (PRODUCT §11)', () => {
  describe('baseSlotsForPlan', () => {
    it.each([
      ['Teste Gratuito', 3],
      ['teste gratuito 3 dias', 3],
      ['Plano Gratuito', 3],
      ['Mensal Solo', 3],
      ['Mensal Plus', 8],
      ['MENSAL PLUS', 8],
      ['Anual Pro', 15],
      ['Parceiro', 1],
      ['Super', 999],
      ['Clipador Super Anual', 999],
      ['free', 1],
      ['Mensal', 1],
      ['something else', 1],
      ['', 1],
    ])('gives %j %i slots', (plan, slots) => {
      expect(baseSlotsForPlan(plan)).toBe(slots);
    });

    it('folds accents and case before matching', () => {
      expect(baseSlotsForPlan('Mênsal Plús')).toBe(8);
      expect(baseSlotsForPlan('ANUAL PRÓ')).toBe(15);
      expect(baseSlotsForPlan('Teste Gratuíto')).toBe(3);
      expect(foldPlanName('  Mênsal \t PLUS ')).toBe('mensal plus');
    });

    it('takes the first rule that matches', () => {
      // "anual pro" and "super" both match: the earlier rule wins.
      expect(baseSlotsForPlan('Anual Pro Super')).toBe(15);
      // "gratuito" comes before "parceiro".
      expect(baseSlotsForPlan('Parceiro Gratuito')).toBe(3);
    });

    it('gives the default to a missing plan', () => {
      expect(baseSlotsForPlan(null)).toBe(1);
      expect(baseSlotsForPlan(undefined)).toBe(1);
    });
  });

  describe('isUserActive', () => {
    const now = new Date('2026-06-01T12:00:00Z');

    it('counts active and trial users with no expiry', () => {
      expect(isUserActive('active', null, now)).toBe(true);
      expect(isUserActive('trial', null, now)).toBe(true);
      expect(isUserActive(' Active ', undefined, now)).toBe(true);
    });

    it('counts a plan expiring in the future, not one expired or expiring now', () => {
      expect(isUserActive('active', new Date('2026-06-01T12:00:01Z'), now)).toBe(true);
      expect(isUserActive('active', new Date('2026-06-01T12:00:00Z'), now)).toBe(false);
      expect(isUserActive('trial', new Date('2026-05-01T00:00:00Z'), now)).toBe(false);
    });

    it('refuses every other status', () => {
      for (const status of ['canceled', 'expired', 'late', 'refunded', 'chargeback', '', null]) {
        expect(isUserActive(status, null, now)).toBe(false);
      }
    });
  });

  describe('slotsTotal', () => {
    it('is the base when nothing is configured', () => {
      expect(slotsTotal(3, null)).toBe(3);
      expect(slotsTotal(8, undefined)).toBe(8);
    });

    it('is the larger of base and configured', () => {
      expect(slotsTotal(3, 10)).toBe(10);
      expect(slotsTotal(8, 2)).toBe(8);
    });
  });
});
