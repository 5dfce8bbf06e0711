/**
 * Express and proxytrust settings found by pattern in JavaScript and TypeScript sources,
 * never run or imported: `<app>.set('trust proxy', <value>)`, `<app>.enable('trust proxy')`,
 * `<app>.disable('trust proxy')` (any receiver), a proxytrust policy object literal
 * (`compilePolicy({...})`, `proxytrust({...})`, `createProxytrust({...})`: `trustedProxies`,
 * `headers`, `unsafeTrustHopCount`) and `<app>.listen(<port>[, '<host>'])`. A value that is
 * not a literal (a variable, `process.env.X`, a function) is unknown, never guessed.
 */

/** A literal value, or unknown. */
export type JsValue =
  | { readonly type: 'boolean'; readonly value: boolean }
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'array'; readonly value: readonly string[] }
  | { readonly type: 'unknown'; readonly text: string };

/** Where something is in a file. */
export interface JsLoc {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The source line, trimmed, for evidence. */
  readonly text: string;
}

/** A `trust proxy` setting. */
export interface TrustProxySetting {
  readonly at: JsLoc;
  readonly receiver: string;
  /** `set` with a value; `enable` is true, `disable` false. */
  readonly how: 'set' | 'enable' | 'disable';
  readonly value: JsValue;
}

/** A proxytrust policy object literal. */
export interface PolicyLiteral {
  readonly at: JsLoc;
  /** The function it is passed to (`compilePolicy`, `proxytrust`, ...). */
  readonly call: string;
  /** Absent when the literal does not name it. */
  readonly trustedProxies?: JsValue;
  readonly headers?: JsValue;
  readonly unsafeTrustHopCount?: JsValue;
  /** The literal spreads another object (`...base`): what it holds is unknown. */
  readonly spread: boolean;
}

/** `<app>.listen(port[, host])`. */
export interface JsListen {
  readonly at: JsLoc;
  readonly port?: number;
  readonly host?: string;
}

/** What the Express rules read. */
export interface ExpressInput {
  readonly file: string;
  readonly settings: readonly TrustProxySetting[];
  readonly policies: readonly PolicyLiteral[];
  readonly listens: readonly JsListen[];
}

/** The source with comments blanked (strings kept), lines and columns unchanged. */
export function blankComments(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    const n = src[i + 1];
    if (c === '/' && n === '/') {
      while (i < src.length && src[i] !== '\n') {
        out += ' ';
        i++;
      }
      continue;
    }
    if (c === '/' && n === '*') {
      const end = src.indexOf('*/', i + 2);
      const stop = end < 0 ? src.length : end + 2;
      out += src.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < src.length && src[j] !== c && !(c !== '`' && src[j] === '\n')) {
        if (src[j] === '\\') j++;
        j++;
      }
      out += src.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Start and end offsets of the string literals of a comment-free source. */
function stringRanges(src: string): [number, number][] {
  const out: [number, number][] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    if (c !== '"' && c !== "'" && c !== '`') continue;
    let j = i + 1;
    while (j < src.length && src[j] !== c && !(c !== '`' && src[j] === '\n')) {
      if (src[j] === '\\') j++;
      j++;
    }
    out.push([i, j]);
    i = j;
  }
  return out;
}

/** True when `pos` is inside one of the (sorted) ranges. */
const inside = (ranges: readonly [number, number][], pos: number): boolean =>
  ranges.some(([a, b]) => pos > a && pos <= b);

const STRING = /^(['"`])((?:\\.|(?!\1)[^\\\n])*)\1$/;

/** A JS expression's text as a literal value, or unknown. */
export function literal(text: string): JsValue {
  const t = text.trim().replace(/\s+as\s+const$/, '');
  if (t === 'true' || t === 'false') return { type: 'boolean', value: t === 'true' };
  if (/^\d+$/.test(t)) return { type: 'number', value: Number(t) };
  const s = STRING.exec(t);
  if (s && !(s[1] === '`' && s[2]!.includes('${'))) return { type: 'string', value: s[2]! };
  if (t.startsWith('[') && t.endsWith(']')) {
    const inner = t.slice(1, -1).trim();
    if (inner === '') return { type: 'array', value: [] };
    const items = splitTop(inner).filter((x) => x.trim() !== '');
    const vals = items.map((x) => literal(x));
    if (vals.every((v) => v.type === 'string'))
      return { type: 'array', value: vals.map((v) => (v as { value: string }).value) };
  }
  return { type: 'unknown', text: t };
}

/** Split at top-level commas (outside brackets, braces, parentheses and strings). */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      cur += c;
      if (c === '\\') {
        cur += s[i + 1] ?? '';
        i++;
      } else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if ('([{'.includes(c)) depth++;
    else if (')]}'.includes(c)) depth--;
    else if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
      continue;
    }
    cur += c;
  }
  out.push(cur);
  return out;
}

/** The text from `open` (an opening bracket) to its match, or undefined. */
function balanced(s: string, open: number): string | undefined {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  let quote: string | undefined;
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (pairs[c]) stack.push(pairs[c]!);
    else if (c === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return s.slice(open, i + 1);
    }
  }
  return undefined;
}

const TRUST_PROXY =
  /([A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)\s*\.\s*(set|enable|disable)\s*\(\s*(['"`])trust proxy\3/g;
const POLICY_CALL = /\b(compilePolicy|proxytrust|createProxytrust|proxytrustMiddleware)\s*\(\s*\{/g;
const LISTEN = /([A-Za-z_$][\w$]*)\s*\.\s*listen\s*\(/g;

/** Words every pattern holds: a source without one is not read at all (a cheap first test). */
const PATTERN_WORDS = /trust proxy|compilePolicy|proxytrust|createProxytrust/;

/** True when a source holds a pattern this kind reads (the handler's detect). */
export function hasExpressPattern(text: string): boolean {
  // blanking the comments of a 9 MB bundle takes seconds; most sources hold none of the words
  if (!PATTERN_WORDS.test(text)) return false;
  const t = blankComments(text);
  const strings = stringRanges(t);
  const found = [...t.matchAll(TRUST_PROXY), ...t.matchAll(POLICY_CALL)].some(
    (m) => !inside(strings, m.index!),
  );
  return found;
}

/** Read a source. Never throws. */
export function parseExpress(file: string, text: string): ExpressInput {
  const src = blankComments(text);
  const starts = [0];
  for (let i = 0; i < src.length; i++) if (src[i] === '\n') starts.push(i + 1);
  const lines = text.split('\n');
  const at = (pos: number): JsLoc => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= pos) lo = mid;
      else hi = mid - 1;
    }
    return { file, line: lo + 1, col: pos - starts[lo]! + 1, text: (lines[lo] ?? '').trim() };
  };
  const strings = stringRanges(src);
  const settings: TrustProxySetting[] = [];
  for (const m of src.matchAll(TRUST_PROXY)) {
    if (inside(strings, m.index!)) continue;
    const how = m[2] as 'set' | 'enable' | 'disable';
    const open = src.indexOf('(', m.index! + m[1]!.length);
    const call = balanced(src, open);
    let value: JsValue;
    if (how === 'enable') value = { type: 'boolean', value: true };
    else if (how === 'disable') value = { type: 'boolean', value: false };
    else {
      const args = call ? splitTop(call.slice(1, -1)) : [];
      value = args.length >= 2 ? literal(args.slice(1).join(',')) : { type: 'unknown', text: '' };
    }
    settings.push({ at: at(m.index!), receiver: m[1]!, how, value });
  }
  const policies: PolicyLiteral[] = [];
  for (const m of src.matchAll(POLICY_CALL)) {
    if (inside(strings, m.index!)) continue;
    const open = m.index! + m[0].length - 1;
    const obj = balanced(src, open);
    if (!obj) continue;
    const props = splitTop(obj.slice(1, -1));
    const get = (key: string): JsValue | undefined => {
      for (const p of props) {
        const kv = new RegExp(`^\\s*(['"]?)${key}\\1\\s*:([\\s\\S]*)$`).exec(p);
        if (kv) return literal(kv[2]!);
        if (p.trim() === key) return { type: 'unknown', text: key };
      }
      return undefined;
    };
    const tp = get('trustedProxies');
    const hd = get('headers');
    const hc = get('unsafeTrustHopCount');
    policies.push({
      at: at(m.index!),
      call: m[1]!,
      ...(tp ? { trustedProxies: tp } : {}),
      ...(hd ? { headers: hd } : {}),
      ...(hc ? { unsafeTrustHopCount: hc } : {}),
      spread: props.some((p) => p.trim().startsWith('...')),
    });
  }
  const listens: JsListen[] = [];
  for (const m of src.matchAll(LISTEN)) {
    if (inside(strings, m.index!)) continue;
    const open = m.index! + m[0].length - 1;
    const call = balanced(src, open);
    if (!call) continue;
    const args = splitTop(call.slice(1, -1)).map((a) => literal(a));
    const port = args[0]?.type === 'number' ? args[0].value : undefined;
    const host = args[1]?.type === 'string' ? args[1].value : undefined;
    listens.push({
      at: at(m.index!),
      ...(port !== undefined ? { port } : {}),
      ...(host !== undefined ? { host } : {}),
    });
  }
  return { file, settings, policies, listens };
}
