/**
 * Address text for the PROXY protocol wire: strict IPv4 dotted quads (no leading zeros,
 * no shorthand) and IPv6 text (RFC 4291 forms in, RFC 5952 canonical form out). This is
 * wire encoding only, not a CIDR engine; trust matching lives in `src/core/address.ts`.
 * @internal
 */

/** Parse a strict dotted quad in `s[start, end)` into `out[at..at+4)`. */
function parseIpv4Into(
  s: string,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
): boolean {
  let part = 0;
  let value = 0;
  let digits = 0;
  let leadingZero = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || part === 3) return false;
      out[at + part++] = value;
      value = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return false;
    if (digits === 0) leadingZero = c === 48;
    else if (leadingZero) return false;
    value = value * 10 + (c - 48);
    if (++digits > 3 || value > 255) return false;
  }
  if (digits === 0 || part !== 3) return false;
  out[at + 3] = value;
  return true;
}

/** Parse strict IPv4 text into 4 bytes, or undefined. */
export function parseIpv4(s: string): Uint8Array | undefined {
  const out = new Uint8Array(4);
  return parseIpv4Into(s, 0, s.length, out, 0) ? out : undefined;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Parse IPv6 text (with `::` and an optional trailing dotted quad; no zone) into 16 bytes. */
export function parseIpv6(s: string): Uint8Array | undefined {
  const n = s.length;
  if (n < 2 || n > 45) return undefined;
  const groups: number[] = [];
  let gap = -1;
  let i = 0;
  if (s.charCodeAt(0) === 58) {
    if (s.charCodeAt(1) !== 58) return undefined;
    gap = 0;
    i = 2;
    if (i === n) return new Uint8Array(16);
  }
  const out = new Uint8Array(16);
  while (i < n) {
    // one group, or a trailing dotted quad
    let j = i;
    let v = 0;
    while (j < n && j - i < 5) {
      const h = hexValue(s.charCodeAt(j));
      if (h < 0) break;
      v = v * 16 + h;
      j++;
    }
    if (j < n && s.charCodeAt(j) === 46) {
      // dotted quad: must be the last 32 bits
      if (groups.length > 6) return undefined;
      const tmp = new Uint8Array(4);
      if (!parseIpv4Into(s, i, n, tmp, 0)) return undefined;
      groups.push((tmp[0]! << 8) | tmp[1]!, (tmp[2]! << 8) | tmp[3]!);
      i = n;
      break;
    }
    if (j === i || j - i > 4) return undefined;
    groups.push(v);
    if (groups.length > 8) return undefined;
    i = j;
    if (i === n) break;
    if (s.charCodeAt(i) !== 58) return undefined;
    i++;
    if (i < n && s.charCodeAt(i) === 58) {
      if (gap >= 0) return undefined;
      gap = groups.length;
      i++;
      if (i === n) break;
    } else if (i === n) {
      return undefined; // trailing single colon
    }
  }
  if (gap < 0) {
    if (groups.length !== 8) return undefined;
  } else if (groups.length > 7) {
    return undefined;
  }
  const before = gap < 0 ? groups.length : gap;
  for (let k = 0; k < before; k++) {
    out[2 * k] = groups[k]! >>> 8;
    out[2 * k + 1] = groups[k]! & 0xff;
  }
  if (gap >= 0) {
    const after = groups.length - gap;
    for (let k = 0; k < after; k++) {
      const g = groups[gap + k]!;
      const slot = 8 - after + k;
      out[2 * slot] = g >>> 8;
      out[2 * slot + 1] = g & 0xff;
    }
  }
  return out;
}

/** Format 4 bytes at `b[at]` as a dotted quad. */
export function formatIpv4(b: Uint8Array, at: number): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** Format 16 bytes at `b[at]` in RFC 5952 canonical form (`::ffff:a.b.c.d` for mapped). */
export function formatIpv6(b: Uint8Array, at: number): string {
  let mapped = b[at + 10] === 0xff && b[at + 11] === 0xff;
  for (let k = 0; mapped && k < 10; k++) if (b[at + k] !== 0) mapped = false;
  if (mapped) return `::ffff:${formatIpv4(b, at + 12)}`;
  let bestStart = -1;
  let bestLen = 1;
  let runStart = -1;
  for (let g = 0; g <= 8; g++) {
    const zero = g < 8 && b[at + 2 * g] === 0 && b[at + 2 * g + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = g;
    } else if (runStart >= 0) {
      if (g - runStart > bestLen) {
        bestStart = runStart;
        bestLen = g - runStart;
      }
      runStart = -1;
    }
  }
  let text = '';
  for (let g = 0; g < 8; g++) {
    if (g === bestStart) {
      text += g === 0 ? '::' : ':';
      g += bestLen - 1;
      continue;
    }
    text += ((b[at + 2 * g]! << 8) | b[at + 2 * g + 1]!).toString(16);
    if (g < 7) text += ':';
  }
  return text;
}
