/**
 * What an HAProxy file says about its hops, for the cross-file rules: one hop per
 * `frontend` or `listen` section, with its binds (TLS when `ssl`), the servers of the
 * backends it uses as targets, the request headers that reach them (after its and its
 * default backend's `http-request` rules and `option forwardfor` / `option forwarded`:
 * see ./flow.ts), the `source` it connects from, a client address it takes from a header
 * (`http-request set-src`), and HSTS added with `http-response set-header`.
 */
import type { Belief, HeaderWrite, HopModel, Listener, Loc, Target, Trust } from '../model.js';
import { isUnknown } from '../template.js';
import {
  backendsOf,
  type Effect,
  frontends,
  httpMode,
  mainBackend,
  type Path,
  pathsOf,
  rulesOf,
  simulate,
} from './flow.js';
import type { HLine } from './parser.js';
import type { HaproxyInput, HProxy } from './proxy.js';

const loc = (l: HLine): Loc => ({ file: l.file, line: l.line, col: l.col });

/**
 * An HAProxy address (`:443`, `*:80`, `10.0.0.1:8080`, `ipv6@:::80`, `[::1]:8000`,
 * `unix@/run/app.sock`, `/run/app.sock`, `app:8000`, `${HOST}:80`) as host, port or socket.
 */
export function haproxyAddress(raw: string): { host?: string; port?: number; socket?: string } {
  let a = raw;
  const pre = /^([a-z0-9]+)@(.*)$/i.exec(a);
  if (pre) {
    const family = pre[1]!.toLowerCase();
    if (family === 'unix' || family === 'abns') return { socket: pre[2]! };
    if (family === 'fd' || family === 'sockpair') return {};
    a = pre[2]!;
  }
  if (a.startsWith('/')) return { socket: a };
  if (isUnknown(a)) return {};
  let host: string | undefined;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(.*))?$/.exec(a);
  if (v6) {
    host = v6[1];
    port = v6[2];
  } else {
    const i = a.lastIndexOf(':');
    if (i < 0) host = a;
    else {
      host = a.slice(0, i);
      port = a.slice(i + 1);
    }
  }
  if (host !== undefined && (host === '' || host === '*' || host.includes('$'))) host = undefined;
  const p = port !== undefined && /^\d+$/.test(port) ? Number(port) : undefined;
  return { ...(host !== undefined ? { host } : {}), ...(p !== undefined ? { port: p } : {}) };
}

function listeners(fe: HProxy): Listener[] {
  return fe.binds.flatMap((b) =>
    b.addrs.map((a) => ({
      ...haproxyAddress(a),
      ...(b.ssl ? { tls: true } : {}),
      at: loc(b.line),
    })),
  );
}

function targets(fe: HProxy, all: readonly HProxy[]): Target[] {
  return backendsOf(fe, all).flatMap((b) =>
    b.servers.map((s) => ({ ...haproxyAddress(s.addr), at: loc(s.line) })),
  );
}

const ACTION = {
  ours: 'set',
  none: 'clear',
  append: 'append',
  ifabsent: 'if-absent',
} as const;

/** How much of the client's value survives (higher: less). */
const STRENGTH = { client: 0, ifabsent: 1, append: 2, ours: 3, none: 3 } as const;

function lineOf(e: Effect): HLine | undefined {
  return e.by?.line;
}

/** The request headers a frontend writes, over its TLS and plain listeners. */
function writes(fe: HProxy, be: HProxy | undefined): HeaderWrite[] {
  const paths = pathsOf(fe);
  const maps = new Map<Path, Map<string, Effect>>(paths.map((p) => [p, simulate(fe, be, p)]));
  const names = new Set([...maps.values()].flatMap((m) => [...m.keys()]));
  const out: HeaderWrite[] = [];
  const client: Effect = { state: 'client' };
  for (const name of names) {
    const tls = paths.includes('tls') ? (maps.get('tls')!.get(name) ?? client) : undefined;
    const plain = paths.includes('plain') ? (maps.get('plain')!.get(name) ?? client) : undefined;
    let e: Effect | undefined;
    let onlyTls = false;
    if (tls && plain) {
      if (tls.state === 'client') e = undefined;
      else if (plain.state === 'client') {
        e = tls;
        onlyTls = true;
      } else if (tls.state === 'none' && plain.state === 'none') e = tls;
      else if (STRENGTH[tls.state] === 3 && STRENGTH[plain.state] === 3)
        e = tls.state === 'ours' ? tls : plain;
      else e = STRENGTH[plain.state] < STRENGTH[tls.state] ? plain : tls;
    } else e = tls ?? plain;
    if (!e || e.state === 'client') continue;
    const at = lineOf(e);
    if (!at) continue;
    out.push({
      name,
      action: ACTION[e.state],
      ...(e.value !== undefined && e.state !== 'none' ? { value: e.value } : {}),
      ...(onlyTls ? { onlyTls: true } : {}),
      at: loc(at),
    });
  }
  return out;
}

/** `http-request set-src hdr(x-forwarded-for) if { src 10.0.0.0/8 }`: a client belief. */
function beliefs(fe: HProxy): { believes: Belief[]; trust?: Trust } {
  const l = fe.setSrc;
  if (!l) return { believes: [] };
  const expr = l.words[2] ?? '';
  const m = /hdr(?:_ip)?\(([^,)]+)(?:,\s*(-?\d+))?/i.exec(expr);
  if (!m) return { believes: [] };
  const name = m[1]!.trim().toLowerCase();
  const occ = m[2] !== undefined ? Number(m[2]) : -1;
  const belief: Belief = {
    name,
    purpose: 'client',
    ...(occ === 1 ? { leftmost: true } : {}),
    at: loc(l),
  };
  const w = l.words;
  const at = w.indexOf('if');
  const cidrs: string[] = [];
  if (at > 0 && w[at + 1] === '{' && w[at + 2] === 'src') {
    for (let i = at + 3; i < w.length && w[i] !== '}'; i++)
      if (!w[i]!.startsWith('-')) cidrs.push(w[i]!);
  }
  const trust: Trust =
    cidrs.length > 0
      ? { cidrs, at: loc(l) }
      : at > 0
        ? { unknown: true, at: loc(l) }
        : { all: true, at: loc(l) };
  return { believes: [belief], trust };
}

/** The hops of an HAProxy file: one per frontend or listen section that speaks HTTP. */
export function haproxyModel(input: HaproxyInput): HopModel[] {
  const all = input.proxies;
  const out: HopModel[] = [];
  for (const fe of frontends(all)) {
    const be = mainBackend(fe, all);
    const http = httpMode(fe) || (be !== undefined && httpMode(be));
    const ls = listeners(fe);
    const ports = [
      ...new Set(ls.map((l) => (l.port !== undefined ? `:${l.port}` : (l.socket ?? '')))),
    ]
      .filter((x) => x !== '')
      .join(',');
    const hsts = rulesOf(fe, be).find(
      (r) =>
        r.dir === 'response' &&
        (r.action === 'set' || r.action === 'add') &&
        r.name === 'strict-transport-security',
    );
    const source = be?.source ?? fe.source;
    const { believes, trust } = beliefs(fe);
    const unknowns = [
      ...fe.binds
        .filter((b) => b.line.unknown)
        .map((b) => `${b.line.file}:${b.line.line}: ${b.line.text}`),
      ...backendsOf(fe, all)
        .flatMap((b) => b.servers)
        .filter((s) => s.line.unknown)
        .map((s) => `${s.line.file}:${s.line.line}: ${s.line.text}`),
    ];
    out.push({
      file: input.file.file,
      kind: 'haproxy',
      role: 'proxy',
      label: `haproxy ${fe.type} ${fe.name}${ports ? ` ${ports}` : ''}`,
      listens: ls,
      targets: targets(fe, all),
      ...(source !== undefined ? { source } : {}),
      writes: http ? writes(fe, be) : [],
      believes,
      ...(trust ? { trust } : {}),
      ...(hsts ? { hsts: loc(hsts.line) } : {}),
      ...(unknowns.length > 0 ? { unknowns } : {}),
    });
  }
  return out;
}
