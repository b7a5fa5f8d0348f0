import ipaddr from 'ipaddr.js';

/**
 * The SSRF guard's address rule (PRODUCT §17): a notification may only go to a public unicast
 * address. ipaddr.js classifies; everything it does not call plain `unicast` is refused:
 * loopback, private (10/8, 172.16/12, 192.168/16), CGNAT (100.64/10), link-local (169.254/16,
 * where cloud metadata lives, and fe80::/10), 0.0.0.0/8, broadcast, multicast, reserved and
 * documentation ranges, IPv6 ULA (fc00::/7), IPv4-mapped (::ffff:0:0/96) and IPv4-compatible
 * forms, NAT64 (64:ff9b::/96 and /48), 6to4 (2002::/16), Teredo. IPv6 must also lie in
 * 2000::/3, the only block IANA allocates for global unicast.
 */
export function isPublicUnicast(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  if (parsed.range() !== 'unicast') return false;
  if (parsed.kind() === 'ipv6') {
    const first = (parsed as ipaddr.IPv6).parts[0];
    return (first & 0xe000) === 0x2000;
  }
  return true;
}

/** A URL's host as an address literal (IPv6 without its brackets), or undefined for a name. */
export function addressLiteral(hostname: string): string | undefined {
  const bare = hostname.replace(/^\[|\]$/g, '');
  return ipaddr.isValid(bare) ? bare : undefined;
}
