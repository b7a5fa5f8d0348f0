import { DEFAULT_CORS_ORIGINS, InvalidConfigError, loadConfig } from './configuration';

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
    const base = { CLIPADOR_APP_ENV: 'production', CLIPADOR_JWT_SECRET: 'x'.repeat(32) };
    const hex = loadConfig({ ...base, CLIPADOR_ENCRYPTION_KEY: 'ab'.repeat(32) });
    expect(hex.auth.encryptionKey).toEqual(Buffer.alloc(32, 0xab));
    expect(hex.app.host).toBe('0.0.0.0');
    const base64 = loadConfig({
      ...base,
      CLIPADOR_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    expect(base64.auth.encryptionKey).toEqual(Buffer.alloc(32, 7));
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
});
