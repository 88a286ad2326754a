import { isIP } from 'node:net';

/**
 * Which proxies in front of the service are believed when they say, in `X-Forwarded-For`, who the
 * client is — Express's `trust proxy` setting, from TRUST_PROXY. The client address it yields is
 * what the rate limits and the login lockout count by.
 *
 * - `false`: nobody; the client is the connection's peer (the proxy itself, if there is one).
 * - a hop count `n` (1–10): the n proxies nearest to the service, whatever their addresses.
 * - a list of names, IPs and CIDRs: proxies at those addresses (`loopback`, `linklocal` and
 *   `uniquelocal` name the usual private ranges).
 *
 * `true` (every hop) is refused: any client could then choose its own address.
 */
export type TrustProxySetting = false | number | string[];

/** The default, and what the service always did: a reverse proxy on the same host. */
export const DEFAULT_TRUST_PROXY: TrustProxySetting = ['loopback'];
export const MAX_TRUST_PROXY_HOPS = 10;

const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

/** Parses TRUST_PROXY; throws an Error whose message says what is wrong (without the variable's name). */
export function parseTrustProxy(raw: string | undefined): TrustProxySetting {
  const value = raw?.trim() ?? '';
  if (value === '') return DEFAULT_TRUST_PROXY;
  const lower = value.toLowerCase();
  if (lower === 'false') return false;
  if (lower === 'true') {
    throw new Error('"true" would trust every hop, so any client could pick its own address; give a hop count (1-10) or the proxies\' addresses');
  }
  if (/^\d+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > MAX_TRUST_PROXY_HOPS) {
      throw new Error(`a hop count must be 1 to ${MAX_TRUST_PROXY_HOPS} (use "false" to trust no proxy)`);
    }
    return hops;
  }
  const entries = value.split(',').map((e) => e.trim());
  for (const entry of entries) {
    if (!entry) throw new Error('an empty entry in the list');
    if (!isTrustedAddress(entry)) {
      throw new Error(`"${entry.slice(0, 60)}" is not an IP address, a CIDR (10.0.0.0/8, fd00::/8) or one of ${NAMED_RANGES.join(', ')}`);
    }
  }
  return entries.map((e) => (NAMED_RANGES.includes(e.toLowerCase()) ? e.toLowerCase() : e));
}

function isTrustedAddress(entry: string): boolean {
  if (NAMED_RANGES.includes(entry.toLowerCase())) return true;
  const slash = entry.indexOf('/');
  const ip = slash < 0 ? entry : entry.slice(0, slash);
  const version = isIP(ip);
  if (!version) return false;
  if (slash < 0) return true;
  const prefix = entry.slice(slash + 1);
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

