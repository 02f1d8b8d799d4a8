/** Address helpers: the network an address belongs to, and loopback. */

/** /16 for IPv4, /48 for IPv6: wide enough to hold a cluster's pod or node CIDR. */
export function networkOf(ip: string): string {
  if (ip.includes(':')) return ip.split(':').slice(0, 3).join(':') + '::/48';
  const p = ip.split('.');
  return p.length === 4 ? `${p[0]}.${p[1]}.0.0/16` : ip;
}

export function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip === 'localhost';
}

/** `kubectl/v1.31.0 (linux/amd64) kubernetes/abc` → `kubectl`. */
export function userAgentFamily(ua: string | undefined): string {
  if (!ua) return '';
  const m = /^[^/\s(]+/.exec(ua.trim());
  return (m ? m[0] : ua).toLowerCase();
}
