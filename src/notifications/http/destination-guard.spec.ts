import { DestinationGuard, DestinationRefusedError, ResolveHost } from './destination-guard';

const dnsOf =
  (table: Record<string, string[]>): ResolveHost =>
  (hostname) => {
    const addresses = table[hostname];
    if (!addresses) return Promise.reject(new Error('ENOTFOUND'));
    return Promise.resolve(
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  };

async function reason(guard: DestinationGuard, url: string): Promise<string> {
  try {
    await guard.check(url);
    return 'allowed';
  } catch (error) {
    if (error instanceof DestinationRefusedError) return error.reason;
    throw error;
  }
}

describe('DestinationGuard', () => {
  const resolve = dnsOf({
    'hooks.example.com': ['93.184.216.34'],
    'internal.example.com': ['10.0.0.5'],
    'mixed.example.com': ['93.184.216.34', '127.0.0.1'],
    'metadata.example.com': ['169.254.169.254'],
    'v6.example.com': ['2606:4700::1111'],
    'mapped.example.com': ['::ffff:10.0.0.1'],
  });
  const production = new DestinationGuard({
    requireHttps: true,
    allowPrivateHosts: false,
    resolve,
  });

  it('pins a public name to the address it resolved to', async () => {
    const target = await production.check('https://hooks.example.com/x?y=1');
    expect(target).toMatchObject({ address: '93.184.216.34', family: 4 });
    expect(target.url.pathname).toBe('/x');
    const v6 = await production.check('https://v6.example.com/');
    expect(v6).toMatchObject({ address: '2606:4700::1111', family: 6 });
  });

  it.each([
    ['https://internal.example.com/', 'not_public_address'],
    ['https://mixed.example.com/', 'not_public_address'],
    ['https://metadata.example.com/', 'not_public_address'],
    ['https://mapped.example.com/', 'not_public_address'],
    ['https://127.0.0.1/', 'not_public_address'],
    ['https://[::1]/', 'not_public_address'],
    ['https://[::ffff:7f00:1]/', 'not_public_address'],
    ['https://169.254.169.254/latest/meta-data', 'not_public_address'],
    ['https://0.0.0.0/', 'not_public_address'],
    ['https://unknown.example.com/', 'unresolvable'],
    ['http://hooks.example.com/', 'https_required'],
    ['https://user:pass@hooks.example.com/', 'credentials_in_url'],
    ['ftp://hooks.example.com/', 'invalid_url'],
    ['not a url', 'invalid_url'],
  ])('refuses %s (%s)', async (url, expected) => {
    expect(await reason(production, url)).toBe(expected);
  });

  it('allows http and private addresses only when told to (tests, simulators)', async () => {
    const tests = new DestinationGuard({ requireHttps: false, allowPrivateHosts: true, resolve });
    expect(await reason(tests, 'http://127.0.0.1:9/')).toBe('allowed');
    expect(await reason(tests, 'http://internal.example.com/')).toBe('allowed');
  });
});
