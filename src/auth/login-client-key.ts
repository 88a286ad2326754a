import { isIPv4, isIPv6 } from 'node:net';

/**
 * The client part of a login-lockout key: failed logins are counted per account *and* client, so
 * guesses from one address lock that account for that address only and cannot lock its owner out
 * everywhere. An IPv4 address counts as itself (IPv4-mapped IPv6 too); an IPv6 address by its /64,
 * the block one host usually holds, so walking through the addresses of a block buys no guesses.
 */
export function loginClientKey(address: string | undefined | null): string {
  if (!address) return 'unknown';
  let ip = address.trim().toLowerCase();
  const zone = ip.indexOf('%');
  if (zone >= 0) ip = ip.slice(0, zone);
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(ip);
  if (mapped) ip = mapped[1];
  if (isIPv4(ip)) return ip;
  if (isIPv6(ip)) return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
  return `other:${ip.slice(0, 40)}`;
}

/** the eight hextets of a valid IPv6 address, without leading zeros ('::' and a dotted IPv4 tail expanded) */
function expandIPv6(ip: string): string[] {
  let text = ip;
  const dotted = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail === undefined ? [] : tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((h) => parseInt(h, 16).toString(16));
}
