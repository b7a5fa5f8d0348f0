import { TwitchCredentials } from './helix.types';
import { IssuedToken, renewAtFor, TwitchTokenCache } from './twitch-token.cache';
import { TwitchCredentialsError, TwitchUnavailableError } from './twitch.errors';

const CREDENTIALS: TwitchCredentials = { clientId: 'client-a', clientSecret: 'secret-a' };

/** A token endpoint stand-in that counts calls and can be made to fail. */
function issuer(expiresInSeconds = 3600) {
  let calls = 0;
  let failWith: Error | undefined;
  const issue = (credentials: TwitchCredentials): Promise<IssuedToken> => {
    calls += 1;
    if (failWith) return Promise.reject(failWith);
    return Promise.resolve({
      accessToken: `token-${credentials.clientId}-${calls}`,
      expiresInSeconds,
    });
  };
  return {
    issue,
    calls: () => calls,
    fail: (error: Error | undefined) => {
      failWith = error;
    },
  };
}

describe('TwitchTokenCache', () => {
  it('asks Twitch once for many concurrent requests of the same credentials', async () => {
    const endpoint = issuer();
    const cache = new TwitchTokenCache(endpoint.issue);

    const tokens = await Promise.all(Array.from({ length: 10 }, () => cache.get(CREDENTIALS)));

    expect(new Set(tokens)).toEqual(new Set(['token-client-a-1']));
    expect(endpoint.calls()).toBe(1);
  });

  it('renews a token shortly before it expires', async () => {
    const endpoint = issuer(3600);
    let now = 0;
    const cache = new TwitchTokenCache(endpoint.issue, () => now);
    await cache.get(CREDENTIALS);

    now = renewAtFor(0, 3600) - 1;
    await expect(cache.get(CREDENTIALS)).resolves.toBe('token-client-a-1');
    now = renewAtFor(0, 3600);
    await expect(cache.get(CREDENTIALS)).resolves.toBe('token-client-a-2');
    expect(renewAtFor(0, 3600)).toBe(3600_000 - 300_000);
  });

  it('renews once when several requests report the same rejected token', async () => {
    const endpoint = issuer();
    const cache = new TwitchTokenCache(endpoint.issue);
    const first = await cache.get(CREDENTIALS);

    cache.invalidate(CREDENTIALS, first);
    const renewed = await cache.get(CREDENTIALS);
    // A second request that saw the old token fail must not throw the new one away.
    cache.invalidate(CREDENTIALS, first);

    await expect(cache.get(CREDENTIALS)).resolves.toBe(renewed);
    expect(endpoint.calls()).toBe(2);
  });

  it('gets a new token when the secret changes, so a wrong new secret is noticed', async () => {
    const endpoint = issuer();
    const cache = new TwitchTokenCache(endpoint.issue);
    await cache.get(CREDENTIALS);

    await cache.get({ ...CREDENTIALS, clientSecret: 'rotated' });

    expect(endpoint.calls()).toBe(2);
  });

  it('remembers rejected credentials for a while instead of asking Twitch again', async () => {
    const endpoint = issuer();
    let now = 0;
    const cache = new TwitchTokenCache(endpoint.issue, () => now, 60_000);
    endpoint.fail(new TwitchCredentialsError('client-a', 403));

    await expect(cache.get(CREDENTIALS)).rejects.toBeInstanceOf(TwitchCredentialsError);
    await expect(cache.get(CREDENTIALS)).rejects.toBeInstanceOf(TwitchCredentialsError);
    expect(endpoint.calls()).toBe(1);

    now = 60_000;
    endpoint.fail(undefined);
    await expect(cache.get(CREDENTIALS)).resolves.toBe('token-client-a-2');
  });

  it('does not remember passing failures: the next call asks again', async () => {
    const endpoint = issuer();
    const cache = new TwitchTokenCache(endpoint.issue);
    endpoint.fail(new TwitchUnavailableError('client-a', 'POST /token', 4, 'status 503'));
    await expect(cache.get(CREDENTIALS)).rejects.toBeInstanceOf(TwitchUnavailableError);

    endpoint.fail(undefined);
    await expect(cache.get(CREDENTIALS)).resolves.toBe('token-client-a-2');
  });
});
