import { startTestApp, TestApp } from './support/test-app';

describe('health', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });

  afterAll(async () => {
    await testApp.close();
  });

  it('answers liveness without a token', async () => {
    const response = await testApp.http().get('/health').expect(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('reports ready when the database answers', async () => {
    const response = await testApp.http().get('/health/ready').expect(200);
    expect(response.body.status).toBe('ok');
    expect(response.body.info.database.status).toBe('up');
  });

  it('answers unknown routes with the error shape', async () => {
    const response = await testApp.http().get('/no-such-route').expect(404);
    expect(response.body).toEqual({
      statusCode: 404,
      code: 'not_found',
      detail: expect.stringContaining('/no-such-route'),
    });
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const response = await testApp
      .http()
      .post('/health')
      .set('Content-Type', 'application/json')
      .send('{"unterminated": ')
      .expect(400);
    expect(response.body.code).toBe('malformed_json');
  });

  it('answers a body over 1 MB with 413', async () => {
    const response = await testApp
      .http()
      .post('/health')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ blob: 'x'.repeat(1024 * 1024 + 10) }))
      .expect(413);
    expect(response.body.code).toBe('payload_too_large');
  });

  it('echoes a sane X-Request-Id and sets security headers', async () => {
    const response = await testApp.http().get('/health').set('X-Request-Id', 'abc-123').expect(200);
    expect(response.headers['x-request-id']).toBe('abc-123');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
  });

  it('allows the dashboard origin with Authorization in CORS preflight', async () => {
    const response = await testApp
      .http()
      .options('/clips/bursts/recent')
      .set('Origin', 'http://localhost:5173')
      .set('Access-Control-Request-Method', 'GET')
      .set('Access-Control-Request-Headers', 'authorization')
      .expect(204);
    expect(response.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(response.headers['access-control-allow-headers']).toMatch(/authorization/i);
  });
});
