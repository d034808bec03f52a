/**
 * IP addresses and CIDR ranges, and the client IP behind trusted proxies.
 *
 * The client IP keys the per-IP limits (log-in lockout, SMS quota, registration attempts) and is written to
 * the audit and security logs. Behind a reverse proxy the TCP peer is the proxy, so the address must come
 * from `X-Forwarded-For` — but only when the peer is a proxy we trust (anyone else can write that header),
 * and only the right-most hop a trusted proxy wrote: each proxy appends the address it received the
 * request from, so everything left of that is whatever the client sent.
 * @module
 */

/** A parsed CIDR range (`10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 or /128). */
export interface Cidr {
  /** Canonical text, e.g. `10.0.0.0/8`. */
  text: string;
  version: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

interface Parsed {
  version: 4 | 6;
  bytes: Uint8Array;
}

function parseV4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i];
    // no leading zeros: "010" means 8 to some parsers and 10 to others
    if (!/^(0|[1-9]\d{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | null {
  let text = s;
  let tail: Uint8Array | null = null;
  // an embedded IPv4 tail (::ffff:1.2.3.4)
  const lastColon = text.lastIndexOf(":");
  if (text.includes(".")) {
    tail = parseV4(text.slice(lastColon + 1));
    if (!tail) return null;
    text = text.slice(0, lastColon + 1) + "0:0";
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (h: string) => (h === "" ? [] : h.split(":"));
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const total = head.length + rest.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const all = [...head, ...Array(8 - total).fill("0"), ...rest];
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(all[i])) return null;
    const n = parseInt(all[i], 16);
    out[2 * i] = n >> 8;
    out[2 * i + 1] = n & 0xff;
  }
  if (tail) out.set(tail, 12);
  return out;
}

function parse(raw: string): Parsed | null {
  let s = raw.trim();
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (s.length === 0 || s.length > 64) return null;
  if (!s.includes(":")) {
    const v4 = parseV4(s);
    return v4 ? { version: 4, bytes: v4 } : null;
  }
  const v6 = parseV6(s);
  if (!v6) return null;
  // IPv4-mapped (::ffff:a.b.c.d) is the IPv4 address
  if (v6.subarray(0, 10).every((b) => b === 0) && v6[10] === 0xff && v6[11] === 0xff) {
    return { version: 4, bytes: v6.slice(12) };
  }
  return { version: 6, bytes: v6 };
}

function format(p: Parsed): string {
  if (p.version === 4) return Array.from(p.bytes).join(".");
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((p.bytes[2 * i] << 8) | p.bytes[2 * i + 1]);
  // RFC 5952: the longest run (≥ 2) of zero groups becomes "::", the first one on a tie
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

/**
 * The canonical text of an IP address (`2001:DB8:0::1` → `2001:db8::1`, `::ffff:1.2.3.4` → `1.2.3.4`;
 * brackets and zone ids dropped), or `null` when it is not one. Rate-limit keys use this form, so one
 * address cannot count under several spellings.
 */
export function normalizeIp(raw: string): string | null {
  const p = parse(raw);
  return p ? format(p) : null;
}

function parseCidr(raw: string): Cidr | null {
  const [addr, prefixText, extra] = raw.trim().split("/");
  if (extra !== undefined) return null;
  const p = parse(addr);
  if (!p) return null;
  const max = p.version === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > max) return null;
  }
  const bytes = p.bytes.slice();
  for (let bit = prefix; bit < max; bit++) bytes[bit >> 3] &= ~(0x80 >> (bit & 7));
  return { text: `${format({ version: p.version, bytes })}/${prefix}`, version: p.version, bytes, prefix };
}

/**
 * Parse a list of addresses and CIDR ranges separated by commas or spaces (the `TRUSTED_PROXIES`
 * setting): the ranges, or the entries that are not valid.
 */
export function parseCidrList(text: string): Cidr[] | { invalid: string[] } {
  const entries = text.split(/[\s,]+/).filter((e) => e.length > 0);
  const cidrs: Cidr[] = [];
  const invalid: string[] = [];
  for (const entry of entries) {
    const c = parseCidr(entry);
    if (c) cidrs.push(c);
    else invalid.push(entry);
  }
  return invalid.length > 0 ? { invalid } : cidrs;
}

/** Whether `ip` (any spelling) lies in one of the ranges. */
export function inCidrs(ip: string, cidrs: readonly Cidr[]): boolean {
  const p = parse(ip);
  if (!p) return false;
  return cidrs.some((c) => {
    if (c.version !== p.version) return false;
    for (let bit = 0; bit < c.prefix; bit++) {
      const mask = 0x80 >> (bit & 7);
      if ((p.bytes[bit >> 3] & mask) !== (c.bytes[bit >> 3] & mask)) return false;
    }
    return true;
  });
}

/**
 * The client's address. `peer` is the TCP peer; when it is one of the `trusted` proxies, `forwardedFor`
 * (the `X-Forwarded-For` header) is read from the right: trusted hops are skipped, and the first hop that is
 * not trusted is the client. A malformed hop ends the walk at the last trusted hop (nobody we trust wrote
 * it); when every hop is trusted, the left-most one is the best known. Returns the canonical form.
 */
export function clientIpFrom(
  input: { peer: string; forwardedFor: string | null; trusted: readonly Cidr[] },
): string {
  const peer = normalizeIp(input.peer) ?? input.peer;
  if (input.trusted.length === 0 || !inCidrs(peer, input.trusted) || !input.forwardedFor) return peer;
  const hops = input.forwardedFor.split(",").map((h) => h.trim()).filter((h) => h.length > 0);
  let current = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeIp(hops[i]);
    if (!hop) return current;
    if (!inCidrs(hop, input.trusted)) return hop;
    current = hop;
  }
  return current;
}
