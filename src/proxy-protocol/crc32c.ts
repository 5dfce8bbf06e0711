/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as the PROXY protocol v2
 * `PP2_TYPE_CRC32C` TLV uses it. Pure TypeScript, table-driven (slicing by 4), no
 * dependencies.
 */

function makeTables(): Uint32Array[] {
  const t0 = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    t0[n] = c >>> 0;
  }
  const tables = [t0];
  for (let j = 1; j < 4; j++) {
    const prev = tables[j - 1]!;
    const t = new Uint32Array(256);
    for (let n = 0; n < 256; n++) t[n] = (prev[n]! >>> 8) ^ t0[prev[n]! & 0xff]!;
    tables.push(t);
  }
  return tables;
}

const [T0, T1, T2, T3] = makeTables() as [Uint32Array, Uint32Array, Uint32Array, Uint32Array];

/**
 * Continue a CRC-32C over `bytes[start, end)`. `state` is the running, non-finalised
 * register (start with `0xFFFFFFFF`); finalise with `~state >>> 0`. @internal
 */
export function crc32cUpdate(state: number, bytes: Uint8Array, start: number, end: number): number {
  let c = state >>> 0;
  let i = start;
  for (; i + 4 <= end; i += 4) {
    c ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    c = T3[c & 0xff]! ^ T2[(c >>> 8) & 0xff]! ^ T1[(c >>> 16) & 0xff]! ^ T0[c >>> 24]!;
  }
  for (; i < end; i++) c = T0[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return c >>> 0;
}

/**
 * The CRC-32C of `bytes` (or of `bytes[start, end)`), as an unsigned 32-bit number.
 * `crc32c(new TextEncoder().encode('123456789')) === 0xE3069283`.
 */
export function crc32c(bytes: Uint8Array, start = 0, end: number = bytes.length): number {
  return ~crc32cUpdate(0xffffffff, bytes, start, end) >>> 0;
}
