/**
 * What a Caddyfile says about its hops, for the cross-file rules, and the pieces of it the
 * Caddy rules share. One hop per Caddy 2 site that proxies (`reverse_proxy`, or
 * `php_fastcgi`, which is `reverse_proxy` with the FastCGI transport):
 *
 * - listeners from the site addresses: `http://` or port 80 (the `http_port`) is plain
 *   http; an address with a host name and no `http://` is TLS (on 443 unless it names a
 *   port), and an address with no host (`:8080`) is plain http. The http->https redirect
 *   that Caddy adds on :80 for a TLS site proxies nothing and is not listed.
 * - targets from the upstreams (`reverse_proxy a:8080 b:8080`, `to`, `unix//path`).
 * - writes: Caddy's own `X-Forwarded-For`, `-Proto` and `-Host` on every request
 *   (implicit). For a peer outside `trusted_proxies` Caddy replaces the client's values
 *   (`set`); for a trusted peer it keeps them (`X-Forwarded-For` appended, `-Proto` and
 *   `-Host` kept when present): when the trusted ranges cover every address, that is every
 *   client, so the writes are `append` and `if-absent`. Then the `header_up` lines in order:
 *   `Name value` sets (a value copied from the client's own header is a relay, not a
 *   write), `+Name value` adds a line, `-Name` deletes, `Name search replace` edits the
 *   client's value (no write of its own). A site's `request_header` lines (without a
 *   matcher) apply before all of these.
 * - believes and trust: the `trusted_proxies` of the `reverse_proxy` and of the global
 *   `servers` options (`private_ranges` as Caddy expands it); the X-Forwarded-* headers
 *   it keeps from those peers.
 * - hsts: a `header` directive that sets Strict-Transport-Security.
 *
 * Observed with Caddy 2.6 (test/lint/caddy/lab.test.ts); Caddy 1 sites are not modelled.
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
import { unknownValue } from './lexer.js';
import type { CaddyInput, CaddyNode, CaddySite } from './parser.js';

const loc = (n: CaddyNode): Loc => ({ file: n.file, line: n.line, col: n.col });

/** The addresses `private_ranges` stands for (Caddy's PrivateRangesCIDR). */
export const PRIVATE_RANGES = [
  '192.168.0.0/16',
  '172.16.0.0/12',
  '10.0.0.0/8',
  '127.0.0.1/8',
  'fd00::/8',
  '::1',
];

/** True when a CIDR covers every address of its family (`0.0.0.0/0`, `::/0`). */

/** A matcher token (`*`, `/path`, `@name`) as the first argument of a directive. */
export const isMatcher = (a: string | undefined): boolean =>
  a !== undefined && (a === '*' || a.startsWith('/') || a.startsWith('@'));

/** The directives that proxy. */
const PROXY_DIRECTIVES = new Set(['reverse_proxy', 'php_fastcgi']);

/** Every proxying directive of a site, in handler blocks too (`handle`, `route`, ...). */
export function reverseProxies(site: CaddySite): CaddyNode[] {
  const out: CaddyNode[] = [];
  const walk = (nodes: readonly CaddyNode[]) => {
    for (const n of nodes) {
      if (PROXY_DIRECTIVES.has(n.name)) out.push(n);
      else if (n.block) walk(n.block);
    }
  };
  walk(site.directives);
  return out;
}

/** The subdirectives of a directive's block named `name`. */
export const sub = (n: CaddyNode, name: string): CaddyNode[] =>
  (n.block ?? []).filter((c) => c.name === name);

/** `servers { trusted_proxies static ... }` (and `servers :443 { ... }`) of the global options. */
export function globalTrustedProxies(input: CaddyInput): CaddyNode[] {
  const out: CaddyNode[] = [];
  for (const s of input.global ?? [])
    if (s.name === 'servers') for (const t of sub(s, 'trusted_proxies')) out.push(t);
  return out;
}

/** The ranges a `trusted_proxies` line names (`static` dropped, `private_ranges` expanded). */
export function trustedRanges(n: CaddyNode): string[] {
  const out: string[] = [];
  const args = n.args[0] === 'static' ? n.args.slice(1) : n.args;
  for (const a of args) {
    if (a === 'private_ranges') out.push(...PRIVATE_RANGES);
    else out.push(a);
  }
  for (const c of n.block ?? []) {
    if (c.name === 'ranges' || c.name === 'static') out.push(...c.args);
  }
  return out;
}

/** The client headers a `header_up` value copies (`{http.request.header.X}`, `{header.X}`). */
export function clientCopies(value: string): string[] {
  const out: string[] = [];
  for (const m of value.matchAll(/\{(?:http\.request\.header|header)\.([^}]+)\}/gi))
    out.push(m[1]!.toLowerCase());
  return out;
}

/** A `header_up` line as an operation: the field (sign removed), the op, the value. */
export function headerOp(n: CaddyNode): {
  name: string;
  op: 'set' | 'add' | 'delete' | 'replace';
  value?: string;
} {
  const field = n.args[0] ?? '';
  const sign = field[0];
  const bare = sign === '+' || sign === '-' ? field.slice(1) : field;
  const name = bare.toLowerCase();
  if (sign === '-') return { name, op: 'delete' };
  if (n.args.length >= 3) return { name, op: 'replace', value: n.args.slice(1).join(' ') };
  const value = n.args[1] ?? '';
  return { name, op: sign === '+' ? 'add' : 'set', value };
}

/** The upstreams of a proxying directive (its arguments after a matcher, and `to` lines). */
export function upstreamsOf(rp: CaddyNode): { text: string; at: Loc }[] {
  const args = isMatcher(rp.args[0]) ? rp.args.slice(1) : rp.args;
  const out = args.map((a) => ({ text: a, at: loc(rp) }));
  for (const t of sub(rp, 'to')) for (const a of t.args) out.push({ text: a, at: loc(t) });
  return out;
}

/** An upstream address as a target. */
export function targetOf(text: string, at: Loc): Target {
  if (unknownValue(text) || /\{[^}]*\}/.test(text)) return { at };
  let rest = text;
  if (/^unix\/\//.test(rest)) return { socket: rest.slice(5), at };
  let scheme = 'http';
  const m = /^([a-z0-9+.-]+):\/\//i.exec(rest);
  if (m) {
    scheme = m[1]!.toLowerCase().replace(/^srv\+/, '');
    rest = rest.slice(m[0].length);
  }
  if (rest.startsWith('unix/')) return { socket: rest.slice(5), at };
  rest = rest.replace(/\/.*$/, '');
  const defaultPort = scheme === 'https' ? 443 : 80;
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : defaultPort, at };
  const i = rest.lastIndexOf(':');
  let host = rest;
  let port = defaultPort;
  if (i >= 0 && /^\d+$/.test(rest.slice(i + 1))) {
    host = rest.slice(0, i);
    port = Number(rest.slice(i + 1));
  }
  return { host: host === '' ? 'localhost' : host, port, at };
}

/** The global option `name`'s arguments, or undefined. */
const globalOpt = (input: CaddyInput, name: string): readonly string[] | undefined =>
  input.global?.find((n) => n.name === name)?.args;

/** Where a site listens (see the module comment). */
export function siteListeners(input: CaddyInput, site: CaddySite): Listener[] {
  const httpPort = Number(globalOpt(input, 'http_port')?.[0] ?? 80) || 80;
  const httpsPort = Number(globalOpt(input, 'https_port')?.[0] ?? 443) || 443;
  const autoOff = globalOpt(input, 'auto_https')?.[0] === 'off';
  const hasTls = site.directives.some((d) => d.name === 'tls');
  const binds = site.directives.filter((d) => d.name === 'bind').flatMap((d) => d.args);
  const out: Listener[] = [];
  const seen = new Set<string>();
  for (const a of site.addresses) {
    let tls: boolean | undefined;
    let port = a.port;
    if (a.unknown) tls = a.scheme === 'https' ? true : undefined;
    else if (a.scheme === 'http') tls = false;
    else if (a.scheme === 'https') tls = true;
    else if (a.port === httpPort) tls = false;
    else if (a.host === undefined) tls = false;
    else tls = !autoOff || hasTls;
    // Caddy's default listener port is the https port, unless the scheme says http
    if (port === undefined && !a.unknown) port = a.scheme === 'http' ? httpPort : httpsPort;
    for (const host of binds.length > 0 ? binds : [undefined]) {
      const key = `${host}|${port}|${tls}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push({
        ...(host !== undefined ? { host } : {}),
        ...(port !== undefined ? { port } : {}),
        ...(tls ? { tls: true } : {}),
        at: a.at,
      });
    }
  }
  return out;
}

/** The trust a site's proxy extends: its own `trusted_proxies` and the global one. */
export function siteTrust(input: CaddyInput, rp: CaddyNode): Trust | undefined {
  const lines = [...sub(rp, 'trusted_proxies'), ...globalTrustedProxies(input)];
  if (lines.length === 0) return undefined;
  const cidrs = lines.flatMap(trustedRanges);
  // a placeholder, or a module's name (`cloudflare`) whose ranges the file does not show
  const unknown = cidrs.some((c) => unknownValue(c) || !/^[0-9a-f.:]+(\/\d+)?$/i.test(c));
  const all = cidrs.some(coversAll);
  return {
    ...(all ? { all: true } : {}),
    cidrs,
    ...(unknown ? { unknown: true } : {}),
    at: loc(lines[0]!),
  };
}

/** Caddy's own forwarded headers, and what it writes for them towards the upstream. */
const IMPLICIT = [
  ['x-forwarded-for', '{remote_host}'],
  ['x-forwarded-proto', '{scheme}'],
  ['x-forwarded-host', '{host}'],
] as const;

/** Apply `header_up` (or site-level `request_header`) lines, in order, to `writes`. */
function applyOps(writes: Map<string, HeaderWrite>, lines: readonly CaddyNode[]): void {
  for (const h of lines) {
    const op = headerOp(h);
    if (op.name === '' || isUnknown(op.name)) continue;
    const at = loc(h);
    const value = op.value ?? '';
    if (op.op === 'delete') writes.set(op.name, { name: op.name, action: 'clear', at });
    else if (op.op === 'replace') {
      // an edit of whatever the header holds: Caddy's own value stays Caddy's
      const prior = writes.get(op.name);
      if (!prior || prior.action === 'clear') writes.delete(op.name);
    } else if (copyKind(op.name, value) !== 'none') {
      // an append keeps the client's list; a relay is no write, whatever Caddy set before
      if (op.op === 'set' && copyKind(op.name, value) === 'append')
        writes.set(op.name, { name: op.name, action: 'append', value, at });
      else if (op.op === 'set') writes.delete(op.name);
    } else if (op.op === 'add') {
      const prior = writes.get(op.name);
      if (!prior || prior.action === 'clear')
        writes.set(op.name, { name: op.name, action: prior ? 'set' : 'append', value, at });
    } else writes.set(op.name, { name: op.name, action: 'set', value, at });
  }
}

/** A placeholder for the peer's own address. */
const PEER = /\{(remote_host|remote|client_ip|http\.request\.remote\.host)\}/;

/**
 * What a `header_up` value made of client headers does to header `name`: `append` when it
 * is the client's own `name` with the peer's address added (the X-Forwarded-For way),
 * `relay` when it copies a client header otherwise, `none` when it copies none.
 */
export function copyKind(name: string, value: string): 'none' | 'append' | 'relay' {
  const copies = clientCopies(value);
  if (copies.length === 0) return 'none';
  return copies.every((c) => c === name) && PEER.test(value) ? 'append' : 'relay';
}

/**
 * The request headers one proxying directive writes (see the module comment): the site's
 * `request_header` lines (no matcher) first, then Caddy's own X-Forwarded-*, then the
 * `header_up` lines.
 */
export function proxyWrites(
  rp: CaddyNode,
  trust: Trust | undefined,
  site?: CaddySite,
): HeaderWrite[] {
  const writes = new Map<string, HeaderWrite>();
  const before = (site?.directives ?? []).filter(
    (d) => d.name === 'request_header' && !isMatcher(d.args[0]),
  );
  applyOps(writes, before);
  for (const [name, value] of IMPLICIT) {
    const prior = writes.get(name);
    // a trusted peer's value is kept: a value the site already replaced is no longer the client's
    const replaced = prior !== undefined && (prior.action === 'set' || prior.action === 'clear');
    const action =
      trust?.all && !replaced ? (name === 'x-forwarded-for' ? 'append' : 'if-absent') : 'set';
    // a trusted peer's X-Forwarded-Proto/-Host are kept as the site set them
    const kept = trust?.all && prior?.action === 'set' && name !== 'x-forwarded-for';
    writes.set(name, {
      name,
      action,
      value: kept ? (prior.value ?? value) : value,
      implicit: true,
      at: loc(rp),
    });
  }
  applyOps(writes, sub(rp, 'header_up'));
  return [...writes.values()];
}

/** The site's Strict-Transport-Security `header` line, if any. */
export function siteHsts(site: CaddySite): CaddyNode | undefined {
  const isHsts = (f: string | undefined) =>
    f !== undefined && /^[+?>]?strict-transport-security$/i.test(f);
  let found: CaddyNode | undefined;
  const walk = (nodes: readonly CaddyNode[]) => {
    for (const n of nodes) {
      if (found) return;
      if (n.name === 'header') {
        const args = isMatcher(n.args[0]) ? n.args.slice(1) : n.args;
        if (isHsts(args[0])) found = n;
        else for (const c of n.block ?? []) if (!found && isHsts(c.name)) found = c;
      } else if (n.block && !PROXY_DIRECTIVES.has(n.name)) walk(n.block);
    }
  };
  walk(site.directives);
  return found;
}

/** The directive that speaks for a site's proxying: the one without a matcher, else the first. */
export function mainProxy(rps: readonly CaddyNode[]): CaddyNode | undefined {
  return rps.find((r) => !isMatcher(r.args[0]) || r.args[0] === '*') ?? rps[0];
}

/** The hop model of each Caddy 2 site that proxies. */
export function caddyModel(input: CaddyInput): HopModel[] {
  const hops: HopModel[] = [];
  for (const site of input.sites) {
    if (site.v1) continue;
    const rps = reverseProxies(site);
    const main = mainProxy(rps);
    if (!main) continue;
    const trust = siteTrust(input, main);
    const believes: Belief[] = [];
    if (trust) {
      const at = trust.at;
      believes.push(
        { name: 'x-forwarded-for', purpose: 'client', at },
        { name: 'x-forwarded-proto', purpose: 'scheme', value: 'https', at },
        { name: 'x-forwarded-host', purpose: 'host', at },
      );
    }
    const unknowns: string[] = [];
    for (const a of site.addresses)
      if (a.unknown) unknowns.push(`${a.at.file}:${a.at.line}: site address ${a.raw} is unknown`);
    const targets = rps.flatMap((r) => upstreamsOf(r).map((u) => targetOf(u.text, u.at)));
    for (const t of targets)
      if (t.host === undefined && t.socket === undefined)
        unknowns.push(`${t.at.file}:${t.at.line}: an upstream is unknown (a placeholder)`);
    const hsts = siteHsts(site);
    const listens = siteListeners(input, site);
    hops.push({
      file: site.at.file,
      kind: 'caddy',
      role: 'proxy',
      label: `caddy ${site.addresses.map((a) => a.raw).join(', ')}`,
      listens,
      targets,
      writes: proxyWrites(main, trust, site),
      believes,
      ...(trust ? { trust } : {}),
      ...(hsts ? { hsts: loc(hsts) } : {}),
      ...(unknowns.length > 0 ? { unknowns } : {}),
    });
  }
  return hops;
}
