import ipaddr from 'ipaddr.js';

/**
 * The key a rate limit counts a client address under: an IPv4 address as it is (an IPv4-mapped
 * IPv6 address as its IPv4 form), an IPv6 address by its /64 — one subscriber usually holds a
 * whole /64, and counting single IPv6 addresses would give an attacker 2^64 fresh counters.
 * Anything that does not parse is counted as it is.
 */
export function clientAddressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  const parts = (parsed as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}
