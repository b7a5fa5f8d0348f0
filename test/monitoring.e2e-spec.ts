import { loginAs, Session } from './support/factories';
import { startTestApp, TestApp } from './support/test-app';

describe('monitoring', () => {
  let testApp: TestApp;
  let viewer: Session;

  beforeAll(async () => {
    testApp = await startTestApp();
    viewer = await loginAs(testApp, 'viewer');
  });

  afterAll(async () => {
    await testApp.close();
  });

  const resolve = (body?: unknown) => {
    const request = testApp.http().post('/monitoring/resolve').set('Authorization', viewer.bearer);
    return body === undefined ? request : request.send(body as object);
  };

  /** A raw JSON text as the body, for values supertest would not send as JSON by itself. */
  const resolveRaw = (json: string) =>
    testApp
      .http()
      .post('/monitoring/resolve')
      .set('Authorization', viewer.bearer)
      .set('Content-Type', 'application/json')
      .send(json);

  describe('GET /monitoring/presets', () => {
    it('answers the two presets exactly', async () => {
      const response = await testApp
        .http()
        .get('/monitoring/presets')
        .set('Authorization', viewer.bearer)
        .expect(200);
      expect(response.body).toEqual({
        data: {
          PADRAO: { intervalo_segundos: 120, min_clipes: 3 },
          RAPIDO: { intervalo_segundos: 60, min_clipes: 'by_views' },
        },
      });
    });

    it('answers 401 without a token', async () => {
      const response = await testApp.http().get('/monitoring/presets').expect(401);
      expect(response.body.code).toBe('invalid_token');
    });
  });

  describe('POST /monitoring/resolve', () => {
    it.each<[Record<string, unknown>, number, number]>([
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
    ])('resolves the PRODUCT example %j to %i/%i', async (body, interval, minimum) => {
      const response = await resolve(body).expect(200);
      expect(response.body).toEqual({
        data: { intervalo_segundos: interval, min_clipes: minimum },
      });
    });

    it.each<[string, unknown, number, number]>([
      ['no body', undefined, 120, 3],
      ['an empty object', {}, 120, 3],
      ['RAPIDO without viewers', { modo: 'RAPIDO' }, 60, 1],
      ['RAPIDO with viewers as text', { modo: 'RAPIDO', viewers: '50000' }, 60, 4],
      ['RAPIDO with junk viewers', { modo: 'RAPIDO', viewers: 'many' }, 60, 1],
      [
        'a fractional manual interval',
        { modo: 'X', intervalo_manual: 30.5, minimo_manual: 2 },
        120,
        2,
      ],
      [
        'manual values with letters',
        { modo: 'X', intervalo_manual: '30abc', minimo_manual: '5x' },
        120,
        3,
      ],
      ['negative manual values', { modo: 'X', intervalo_manual: -5, minimo_manual: -1 }, 120, 3],
      [
        'manual values of other JSON types',
        { modo: 'X', intervalo_manual: { s: 1 }, minimo_manual: [5] },
        120,
        3,
      ],
      ['a modo of another type', { modo: 7, intervalo_manual: 45, minimo_manual: 6 }, 45, 6],
      ['a lower-case preset name', { modo: 'padrao', intervalo_manual: 45 }, 45, 3],
      ['junk fallbacks', { modo: 'X', fallback_intervalo: 'x', fallback_minimo: false }, 120, 3],
      ['null fields', { modo: null, viewers: null, intervalo_manual: null }, 120, 3],
    ])('reads %s leniently', async (_name, body, interval, minimum) => {
      const response = await resolve(body).expect(200);
      expect(response.body).toEqual({
        data: { intervalo_segundos: interval, min_clipes: minimum },
      });
    });

    it('treats a JSON null body like no body (all defaults)', async () => {
      const response = await resolveRaw('null').expect(200);
      expect(response.body).toEqual({ data: { intervalo_segundos: 120, min_clipes: 3 } });
    });

    it('answers 400 naming an unknown field', async () => {
      const response = await resolve({ modo: 'PADRAO', intervalo: 30 }).expect(400);
      expect(response.body).toEqual({
        statusCode: 400,
        code: 'validation_failed',
        detail: 'intervalo: is not an accepted field',
        errors: [{ field: 'intervalo', message: 'is not an accepted field' }],
      });
    });

    it.each(['[]', '"PADRAO"', '42', 'true'])(
      'answers 400 for the non-object body %s',
      async (json) => {
        const response = await resolveRaw(json).expect(400);
        expect(response.body).toEqual({
          statusCode: 400,
          code: 'validation_failed',
          detail: 'body: Validation failed (object is expected)',
          errors: [{ field: 'body', message: 'Validation failed (object is expected)' }],
        });
      },
    );

    it('answers 400 for an array of objects', async () => {
      // The global pipe reports the array's items as unknown fields ("0"); what matters is the 400.
      const response = await resolveRaw('[{"modo":"PADRAO"}]').expect(400);
      expect(response.body).toMatchObject({ statusCode: 400, code: 'validation_failed' });
    });

    it('answers 400 for malformed JSON', async () => {
      const response = await resolveRaw('{"modo": ').expect(400);
      expect(response.body.code).toBe('malformed_json');
    });

    it('answers 401 without a token', async () => {
      await testApp.http().post('/monitoring/resolve').send({ modo: 'PADRAO' }).expect(401);
    });
  });
});
