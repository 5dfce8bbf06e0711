/**
 * The forwarded chain: what each proxy reported about the connection it received, one
 * entry per hop, numbered from the server outwards (entry 0 is what the socket peer
 * reported). Two families produce chains: RFC 7239 `Forwarded` (src/core/forwarded-chain.ts)
 * and the X-Forwarded-* family (src/core/x-forwarded.ts). The walk over a chain is in
 * src/core/resolve.ts.
 *
 * A chain is read through a cursor, entry by entry from the nearest hop outwards, so the
 * request path parses only the entries it walks and allocates nothing per entry.
 */
import type { Node } from './address.js';
import type { Warning } from './warnings.js';

/** One hop's report, as a snapshot (for traces). Values are raw. */
export interface ChainEntry {
  /**
   * The client of this hop: an address, `unknown` or an obfuscated id; undefined when the
   * entry names no client (a `Forwarded` element without `for=`, or no X-Forwarded-For).
   */
  readonly client: Node | undefined;
  readonly proto?: string | undefined;
  readonly host?: string | undefined;
  readonly port?: string | undefined;
  readonly prefix?: string | undefined;
  /** A reason, when the entry does not parse: the walk stops before it. */
  readonly malformed?: string | undefined;
  /** The raw text, clipped, for the trace. */
  readonly raw: string;
}

/**
 * What kind of client the current entry names: 0 none (no client named), 1 an IP address
 * (its words are in `scanned` from address.ts right after `next()`), 2 `unknown` or an
 * obfuscated `_id`.
 */
export type ClientKind = 0 | 1 | 2;

/**
 * A cursor over a chain. `next()` moves to entry 0, then 1, ...; after it returns true the
 * fields describe the current entry. Reading never allocates on the common path.
 */
export interface ChainCursor {
  readonly family: 'forwarded' | 'x-forwarded';
  /** True when the header had more entries than the cap: the outermost were dropped. */
  readonly truncated: boolean;
  /** Move to the next entry outwards; false past the end. */
  next(): boolean;
  /** Set when the current entry does not parse (the reason). */
  malformed: string | undefined;
  /** The kind of client the current entry names. */
  clientKind: ClientKind;
  /** Address version (4/6) when clientKind is Ip; the words are in `scanned`. */
  clientVersion: 0 | 4 | 6;
  /** Canonical address text (Ip) or the identifier (Hidden) of the current entry. */
  readonly clientText: string;
  /**
   * The canonical text of the most recent entry that named an IP client (kept across
   * `next()`), so the walk can ask for the client's text once, at the end.
   */
  lastClientText(): string;
  /** Client port, or -1. */
  clientPort: number;
  /** True when the client is known trusted without matching (a trust-cache hit). */
  clientKnownTrusted: boolean;
  proto: string | undefined;
  host: string | undefined;
  port: string | undefined;
  prefix: string | undefined;
  /** The raw text of the current entry, clipped (for traces; may allocate). */
  raw(): string;
}

/** Where chain builders report what they found odd. */
export interface WarningSink {
  warn(w: Warning): void;
}

/** Snapshot the cursor's current entry. */
export function snapshot(c: ChainCursor): ChainEntry {
  let client: Node | undefined;
  if (c.clientKind === 1) {
    client = { kind: 'ip', ip: c.clientText, port: c.clientPort < 0 ? undefined : c.clientPort };
  } else if (c.clientKind === 2) {
    client =
      c.clientText === 'unknown' ? { kind: 'unknown' } : { kind: 'obfuscated', id: c.clientText };
  }
  return {
    client,
    proto: c.proto,
    host: c.host,
    port: c.port,
    prefix: c.prefix,
    malformed: c.malformed,
    raw: c.raw(),
  };
}
