/**
 * What an nginx file says about its hops, for the cross-file rules: one hop per `server`
 * that proxies (`proxy_pass`, `uwsgi_pass`), with its listeners, its upstreams, the request
 * headers it writes (its effective `proxy_set_header` lines; a header it does not set is
 * passed through from the client, and one set from the client's own header is too), its
 * real-IP beliefs and its HSTS.
 */
import type { Belief, HeaderWrite, HopModel, Listener, Loc, Target } from '../model.js';
import type { NginxInput } from '../rule.js';
import { isUnknown } from '../template.js';
import {
  clientVars,
  effective,
  headerName,
  headerValue,
  listenOf,
  type Node,
  own,
  type Scope,
  scopes,
  varsIn,
} from './tree.js';

const loc = (n: Node): Loc => ({ file: n.file, line: n.line, col: n.col });

/** `host:port`, `[v6]:port`, `port`, `host`, `unix:/path` as a listener or target address. */
export function splitAddress(
  addr: string,
  defaultPort: number | undefined,
): { host?: string; port?: number; socket?: string } {
  if (addr.startsWith('unix:')) return { socket: addr.slice(5).replace(/:$/, '') };
  if (isUnknown(addr) || addr.includes('$')) return {};
  let host: string | undefined;
  let port: string | undefined;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(addr);
  if (v6) {
    host = v6[1];
    port = v6[2];
  } else if (/^\d+$/.test(addr)) port = addr;
  else {
    const i = addr.lastIndexOf(':');
    if (i >= 0 && /^\d+$/.test(addr.slice(i + 1))) {
      host = addr.slice(0, i);
      port = addr.slice(i + 1);
    } else host = addr;
  }
  const p = port !== undefined ? Number(port) : defaultPort;
  return {
    ...(host !== undefined && host !== '*' ? { host } : {}),
    ...(p !== undefined ? { port: p } : {}),
  };
}

function listeners(server: Scope | undefined): Listener[] {
  if (!server?.node) return [];
  const listens = own(server, 'listen');
  const sslOn = own(server, 'ssl').some((n) => n.args[0] === 'on');
  if (listens.length === 0)
    return [{ port: sslOn ? 443 : 80, ...(sslOn ? { tls: true } : {}), at: loc(server.node) }];
  return listens.map((l) => {
    const flags = l.args.slice(1);
    const tls = sslOn || flags.includes('ssl') || flags.includes('quic') || flags.includes('http3');
    return { ...splitAddress(l.args[0] ?? '', 80), ...(tls ? { tls: true } : {}), at: loc(l) };
  });
}

/** The upstream servers of `name`, or undefined when no `upstream` block has that name. */
function upstreamServers(root: Scope, name: string): Node[] | undefined {
  for (const s of scopes(root))
    for (const n of own(s, 'upstream'))
      if (n.args[0] === name) return (n.block ?? []).filter((x) => x.name === 'server');
  return undefined;
}

/** Where a `proxy_pass`/`uwsgi_pass` sends requests. */
function targetsOf(pass: Node, root: Scope): Target[] {
  const raw = pass.args[0] ?? '';
  const m = /^(?:(https?|uwsgi|suwsgi|grpcs?):\/\/)?(unix:[^:]+:?|\[[^\]]+\](?::\d+)?|[^/]+)/i.exec(
    raw,
  );
  if (!m) return [];
  const scheme = (m[1] ?? 'http').toLowerCase();
  const addr = m[2]!;
  const defaultPort = scheme === 'https' ? 443 : pass.name === 'uwsgi_pass' ? undefined : 80;
  if (!addr.startsWith('unix:') && !addr.startsWith('[') && !addr.includes(':')) {
    const servers = upstreamServers(root, addr);
    if (servers)
      return servers.map((s) => ({
        ...splitAddress(s.args[0] ?? '', defaultPort),
        at: loc(s),
      }));
  }
  return [{ ...splitAddress(addr, defaultPort), at: loc(pass) }];
}

/** A `proxy_set_header` line as a write, or undefined when it relays the client's header. */
function writeOf(n: Node, tainted: ReadonlyMap<string, string>): HeaderWrite | undefined {
  const name = headerName(n);
  const value = headerValue(n);
  if (value === '') return { name, action: 'clear', at: loc(n) };
  const vars = varsIn(value);
  if (vars.includes('$proxy_add_x_forwarded_for'))
    return { name, action: 'append', value, at: loc(n) };
  // a value the client chooses (its own header, directly or through map/set) is passed through
  if (vars.some((v) => tainted.has(v) || v.startsWith('$http_'))) return undefined;
  return { name, action: 'set', value, at: loc(n) };
}

/** `uwsgi_param HTTP_X_FORWARDED_PROTO $scheme;` as a write of `x-forwarded-proto`. */
function uwsgiWriteOf(n: Node, tainted: ReadonlyMap<string, string>): HeaderWrite | undefined {
  const key = n.args[0] ?? '';
  if (!/^HTTP_/i.test(key)) return undefined;
  return writeOf(
    { ...n, args: [key.slice(5).toLowerCase().replace(/_/g, '-'), ...n.args.slice(1)] },
    tainted,
  );
}

/** The hop model of each server that proxies. */
export function nginxModel(input: NginxInput): HopModel[] {
  const { root } = input;
  const tainted = clientVars(root);
  const byServer = new Map<Scope | undefined, { pass: Node; scope: Scope }[]>();
  for (const s of scopes(root)) {
    for (const name of ['proxy_pass', 'uwsgi_pass'] as const) {
      for (const pass of own(s, name)) {
        const server =
          s.kind === 'server'
            ? s
            : (() => {
                for (let c: Scope | undefined = s; c; c = c.parent)
                  if (c.kind === 'server') return c;
                return undefined;
              })();
        const list = byServer.get(server) ?? [];
        list.push({ pass, scope: s });
        byServer.set(server, list);
      }
    }
  }
  const hops: HopModel[] = [];
  for (const [server, sites] of byServer) {
    // the site that serves `/` speaks for the server; else the first
    const main =
      sites.find((x) => x.scope.kind === 'location' && x.scope.node?.args.join(' ') === '/') ??
      sites[0]!;
    const writes: HeaderWrite[] = [];
    if (main.pass.name === 'uwsgi_pass') {
      for (const c of [main.scope, ...ancestors(main.scope)])
        for (const n of own(c, 'uwsgi_param')) {
          const w = uwsgiWriteOf(n, tainted);
          if (w) writes.push(w);
        }
    } else {
      for (const n of effective(main.scope, 'proxy_set_header').lines) {
        const w = writeOf(n, tainted);
        if (w) writes.push(w);
      }
    }
    const believes: Belief[] = [];
    const realFrom = [main.scope, ...ancestors(main.scope)].flatMap((c) =>
      own(c, 'set_real_ip_from'),
    );
    const realHeader = [main.scope, ...ancestors(main.scope)]
      .flatMap((c) => own(c, 'real_ip_header'))
      .at(0);
    const unknowns: string[] = [];
    if (realFrom.length > 0) {
      const header = (realHeader?.args[0] ?? 'X-Real-IP').toLowerCase();
      // nginx takes no variables here: a `$` is a template's placeholder, filled in elsewhere
      if (header.includes('$') || isUnknown(header))
        unknowns.push(
          `${realHeader!.file}:${realHeader!.line}: real_ip_header is a template value`,
        );
      else if (header !== 'proxy_protocol')
        believes.push({ name: header, purpose: 'client', at: loc(realHeader ?? realFrom[0]!) });
    }
    const hsts = effective(main.scope, 'add_header').lines.find(
      (n) => headerName(n) === 'strict-transport-security',
    );
    const bind = [main.scope, ...ancestors(main.scope)].flatMap((c) => own(c, 'proxy_bind')).at(0);
    const ls = listeners(server);
    const tls = listenOf(server ?? root);
    hops.push({
      file: (server?.node ?? main.pass).file,
      kind: 'nginx',
      role: 'proxy',
      label: `nginx ${ls.map((l) => `${l.host ? `${l.host}:` : ':'}${l.port ?? '?'}${l.tls ? ' ssl' : ''}`).join(', ') || (tls.tls ? 'ssl' : 'server')}`,
      listens: ls,
      targets: sites.flatMap((x) => targetsOf(x.pass, root)),
      ...(bind?.args[0] &&
      !isUnknown(bind.args[0]) &&
      !bind.args[0].includes('$') &&
      bind.args[0] !== 'off'
        ? { source: bind.args[0] }
        : {}),
      writes,
      believes,
      ...(realFrom.length > 0
        ? {
            trust: {
              cidrs: realFrom.map((n) => n.args[0] ?? ''),
              ...(realFrom.some(
                (n) => isUnknown(n.args[0] ?? '') || (n.args[0] ?? '').includes('$'),
              )
                ? { unknown: true }
                : {}),
              at: loc(realFrom[0]!),
            },
          }
        : {}),
      ...(hsts ? { hsts: loc(hsts) } : {}),
      ...(unknowns.length > 0 ? { unknowns } : {}),
    });
  }
  return hops;
}

function ancestors(s: Scope): Scope[] {
  const out: Scope[] = [];
  for (let c = s.parent; c; c = c.parent) out.push(c);
  return out;
}
