/** Address helpers: the network an address belongs to, and loopback. */

/** /16 for IPv4, /48 for IPv6: wide enough to hold a cluster's pod or node CIDR. */
export function networkOf(ip: string): string {
  if (ip.includes(':')) return ip.split(':').slice(0, 3).join(':') + '::/48';
  // four dot-separated parts (as split('.') would count them) keep the first two
  const a = ip.indexOf('.');
  const b = a < 0 ? -1 : ip.indexOf('.', a + 1);
  const c = b < 0 ? -1 : ip.indexOf('.', b + 1);
  if (c < 0 || ip.indexOf('.', c + 1) >= 0) return ip;
  return `${ip.slice(0, b)}.0.0/16`;
}

/**
 * A private address (RFC 1918, shared address space 100.64/10, IPv6 unique local fc00::/7): where pods and
 * nodes live, and never a host on the internet.
 */
export function isPrivate(ip: string): boolean {
  if (ip.includes(':')) return /^f[cd][0-9a-f]{0,2}:/i.test(ip);
  const p = ip.split('.');
  if (p.length !== 4) return false;
  const a = Number(p[0]);
  const b = Number(p[1]);
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127);
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip === 'localhost';
}

const FAMILY = /^[^/\s(]+/;

/** `kubectl/v1.31.0 (linux/amd64) kubernetes/abc` → `kubectl`. */
export function userAgentFamily(ua: string | undefined): string {
  if (!ua) return '';
  // Every request of a service account asks this: scan printable ASCII up to the first
  // `/`, `(` or space by hand, and leave anything else (leading space or delimiter, other
  // whitespace, non-ASCII) to the regular expression, which is the definition.
  const n = ua.length;
  let i = 0;
  for (; i < n; i++) {
    const c = ua.charCodeAt(i);
    if (c === 47 /* / */ || c === 40 /* ( */ || c === 32) break;
    if (c < 33 || c > 126) return familyByPattern(ua);
  }
  if (i === 0) return familyByPattern(ua);
  return (i === n ? ua : ua.slice(0, i)).toLowerCase();
}

function familyByPattern(ua: string): string {
  const m = FAMILY.exec(ua.trim());
  return (m ? m[0] : ua).toLowerCase();
}
