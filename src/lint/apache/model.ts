/**
 * What an Apache httpd configuration says about its hops, for the cross-file rules, and the
 * pieces the Apache rules share. One hop per `<VirtualHost>` that proxies (`ProxyPass`,
 * `ProxyPassMatch`, `RewriteRule ... [P]`), and one for the main server when it proxies
 * outside any virtual host:
 *
 * - listeners: the `<VirtualHost addr:port>` addresses (`*` and `_default_` are any
 *   address; a missing port is the only `Listen` port, when there is one); TLS when
 *   `SSLEngine on` is in effect.
 * - targets: the `ProxyPass` URLs (`unix:/path|http://...` is a socket; `balancer://name`
 *   is its `BalancerMember`s).
 * - writes: the `RequestHeader` lines in effect for `/` (the main server's, then the
 *   virtual host's, then `<Location />`'s, in order): `set` sets (a value read from the
 *   client's own header, `expr=%{req:X}`, is a relay and no write), `unset`
 *   clears, `append`/`add`/`merge` keep the client's and add, `setifempty` writes only when
 *   absent, `edit` changes the client's value (no write of its own); a line conditional on
 *   `env=HTTPS` is TLS-only, any other condition (or a line in `<If>`) is left out and said
 *   in `unknowns`. Then mod_proxy's own headers, added after mod_headers ran, unless
 *   `ProxyAddHeaders Off`: it appends the client's address to `X-Forwarded-For`, its Host to
 *   `X-Forwarded-Host` and the server name to `X-Forwarded-Server` (so after `RequestHeader
 *   unset X-Forwarded-For` the header holds the client's address alone: a `set`). Without
 *   `ProxyPreserveHost On`, Host is the upstream's own name (a `set`).
 * - believes and trust: `RemoteIPHeader` with its `RemoteIPTrustedProxy` /
 *   `RemoteIPInternalProxy` ranges (none listed: mod_remoteip trusts every peer).
 * - source: `ProxySourceAddress`; hsts: `Header ... set Strict-Transport-Security`.
 *
 * Observed with Debian's apache2 2.4 (test/lint/apache/lab.test.ts).
 */
import {
  type Belief,
  coversAll,
  type HeaderWrite,
  type HopModel,
  type Listener,
  type Loc,
  type Target,
  type Trust,
} from '../model.js';
import { isUnknown } from '../template.js';
import { type ApacheInput, type ApNode, unknownValue } from './parser.js';

const loc = (n: ApNode): Loc => ({ file: n.file, line: n.line, col: n.col });

/** Sections whose contents apply as if written in the enclosing context. */
const TRANSPARENT = new Set([
  'ifmodule',
  'ifdefine',
  'ifversion',
  'iffile',
  'ifdirective',
  'ifsection',
]);

/** The directives of a context, through IfModule and the like (not into other sections). */
export function flat(nodes: readonly ApNode[]): ApNode[] {
  const out: ApNode[] = [];
  for (const n of nodes) {
    if (n.block && TRANSPARENT.has(n.key)) out.push(...flat(n.block));
    else out.push(n);
  }
  return out;
}

/** Every node below `nodes`, sections included, in file order (not into nested vhosts). */
export function walk(nodes: readonly ApNode[]): ApNode[] {
  const out: ApNode[] = [];
  for (const n of nodes) {
    out.push(n);
    if (n.block && n.key !== 'virtualhost') out.push(...walk(n.block));
  }
  return out;
}

/** One context that can proxy: a virtual host, or the main server. */
export interface ApContext {
  /** The `<VirtualHost>` section, or undefined for the main server. */
  readonly vhost?: ApNode;
  /** The main server's directives (for a vhost, what it inherits). */
  readonly main: readonly ApNode[];
  /** The context's own directives (flattened). */
  readonly own: readonly ApNode[];
  /** Everything inside the context, sections included, in order. */
  readonly all: readonly ApNode[];
}

/** The virtual hosts (at any depth of transparent sections) and the main server. */
export function contexts(input: ApacheInput): ApContext[] {
  const main = flat(input.nodes).filter((n) => n.key !== 'virtualhost');
  const vhosts = walkAll(input.nodes).filter((n) => n.key === 'virtualhost');
  const out: ApContext[] = vhosts.map((v) => ({
    vhost: v,
    main,
    own: flat(v.block ?? []),
    all: walk(v.block ?? []),
  }));
  out.push({ main: [], own: main, all: walk(input.nodes.filter((n) => n.key !== 'virtualhost')) });
  return out;
}

/** Every node, into every section. */
export function walkAll(nodes: readonly ApNode[]): ApNode[] {
  const out: ApNode[] = [];
  for (const n of nodes) {
    out.push(n);
    if (n.block) out.push(...walkAll(n.block));
  }
  return out;
}

/** The value of the last directive `key` in effect (the context's own over the main's). */
function last(ctx: ApContext, key: string): ApNode | undefined {
  return (
    ctx.own.filter((n) => n.key === key).at(-1) ?? ctx.main.filter((n) => n.key === key).at(-1)
  );
}

/** True when a RewriteRule's flags hold P (proxy). */
const rewriteProxies = (n: ApNode): boolean => {
  const flags = n.args.find((a, i) => i >= 2 && a.startsWith('['));
  const list = flags === undefined ? [] : flags.replace(/^\[|\]$/g, '').split(',');
  return list.some((f) => /^(p|proxy)$/i.test(f.trim()));
};

/** The URL a proxying directive sends to, or undefined (`!`, not a proxy). */
export function proxyUrl(n: ApNode, inLocation: boolean): string | undefined {
  if (n.key === 'proxypass' || n.key === 'proxypassmatch') {
    const url = inLocation && !(n.args[1] ?? '').includes('://') ? n.args[0] : n.args[1];
    if (url === undefined || url === '!' || n.args[0] === '!') return undefined;
    return url;
  }
  if (n.key === 'rewriterule' && rewriteProxies(n)) return n.args[1];
  return undefined;
}

/** The directives of a context that proxy, in file order. */
export function proxyEntries(ctx: ApContext): { node: ApNode; url: string }[] {
  const out: { node: ApNode; url: string }[] = [];
  const visit = (nodes: readonly ApNode[], inLocation: boolean) => {
    for (const n of nodes) {
      if (n.block) {
        if (n.key === 'virtualhost') continue;
        visit(n.block, inLocation || /^location/.test(n.key));
        continue;
      }
      const url = proxyUrl(n, inLocation);
      if (url !== undefined) out.push({ node: n, url });
    }
  };
  visit(ctx.vhost ? (ctx.vhost.block ?? []) : ctx.own, false);
  return out;
}

/** True when mod_proxy adds its own X-Forwarded-* headers in this context. */
export function addsHeaders(ctx: ApContext): boolean {
  return (last(ctx, 'proxyaddheaders')?.args[0] ?? 'on').toLowerCase() !== 'off';
}

/** True when TLS is on in this context. */
export function tlsOn(ctx: ApContext): boolean {
  return (last(ctx, 'sslengine')?.args[0] ?? '').toLowerCase() === 'on';
}

/** A `RequestHeader` line's parts. */
export interface RequestHeaderOp {
  readonly action: string;
  readonly name: string;
  readonly value?: string;
  /** `env=...` or `expr=...` condition, as written. */
  readonly condition?: string;
  readonly early: boolean;
  readonly node: ApNode;
}

/** Read `RequestHeader action header [value [replacement]] [early|env=...|expr=...]`. */
export function requestHeaderOp(n: ApNode): RequestHeaderOp {
  const action = (n.args[0] ?? '').toLowerCase();
  const name = (n.args[1] ?? '').toLowerCase();
  const valueCount = action === 'unset' ? 0 : action.startsWith('edit') ? 2 : 1;
  const values = n.args.slice(2, 2 + valueCount);
  const rest = n.args.slice(2 + valueCount);
  const early = rest.some((a) => a.toLowerCase() === 'early');
  const condition = rest.find((a) => /^(env|expr)=/i.test(a));
  return {
    action,
    name,
    ...(values[0] !== undefined ? { value: values.join(' ') } : {}),
    ...(condition ? { condition } : {}),
    early,
    node: n,
  };
}

/**
 * True when a RequestHeader value reads a client request header (a relay): an `expr=` value
 * with `%{req:X}`, `%{http:X}`, `%{HTTP:X}`, `%{req_novary:X}` or `%{HTTP_X}`. (mod_headers'
 * own format has no request-header form: `%{X}i` is not one, the lab saw it write `i=...`.)
 */
export const readsClientHeader = (v: string): boolean =>
  /^expr=/i.test(v) && /%\{(req|http|req_novary):[^}]+\}|%\{HTTP_[A-Z0-9_]+\}/i.test(v);

/** The `RequestHeader` lines in effect for `/`, in order, with what is conditional. */
function requestHeaders(ctx: ApContext): { ops: RequestHeaderOp[]; conditional: ApNode[] } {
  const ops: RequestHeaderOp[] = [];
  const conditional: ApNode[] = [];
  const take = (nodes: readonly ApNode[]) => {
    for (const n of nodes) if (n.key === 'requestheader') ops.push(requestHeaderOp(n));
  };
  // the main server's lines, then the context's own (for the main server, main is empty)
  take(ctx.main);
  take(ctx.own);
  // <Location /> applies to every request
  for (const n of ctx.own)
    if (n.key === 'location' && n.args[0] === '/' && n.block) take(flat(n.block));
  for (const n of ctx.all)
    if (n.key === 'if' || n.key === 'elseif' || n.key === 'else')
      for (const c of walk(n.block ?? [])) if (c.key === 'requestheader') conditional.push(c);
  return { ops, conditional };
}

/** mod_proxy's own headers (ProxyAddHeaders On), each appended after mod_headers ran. */
export const MOD_PROXY_HEADERS = ['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-server'];

/** The request headers a context writes towards its upstream (see the module comment). */
export function contextWrites(ctx: ApContext): { writes: HeaderWrite[]; unknowns: string[] } {
  const { ops, conditional } = requestHeaders(ctx);
  const unknowns = conditional.map(
    (c) => `${c.file}:${c.line}: RequestHeader inside <If>: applies only to some requests`,
  );
  const writes = new Map<string, HeaderWrite>();
  for (const op of ops) {
    if (op.name === '' || isUnknown(op.name)) continue;
    const at = loc(op.node);
    let onlyTls = false;
    if (op.condition) {
      if (/^env=https$/i.test(op.condition)) onlyTls = true;
      else {
        unknowns.push(
          `${at.file}:${at.line}: RequestHeader ${op.action} ${op.node.args[1]} ${op.condition}: applies only to some requests`,
        );
        continue;
      }
    }
    const tls = onlyTls ? { onlyTls: true } : {};
    switch (op.action) {
      case 'set':
        if (readsClientHeader(op.value ?? '')) writes.delete(op.name);
        else
          writes.set(op.name, { name: op.name, action: 'set', value: op.value ?? '', ...tls, at });
        break;
      case 'unset':
        writes.set(op.name, { name: op.name, action: 'clear', ...tls, at });
        break;
      case 'append':
      case 'add':
      case 'merge': {
        const prior = writes.get(op.name);
        if (prior && (prior.action === 'set' || prior.action === 'clear'))
          writes.set(op.name, { ...prior, action: 'set' });
        else
          writes.set(op.name, {
            name: op.name,
            action: 'append',
            value: op.value ?? '',
            ...tls,
            at,
          });
        break;
      }
      case 'setifempty':
        if (!writes.has(op.name))
          writes.set(op.name, {
            name: op.name,
            action: 'if-absent',
            value: op.value ?? '',
            ...tls,
            at,
          });
        break;
      default:
        // edit, edit*: the client's value changed, no write of its own
        break;
    }
  }
  if (addsHeaders(ctx)) {
    const entry = proxyEntries(ctx)[0];
    const at = entry ? loc(entry.node) : ctx.vhost ? loc(ctx.vhost) : { file: '', line: 1, col: 1 };
    for (const name of MOD_PROXY_HEADERS) {
      const prior = writes.get(name);
      const cleared =
        prior && (prior.action === 'set' || prior.action === 'clear') && !prior.onlyTls;
      writes.set(name, {
        name,
        action: cleared ? 'set' : 'append',
        value:
          name === 'x-forwarded-for'
            ? '%{REMOTE_ADDR}'
            : name === 'x-forwarded-host'
              ? '%{Host}'
              : '%{SERVER_NAME}',
        implicit: true,
        at: cleared ? prior.at : at,
      });
    }
  }
  // without ProxyPreserveHost On, mod_proxy sends the upstream's own name as Host
  const preserve = (last(ctx, 'proxypreservehost')?.args[0] ?? 'off').toLowerCase() === 'on';
  const entry = proxyEntries(ctx)[0];
  if (!preserve && entry)
    writes.set('host', {
      name: 'host',
      action: 'set',
      value: '(the upstream host)',
      implicit: true,
      at: loc(entry.node),
    });
  return { writes: [...writes.values()], unknowns };
}

/** `<VirtualHost>` addresses as listeners. */
function listeners(ctx: ApContext, input: ApacheInput): Listener[] {
  const tls = tlsOn(ctx);
  const listenPorts = walkAll(input.nodes)
    .filter((n) => n.key === 'listen')
    .map((n) => /(\d+)$/.exec(n.args[0] ?? '')?.[1])
    .filter((p): p is string => p !== undefined);
  const onlyPort = new Set(listenPorts).size === 1 ? Number(listenPorts[0]) : undefined;
  if (!ctx.vhost) {
    return walkAll(input.nodes)
      .filter((n) => n.key === 'listen')
      .map((n) => ({
        ...address(n.args[0] ?? '', undefined),
        ...(tls ? { tls: true } : {}),
        at: loc(n),
      }));
  }
  return ctx.vhost.args.map((a) => ({
    ...address(a, onlyPort),
    ...(tls ? { tls: true } : {}),
    at: loc(ctx.vhost!),
  }));
}

/** `host:port`, `[v6]:port`, `*:80`, `_default_:443`, `port`. */
function address(a: string, defaultPort: number | undefined): { host?: string; port?: number } {
  if (unknownValue(a)) return {};
  let host: string | undefined;
  let port: number | undefined = defaultPort;
  const v6 = /^\[([^\]]+)\](?::(\d+|\*))?$/.exec(a);
  if (v6) {
    host = v6[1];
    if (v6[2] && v6[2] !== '*') port = Number(v6[2]);
  } else if (/^\d+$/.test(a)) port = Number(a);
  else {
    const i = a.lastIndexOf(':');
    if (i >= 0) {
      host = a.slice(0, i);
      const p = a.slice(i + 1);
      if (/^\d+$/.test(p)) port = Number(p);
    } else host = a;
  }
  if (host === '*' || host === '_default_') host = undefined;
  return { ...(host !== undefined ? { host } : {}), ...(port !== undefined ? { port } : {}) };
}

const DEFAULT_PORTS: Record<string, number> = { http: 80, https: 443, ws: 80, wss: 443, ajp: 8009 };

/** Where a proxied URL goes. */
export function targetsOf(url: string, at: Loc, input: ApacheInput): Target[] {
  const unix = /^unix:([^|]+)\|/i.exec(url);
  if (unix) return [{ socket: unix[1]!, at }];
  const m = /^([a-z0-9+.-]+):\/\/(\[[^\]]+\]|[^/:]*)(?::(\d+))?/i.exec(url);
  if (!m) return [{ at }];
  const scheme = m[1]!.toLowerCase();
  const host = m[2]!.replace(/^\[|\]$/g, '');
  if (scheme === 'balancer') {
    const out: Target[] = [];
    for (const p of walkAll(input.nodes))
      if (p.key === 'proxy' && (p.args[0] ?? '').replace(/\/$/, '') === `balancer://${host}`)
        for (const b of walk(p.block ?? []))
          if (b.key === 'balancermember' && b.args[0])
            out.push(...targetsOf(b.args[0], loc(b), input));
    return out.length > 0 ? out : [{ at }];
  }
  if (unknownValue(host) || host.includes('$')) return [{ at }];
  const port = m[3] ? Number(m[3]) : DEFAULT_PORTS[scheme];
  return [{ host, ...(port !== undefined ? { port } : {}), at }];
}

/** The RemoteIP trust lines in effect (the context's own list over the main one). */
export function remoteIp(ctx: ApContext): {
  header?: ApNode;
  proxies: ApNode[];
  lists: ApNode[];
} {
  const header = last(ctx, 'remoteipheader');
  const keys = ['remoteiptrustedproxy', 'remoteipinternalproxy'];
  const listKeys = ['remoteiptrustedproxylist', 'remoteipinternalproxylist'];
  const pick = (ks: string[]) => {
    const own = ctx.own.filter((n) => ks.includes(n.key));
    return own.length > 0 || ctx.own.some((n) => [...keys, ...listKeys].includes(n.key))
      ? own
      : ctx.main.filter((n) => ks.includes(n.key));
  };
  return { ...(header ? { header } : {}), proxies: pick(keys), lists: pick(listKeys) };
}

/** True when a RemoteIP proxy value covers every address. */

/** The HSTS `Header` line in effect, if any. */
function hstsOf(ctx: ApContext): ApNode | undefined {
  for (const n of [...ctx.main, ...ctx.own]) {
    if (n.key !== 'header') continue;
    const args = /^(always|onsuccess)$/i.test(n.args[0] ?? '') ? n.args.slice(1) : n.args;
    if (
      /^(set|add|append|merge|setifempty)$/i.test(args[0] ?? '') &&
      (args[1] ?? '').toLowerCase() === 'strict-transport-security'
    )
      return n;
  }
  return undefined;
}

/** The hop model of each context that proxies. */
export function apacheModel(input: ApacheInput): HopModel[] {
  const hops: HopModel[] = [];
  for (const ctx of contexts(input)) {
    const entries = proxyEntries(ctx);
    if (entries.length === 0) continue;
    const { writes, unknowns } = contextWrites(ctx);
    const believes: Belief[] = [];
    let trust: Trust | undefined;
    const rip = remoteIp(ctx);
    if (rip.header?.args[0]) {
      const at = loc(rip.header);
      believes.push({ name: rip.header.args[0].toLowerCase(), purpose: 'client', at });
      const cidrs = rip.proxies.flatMap((n) => n.args);
      const all = (rip.proxies.length === 0 && rip.lists.length === 0) || cidrs.some(coversAll);
      trust = {
        ...(all ? { all: true } : {}),
        cidrs,
        ...(rip.lists.length > 0 || cidrs.some(unknownValue) ? { unknown: true } : {}),
        at: rip.proxies[0] ? loc(rip.proxies[0]) : at,
      };
    }
    const source = last(ctx, 'proxysourceaddress')?.args[0];
    const hsts = hstsOf(ctx);
    const listens = listeners(ctx, input);
    const first = ctx.vhost ?? entries[0]!.node;
    hops.push({
      file: first.file,
      kind: 'apache',
      role: 'proxy',
      label: ctx.vhost
        ? `apache <VirtualHost ${ctx.vhost.args.join(' ')}>${tlsOn(ctx) ? ' ssl' : ''}`
        : 'apache main server',
      listens,
      targets: entries.flatMap((e) => targetsOf(e.url, loc(e.node), input)),
      ...(source && !unknownValue(source) ? { source } : {}),
      writes,
      believes,
      ...(trust ? { trust } : {}),
      ...(hsts ? { hsts: loc(hsts) } : {}),
      ...(unknowns.length > 0 ? { unknowns } : {}),
    });
  }
  return hops;
}
