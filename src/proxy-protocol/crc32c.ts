/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as the PROXY protocol v2
 * `PP2_TYPE_CRC32C` TLV uses it. Pure TypeScript, table-driven (slicing by 8), no
 * dependencies.
 */

/**
 * Eight 256-entry tables in one `Int32Array` (table k at `k * 256`). Signed 32-bit
 * entries keep every value a small integer for the JIT; XOR does not care about sign.
 */
function makeTables(): Int32Array {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t[n] = c;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n]!;
      t[k * 256 + n] = (prev >>> 8) ^ t[prev & 0xff]!;
    }
  }
  return t;
}

const T = makeTables();

/**
 * Continue a CRC-32C over `bytes[start, end)`. `state` is the running, non-finalised
 * register (start with `0xFFFFFFFF`); finalise with `~state >>> 0`. @internal
 */
export function crc32cUpdate(state: number, bytes: Uint8Array, start: number, end: number): number {
  const t = T;
  let c = state | 0;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c =
      t[1792 + (c & 0xff)]! ^
      t[1536 + ((c >>> 8) & 0xff)]! ^
      t[1280 + ((c >>> 16) & 0xff)]! ^
      t[1024 + (c >>> 24)]! ^
      t[768 + bytes[i + 4]!]! ^
      t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^
      t[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/** Continue a CRC-32C over `n` zero bytes. @internal */
export function crc32cZeros(state: number, n: number): number {
  let c = state | 0;
  for (let i = 0; i < n; i++) c = T[c & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/**
 * The CRC-32C of `bytes` (or of `bytes[start, end)`), as an unsigned 32-bit number.
 * `crc32c(new TextEncoder().encode('123456789')) === 0xE3069283`.
 */
export function crc32c(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  return ~crc32cUpdate(0xffffffff, bytes, start, end) >>> 0;
}
