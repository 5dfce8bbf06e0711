/** Small helpers the nginx rules share. */
import {
  chain,
  effective,
  enclosing,
  headerName,
  known,
  type Node,
  type ProxySite,
  proxySites,
  type Scope,
  scopes,
} from '../nginx/tree.js';

/** The enclosing `server` block node's scope (not a fragment's root). */
export function serverNode(s: Scope): Scope | undefined {
  const srv = enclosing(s, 'server');
  return srv?.node ? srv : undefined;
}

/** True when a server faces clients: a real `server` block with no `set_real_ip_from` in effect. */
export function atEdge(s: Scope): boolean {
  const srv = serverNode(s);
  if (!srv) return false;
  if (chain(s).some((c) => c.children.some((n) => n.name === 'set_real_ip_from'))) return false;
  // real_ip inside the server's other blocks says the same
  for (const sc of scopes(srv))
    if (sc.children.some((n) => n.name === 'set_real_ip_from')) return false;
  return true;
}

/** The effective `proxy_set_header` names of a proxy site, or undefined when unknown. */
export function effectiveNames(site: ProxySite): Set<string> | undefined {
  const eff = effective(site.scope, 'proxy_set_header');
  if (eff.unknown || !eff.lines.every(known)) return undefined;
  return new Set(eff.lines.map(headerName));
}

/**
 * True when `proxy_pass` goes to a third party over https by name (a report collector, a
 * CDN): its headers are not the app's.
 */
export function thirdParty(pass: Node, root: Scope): boolean {
  const m = /^https:\/\/([^/:$]+)/i.exec(pass.args[0] ?? '');
  if (!m) return false;
  const host = m[1]!;
  if (/^[\d.]+$/.test(host) || host === 'localhost' || !host.includes('.')) return false;
  for (const s of scopes(root))
    if (s.children.some((n) => n.name === 'upstream' && n.args[0] === host)) return false;
  return true;
}

/** `name arg arg;` as written (quoted when needed). */
export function render(n: Pick<Node, 'name' | 'args'>): string {
  const q = (a: string) => (a === '' || /[\s;{}"']/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a);
  return `${n.name}${n.args.map((a) => ` ${q(a)}`).join('')};`;
}

/** The port a `listen` argument names (80 when only an address is given). */
export function listenPort(arg: string): string {
  if (arg.startsWith('unix:')) return arg;
  const m = /(?:^|:)(\d+)$/.exec(arg);
  if (m && (/^\d+$/.test(arg) || arg.includes(':'))) return m[1]!;
  return '80';
}

/** True when a location only answers ACME challenges (not the app). */
export function acmeOnly(s: Scope): boolean {
  return chain(s).some(
    (c) =>
      c.kind === 'location' && c.node?.args.some((a) => a.includes('/.well-known/acme-challenge')),
  );
}

/**
 * True when a `proxy_set_header` line in scope `s` reaches some `proxy_pass`: a proxy site
 * whose effective headers come from `s` (lines in a location that only does `uwsgi_pass`
 * take no effect).
 */
export function takesEffect(s: Scope): boolean {
  return proxySites(s).some((site) => {
    const from = effective(site.scope, 'proxy_set_header').from;
    return from !== undefined && from.node === s.node && from.kind === s.kind;
  });
}
