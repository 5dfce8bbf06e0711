/**
 * Node's silent header cap. Node's HTTP/1 parser keeps only the first header entries of a
 * request (a name and a value are two entries) and drops the rest without an error: the
 * parser's `maxHeaderPairs`, which is 2000 entries (1000 lines) when the server's
 * `maxHeadersCount` is not set, and twice `maxHeadersCount` when it is (0: no cap).
 * `rawHeaders` can end a few entries past the cap, since Node adds the lines in batches,
 * and `req.headers` stops exactly at it. A client that sends `X-Forwarded-For: 6.6.6.6`
 * and then a thousand junk lines pushes the line its proxy appended out of sight. So a
 * request whose `rawHeaders` reached the cap is reported as truncated, and the core then
 * believes no forwarded header (seen with a real server in test/node/header-cap.test.ts).
 *
 * HTTP/2 refuses a request over its `maxHeaderListPairs` (the stream is reset with
 * ENHANCE_YOUR_CALM) instead of cutting it, so an HTTP/2 request is never truncated.
 */
import type { IncomingMessage } from 'node:http';

/** Node's parser cap when the server sets none: `MAX_HEADER_PAIRS` in lib/_http_common.js, in entries. */
export const NODE_DEFAULT_HEADER_ENTRIES = 2000;

interface CapCarrier {
  parser?: { maxHeaderPairs?: unknown } | null;
  server?: { maxHeadersCount?: unknown } | null;
}

/**
 * The number of header entries (names and values) that Node keeps for this request, or 0
 * when there is no cap. Read from the connection's parser, else from its server.
 */
export function headerEntryCap(req: IncomingMessage): number {
  const s = req.socket as unknown as CapCarrier | null | undefined;
  const fromParser = s?.parser?.maxHeaderPairs;
  if (typeof fromParser === 'number') return fromParser > 0 ? fromParser : 0;
  const count = s?.server?.maxHeadersCount;
  if (typeof count === 'number') return count > 0 ? count * 2 : 0;
  return NODE_DEFAULT_HEADER_ENTRIES;
}

/**
 * True when Node may have dropped some of this request's header lines: its `rawHeaders`
 * reached the cap. A request with exactly as many lines as the cap allows counts too (it
 * cannot be told apart), which only costs it its forwarded headers.
 */
export function nodeHeadersTruncated(req: IncomingMessage): boolean {
  if (req.httpVersionMajor >= 2) return false;
  const raw = req.rawHeaders;
  if (!Array.isArray(raw)) return false;
  const cap = headerEntryCap(req);
  return cap > 0 && raw.length >= cap;
}
