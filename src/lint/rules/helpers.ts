/** Small helpers the nginx rules share. */
import {
  effective,
  enclosing,
  headerName,
  known,
  memo,
  type Node,
  own,
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
  for (let c: Scope | undefined = s; c; c = c.parent)
    if (own(c, 'set_real_ip_from').length > 0) return false;
  // real_ip inside the server's other blocks says the same
  return !memo(srv, 'realIpInside', () =>
    scopes(srv).some((sc) => own(sc, 'set_real_ip_from').length > 0),
  );
}

/** The effective `proxy_set_header` names of a proxy site, or undefined when unknown. */
export function effectiveNames(site: ProxySite): Set<string> | undefined {
  const eff = effective(site.scope, 'proxy_set_header');
  // computed once per level that supplies the lines (every location inheriting them shares it)
  return memo(eff.from ?? site.scope, eff.unknown ? 'namesUnknown' : 'names', () =>
    eff.unknown || !eff.lines.every(known) ? undefined : new Set(eff.lines.map(headerName)),
  );
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
  return !upstreamNames(root).has(host);
}

/** The names of the `upstream` blocks under a scope. */
function upstreamNames(root: Scope): Set<string> {
  return memo(root, 'upstreamNames', () => {
    const names = new Set<string>();
    for (const s of scopes(root)) for (const n of own(s, 'upstream')) names.add(n.args[0] ?? '');
    return names;
  });
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
  for (let c: Scope | undefined = s; c; c = c.parent)
    if (
      c.kind === 'location' &&
      c.node?.args.some((a) => a.includes('/.well-known/acme-challenge'))
    )
      return true;
  return false;
}

/**
 * True when a `proxy_set_header` line in scope `s` reaches some `proxy_pass`: a proxy site
 * whose effective headers come from `s` (lines in a location that only does `uwsgi_pass`
 * take no effect).
 */
export function takesEffect(s: Scope): boolean {
  return memo(s, 'takesEffect', () =>
    proxySites(s).some((site) => {
      const from = effective(site.scope, 'proxy_set_header').from;
      return from !== undefined && from.node === s.node && from.kind === s.kind;
    }),
  );
}
