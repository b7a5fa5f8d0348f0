import { randomBytes } from 'node:crypto';
import { DEFAULT_CORS_ORIGINS, InvalidConfigError, loadConfig } from './configuration';

/** What `openssl rand -hex 32` and `openssl rand -base64 32` print. */
const RANDOM_HEX = randomBytes(32).toString('hex');
const RANDOM_BASE64 = randomBytes(32).toString('base64');
const PRODUCTION = { CLIPADOR_APP_ENV: 'production', CLIPADOR_ENCRYPTION_KEY: 'ab'.repeat(32) };

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = loadConfig({});
    expect(config.app).toMatchObject({
      env: 'development',
      host: 'localhost',
      port: 8000,
      roles: ['api', 'worker', 'scheduler'],
      corsOrigins: DEFAULT_CORS_ORIGINS,
      logLevel: 'info',
    });
    expect(config.database.url).toBeUndefined();
    expect(config.database.embeddedDir).toBe('./data/pglite');
    expect(config.redis.url).toBeUndefined();
    expect(config.auth).toMatchObject({ accessMinutes: 60, refreshDays: 14 });
    expect(config.auth.encryptionKey).toHaveLength(32);
    expect(config.twitch.apiUrl).toBe('https://api.twitch.tv/helix');
    expect(config.twitch.authUrl).toBe('https://id.twitch.tv/oauth2');
    expect(config.ingestion.intervalSeconds).toBe(180);
  });

  it("normalises the old service's postgresql+asyncpg:// URL", () => {
    const config = loadConfig({
      CLIPADOR_DATABASE_URL: 'postgresql+asyncpg://clipador:pw@db.internal:5432/clipador',
    });
    expect(config.database.url).toBe('postgresql://clipador:pw@db.internal:5432/clipador');
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        CLIPADOR_PORT: 'eighty',
        CLIPADOR_ROLES: 'api,cook',
        CLIPADOR_APP_ENV: 'staging',
        CLIPADOR_REDIS_URL: 'http://localhost',
        CLIPADOR_JWT_ACCESS_MINUTES: '0',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidConfigError);
    const message = (error as InvalidConfigError).message;
    for (const name of ['PORT', 'ROLES', 'APP_ENV', 'REDIS_URL', 'JWT_ACCESS_MINUTES']) {
      expect(message).toContain(`CLIPADOR_${name}`);
    }
    expect((error as InvalidConfigError).problems).toHaveLength(5);
  });

  it('refuses production without a JWT secret and an encryption key', () => {
    expect(() => loadConfig({ CLIPADOR_APP_ENV: 'production' })).toThrow(
      /CLIPADOR_JWT_SECRET[\s\S]*CLIPADOR_ENCRYPTION_KEY/,
    );
  });

  it('refuses a production JWT secret shorter than 32 characters', () => {
    expect(() =>
      loadConfig({
        CLIPADOR_APP_ENV: 'production',
        CLIPADOR_JWT_SECRET: 'too-short',
        CLIPADOR_ENCRYPTION_KEY: 'a'.repeat(64),
      }),
    ).toThrow(/CLIPADOR_JWT_SECRET/);
  });

  it('accepts a complete production configuration with a hex or base64 key', () => {
    // Not 'x' × 32 any more: production refuses guessable secrets (see below).
    const base = { CLIPADOR_APP_ENV: 'production', CLIPADOR_JWT_SECRET: RANDOM_HEX };
    const hex = loadConfig({ ...base, CLIPADOR_ENCRYPTION_KEY: 'ab'.repeat(32) });
    expect(hex.auth.encryptionKey).toEqual(Buffer.alloc(32, 0xab));
    expect(hex.app.host).toBe('0.0.0.0');
    const base64 = loadConfig({
      ...base,
      CLIPADOR_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(base64.auth.encryptionKey).toEqual(Buffer.alloc(32, 7));
  });

  it('refuses NOTIFY_ALLOW_PRIVATE_HOSTS in production (it turns the SSRF guard off)', () => {
    const production = { ...PRODUCTION, CLIPADOR_JWT_SECRET: RANDOM_HEX };
    expect(loadConfig(production).notifications.allowPrivateHosts).toBe(false);
    expect(() =>
      loadConfig({ ...production, CLIPADOR_NOTIFY_ALLOW_PRIVATE_HOSTS: 'true' }),
    ).toThrow(/CLIPADOR_NOTIFY_ALLOW_PRIVATE_HOSTS must not be true in production/);
    expect(
      loadConfig({ CLIPADOR_NOTIFY_ALLOW_PRIVATE_HOSTS: 'true' }).notifications.allowPrivateHosts,
    ).toBe(true);
    expect(() => loadConfig({ CLIPADOR_NOTIFY_MAX_ATTEMPTS: '0' })).toThrow(
      /CLIPADOR_NOTIFY_MAX_ATTEMPTS must be an integer from 1 to 50/,
    );
  });

  it('rejects an encryption key that is not 32 bytes', () => {
    expect(() => loadConfig({ CLIPADOR_ENCRYPTION_KEY: 'abcd' })).toThrow(
      /CLIPADOR_ENCRYPTION_KEY must be 32 bytes/,
    );
  });

  it('derives different encryption keys from different JWT secrets outside production', () => {
    const one = loadConfig({ CLIPADOR_JWT_SECRET: 'one-secret' }).auth.encryptionKey;
    const two = loadConfig({ CLIPADOR_JWT_SECRET: 'two-secret' }).auth.encryptionKey;
    expect(one.equals(two)).toBe(false);
  });

  it('parses roles and CORS origins as comma lists', () => {
    const config = loadConfig({
      CLIPADOR_ROLES: 'worker, scheduler',
      CLIPADOR_CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(config.app.roles).toEqual(['worker', 'scheduler']);
    expect(config.app.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
  });

  it.each([RANDOM_HEX, RANDOM_BASE64])('accepts a random production JWT secret (%s)', (secret) => {
    expect(loadConfig({ ...PRODUCTION, CLIPADOR_JWT_SECRET: secret }).auth.jwtSecret).toBe(secret);
  });

  it.each([
    ['32 identical characters', 'a'.repeat(32)],
    ['a repeated word', 'clipador'.repeat(5)],
    ['a run of letters and digits', 'abcdefghijklmnopqrstuvwxyz0123456789'],
  ])('refuses a guessable production JWT secret: %s', (_name, secret) => {
    expect(() => loadConfig({ ...PRODUCTION, CLIPADOR_JWT_SECRET: secret })).toThrow(
      /CLIPADOR_JWT_SECRET looks guessable/,
    );
  });

  it('uses the public development secret only on a loopback bind, naming the fix otherwise', () => {
    for (const host of ['localhost', '127.0.0.1', '127.1.2.3', '::1', '[::1]']) {
      expect(loadConfig({ CLIPADOR_HOST: host }).app.host).toBe(host);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'clipador.example']) {
      expect(() => loadConfig({ CLIPADOR_HOST: host })).toThrow(
        /CLIPADOR_JWT_SECRET is required when CLIPADOR_HOST .* is not a loopback address.*openssl rand -hex 32/,
      );
    }
    expect(
      loadConfig({ CLIPADOR_HOST: '0.0.0.0', CLIPADOR_JWT_SECRET: 'set-by-the-operator' }).app.host,
    ).toBe('0.0.0.0');
  });

  it('trusts no proxy by default, and a hop count or addresses and CIDRs when told', () => {
    expect(loadConfig({}).app.trustProxy).toBe(false);
    expect(loadConfig({ CLIPADOR_TRUST_PROXY: '2' }).app.trustProxy).toBe(2);
    expect(
      loadConfig({ CLIPADOR_TRUST_PROXY: '10.0.0.0/8, 192.0.2.7, fd00::/8' }).app.trustProxy,
    ).toEqual(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);
    expect(() => loadConfig({ CLIPADOR_TRUST_PROXY: 'true' })).toThrow(/CLIPADOR_TRUST_PROXY/);
    expect(() => loadConfig({ CLIPADOR_TRUST_PROXY: '10.0.0.0/99' })).toThrow(
      /CLIPADOR_TRUST_PROXY .*bad: 10.0.0.0\/99/,
    );
  });

  it('serves /docs outside production only, unless CLIPADOR_DOCS says otherwise', () => {
    expect(loadConfig({}).app.docs).toBe(true);
    expect(loadConfig({ ...PRODUCTION, CLIPADOR_JWT_SECRET: RANDOM_HEX }).app.docs).toBe(false);
    expect(
      loadConfig({ ...PRODUCTION, CLIPADOR_JWT_SECRET: RANDOM_HEX, CLIPADOR_DOCS: 'true' }).app
        .docs,
    ).toBe(true);
  });
});
