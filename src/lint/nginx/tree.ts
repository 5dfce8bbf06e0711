/**
 * The effective nginx configuration that rules read: includes expanded in place (each node
 * keeps the file and line that hold it), include cycles cut and reported, and nginx's
 * inheritance rules for `proxy_set_header` and `add_header` (a level that defines any of
 * them inherits none from above).
 */
import { isUnknown } from '../template.js';
import type { Directive, Payload } from './parser.js';

/** One directive of the effective configuration. */
export interface Node {
  readonly name: string;
  readonly args: readonly string[];
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** The template branch of its line ('' when not templated). */
  readonly branch: string;
  block?: Node[];
  /** For an `include` whose files could not be read: its content is unknown. */
  readonly unresolved?: boolean;
}

/** A nesting level: the root (its declared context), or a block directive. */
export type Context = 'main' | 'http' | 'server' | 'location';

/** The combined tree of one main file. */
export interface Tree {
  readonly file: string;
  /** The context of the top level (`main` for a whole configuration). */
  readonly context: Context;
  readonly nodes: Node[];
  /** Include cycles found (each one reported once). */
  readonly cycles: { file: string; line: number; col: number; chain: string[] }[];
}

/** Expand includes in place, from the main file (`config[0]`). */
export function combine(payload: Payload, context?: Context): Tree {
  const cycles: Tree['cycles'] = [];
  const seenCycle = new Set<string>();
  const expand = (list: Directive[], file: string, stack: number[]): Node[] => {
    const out: Node[] = [];
    for (const d of list) {
      if (d.directive === '#') continue;
      if (d.directive === 'include' && d.includes && !d.block) {
        const missing = d.includes.length === 0 && !/[*?[]/.test(d.args[0] ?? '');
        if (
          missing ||
          d.includes.some(
            (k) => payload.config[k]?.status === 'failed' && payload.config[k]?.parsed.length === 0,
          )
        ) {
          out.push({
            name: 'include',
            args: d.args,
            file,
            line: d.line,
            col: d.col,
            branch: d.branch ?? '',
            unresolved: true,
          });
        }
        for (const k of d.includes) {
          const cf = payload.config[k];
          if (!cf) continue;
          if (stack.includes(k)) {
            const key = `${file}:${d.line}`;
            if (!seenCycle.has(key)) {
              seenCycle.add(key);
              cycles.push({
                file,
                line: d.line,
                col: d.col,
                chain: [...stack, k].map((i) => payload.config[i]?.file ?? '?'),
              });
            }
            continue;
          }
          out.push(...expand(cf.parsed, cf.file, [...stack, k]));
        }
        continue;
      }
      const node: Node = {
        name: d.directive,
        args: d.args,
        file,
        line: d.line,
        col: d.col,
        branch: d.branch ?? '',
      };
      if (d.block) node.block = expand(d.block, file, stack);
      out.push(node);
    }
    return out;
  };
  const main = payload.config[0];
  const nodes = main ? expand(main.parsed, main.file, [0]) : [];
  return { file: main?.file ?? '-', context: context ?? inferContext(nodes), nodes, cycles };
}

const MAIN_ONLY = new Set([
  'http',
  'events',
  'stream',
  'worker_processes',
  'user',
  'pid',
  'load_module',
]);

/** The context a fragment was written for, from what it holds (a declared one wins). */
export function inferContext(nodes: readonly Node[]): Context {
  if (nodes.some((n) => MAIN_ONLY.has(n.name))) return 'main';
  if (nodes.some((n) => n.name === 'server' || n.name === 'upstream' || n.name === 'map'))
    return 'http';
  if (nodes.some((n) => n.name === 'location' || n.name === 'listen' || n.name === 'server_name'))
    return 'server';
  return 'location';
}

/** A level of nesting: a block (or the root) with its parent. */
export interface Scope {
  /** The block directive (undefined for the root). */
  readonly node?: Node;
  /** `main`/`http`/`server`/`location` for the root; the directive name otherwise. */
  readonly kind: string;
  readonly children: readonly Node[];
  readonly parent?: Scope;
}

/**
 * A scope with its indexes, built once and shared by every rule: its directives by name,
 * its block children's scopes, every scope under it, the effective header lines, and a
 * memo for facts rules derive from it. Plain fields, not weak maps: the whole index goes
 * away with the tree.
 */
class IndexedScope implements Scope {
  readonly node: Node | undefined;
  readonly kind: string;
  readonly children: readonly Node[];
  readonly parent: IndexedScope | undefined;
  /** Directives by name (built on first use). */
  byName: Map<string, Node[]> | undefined = undefined;
  /** The scopes of the block directives among `children`, by node. */
  kids: Map<Node, IndexedScope> | undefined = undefined;
  /** This scope and every one under it, depth first. */
  all: IndexedScope[] | undefined = undefined;
  effProxy: Effective | undefined = undefined;
  effAdd: Effective | undefined = undefined;
  memo: Map<string, unknown> | undefined = undefined;
  constructor(kind: string, children: readonly Node[], node?: Node, parent?: IndexedScope) {
    this.kind = kind;
    this.children = children;
    this.node = node;
    this.parent = parent;
  }
}

const rootCache = new WeakMap<Tree, IndexedScope>();
/** Scopes made by hand (not from {@link rootScope}) get an index of their own here. */
const foreign = new WeakMap<Scope, IndexedScope>();

function indexed(s: Scope): IndexedScope {
  if (s instanceof IndexedScope) return s;
  let i = foreign.get(s);
  if (!i) {
    i = new IndexedScope(s.kind, s.children, s.node, s.parent ? indexed(s.parent) : undefined);
    foreign.set(s, i);
  }
  return i;
}

/** The root scope of a tree (one object per tree, so every rule shares its indexes). */
export function rootScope(tree: Tree): Scope {
  let r = rootCache.get(tree);
  if (!r) {
    r = new IndexedScope(tree.context, tree.nodes);
    rootCache.set(tree, r);
  }
  return r;
}

/** The scope of a block directive under a parent scope (one object per node and parent). */
export function childScope(parent: Scope, node: Node): Scope {
  const p = indexed(parent);
  let c = p.kids?.get(node);
  if (!c) {
    c = new IndexedScope(node.name, node.block ?? [], node, p);
    if (!p.kids) p.kids = new Map();
    p.kids.set(node, c);
  }
  return c;
}

function collectScopes(s: IndexedScope, into: IndexedScope[]): void {
  into.push(s);
  for (const n of s.children) if (n.block) collectScopes(childScope(s, n) as IndexedScope, into);
}

/** Every scope under (and including) `s`, depth first, in order. */
export function scopes(s: Scope): readonly Scope[] {
  const i = indexed(s);
  if (!i.all) {
    const list: IndexedScope[] = [];
    collectScopes(i, list);
    i.all = list;
  }
  return i.all;
}

const NONE: Node[] = [];

/** Directives named `name` directly in a scope (includes already expanded). */
export function own(s: Scope, name: string): Node[] {
  const i = indexed(s);
  let m = i.byName;
  if (!m) {
    m = new Map();
    for (const n of i.children) {
      const l = m.get(n.name);
      if (l) l.push(n);
      else m.set(n.name, [n]);
    }
    i.byName = m;
  }
  return m.get(name) ?? NONE;
}

/**
 * A fact derived from a scope, computed once per scope and key and shared by every rule
 * (`key` names the fact; `compute` must depend on the scope alone).
 */
export function memo<T>(s: Scope, key: string, compute: () => T): T {
  const i = indexed(s);
  if (!i.memo) i.memo = new Map();
  const m = i.memo;
  if (m.has(key)) return m.get(key) as T;
  const v = compute();
  m.set(key, v);
  return v;
}

/** True when the scope has an include whose content is unknown. */
export function hasUnknownInclude(s: Scope): boolean {
  for (const n of own(s, 'include')) if (n.unresolved === true) return true;
  return false;
}

/** The scopes from `s` outwards to the root. */
export function chain(s: Scope): Scope[] {
  const out: Scope[] = [];
  for (let c: Scope | undefined = s; c; c = c.parent) out.push(c);
  return out;
}

/** The enclosing scope of a kind (`server`, `http`), or undefined. */
export function enclosing(s: Scope, kind: string): Scope | undefined {
  for (let c: Scope | undefined = s; c; c = c.parent) if (c.kind === kind) return c;
  return undefined;
}

/** Levels that merge `proxy_set_header` (it is not allowed in `if` or `limit_except`). */
const PROXY_LEVELS = new Set(['main', 'http', 'server', 'location']);
/** Levels that merge `add_header` (`if in location` too). */
const ADD_HEADER_LEVELS = new Set(['main', 'http', 'server', 'location', 'if']);

/** The effective headers of a level, and the level that defines them. */
export interface Effective {
  /** The scope whose own lines are in effect (undefined: none anywhere; nginx's defaults). */
  readonly from?: Scope;
  readonly lines: readonly Node[];
  /** True when a level between `s` and `from` (inclusive) has an include of unknown content. */
  readonly unknown: boolean;
}

/**
 * nginx's all-or-nothing inheritance: the nearest level, from `s` outwards, that has any
 * `name` line of its own supplies them all.
 */
export function effective(s: Scope, name: 'proxy_set_header' | 'add_header'): Effective {
  const i = indexed(s);
  if (name === 'add_header') {
    if (!i.effAdd) i.effAdd = computeEffective(i, name);
    return i.effAdd;
  }
  if (!i.effProxy) i.effProxy = computeEffective(i, name);
  return i.effProxy;
}

function computeEffective(s: Scope, name: 'proxy_set_header' | 'add_header'): Effective {
  const levels = name === 'add_header' ? ADD_HEADER_LEVELS : PROXY_LEVELS;
  let unknown = false;
  for (let c: Scope | undefined = s; c; c = c.parent) {
    if (!levels.has(c.kind)) continue;
    if (hasUnknownInclude(c)) unknown = true;
    const lines = own(c, name);
    if (lines.length > 0) return { from: c, lines, unknown };
  }
  return { lines: [], unknown };
}

/** The header name of a `proxy_set_header`/`add_header` line, lower case. */
export const headerName = (n: Node): string => (n.args[0] ?? '').toLowerCase();

/** The value of a header line ('' when absent). */
export const headerValue = (n: Node): string => n.args[1] ?? '';

/** True when a header line's value is known (no template marker). */
export const known = (n: Node): boolean => n.args.every((a) => !isUnknown(a));

/** Headers that carry the scheme. */
export const SCHEME_HEADERS = new Set([
  'x-forwarded-proto',
  'x-forwarded-protocol',
  'x-forwarded-scheme',
  'x-forwarded-ssl',
  'x-scheme',
  'x-url-scheme',
  'front-end-https',
  'forwarded',
  'cloudfront-forwarded-proto',
  'cf-visitor',
]);

const FORWARDED_NAMES = new Set([
  ...SCHEME_HEADERS,
  'forwarded',
  'x-real-ip',
  'x-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'x-cluster-client-ip',
  'fastly-client-ip',
]);

/** True for a header that describes the client or its hop (a forwarded header). */
export function isForwardedHeader(name: string): boolean {
  const n = name.toLowerCase();
  return FORWARDED_NAMES.has(n) || n.startsWith('x-forwarded-') || n.startsWith('x-original-');
}

/** A server's TLS facts. */
export interface Listen {
  /** It accepts TLS (a `listen ... ssl`, `quic`, or `ssl on`). */
  readonly tls: boolean;
  /** It accepts plain http (a `listen` without `ssl`, or no `listen`: port 80). */
  readonly plain: boolean;
  /** A `listen ... default_server` (or `default`). */
  readonly isDefault: boolean;
}

/** What a server listens on. */
export function listenOf(server: Scope): Listen {
  return memo(server, 'listenOf', () => computeListen(server));
}

function computeListen(server: Scope): Listen {
  const listens = own(server, 'listen');
  const sslOn = own(server, 'ssl').some((n) => n.args[0] === 'on');
  let tls = sslOn;
  let plain = listens.length === 0 && !sslOn;
  let isDefault = false;
  for (const l of listens) {
    const flags = l.args.slice(1);
    const isTls =
      sslOn || flags.includes('ssl') || flags.includes('quic') || flags.includes('http3');
    if (isTls) tls = true;
    else plain = true;
    if (flags.includes('default_server') || flags.includes('default')) isDefault = true;
  }
  return { tls, plain, isDefault };
}

/** A `proxy_pass` and the scope it is in. */
export interface ProxySite {
  readonly pass: Node;
  /** The scope holding `proxy_pass` (a location, or `if`/`limit_except` within one). */
  readonly scope: Scope;
  /** The enclosing server, when the tree shows one. */
  readonly server?: Scope;
}

/** Every `proxy_pass` under a scope (computed once per scope). */
export function proxySites(root: Scope): ProxySite[] {
  return memo(root, 'proxySites', () => {
    const out: ProxySite[] = [];
    const rootServer = root.kind === 'server' ? root : undefined;
    for (const s of scopes(root)) {
      const passes = own(s, 'proxy_pass');
      if (passes.length === 0) continue;
      const server = enclosing(s, 'server') ?? rootServer;
      for (const pass of passes) out.push({ pass, scope: s, ...(server ? { server } : {}) });
    }
    return out;
  });
}

/** True when a real-IP source list applies to the scope (declared behind a proxy). */
export function behindDeclaredProxy(s: Scope): boolean {
  for (let c: Scope | undefined = s; c; c = c.parent)
    if (own(c, 'set_real_ip_from').length > 0) return true;
  return false;
}

/** Variables whose value comes from the client's forwarded headers. */
export const CLIENT_FORWARDED_VARS = [
  '$http_x_forwarded_proto',
  '$http_x_forwarded_host',
  '$http_x_forwarded_for',
  '$http_x_forwarded_port',
  '$http_x_forwarded_prefix',
  '$http_x_forwarded_scheme',
  '$http_x_forwarded_ssl',
  '$http_x_forwarded_protocol',
  '$http_x_scheme',
  '$http_x_real_ip',
  '$http_forwarded',
];

/** The variables a value references (`$name` and `${name}`), lower case, with the `$`. */
export function varsIn(value: string): string[] {
  const out: string[] = [];
  if (!value.includes('$')) return out;
  for (const m of value.matchAll(/\$(?:\{(\w+)\}|(\w+))/g))
    out.push(`$${(m[1] ?? m[2])!.toLowerCase()}`);
  return out;
}

/**
 * Variables holding client input from forwarded headers, directly or through `map` and
 * `set`: the client-header variables, then every variable a `map` computes from one of them
 * (its result is chosen by the client even when its values are constants), or whose value
 * uses one.
 */
export function clientVars(root: Scope): Map<string, string> {
  const tainted = new Map<string, string>(CLIENT_FORWARDED_VARS.map((v) => [v, v]));
  const maps: { src: string[]; dst: string; values: string[] }[] = [];
  for (const s of scopes(root)) {
    for (const n of s.children) {
      if (n.name === 'map' && n.args.length >= 2) {
        maps.push({
          src: varsIn(n.args[0]!),
          dst: n.args[1]!.toLowerCase(),
          values: (n.block ?? []).flatMap((e) => e.args.flatMap(varsIn)),
        });
      } else if (n.name === 'set' && n.args.length >= 2) {
        maps.push({ src: [], dst: n.args[0]!.toLowerCase(), values: varsIn(n.args[1]!) });
      }
    }
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const m of maps) {
      if (tainted.has(m.dst)) continue;
      const from = [...m.src, ...m.values].find((v) => tainted.has(v));
      if (from) {
        tainted.set(m.dst, tainted.get(from)!);
        changed = true;
      }
    }
  }
  return tainted;
}
