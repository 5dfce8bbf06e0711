/**
 * The forwarded chain: what each proxy reported about the connection it received, one
 * entry per hop, numbered from the server outwards (entry 0 is what the socket peer
 * reported). Two families produce chains: RFC 7239 `Forwarded` (src/core/forwarded-chain.ts)
 * and the X-Forwarded-* family (src/core/x-forwarded.ts). The walk over a chain is in
 * src/core/resolve.ts.
 */
import type { Node } from './address.js';
import type { Warning } from './warnings.js';

/** One hop's report, raw values (validated by the resolver). */
export interface ChainEntry {
  /**
   * The client of this hop: an address, `unknown` or an obfuscated id; undefined when the
   * entry names no client (a `Forwarded` element without `for=`).
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

/** A chain built from one header family. */
export interface Chain {
  readonly family: 'forwarded' | 'x-forwarded';
  /** Entries available (after the cap). */
  readonly length: number;
  /** True when the header had more entries than the cap: the outermost ones were dropped. */
  readonly truncated: boolean;
  /** Entry i (0 = the socket peer's report), or undefined past the end. */
  entry(i: number): ChainEntry | undefined;
}

/** Where a chain builder reports what it found odd. */
export type WarningSink = (w: Warning) => void;
