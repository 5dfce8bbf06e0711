/** Helpers the core's tests share. */
import { compilePolicy, type PolicyOptions, resolve, type View } from '../../src/core/index.js';

/** Header lines as `[name, value]` pairs, duplicates kept. */
export type Raw = [string, string][];

/** Resolve with rawHeaders built from pairs (so duplicate lines are real). */
export function r(options: PolicyOptions, peer: string, headers: Raw, encrypted = false): View {
  return resolve(compilePolicy(options), { peer, headers: headers.flat(), encrypted });
}

/** The warning codes of a view, in order. */
export function codes(v: View): string[] {
  return v.warnings.map((w) => w.code);
}
