/**
 * The `cidr` modifier (spec: sigma-appendix-modifiers.md §IP Modifiers):
 * IPv4 and IPv6 networks. Rule networks are parsed once; event addresses are
 * parsed into a reused scratch buffer, so matching allocates nothing.
 */

export interface Network {
  v6: boolean;
  /** 4 or 16 bytes, host bits cleared. */
  bytes: Uint8Array;
  prefix: number;
  text: string;
}

const scratch = new Uint8Array(16);

/** Parses dotted-quad IPv4 into out[off..off+4]; strict: four decimal parts 0-255, no leading zeros. */
function parse4(s: string, from: number, to: number, out: Uint8Array, off: number): boolean {
  let part = 0;
  let digits = 0;
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return false;
      out[off + part++] = n;
      n = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && n === 0) return false; // leading zero: ambiguous (octal in some parsers)
      n = n * 10 + (c - 48);
      if (n > 255 || ++digits > 3) return false;
    } else return false;
  }
  if (digits === 0 || part !== 3) return false;
  out[off + 3] = n;
  return true;
}

/** Parses IPv6 text (with `::`, an embedded IPv4 tail, and an optional `%zone`) into 16 bytes. */
function parse6(s: string, out: Uint8Array): boolean {
  let end = s.indexOf('%');
  if (end < 0) end = s.length;
  if (end < 2) return false;
  let gap = -1;
  let n = 0; // 16-bit groups written
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return false;
    gap = 0;
    i = 2;
    if (i === end) {
      out.fill(0);
      return true;
    }
  }
  while (i < end) {
    if (n === 8) return false;
    let j = i;
    let v = 0;
    let hex = 0;
    let dot = false;
    while (j < end) {
      const c = s.charCodeAt(j);
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else if (c === 46) {
        dot = true;
        break;
      } else break;
      v = v * 16 + d;
      if (++hex > 4) return false;
      j++;
    }
    if (dot) {
      if (n > 6) return false;
      if (!parse4(s, i, end, out, n * 2)) return false;
      n += 2;
      i = end;
      break;
    }
    if (hex === 0) return false;
    out[n * 2] = v >> 8;
    out[n * 2 + 1] = v & 255;
    n++;
    if (j === end) {
      i = end;
      break;
    }
    if (s.charCodeAt(j) !== 58) return false;
    if (s.charCodeAt(j + 1) === 58) {
      if (gap >= 0) return false;
      gap = n;
      i = j + 2;
      if (i === end) break;
    } else {
      i = j + 1;
      if (i === end) return false;
    }
  }
  if (gap < 0) return n === 8;
  if (n === 8) return false;
  // Move the groups after the gap to the end and zero the gap.
  const tail = (n - gap) * 2;
  for (let k = tail - 1; k >= 0; k--) out[16 - tail + k] = out[gap * 2 + k]!;
  out.fill(0, gap * 2, 16 - tail);
  return true;
}

/** Parses a CIDR (`10.0.0.0/8`, `fe80::/10`) or a single address (a host network). */
export function parseNetwork(text: string): Network | undefined {
  const slash = text.indexOf('/');
  const addr = slash < 0 ? text : text.slice(0, slash);
  const v6 = addr.includes(':');
  const bytes = new Uint8Array(v6 ? 16 : 4);
  if (v6 ? addr.includes('%') || !parse6(addr, bytes) : !parse4(addr, 0, addr.length, bytes, 0)) return undefined;
  const max = v6 ? 128 : 32;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p)) return undefined;
    prefix = Number(p);
    if (prefix > max) return undefined;
  }
  for (let b = 0; b < bytes.length; b++) {
    const keep = Math.max(0, Math.min(8, prefix - b * 8));
    bytes[b]! &= (0xff00 >> keep) & 0xff;
  }
  return { v6, bytes, prefix, text };
}

function within(addr: Uint8Array, off: number, net: Network): boolean {
  const full = net.prefix >> 3;
  for (let b = 0; b < full; b++) if (addr[off + b] !== net.bytes[b]) return false;
  const rest = net.prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff00 >> rest) & 0xff;
  return (addr[off + full]! & mask) === net.bytes[full];
}

/**
 * Whether an event value is an address inside `net`. Anything that is not an
 * address does not match. An IPv4-mapped IPv6 address (`::ffff:10.1.2.3`)
 * matches IPv4 networks, because some proxies log client addresses that way.
 */
export function inNetwork(v: unknown, net: Network): boolean {
  if (typeof v !== 'string' || v.length < 2 || v.length > 64) return false;
  let colon = false;
  for (let i = 0; i < v.length; i++) {
    if (v.charCodeAt(i) === 58) {
      colon = true;
      break;
    }
  }
  if (!colon) return !net.v6 && parse4(v, 0, v.length, scratch, 0) && within(scratch, 0, net);
  if (!parse6(v, scratch)) return false;
  if (net.v6) return within(scratch, 0, net);
  for (let b = 0; b < 10; b++) if (scratch[b] !== 0) return false;
  return scratch[10] === 0xff && scratch[11] === 0xff && within(scratch, 12, net);
}
