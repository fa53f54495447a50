import { isIPv4, isIPv6 } from 'node:net';

/**
 * The network a client's failed sign-ins are counted under: its IPv4 address, or the /64 of its IPv6
 * address. One IPv6 subscriber gets a whole /64 and can pick any address in it, so counting single
 * IPv6 addresses would give one attacker 2^64 fresh budgets.
 */
export function clientNetwork(ip: string | undefined): string {
  if (ip && isIPv4(ip)) return ip;
  if (!ip || !isIPv6(ip)) return 'unknown';
  const groups = ipv6Groups(ip);
  // IPv4-mapped (::ffff:a.b.c.d), however written: the IPv4 client it is.
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 0xff, groups[7] >> 8, groups[7] & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
function ipv6Groups(ip: string): number[] {
  let address = ip.split('%')[0].toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    address = `${address.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = address.split('::');
  const parse = (part: string | undefined) =>
    part ? part.split(':').map((group) => parseInt(group, 16)) : [];
  if (tail === undefined) return parse(head);
  const [before, after] = [parse(head), parse(tail)];
  return [...before, ...Array<number>(8 - before.length - after.length).fill(0), ...after];
}
