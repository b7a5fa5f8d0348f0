import { addressLiteral, isPublicUnicast } from './address-policy';

describe('isPublicUnicast', () => {
  it.each([
    '127.0.0.1',
    '127.8.9.10',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '100.64.0.1',
    '169.254.169.254',
    '0.0.0.0',
    '0.1.2.3',
    '255.255.255.255',
    '224.0.0.1',
    '192.0.2.1',
    '::1',
    '::',
    'fe80::1',
    'fd00:ec2::254',
    'fc00::1',
    '::ffff:127.0.0.1',
    '::ffff:8.8.8.8',
    '::127.0.0.1',
    '64:ff9b::7f00:1',
    '64:ff9b:1::a00:1',
    '2002:7f00:1::',
    '2001::1',
    '2001:db8::1',
    'ff02::1',
    'not-an-address',
  ])('refuses %s', (address) => {
    expect(isPublicUnicast(address)).toBe(false);
  });

  it.each(['8.8.8.8', '1.1.1.1', '151.101.1.69', '2001:4860:4860::8888', '2606:4700::1111'])(
    'allows %s',
    (address) => {
      expect(isPublicUnicast(address)).toBe(true);
    },
  );
});

describe('addressLiteral', () => {
  it('unwraps IPv6 brackets and leaves names alone', () => {
    expect(addressLiteral('[::1]')).toBe('::1');
    expect(addressLiteral('10.0.0.1')).toBe('10.0.0.1');
    expect(addressLiteral('hooks.example.com')).toBeUndefined();
  });
});
