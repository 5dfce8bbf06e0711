/**
 * What reaches the server of an HAProxy frontend, header by header: the frontend's
 * `http-request` rules run, then its backend's, then `option forwardfor` adds its
 * X-Forwarded-For line (after every rule, so a `del-header X-Forwarded-For` before it
 * leaves only HAProxy's own value) and a backend's `option forwarded` appends to the
 * client's Forwarded. Run once for TLS listeners and once for plain ones, since rules
 * conditioned on `ssl_fc` apply to one of them only.
 */
import type { HLine } from './parser.js';
import type { ForwardedOption, ForwardFor, HeaderRule, HProxy } from './proxy.js';

/**
 * What a header holds on its way to the server: `client` the client's, untouched;
 * `ours` only what HAProxy wrote; `none` removed; `append` the client's with HAProxy's
 * after it; `ifabsent` the client's when sent, else HAProxy's.
 */
export type State = 'client' | 'ours' | 'none' | 'append' | 'ifabsent';

/** A header's state and the line that made it so. */
export interface Effect {
  readonly state: State;
  readonly by?: HeaderRule | ForwardFor | ForwardedOption;
  readonly value?: string;
}

/** A listener kind a request can arrive on. */
export type Path = 'tls' | 'plain';

/** The kinds of listener a frontend has (both when it names none, or only unknown ones). */
export function pathsOf(fe: HProxy): Path[] {
  if (fe.binds.length === 0) return ['tls', 'plain'];
  const out: Path[] = [];
  if (fe.binds.some((b) => b.ssl)) out.push('tls');
  if (fe.binds.some((b) => !b.ssl)) out.push('plain');
  return out;
}

/** The backends a frontend sends requests to (a `listen` section is its own). */
export function backendsOf(fe: HProxy, all: readonly HProxy[]): HProxy[] {
  const names = [...fe.useBackends, ...(fe.defaultBackend ? [fe.defaultBackend] : [])];
  const out: HProxy[] = fe.type === 'listen' ? [fe] : [];
  for (const n of names) {
    const b = all.find((p) => p.name === n && (p.type === 'backend' || p.type === 'listen'));
    if (b && !out.includes(b)) out.push(b);
  }
  return out;
}

/** The backend whose rules describe a frontend's traffic: the default one, else the first. */
export function mainBackend(fe: HProxy, all: readonly HProxy[]): HProxy | undefined {
  if (fe.type === 'listen') return fe;
  const d = fe.defaultBackend
    ? all.find((p) => p.name === fe.defaultBackend && p.type !== 'frontend')
    : undefined;
  return d ?? backendsOf(fe, all)[0];
}

const after = (s: State, action: 'set' | 'add' | 'del', ifAbsent: boolean): State => {
  if (action === 'del') return 'none';
  if (action === 'set') return ifAbsent && s === 'client' ? 'ifabsent' : 'ours';
  // add
  if (s === 'none' || s === 'ours') return 'ours';
  if (ifAbsent && s === 'client') return 'ifabsent';
  return 'append';
};

/** True when a rule runs on this path (its condition allows it). */
export const runsOn = (r: HeaderRule, path: Path): boolean =>
  r.cond.tls === undefined || r.cond.tls === (path === 'tls');

/** The request rules a request meets: the frontend's, then its backend's (a `listen` is both). */
export const rulesOf = (fe: HProxy, be: HProxy | undefined): HeaderRule[] => [
  ...fe.rules,
  ...(be && be !== fe ? be.rules : []),
];

/**
 * The request headers on one path after the frontend and backend rules and options.
 * `onRule` sees each request header rule that runs, with the header's state before it.
 */
export function simulate(
  fe: HProxy,
  be: HProxy | undefined,
  path: Path,
  onRule?: (r: HeaderRule, before: Effect) => void,
): Map<string, Effect> {
  const state = new Map<string, Effect>();
  const get = (n: string): Effect => state.get(n) ?? { state: 'client' };
  const rules = rulesOf(fe, be);
  for (const r of rules) {
    if (r.dir !== 'request' || !runsOn(r, path)) continue;
    const before = get(r.name);
    onRule?.(r, before);
    if (r.action === 'replace') continue;
    const st = after(before.state, r.action, r.cond.absent === r.name);
    state.set(r.name, { state: st, by: r, ...(r.value !== undefined ? { value: r.value } : {}) });
  }
  const ff = [fe.forwardfor, be?.forwardfor].filter((x): x is ForwardFor => x !== undefined);
  if (ff.length > 0) {
    const header = (be?.forwardfor ?? fe.forwardfor)!.header;
    const ifNone = ff.every((f) => f.ifNone);
    const by = be?.forwardfor ?? fe.forwardfor!;
    state.set(header, { state: after(get(header).state, 'add', ifNone), by, value: '%[src]' });
  }
  if (be?.forwarded) {
    const b = get('forwarded').state;
    state.set('forwarded', {
      state: b === 'none' || b === 'ours' ? 'ours' : 'append',
      by: be.forwarded,
      value: be.forwarded.params.join(';'),
    });
  }
  return state;
}

/** True when plain http requests on this frontend are forwarded (not all redirected). */
export const forwardsPlain = (fe: HProxy): boolean =>
  pathsOf(fe).includes('plain') && fe.redirectsPlain === undefined;

/**
 * True when a proxy speaks HTTP: `mode http` (its own or inherited), or no mode at all in a
 * file that writes HTTP headers (an excerpt that leaves the defaults out).
 */
export const httpMode = (p: HProxy): boolean =>
  p.mode === 'http' || (p.mode === undefined && (p.rules.length > 0 || p.forwardfor !== undefined));

/** The client-facing proxies: frontends and listens. */
export const frontends = (all: readonly HProxy[]): HProxy[] =>
  all.filter((p) => p.type === 'frontend' || p.type === 'listen');

/** A frontend that faces clients: nothing in it says a load balancer stands in front. */
export const atEdge = (fe: HProxy): boolean => fe.behind === undefined;

/** A line as evidence: `file:line: text`. */
export const shownLine = (l: HLine): string => `${l.file}:${l.line}: ${l.text}`;

/** Where a finding on a line points. */
export const locOf = (l: HLine): { file: string; line: number; col: number } => ({
  file: l.file,
  line: l.line,
  col: l.col,
});

/** Request headers that carry the scheme (lower case). */
export const SCHEME_HEADERS: readonly string[] = [
  'x-forwarded-proto',
  'x-forwarded-protocol',
  'x-forwarded-ssl',
  'x-forwarded-scheme',
  'x-scheme',
  'x-url-scheme',
  'front-end-https',
];

/** Request headers that carry the host or port (lower case). */
export const HOST_HEADERS: readonly string[] = [
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-server',
];

/**
 * Where a frontend's requests go, for the rules: its backends in this file; `undefined`
 * for a backend it names that this file does not hold (a `conf.d` part); none when it
 * names no backend at all (it only redirects or answers).
 */
export function routes(fe: HProxy, all: readonly HProxy[]): (HProxy | undefined)[] {
  const bes = backendsOf(fe, all);
  if (bes.length > 0) return bes;
  return fe.defaultBackend !== undefined || fe.useBackends.length > 0 ? [undefined] : [];
}
