/**
 * Address text for the PROXY protocol wire: strict IPv4 dotted quads (no leading zeros,
 * no shorthand) and IPv6 text (RFC 4291 forms in, RFC 5952 canonical form out, IPv4-mapped
 * kept as IPv6). Bytes in, bytes out; the parsing and formatting themselves are the core's
 * (`src/core/address.ts`), so there is one address parser in the project. The one
 * exception is the v1 fast path's `readQuad` (decode.ts), which reads the core's IPv4
 * grammar straight from bytes; a property test holds it to the general reader's answers.
 * @internal
 */
import { parseIpv4Strict, parseIpv6Strict, v6Text } from '../core/address.js';

const words = new Uint32Array(4);

/** Parse strict IPv4 text into 4 bytes, or undefined. */
export function parseIpv4(s: string): Uint8Array | undefined {
  const v = parseIpv4Strict(s);
  if (v < 0) return undefined;
  return Uint8Array.of(v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
}

/** Parse IPv6 text (with `::` and an optional trailing dotted quad; no zone) into 16 bytes. */
export function parseIpv6(s: string): Uint8Array | undefined {
  if (!parseIpv6Strict(s, words)) return undefined;
  const out = new Uint8Array(16);
  for (let k = 0; k < 4; k++) {
    const w = words[k]!;
    out[4 * k] = w >>> 24;
    out[4 * k + 1] = (w >>> 16) & 255;
    out[4 * k + 2] = (w >>> 8) & 255;
    out[4 * k + 3] = w & 255;
  }
  return out;
}

/** The big-endian 32-bit word at `b[at]`. */
export function be32(b: Uint8Array, at: number): number {
  return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
}

/** Format 16 bytes at `b[at]` in RFC 5952 canonical form (`::ffff:a.b.c.d` for mapped). */
export function formatIpv6(b: Uint8Array, at: number): string {
  for (let k = 0; k < 4; k++) words[k] = be32(b, at + 4 * k);
  return v6Text(words);
}
