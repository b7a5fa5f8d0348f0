import {
  minClipsByViews,
  parsePositiveInteger,
  parseViewers,
  PRESETS,
  resolveMonitoring,
} from './presets';

describe('resolveMonitoring', () => {
  describe('the examples of PRODUCT §7', () => {
    it.each([
      [{ modo: 'PADRAO' }, 120, 3],
      [{ modo: 'RAPIDO', viewers: 500 }, 60, 2],
      [{ modo: 'X', intervalo_manual: '30', minimo_manual: '5' }, 30, 5],
      [
        {
          modo: 'X',
          intervalo_manual: 'invalid',
          minimo_manual: '0',
          fallback_intervalo: 75,
          fallback_minimo: 4,
        },
        75,
        4,
      ],
    ])('%j → %i/%i', (input, interval, minimum) => {
      expect(resolveMonitoring(input)).toEqual({
        intervalo_segundos: interval,
        min_clipes: minimum,
      });
    });
  });

  it('uses PADRAO when modo is absent or null', () => {
    expect(resolveMonitoring({})).toEqual({ intervalo_segundos: 120, min_clipes: 3 });
    expect(resolveMonitoring({ modo: null })).toEqual({ intervalo_segundos: 120, min_clipes: 3 });
  });

  it('lets a known preset win over manual values and fallbacks', () => {
    expect(
      resolveMonitoring({
        modo: 'PADRAO',
        intervalo_manual: 30,
        minimo_manual: 5,
        fallback_intervalo: 75,
        fallback_minimo: 4,
      }),
    ).toEqual({ intervalo_segundos: 120, min_clipes: 3 });
    expect(resolveMonitoring({ modo: 'RAPIDO', intervalo_manual: 30, minimo_manual: 5 })).toEqual({
      intervalo_segundos: 60,
      min_clipes: 1,
    });
  });

  it('lets manual values win over fallbacks for an unknown modo', () => {
    expect(
      resolveMonitoring({
        modo: 'MANUAL',
        intervalo_manual: 45,
        minimo_manual: 2,
        fallback_intervalo: 75,
        fallback_minimo: 4,
      }),
    ).toEqual({ intervalo_segundos: 45, min_clipes: 2 });
  });

  it('falls back per field: a bad interval does not discard a good minimum', () => {
    expect(resolveMonitoring({ modo: 'X', intervalo_manual: -5, minimo_manual: '7' })).toEqual({
      intervalo_segundos: 120,
      min_clipes: 7,
    });
  });

  it('uses the default fallbacks 120/3 when none are given', () => {
    expect(resolveMonitoring({ modo: 'X' })).toEqual({ intervalo_segundos: 120, min_clipes: 3 });
  });

  it('replaces a fallback that is not a positive integer by its default', () => {
    expect(
      resolveMonitoring({ modo: 'X', fallback_intervalo: 'junk', fallback_minimo: 0 }),
    ).toEqual({ intervalo_segundos: 120, min_clipes: 3 });
    expect(
      resolveMonitoring({ modo: 'X', fallback_intervalo: '90', fallback_minimo: '2' }),
    ).toEqual({ intervalo_segundos: 90, min_clipes: 2 });
  });

  it('matches preset names exactly, and never inherited object keys', () => {
    for (const modo of ['padrao', ' PADRAO', 'toString', '__proto__', 'constructor', 42]) {
      expect(resolveMonitoring({ modo, intervalo_manual: 33, minimo_manual: 6 })).toEqual({
        intervalo_segundos: 33,
        min_clipes: 6,
      });
    }
  });

  describe('RAPIDO evaluates the view-count table on viewers', () => {
    it.each([
      [undefined, 1],
      [null, 1],
      [0, 1],
      [199, 1],
      [200, 2],
      ['500', 2],
      [999, 2],
      [1000, 3],
      [49_999, 3],
      [50_000, 4],
      [1_000_000, 4],
      ['lots', 1],
    ])('viewers %j → %i', (viewers, minimum) => {
      expect(resolveMonitoring({ modo: 'RAPIDO', viewers })).toEqual({
        intervalo_segundos: 60,
        min_clipes: minimum,
      });
    });
  });
});

describe('minClipsByViews', () => {
  it.each([
    [0, 1],
    [199, 1],
    [200, 2],
    [999, 2],
    [1000, 3],
    [49_999, 3],
    [50_000, 4],
  ])('%i viewers → %i', (viewers, minimum) => {
    expect(minClipsByViews(viewers)).toBe(minimum);
  });
});

describe('parsePositiveInteger', () => {
  it.each([
    [30, 30],
    ['30', 30],
    [' 30 ', 30],
    ['+30', 30],
    ['030', 30],
    [1, 1],
    [30.0, 30],
  ])('reads %j as %i', (value, expected) => {
    expect(parsePositiveInteger(value)).toBe(expected);
  });

  it.each([
    [30.5],
    ['30.5'],
    ['30.0'],
    ['30abc'],
    ['1e3'],
    ['0x1e'],
    [''],
    ['   '],
    [0],
    ['0'],
    [-5],
    ['-5'],
    [Number.NaN],
    [Number.POSITIVE_INFINITY],
    [2 ** 53],
    ['99999999999999999999'],
    [true],
    [null],
    [undefined],
    [[30]],
    [{ value: 30 }],
  ])('refuses %j', (value) => {
    expect(parsePositiveInteger(value)).toBeUndefined();
  });
});

describe('parseViewers', () => {
  it('reads numbers and decimal text, and anything else as 0', () => {
    expect(parseViewers(500)).toBe(500);
    expect(parseViewers('500')).toBe(500);
    expect(parseViewers('1234.5')).toBe(1234.5);
    expect(parseViewers('many')).toBe(0);
    expect(parseViewers('')).toBe(0);
    expect(parseViewers(undefined)).toBe(0);
    expect(parseViewers([500])).toBe(0);
    expect(parseViewers(Number.POSITIVE_INFINITY)).toBe(0);
  });
});

describe('PRESETS', () => {
  it('are the two of the contract', () => {
    expect(PRESETS).toEqual({
      PADRAO: { intervalo_segundos: 120, min_clipes: 3 },
      RAPIDO: { intervalo_segundos: 60, min_clipes: 'by_views' },
    });
  });
});
