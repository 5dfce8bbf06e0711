/**
 * The hop an app server is, for the cross-file rules. What each server believes was
 * watched on the Debian packages (test/lint/appserver/real.test.ts):
 * - gunicorn 20.1 rewrites wsgi.url_scheme from its secure_scheme_headers (default
 *   X-Forwarded-Protocol: ssl, X-Forwarded-Proto: https, X-Forwarded-Ssl: on; keys compared
 *   upper case, values exactly) for peers in forwarded_allow_ips (default 127.0.0.1, or the
 *   FORWARDED_ALLOW_IPS environment variable), and answers 400 when they disagree. It takes
 *   REMOTE_ADDR from the connection, never from a header.
 * - uvicorn (and gunicorn's UvicornWorker) with proxy headers (on by default) takes the scheme
 *   from X-Forwarded-Proto and the client from X-Forwarded-For for peers in
 *   forwarded_allow_ips (default 127.0.0.1); with `*` it takes the leftmost entry.
 * - uwsgi copies X-Forwarded-Proto into wsgi.url_scheme (any value) and takes
 *   X-Forwarded-Ssl: on as https, from every peer: it has no list of proxies.
 */
import type { Belief, HopModel, Listener, Loc, Trust } from '../model.js';
import type { AppServer, Setting } from './command.js';

/** gunicorn's default secure_scheme_headers. */
export const GUNICORN_SCHEME_HEADERS: readonly (readonly [string, string])[] = [
  ['X-FORWARDED-PROTOCOL', 'ssl'],
  ['X-FORWARDED-PROTO', 'https'],
  ['X-FORWARDED-SSL', 'on'],
];

/** A bind (`host:port`, `[::]:port`, `:port`, `unix:/path`, `/path`) as a listener. */
export function listenerOf(
  bind: Setting,
  defaultPort: number | undefined,
  tls: boolean | undefined,
): Listener {
  const at = bind.at;
  const t = tls || bind.tls ? { tls: true } : {};
  const v = bind.value;
  if (v === undefined) return { at, ...t };
  if (v.startsWith('unix:')) return { socket: v.slice(5), at };
  if (v.startsWith('/') || v.startsWith('@')) return { socket: v, at };
  if (v.startsWith('fd://')) return { at };
  const m = /^(\[[^\]]*\]|[^:]*)(?::([^:]*))?$/.exec(v);
  if (!m) return { at, ...t };
  // a $VAR or %(var) part is unknown
  const host = /[$%@]/.test(m[1]!) ? '' : m[1]!.replace(/^\[|\]$/g, '');
  const port =
    m[2] !== undefined
      ? /^\d+$/.test(m[2])
        ? Number(m[2])
        : undefined
      : host === ''
        ? undefined
        : defaultPort;
  return {
    ...(host !== '' && host !== '*' ? { host } : {}),
    ...(port !== undefined ? { port } : {}),
    at,
    ...t,
  };
}

/** forwarded_allow_ips as a trust: `*` every peer, else the listed addresses. */
export function trustOf(s: Setting | undefined, fallbackAt: Loc): Trust {
  if (!s) return { cidrs: ['127.0.0.1'], at: fallbackAt };
  if (s.value === undefined) return { unknown: true, at: s.at };
  const list = s.value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (list.includes('*')) return { all: true, at: s.at };
  return { cidrs: list, at: s.at };
}

/** True when forwarded_allow_ips is `*`. */
export const trustsAll = (s: Setting | undefined): boolean =>
  (s?.value ?? '').split(',').some((x) => x.trim() === '*');

/** True when a gunicorn runs uvicorn's worker (uvicorn then reads the headers). */
export const uvicornWorker = (s: AppServer): boolean => /uvicorn/i.test(s.worker ?? '');

function uvicornBeliefs(at: Loc, trust: Trust): Belief[] {
  return [
    { name: 'x-forwarded-proto', purpose: 'scheme', value: 'https', at },
    { name: 'x-forwarded-for', purpose: 'client', ...(trust.all ? { leftmost: true } : {}), at },
  ];
}

/** The hop of one app server. */
export function serverModel(file: string, s: AppServer): HopModel {
  const listens: Listener[] = [];
  const unknowns = [...s.unknowns];
  let believes: Belief[] = [];
  let trust: Trust | undefined;
  let mustAgree: HopModel['mustAgree'];
  if (s.server === 'uvicorn') {
    if (s.uds)
      listens.push(
        listenerOf({ ...s.uds, value: s.uds.value && `unix:${s.uds.value}` }, undefined, s.tls),
      );
    else {
      const hostV = s.host ? s.host.value : '127.0.0.1';
      const portV = s.port ? s.port.value : '8000';
      const l: Listener = {
        ...(hostV !== undefined ? { host: hostV } : {}),
        ...(portV !== undefined && /^\d+$/.test(portV) ? { port: Number(portV) } : {}),
        ...(s.tls ? { tls: true } : {}),
        at: s.host?.at ?? s.port?.at ?? s.at,
      };
      listens.push(l);
    }
    if (s.proxyHeaders?.on !== false) {
      trust = trustOf(s.forwardedAllowIps, s.at);
      believes = uvicornBeliefs(s.forwardedAllowIps?.at ?? s.proxyHeaders?.at ?? s.at, trust);
    }
  } else if (s.server === 'gunicorn') {
    for (const b of s.binds) listens.push(listenerOf(b, 8000, s.tls));
    if (s.binds.length === 0 && !s.config)
      listens.push({ host: '127.0.0.1', port: 8000, ...(s.tls ? { tls: true } : {}), at: s.at });
    trust = trustOf(s.forwardedAllowIps, s.at);
    if (uvicornWorker(s)) believes = uvicornBeliefs(s.forwardedAllowIps?.at ?? s.at, trust);
    else {
      const at = s.schemeHeaders?.at ?? s.at;
      const entries = s.schemeHeaders
        ? s.schemeHeaders.entries
        : GUNICORN_SCHEME_HEADERS.map(([key, value]) => ({ key, value, at }));
      if (!entries) unknowns.push('secure_scheme_headers is not a literal dict');
      for (const e of entries ?? []) {
        // gunicorn upper-cases the request's header names and looks them up as written:
        // a key not written in upper case never matches
        if (e.key !== e.key.toUpperCase()) continue;
        believes.push({
          name: e.key.toLowerCase(),
          purpose: 'scheme',
          ...(e.value !== undefined ? { value: e.value } : {}),
          at: e.at,
        });
      }
      mustAgree = ['scheme'];
    }
  } else {
    for (const b of s.binds) listens.push(listenerOf(b, undefined, s.tls));
    believes = [
      { name: 'x-forwarded-proto', purpose: 'scheme', value: 'https', at: s.at },
      { name: 'x-forwarded-ssl', purpose: 'scheme', value: 'on', at: s.at },
    ];
    // uwsgi has no list of proxies: only the network in front narrows whom it believes
    trust = { all: true, inherent: true, at: s.at };
  }
  const where = listens
    .map((l) => (l.socket !== undefined ? `unix:${l.socket}` : `${l.host ?? '*'}:${l.port ?? '?'}`))
    .join(', ');
  return {
    file,
    kind: 'appserver',
    role: 'app',
    label: `${s.server}${uvicornWorker(s) ? ' (uvicorn worker)' : ''}${where ? ` ${where}` : ''}`,
    ...(s.names ? { names: s.names } : {}),
    listens,
    targets: [],
    writes: [],
    believes,
    ...(trust ? { trust } : {}),
    ...(mustAgree ? { mustAgree } : {}),
    ...(unknowns.length ? { unknowns } : {}),
  };
}

/** The hops of the app servers a file starts or configures. */
export function appServerModel(file: string, servers: readonly AppServer[]): HopModel[] {
  return servers.map((s) => serverModel(file, s));
}
