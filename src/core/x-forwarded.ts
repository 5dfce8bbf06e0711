/**
 * How the X-Forwarded-* family becomes a chain.
 *
 * `X-Forwarded-For` lists the clients, one per hop, appended left to right; the rightmost
 * entry was written by the socket peer. The other headers (`-Proto`, `-Host`, `-Port`,
 * `-Prefix`) are aligned with it FROM THE RIGHT, because the right end is what trusted
 * proxies wrote and the left end is what the client may have prepended:
 *
 * | values in the header (L), X-Forwarded-For entries (N) | meaning | used as |
 * | --- | --- | --- |
 * | L = 0 | not sent | nothing |
 * | L = 1 | set once, by the nearest proxy that overwrites it | hop 0's value |
 * | L = N (> 1) | one per hop, appended | entry i = value i from the right |
 * | L > N, all values equal | the header was set twice (an nginx snippet on top of a default) | hop 0's value, warned DUPLICATED_VALUES |
 * | L > N, values differ | no hop accounts for the extra values: contradictory | ignored (fail closed), warned CONTRADICTORY_VALUES |
 * | 1 < L < N | some hops appended and some did not: alignment unknown | ignored (fail closed), warned LIST_LENGTH_MISMATCH |
 *
 * Values are validated by the resolver when (and only when) the walk reaches their hop.
 */
import { type Node, parseAddressWithPort } from './address.js';
import type { Chain, ChainEntry, WarningSink } from './chain.js';
import { type Lines, lineCount } from './headers.js';
import { splitList } from './vendor.js';
import { clip, WarningCodes } from './warnings.js';

/** The raw lines of the X-Forwarded-* headers of one request. */
export interface XForwardedLines {
  readonly for: Lines | undefined;
  readonly proto: Lines | undefined;
  readonly host: Lines | undefined;
  readonly port: Lines | undefined;
  readonly prefix: Lines | undefined;
}

const NAMES = {
  proto: 'x-forwarded-proto',
  host: 'x-forwarded-host',
  port: 'x-forwarded-port',
  prefix: 'x-forwarded-prefix',
} as const;

/** A header aligned with X-Forwarded-For: values[i] belongs to hop i, or undefined. */
type Aligned = readonly string[] | undefined;

const UNKNOWN: Node = { kind: 'unknown' };

/** Interpret one X-Forwarded-For entry: an address with an optional port, or `unknown`. */
export function parseForEntry(text: string): Node | undefined {
  const a = parseAddressWithPort(text);
  if (a) return { kind: 'ip', ip: a.ip, port: a.port };
  if (text.toLowerCase() === 'unknown') return UNKNOWN;
  return undefined;
}

function align(
  name: (typeof NAMES)[keyof typeof NAMES],
  lines: Lines | undefined,
  n: number,
  max: number,
  warn: WarningSink,
): Aligned {
  if (lines === undefined) return undefined;
  const { values } = splitList(lines, max);
  const l = values.length;
  if (l === 0) return undefined;
  // Reverse so index 0 is the nearest hop.
  const rev: string[] = new Array(l);
  for (let i = 0; i < l; i++) rev[i] = values[l - 1 - i]!;
  if (l === 1 || l === n) return rev;
  if (l > n) {
    const first = rev[0]!;
    let same = true;
    for (let i = 1; i < l; i++) {
      if (rev[i]!.toLowerCase() !== first.toLowerCase()) {
        same = false;
        break;
      }
    }
    if (same) {
      warn({
        code: WarningCodes.DUPLICATED_VALUES,
        header: name,
        value: clip(values.join(', ')),
        message: `${name} carries the same value ${l} times (${lineCount(lines)} line(s)) for ${n || 'no'} X-Forwarded-For entr${n === 1 ? 'y' : 'ies'}: a proxy sets it twice; "${clip(first)}" is used. Remove the duplicate proxy_set_header / snippet`,
      });
      return [first];
    }
    warn({
      code: WarningCodes.CONTRADICTORY_VALUES,
      header: name,
      value: clip(values.join(', ')),
      message: `${name} has ${l} differing values for ${n} X-Forwarded-For entr${n === 1 ? 'y' : 'ies'}: no hop accounts for the extra ones, so the header is ignored`,
    });
    return undefined;
  }
  warn({
    code: WarningCodes.LIST_LENGTH_MISMATCH,
    header: name,
    value: clip(values.join(', ')),
    message: `${name} has ${l} values but X-Forwarded-For has ${n}: the values cannot be matched to hops, so the header is ignored`,
  });
  return undefined;
}

/**
 * Build the chain from the X-Forwarded-* lines, keeping at most `max` entries (the
 * nearest). Returns undefined when none of the headers is present.
 */
export function xForwardedChain(
  h: XForwardedLines,
  max: number,
  warn: WarningSink,
): Chain | undefined {
  if (
    h.for === undefined &&
    h.proto === undefined &&
    h.host === undefined &&
    h.port === undefined &&
    h.prefix === undefined
  ) {
    return undefined;
  }
  let forValues: readonly string[] = [];
  let truncated = false;
  if (h.for !== undefined) {
    const s = splitList(h.for, max);
    forValues = s.values;
    truncated = s.truncated;
  }
  const n = forValues.length;
  const proto = align(NAMES.proto, h.proto, n, max, warn);
  const host = align(NAMES.host, h.host, n, max, warn);
  const port = align(NAMES.port, h.port, n, max, warn);
  const prefix = align(NAMES.prefix, h.prefix, n, max, warn);
  // Without X-Forwarded-For there is still hop 0's report (scheme, host) with no client.
  const length = Math.max(n, proto || host || port || prefix ? 1 : 0);
  return {
    family: 'x-forwarded',
    length,
    truncated,
    entry(i: number): ChainEntry | undefined {
      if (i < 0 || i >= length) return undefined;
      const forText = i < n ? forValues[n - 1 - i]! : undefined;
      const e: {
        client: Node | undefined;
        proto?: string;
        host?: string;
        port?: string;
        prefix?: string;
        malformed?: string;
        raw: string;
      } = { client: undefined, raw: forText === undefined ? '' : clip(forText) };
      if (forText !== undefined) {
        const node = parseForEntry(forText);
        if (node === undefined) {
          e.malformed = forText === '' ? 'empty X-Forwarded-For entry' : 'not an IP address';
          return e;
        }
        e.client = node;
      }
      if (proto && i < proto.length) e.proto = proto[i];
      if (host && i < host.length) e.host = host[i];
      if (port && i < port.length) e.port = port[i];
      if (prefix && i < prefix.length) e.prefix = prefix[i];
      return e;
    },
  };
}
