/**
 * How RFC 7239 `Forwarded` becomes a chain: each element is one hop, the rightmost element
 * was added by the socket peer. `for=` names the hop's client; `proto=` and `host=` are
 * what that hop received. Parameters of one element always stay together (symmetry).
 * `by=` and extensions are kept for the trace only.
 */
import { parseNode } from './address.js';
import type { Chain, ChainEntry } from './chain.js';
import { type ForwardedElement, parseForwarded } from './forwarded.js';
import type { Lines } from './headers.js';

function toEntry(el: ForwardedElement): ChainEntry {
  if (el.malformed !== undefined) return { client: undefined, malformed: el.malformed, raw: el.raw };
  let client: ChainEntry['client'];
  if (el.for !== undefined) {
    client = parseNode(el.for);
    if (client === undefined) {
      return { client: undefined, malformed: `for=${el.for} is not a valid node`, raw: el.raw };
    }
  }
  return { client, proto: el.proto, host: el.host, raw: el.raw };
}

/** Build the chain from `Forwarded` lines, keeping at most `max` elements (the nearest). */
export function forwardedChain(lines: Lines | undefined, max: number): Chain | undefined {
  if (lines === undefined) return undefined;
  const { elements, truncated } = parseForwarded(lines, max);
  if (elements.length === 0) return undefined;
  const n = elements.length;
  return {
    family: 'forwarded',
    length: n,
    truncated,
    entry(i: number): ChainEntry | undefined {
      if (i < 0 || i >= n) return undefined;
      return toEntry(elements[n - 1 - i]!);
    },
  };
}
