/**
 * How RFC 7239 `Forwarded` becomes a chain: each element is one hop, the rightmost element
 * was added by the socket peer. `for=` names the hop's client; `proto=` and `host=` are
 * what that hop received. Parameters of one element always stay together (symmetry).
 * `by=` and extensions are kept for the trace only. A `for=` that is not a valid node
 * (an address, `"[v6]:port"`, `unknown`, `_obfuscated`) makes the element malformed.
 */
import { parseNode, scanAddress } from './address.js';
import type { ChainCursor, ClientKind } from './chain.js';
import { type ForwardedElement, parseForwarded } from './forwarded.js';
import type { Lines } from './headers.js';

class ForwardedCursor implements ChainCursor {
  readonly family = 'forwarded' as const;
  malformed: string | undefined = undefined;
  clientKind: ClientKind = 0;
  clientVersion: 0 | 4 | 6 = 0;
  clientText = '';
  clientPort = -1;
  readonly clientKnownTrusted = false;
  proto: string | undefined = undefined;
  host: string | undefined = undefined;
  port: string | undefined = undefined;
  prefix: string | undefined = undefined;
  private i = -1;
  private el: ForwardedElement | undefined;
  private lastIp = '';

  constructor(
    private readonly elements: readonly ForwardedElement[],
    readonly truncated: boolean,
  ) {}

  next(): boolean {
    const i = ++this.i;
    const n = this.elements.length;
    if (i >= n) return false;
    const el = this.elements[n - 1 - i]!;
    this.el = el;
    this.malformed = el.malformed;
    this.clientKind = 0;
    this.clientVersion = 0;
    this.clientText = '';
    this.clientPort = -1;
    this.proto = el.proto;
    this.host = el.host;
    if (el.malformed !== undefined || el.for === undefined) return true;
    const node = parseNode(el.for);
    if (node === undefined) {
      this.malformed = `for=${el.for} is not a valid node`;
    } else if (node.kind === 'ip') {
      this.clientKind = 1;
      this.clientText = node.ip;
      this.lastIp = node.ip;
      this.clientPort = node.port ?? -1;
      // Leave the words in `scanned` for the trust check.
      this.clientVersion = scanAddress(node.ip, 0, node.ip.length);
    } else {
      this.clientKind = 2;
      this.clientText = node.kind === 'unknown' ? 'unknown' : node.id;
    }
    return true;
  }

  raw(): string {
    return this.el?.raw ?? '';
  }

  lastClientText(): string {
    return this.lastIp;
  }
}

/** A cursor over the `Forwarded` chain, keeping at most `max` elements (the nearest). */
export function forwardedChain(lines: Lines | undefined, max: number): ChainCursor | undefined {
  if (lines === undefined) return undefined;
  const { elements, truncated } = parseForwarded(lines, max);
  if (elements.length === 0) return undefined;
  return new ForwardedCursor(elements, truncated);
}
