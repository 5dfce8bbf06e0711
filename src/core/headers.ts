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

/** Lower-case header names, indexed for case-insensitive matching without lower-casing. */
export interface NameTable {
  readonly names: readonly string[];
  /** Index of each (lower-case) name. */
  readonly index: ReadonlyMap<string, number>;
  /**
   * Hash chains keyed by (length, folded first and last characters): `head[key]` is the
   * first name index + 1 (0 = none), `next[i]` the next one + 1. Most header names that are
   * not interesting are rejected with one array read.
   */
  readonly head: Int16Array;
  readonly next: Int16Array;
  /** Each name in its usual spelling (`X-Forwarded-For`), compared natively first. */
  readonly titles: readonly string[];
}

const KEY_BITS = 12;

function nameKey(len: number, first: number, last: number): number {
  return ((len * 61) ^ ((first | 32) * 7) ^ ((last | 32) * 131)) & ((1 << KEY_BITS) - 1);
}

/** Index a set of lower-case header names once (the policy does this at compile time). */
export function compileNames(names: Iterable<string>): NameTable {
  const list = [...new Set(names)];
  const head = new Int16Array(1 << KEY_BITS);
  const next = new Int16Array(list.length);
  list.forEach((n, i) => {
    if (n.length === 0 || n.length > 255) throw new TypeError(`bad header name: ${n.slice(0, 40)}`);
    const k = nameKey(n.length, n.charCodeAt(0), n.charCodeAt(n.length - 1));
    next[i] = head[k]!;
    head[k] = i + 1;
  });
  const titles = list.map((n) =>
    n.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase()),
  );
  return { names: list, index: new Map(list.map((n, i) => [n, i])), head, next, titles };
}

/** Does `raw` equal the lower-case `name` ignoring ASCII case? Same length assumed. @internal */
export function sameName(raw: string, name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const a = raw.charCodeAt(i);
    const b = name.charCodeAt(i);
    if (a !== b && (a | 32) !== b) return false;
  }
  return true;
}

class RawReader implements HeaderReader {
  /** Per interesting name (by table index): its lines, collected on the first lookup. */
  private values: (string | string[] | undefined)[] | undefined;
  constructor(
    private readonly raw: readonly string[],
    private readonly table: NameTable,
  ) {}
  get(name: string): Lines | undefined {
    const t = this.table;
    let values = this.values;
    if (values === undefined) {
      values = new Array(t.names.length);
      const raw = this.raw;
      const n = raw.length - (raw.length % 2);
      for (let i = 0; i < n; i += 2) {
        const rawName = raw[i];
        const value = raw[i + 1];
        if (typeof rawName !== 'string' || typeof value !== 'string') continue;
        const len = rawName.length;
        if (len === 0 || len > 255) continue;
        let c = t.head[nameKey(len, rawName.charCodeAt(0), rawName.charCodeAt(len - 1))]!;
        while (c !== 0) {
          const idx = c - 1;
          const name = t.names[idx]!;
          if (
            name.length === len &&
            (rawName === t.titles[idx] || rawName === name || sameName(rawName, name))
          ) {
            const prev = values[idx];
            if (prev === undefined) values[idx] = value;
            else if (typeof prev === 'string') values[idx] = [prev, value];
            else prev.push(value);
            break;
          }
          c = t.next[idx]!;
        }
      }
      this.values = values;
    }
    const idx = t.index.get(name);
    return idx === undefined ? undefined : values[idx];
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
 * Make a reader for any accepted header input. `interesting` (from {@link compileNames})
 * lists the lower-case names that may be looked up; `rawHeaders` is indexed for them in one
 * pass, on the first lookup.
 */
export function headerReader(input: HeaderInput, interesting: NameTable): HeaderReader {
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
