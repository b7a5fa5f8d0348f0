import { clientAddressKey } from './client-address';

describe('clientAddressKey', () => {
  it('keeps an IPv4 address, also when written IPv4-mapped', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts every address of one IPv6 /64 as one client, and another /64 apart', () => {
    const a = clientAddressKey('2001:db8:1:2:aaaa::1');
    expect(a).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(a);
    expect(clientAddressKey('2001:0db8:0001:0002::9')).toBe(a);
    expect(clientAddressKey('2001:db8:1:3::1')).not.toBe(a);
  });

  it('counts what does not parse as it is', () => {
    expect(clientAddressKey('unknown')).toBe('unknown');
  });

  // The cases of the public rate limit's former copy of this function.
  it('keeps an IPv4 address as it is', () => {
    expect(clientAddressKey('203.0.113.7')).toBe('203.0.113.7');
  });

  it('counts an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(clientAddressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(clientAddressKey('::FFFF:127.0.0.2')).toBe('127.0.0.2');
  });

  it('counts every address of one IPv6 /64 under one key, whatever its spelling', () => {
    const keys = [
      '2001:db8:1234:5678::1',
      '2001:0db8:1234:5678:ffff:ffff:ffff:ffff',
      '2001:DB8:1234:5678:0:0:0:abcd',
      'fe80::1%eth0'.replace('fe80::1', '2001:db8:1234:5678::9'),
    ].map(clientAddressKey);
    expect(new Set(keys)).toEqual(new Set(['2001:db8:1234:5678::/64']));
  });

  it('tells neighbouring IPv6 /64s apart', () => {
    expect(clientAddressKey('2001:db8:1234:5678::1')).not.toBe(
      clientAddressKey('2001:db8:1234:5679::1'),
    );
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey('2001:db8::')).toBe('2001:db8:0:0::/64');
  });

  it('reads an IPv6 address with an embedded IPv4 tail', () => {
    expect(clientAddressKey('64:ff9b:1:2::192.0.2.33')).toBe('64:ff9b:1:2::/64');
    // The deprecated IPv4-compatible form is read as the IPv4 address it carries (ipaddr.js).
    expect(clientAddressKey('::192.0.2.33')).toBe('192.0.2.33');
  });
});
