/**
 * Header input: Node's `rawHeaders` (so duplicate lines stay visible), a plain object such
 * as Node's `req.headers` (lower-case keys), or a WHATWG `Headers`.
 */

/** Anything with a WHATWG `Headers`-like `get`. */
export interface HeadersLike {
  get(name: string): string | null;
}

/** A plain header object, as Node's `IncomingHttpHeaders`: lower-case names. */
export type HeaderRecord = { readonly [name: string]: string | readonly string[] | undefined };

/**
 * The accepted header inputs:
 * - `readonly string[]`: Node's `req.rawHeaders` (`[name, value, name, value, ...]`), the
 *   most faithful: a header sent on two lines is seen as two lines;
 * - a plain object with lower-case names (Node's `req.headers`, Express, Fastify, Koa);
 *   Node joins most repeated headers with `, ` and keeps only the first `Host`;
 * - a WHATWG `Headers` (Hono, fetch): repeated lines are joined with `, `.
 */
export type HeaderInput = readonly string[] | HeaderRecord | HeadersLike;

/** One header's lines: a single string for the common one-line case. */
export type Lines = string | readonly string[];

/** Number of lines in `lines`. */
export function lineCount(lines: Lines): number {
  return typeof lines === 'string' ? 1 : lines.length;
}

/**
 * A reader over one request's headers. Lookups take lower-case names.
 * For `rawHeaders`, the first lookup indexes only the names in `interesting`.
 */
export interface HeaderReader {
  get(name: string): Lines | undefined;
}

function isHeadersLike(h: unknown): h is HeadersLike {
  return typeof (h as HeadersLike).get === 'function';
}

class RawReader implements HeaderReader {
  private index: Map<string, string[]> | undefined;
  constructor(
    private readonly raw: readonly string[],
    private readonly interesting: ReadonlySet<string>,
  ) {}
  get(name: string): Lines | undefined {
    let idx = this.index;
    if (!idx) {
      idx = new Map();
      const raw = this.raw;
      const n = raw.length - (raw.length % 2);
      for (let i = 0; i < n; i += 2) {
        const rawName = raw[i];
        const value = raw[i + 1];
        if (typeof rawName !== 'string' || typeof value !== 'string') continue;
        const lower = rawName.toLowerCase();
        if (!this.interesting.has(lower)) continue;
        const list = idx.get(lower);
        if (list) list.push(value);
        else idx.set(lower, [value]);
      }
      this.index = idx;
    }
    const v = idx.get(name);
    return v === undefined ? undefined : v.length === 1 ? v[0] : v;
  }
}

/** Read one header from a plain object (lower-case names). @internal */
export function readRecord(rec: HeaderRecord, name: string): Lines | undefined {
  const v = rec[name];
  if (typeof v === 'string') return v;
  if (v === undefined || !Array.isArray(v)) return undefined;
  // Keep only strings; an empty array means absent.
  let ok = true;
  for (const x of v) if (typeof x !== 'string') ok = false;
  const list = ok ? v : v.filter((x) => typeof x === 'string');
  return list.length === 0 ? undefined : list.length === 1 ? list[0] : list;
}

class RecordReader implements HeaderReader {
  constructor(private readonly rec: HeaderRecord) {}
  get(name: string): Lines | undefined {
    return readRecord(this.rec, name);
  }
}

class FetchReader implements HeaderReader {
  constructor(private readonly h: HeadersLike) {}
  get(name: string): Lines | undefined {
    let v: string | null;
    try {
      v = this.h.get(name);
    } catch {
      return undefined;
    }
    return typeof v === 'string' ? v : undefined;
  }
}

/**
 * Make a reader for any accepted header input. `interesting` lists the lower-case names
 * that may be looked up (used to index `rawHeaders` in one pass).
 */
export function headerReader(input: HeaderInput, interesting: ReadonlySet<string>): HeaderReader {
  if (Array.isArray(input)) return new RawReader(input as readonly string[], interesting);
  if (input !== null && typeof input === 'object') {
    if (isHeadersLike(input)) return new FetchReader(input);
    return new RecordReader(input as HeaderRecord);
  }
  return new RecordReader({});
}

/** Join lines the way a comma-list header is read (RFC 9110 section 5.3). */
export function joinLines(lines: Lines): string {
  return typeof lines === 'string' ? lines : lines.join(', ');
}
