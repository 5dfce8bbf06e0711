/**
 * A small Python reader for configuration modules (Django settings, gunicorn config files):
 * a tokenizer (every string form, comments, continuation lines, brackets across lines) and
 * the module's literal assignments (`NAME = literal`, `NAME += [...]`, simple `+`
 * concatenation). Nothing is imported or run: a value read from the environment
 * (`os.environ`, `os.getenv`, django-environ's `env(...)`, python-decouple's `config(...)`)
 * is unknown, with its default recorded when one is given.
 */

/** A token. `str` values hold the decoded text; an f-string is `unknown`. */
export interface Token {
  readonly t: 'name' | 'num' | 'str' | 'op' | 'nl';
  readonly v: string;
  readonly line: number;
  readonly col: number;
  /** Strings: `b` for bytes, `f` for an f-string (value unknown). */
  readonly prefix?: string;
}

/** A tokenizer problem (an unterminated string or bracket). */
export interface PyProblem {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

const OPS3 = ['**=', '//=', '>>=', '<<=', '...'];
const OPS2 = [
  '**',
  '//',
  '==',
  '!=',
  '<=',
  '>=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '->',
  ':=',
  '<<',
  '>>',
];
const ESCAPES: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  '0': '\0',
  a: '\x07',
  b: '\b',
  f: '\f',
  v: '\v',
};

/** Decode the escapes of a non-raw string body. */
function decodeEscapes(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|N\{[^}]*\}|\n|.)/gs, (m, e: string) => {
    if (e === '\n') return '';
    if (e[0] === 'x' || e[0] === 'u') return String.fromCharCode(Number.parseInt(e.slice(1), 16));
    if (e in ESCAPES) return ESCAPES[e]!;
    if (e === '\\' || e === "'" || e === '"') return e;
    return m;
  });
}

/**
 * Tokenize Python source. Logical lines end with an `nl` token (newlines inside brackets
 * and after a backslash do not end one). Never throws.
 */
export function tokenize(text: string): { tokens: Token[]; problems: PyProblem[] } {
  const tokens: Token[] = [];
  const problems: PyProblem[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let depth = 0;
  const n = text.length;
  const push = (t: Token['t'], v: string, at: number, l = line, ls = lineStart, prefix?: string) =>
    tokens.push({ t, v, line: l, col: at - ls + 1, ...(prefix !== undefined ? { prefix } : {}) });
  const endLine = () => {
    if (depth === 0 && tokens.length > 0 && tokens[tokens.length - 1]!.t !== 'nl')
      push('nl', '', i);
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '\n' || c === '\r') {
      endLine();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      lineStart = i;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n' && text[i] !== '\r') i++;
      continue;
    }
    if (c === '\\' && (text[i + 1] === '\n' || text[i + 1] === '\r')) {
      i += text[i + 1] === '\r' && text[i + 2] === '\n' ? 3 : 2;
      line++;
      lineStart = i;
      continue;
    }
    // strings, with an optional prefix (r, b, f, u and their pairs)
    const sm = /^([rRbBfFuU]{0,2})(['"])/.exec(text.slice(i, i + 3));
    if (sm && (sm[1] === '' || /^(r|b|f|u|rb|br|fr|rf)$/i.test(sm[1]!))) {
      const prefix = sm[1]!.toLowerCase();
      const q = sm[2]!;
      const start = i;
      const sl = line;
      const sls = lineStart;
      let j = i + sm[0].length;
      const triple = text.slice(j - 1, j + 2) === q.repeat(3);
      if (triple) j += 2;
      const bodyStart = j;
      let closed = false;
      while (j < n) {
        const ch = text[j]!;
        if (ch === '\\') {
          if (text[j + 1] === '\n') {
            line++;
            lineStart = j + 2;
          }
          j += 2;
          continue;
        }
        if (ch === '\n') {
          if (!triple) break;
          line++;
          lineStart = j + 1;
        }
        if (ch === q && (!triple || text.slice(j, j + 3) === q.repeat(3))) {
          closed = true;
          break;
        }
        j++;
      }
      const body = text.slice(bodyStart, Math.min(j, n));
      if (!closed) {
        problems.push({ line: sl, col: start - sls + 1, message: 'unterminated string' });
        i = j;
        continue;
      }
      const value = prefix.includes('r') ? body : decodeEscapes(body);
      push('str', value, start, sl, sls, prefix.replace(/[ru]/g, ''));
      i = j + (triple ? 3 : 1);
      continue;
    }
    const nm = /^[A-Za-z_\u0080-\uffff][\w\u0080-\uffff]*/.exec(text.slice(i, i + 200));
    if (nm) {
      push('name', nm[0], i);
      i += nm[0].length;
      continue;
    }
    const num =
      /^(0[xX][0-9a-fA-F_]+|0[oO][0-7_]+|0[bB][01_]+|(\d[\d_]*\.?[\d_]*|\.\d[\d_]*)([eE][+-]?\d+)?[jJ]?)/.exec(
        text.slice(i, i + 100),
      );
    if (num && /\d/.test(num[0][0] === '.' ? (num[0][1] ?? '') : num[0][0]!)) {
      push('num', num[0], i);
      i += num[0].length;
      continue;
    }
    const three = text.slice(i, i + 3);
    const two = text.slice(i, i + 2);
    const op = OPS3.includes(three) ? three : OPS2.includes(two) ? two : c;
    if ('([{'.includes(op)) depth++;
    if (')]}'.includes(op)) depth = Math.max(0, depth - 1);
    push('op', op, i);
    i += op.length;
  }
  if (depth > 0)
    problems.push({
      line,
      col: i - lineStart + 1,
      message: 'unclosed bracket at the end of the file',
    });
  depth = 0;
  endLine();
  return { tokens, problems };
}

/** Where a value was written. */
export interface At {
  readonly line: number;
  readonly col: number;
}

/** A Python value as far as the file shows it. */
export type PyValue =
  | { readonly t: 'str'; readonly v: string; readonly at: At }
  | { readonly t: 'bytes'; readonly v: string; readonly at: At }
  | { readonly t: 'num'; readonly v: number; readonly at: At }
  | { readonly t: 'bool'; readonly v: boolean; readonly at: At }
  | { readonly t: 'none'; readonly at: At }
  | { readonly t: 'list' | 'tuple' | 'set'; readonly items: readonly PyValue[]; readonly at: At }
  | {
      readonly t: 'dict';
      readonly entries: readonly (readonly [PyValue, PyValue])[];
      readonly at: At;
    }
  | {
      readonly t: 'unknown';
      /** Why: `environment`, `expression`, `f-string`, `conditional`, a name. */
      readonly why: string;
      /** The environment variable it reads, when it reads one. */
      readonly env?: string;
      /** The default given for it (used when the variable is unset): a default, not the value. */
      readonly default?: PyValue;
      readonly at: At;
    };

/** One top-level assignment (the last one wins; `+=` folds into it). */
export interface Assignment {
  readonly name: string;
  readonly value: PyValue;
  readonly line: number;
  readonly col: number;
  /** The source line, trimmed, for evidence. */
  readonly text: string;
}

/** A module read. */
export interface PyModule {
  /** Top-level assignments by name (the last one, with `+=` applied). */
  readonly assigned: ReadonlyMap<string, Assignment>;
  /** `from X import *` modules: what they set is unknown. */
  readonly starImports: readonly string[];
  readonly problems: readonly PyProblem[];
}

const unknown = (
  why: string,
  at: At,
  extra: { env?: string; default?: PyValue } = {},
): PyValue => ({
  t: 'unknown',
  why,
  at,
  ...extra,
});

/** Names whose call reads the environment; the argument holding the default. */
const ENV_CALLS: ReadonlyMap<string, { envArg: number; defaultArg?: number }> = new Map([
  ['os.environ.get', { envArg: 0, defaultArg: 1 }],
  ['environ.get', { envArg: 0, defaultArg: 1 }],
  ['os.getenv', { envArg: 0, defaultArg: 1 }],
  ['getenv', { envArg: 0, defaultArg: 1 }],
  ['os.environ.setdefault', { envArg: 0, defaultArg: 1 }],
  ['env', { envArg: 0 }],
  ['config', { envArg: 0, defaultArg: 1 }],
]);
/** django-environ's typed readers: `env.bool('X', default)`. */
const ENV_METHODS =
  /^(env|environ\.Env\(\)|ENV)\.(bool|str|int|float|list|tuple|dict|json|url|db|db_url|cache|cache_url|email|email_url|search_url|path|get_value)$/;
/** Calls whose value is their argument's (a cast of a literal). */
const CASTS = new Set(['bool', 'int', 'str', 'list', 'tuple', 'float', 'set']);

/** A recursive-descent reader of one expression over a token slice. */
class Expr {
  pos = 0;
  constructor(
    private readonly toks: readonly Token[],
    private readonly scope: ReadonlyMap<string, Assignment>,
  ) {}
  private peek(k = 0): Token | undefined {
    return this.toks[this.pos + k];
  }
  private isOp(v: string, k = 0): boolean {
    const t = this.peek(k);
    return t?.t === 'op' && t.v === v;
  }
  done(): boolean {
    return this.pos >= this.toks.length;
  }
  /** expr: or-test, with `x if c else y` and `a or b` unknown. */
  expr(): PyValue {
    const start = this.peek();
    const at = start ? { line: start.line, col: start.col } : { line: 1, col: 1 };
    const v = this.sum();
    const t = this.peek();
    if (t?.t === 'name' && (t.v === 'if' || t.v === 'or' || t.v === 'and')) {
      // `env(...) or 'x'`, a conditional: unknown (the first operand's default kept)
      this.skipExpr();
      return unknown('expression', at, v.t === 'unknown' && v.env ? { env: v.env } : {});
    }
    return v;
  }
  /** Skip to the end of the current expression (a comma or a closing bracket at depth 0). */
  private skipExpr(): void {
    let d = 0;
    while (!this.done()) {
      const t = this.peek()!;
      if (t.t === 'op' && '([{'.includes(t.v)) d++;
      else if (t.t === 'op' && ')]}'.includes(t.v)) {
        if (d === 0) return;
        d--;
      } else if (t.t === 'op' && (t.v === ',' || t.v === ':') && d === 0) return;
      this.pos++;
    }
  }
  private sum(): PyValue {
    let left = this.unary();
    while (this.isOp('+') || this.isOp('-') || this.isOp('*') || this.isOp('%') || this.isOp('/')) {
      const op = this.peek()!.v;
      this.pos++;
      const right = this.unary();
      left = op === '+' ? concat(left, right) : unknown('expression', left.at);
    }
    return left;
  }
  private unary(): PyValue {
    if (this.isOp('-')) {
      this.pos++;
      const v = this.unary();
      return v.t === 'num' ? { ...v, v: -v.v } : unknown('expression', v.at);
    }
    if (this.peek()?.t === 'name' && this.peek()!.v === 'not') {
      const t = this.peek()!;
      this.pos++;
      const v = this.unary();
      return v.t === 'bool'
        ? { ...v, v: !v.v }
        : unknown('expression', { line: t.line, col: t.col });
    }
    return this.postfix();
  }
  /** An atom, then attribute access, subscripts and calls. */
  private postfix(): PyValue {
    const t = this.peek();
    if (!t) return unknown('expression', { line: 1, col: 1 });
    const at = { line: t.line, col: t.col };
    if (t.t !== 'name') {
      let v = this.atom();
      while (this.isOp('[') || this.isOp('.') || this.isOp('(')) {
        if (this.isOp('.') && this.peek(1)?.t === 'name' && this.isOp('(', 2)) {
          const name = this.peek(1)!.v;
          this.pos += 3;
          v = method(v, name, this.callArgs().args);
          continue;
        }
        this.trailer();
        v = unknown('expression', at);
      }
      return v;
    }
    // a dotted name with calls and subscripts
    let path = t.v;
    this.pos++;
    if (path === 'True' || path === 'False') return { t: 'bool', v: path === 'True', at };
    if (path === 'None') return { t: 'none', at };
    if (path === 'lambda') {
      this.skipExpr();
      return unknown('expression', at);
    }
    let value: PyValue | undefined;
    for (;;) {
      if (value && this.isOp('.') && this.peek(1)?.t === 'name' && this.isOp('(', 2)) {
        const name = this.peek(1)!.v;
        this.pos += 3;
        const { args } = this.callArgs();
        value = method(value, name, args);
        continue;
      }
      if (this.isOp('.') && this.peek(1)?.t === 'name') {
        path += `.${this.peek(1)!.v}`;
        this.pos += 2;
        continue;
      }
      if (this.isOp('[')) {
        this.pos++;
        const key = this.expr();
        this.closeTo(']');
        if (path === 'os.environ' || path === 'environ')
          value = unknown('environment', at, key.t === 'str' ? { env: key.v } : {});
        else value = unknown('expression', at);
        path = '\0';
        continue;
      }
      if (this.isOp('(')) {
        this.pos++;
        const { args, kwargs } = this.callArgs();
        value = this.call(path, args, kwargs, at);
        path = '\0';
        continue;
      }
      break;
    }
    if (value) return value;
    const prev = this.scope.get(path);
    return prev ? prev.value : unknown(path, at);
  }
  private call(path: string, args: PyValue[], kwargs: Map<string, PyValue>, at: At): PyValue {
    const spec = ENV_CALLS.get(path);
    const method = ENV_METHODS.test(path);
    if (spec || method) {
      const name = args[spec?.envArg ?? 0];
      const def =
        kwargs.get('default') ??
        (method && !path.endsWith('.get_value')
          ? args[1]
          : spec?.defaultArg !== undefined
            ? args[spec.defaultArg]
            : undefined);
      return unknown('environment', at, {
        ...(name?.t === 'str' ? { env: name.v } : {}),
        ...(def ? { default: def } : {}),
      });
    }
    if (CASTS.has(path) && args.length === 1 && kwargs.size === 0) {
      const a = args[0]!;
      if (a.t === 'unknown') return a;
      if (path === 'bool' && (a.t === 'str' || a.t === 'num'))
        return { t: 'bool', v: Boolean(a.v), at };
      if ((path === 'tuple' || path === 'list') && (a.t === 'list' || a.t === 'tuple'))
        return { t: path, items: a.items, at };
      if (path === 'str' && a.t === 'str') return a;
      if (path === 'int' && a.t === 'num') return a;
      return unknown('expression', at);
    }
    return unknown(`${path}()`, at);
  }
  private callArgs(): { args: PyValue[]; kwargs: Map<string, PyValue> } {
    const args: PyValue[] = [];
    const kwargs = new Map<string, PyValue>();
    while (!this.done() && !this.isOp(')')) {
      if (this.isOp('*') || this.isOp('**')) this.pos++;
      if (this.peek()?.t === 'name' && this.isOp('=', 1)) {
        const k = this.peek()!.v;
        this.pos += 2;
        kwargs.set(k, this.expr());
      } else args.push(this.expr());
      this.comprehension();
      if (this.isOp(',')) this.pos++;
      else if (!this.isOp(')')) this.skipBad();
    }
    this.closeTo(')');
    return { args, kwargs };
  }
  /** Skip a token that should not be here (never loop on it). */
  private skipBad(): void {
    this.skipExpr();
    if (!this.done() && !this.isOp(')') && !this.isOp(']') && !this.isOp('}')) this.pos++;
  }
  /** A `for ... in ...` inside brackets: skip it, the result is unknown. */
  /** A `for x in IT ...` inside brackets: skipped; returns IT's value (or true when unread). */
  private comprehension(): PyValue | boolean {
    const t = this.peek();
    if (t?.t !== 'name' || t.v !== 'for') return false;
    let iterable: PyValue | undefined;
    while (!this.done() && !(this.peek()?.t === 'name' && this.peek()!.v === 'in')) {
      if (this.isOp(')') || this.isOp(']') || this.isOp('}')) return true;
      this.pos++;
    }
    if (!this.done()) {
      this.pos++;
      iterable = this.sum();
    }
    while (!this.done() && !this.isOp(')') && !this.isOp(']') && !this.isOp('}')) {
      this.skipExpr();
      if (this.isOp(',') || this.isOp(':')) this.pos++;
      else if (!this.done() && !this.isOp(')') && !this.isOp(']') && !this.isOp('}')) this.pos++;
    }
    return iterable ?? true;
  }
  private closeTo(close: string): void {
    let d = 0;
    while (!this.done()) {
      const t = this.peek()!;
      this.pos++;
      if (t.t === 'op' && '([{'.includes(t.v)) d++;
      else if (t.t === 'op' && ')]}'.includes(t.v)) {
        if (d === 0) return;
        d--;
      }
      if (d === 0 && t.t === 'op' && t.v === close) return;
    }
  }
  private trailer(): void {
    const t = this.peek()!;
    this.pos++;
    if (t.v === '.') {
      if (this.peek()?.t === 'name') this.pos++;
    } else this.closeTo(t.v === '(' ? ')' : ']');
  }
  private atom(): PyValue {
    const t = this.peek()!;
    const at = { line: t.line, col: t.col };
    if (t.t === 'str') {
      let v = '';
      let bytes = false;
      let f = false;
      while (this.peek()?.t === 'str') {
        const s = this.peek()!;
        if (s.prefix?.includes('f')) f = true;
        if (s.prefix?.includes('b')) bytes = true;
        v += s.v;
        this.pos++;
      }
      if (f) return unknown('f-string', at);
      return bytes ? { t: 'bytes', v, at } : { t: 'str', v, at };
    }
    if (t.t === 'num') {
      this.pos++;
      const x = Number(t.v.replace(/_/g, ''));
      return Number.isFinite(x) ? { t: 'num', v: x, at } : unknown('expression', at);
    }
    if (t.t === 'op' && (t.v === '[' || t.v === '(' || t.v === '{')) {
      this.pos++;
      const close = t.v === '[' ? ']' : t.v === '(' ? ')' : '}';
      const items: PyValue[] = [];
      const entries: [PyValue, PyValue][] = [];
      let comma = false;
      let comp = false;
      let compOf: PyValue | undefined;
      let dict = false;
      while (!this.done() && !this.isOp(close)) {
        if (this.isOp('**')) {
          this.pos++;
          this.expr();
          comp = true;
        } else {
          if (this.isOp('*')) {
            this.pos++;
            comp = true;
          }
          const v = this.expr();
          if (this.isOp(':') && t.v === '{') {
            this.pos++;
            dict = true;
            entries.push([v, this.expr()]);
          } else items.push(v);
        }
        const c = this.comprehension();
        if (c) {
          comp = true;
          // `[x.strip() for x in env(...)]`: the environment's default flows through
          if (typeof c !== 'boolean' && c.t === 'unknown' && c.env) compOf = c;
          else if (typeof c !== 'boolean' && (c.t === 'list' || c.t === 'tuple')) compOf = c;
        }
        if (this.isOp(',')) {
          comma = true;
          this.pos++;
        } else if (!this.isOp(close)) {
          this.skipBad();
          comp = true;
        }
      }
      this.closeTo(close);
      if (compOf?.t === 'unknown')
        return unknown('environment', at, {
          ...(compOf.env ? { env: compOf.env } : {}),
          ...(compOf.default ? { default: compOf.default } : {}),
        });
      if (comp) return unknown('expression', at);
      if (t.v === '[') return { t: 'list', items, at };
      if (t.v === '(')
        return comma || items.length === 0
          ? { t: 'tuple', items, at }
          : { ...items[0]!, at: items[0]!.at };
      if (dict || items.length === 0) return { t: 'dict', entries, at };
      return { t: 'set', items, at };
    }
    this.pos++;
    return unknown('expression', at);
  }
}

/**
 * A string method on a value: `split`, `strip`, `lower`, `upper` on a literal; on an
 * environment read, applied to its default (the value stays unknown).
 */
function method(v: PyValue, name: string, args: readonly PyValue[]): PyValue {
  if (v.t === 'unknown') {
    if (!v.env && v.why !== 'environment') return unknown('expression', v.at);
    const d = v.default ? method(v.default, name, args) : undefined;
    return unknown('environment', v.at, {
      ...(v.env ? { env: v.env } : {}),
      ...(d && d.t !== 'unknown' ? { default: d } : {}),
    });
  }
  if (v.t !== 'str') return unknown('expression', v.at);
  const sep = args[0]?.t === 'str' ? args[0].v : undefined;
  switch (name) {
    case 'split': {
      const parts = sep === undefined ? v.v.split(/\s+/).filter(Boolean) : v.v.split(sep);
      return {
        t: 'list',
        items: parts.map((p) => ({ t: 'str', v: p, at: v.at }) as PyValue),
        at: v.at,
      };
    }
    case 'strip':
      return { ...v, v: v.v.trim() };
    case 'lower':
      return { ...v, v: v.v.toLowerCase() };
    case 'upper':
      return { ...v, v: v.v.toUpperCase() };
    default:
      return unknown('expression', v.at);
  }
}

/** `a + b` of literals; anything else unknown. */
function concat(a: PyValue, b: PyValue): PyValue {
  if (a.t === 'str' && b.t === 'str') return { t: 'str', v: a.v + b.v, at: a.at };
  if (a.t === 'num' && b.t === 'num') return { t: 'num', v: a.v + b.v, at: a.at };
  if ((a.t === 'list' || a.t === 'tuple') && b.t === a.t)
    return { t: a.t, items: [...a.items, ...b.items], at: a.at };
  return unknown('expression', a.at);
}

/** Split tokens into logical lines, each with its indentation (the first token's column). */
function logicalLines(tokens: readonly Token[]): Token[][] {
  const out: Token[][] = [];
  let cur: Token[] = [];
  for (const t of tokens) {
    if (t.t === 'nl') {
      if (cur.length) out.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Read a module's top-level assignments. An assignment inside a block (`if`, `try`, a
 * function) makes the name's value unknown (`conditional`), its literal kept as `default`.
 * Never throws.
 */
export function readModule(text: string): PyModule {
  const { tokens, problems } = tokenize(text);
  const lines = text.split(/\r\n|\r|\n/);
  const assigned = new Map<string, Assignment>();
  const starImports: string[] = [];
  for (const toks of logicalLines(tokens)) {
    const first = toks[0]!;
    const nested = first.col > 1;
    if (first.t === 'name' && first.v === 'from') {
      const imp = toks.findIndex((t) => t.t === 'name' && t.v === 'import');
      if (imp > 1 && toks[imp + 1]?.v === '*')
        starImports.push(
          toks
            .slice(1, imp)
            .map((t) => t.v)
            .join(''),
        );
    }
    // NAME [: annotation] (= | +=) expr; chained NAME = NAME = expr
    const targets: Token[] = [];
    let k = 0;
    let op: string | undefined;
    while (toks[k]?.t === 'name' && toks[k + 1]?.t === 'op') {
      const next = toks[k + 1]!.v;
      if (next === '=' || next === '+=') {
        targets.push(toks[k]!);
        op = next;
        k += 2;
        if (next === '+=') break;
        continue;
      }
      if (next === ':' && targets.length === 0) {
        // an annotation: skip to its `=`
        const eq = toks.findIndex((t, j) => j > k && t.t === 'op' && t.v === '=');
        if (eq < 0) break;
        targets.push(toks[k]!);
        op = '=';
        k = eq + 1;
      }
      break;
    }
    if (!op || targets.length === 0 || k >= toks.length) continue;
    let value: PyValue;
    try {
      const e = new Expr(toks.slice(k), assigned);
      value = e.expr();
      if (!e.done()) value = unknown('expression', value.at);
    } catch {
      value = unknown('expression', { line: toks[k]!.line, col: toks[k]!.col });
    }
    if (nested) {
      value = unknown('conditional', value.at, { default: value });
    }
    for (const target of targets) {
      const prev = assigned.get(target.v);
      let v = value;
      if (op === '+=') v = prev ? concat(prev.value, value) : unknown(target.v, value.at);
      if (nested && prev && op === '=') {
        // a block that may replace a top-level value: unknown, the top-level one the default
        v = unknown('conditional', value.at, { default: prev.value });
      }
      assigned.set(target.v, {
        name: target.v,
        value: v,
        line: target.line,
        col: target.col,
        text: (lines[target.line - 1] ?? '').trim(),
      });
    }
  }
  return { assigned, starImports, problems };
}

/** The string items of a list/tuple/set value, or undefined when not a known sequence. */
export function strings(v: PyValue | undefined): string[] | undefined {
  if (!v || (v.t !== 'list' && v.t !== 'tuple' && v.t !== 'set')) return undefined;
  const out: string[] = [];
  for (const i of v.items) {
    if (i.t !== 'str') return undefined;
    out.push(i.v);
  }
  return out;
}

/** A value's literal string, or undefined. */
export const str = (v: PyValue | undefined): string | undefined =>
  v?.t === 'str' ? v.v : undefined;

/** True when a value is truthy as a literal (`True`, a non-zero number, a non-empty string). */
export function truthy(v: PyValue | undefined): boolean | undefined {
  if (!v) return undefined;
  if (v.t === 'bool') return v.v;
  if (v.t === 'num') return v.v !== 0;
  if (v.t === 'str') return v.v !== '';
  if (v.t === 'none') return false;
  if (v.t === 'list' || v.t === 'tuple' || v.t === 'set') return v.items.length > 0;
  if (v.t === 'dict') return v.entries.length > 0;
  return undefined;
}
