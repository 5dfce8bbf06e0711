/**
 * Which hop stands in front of which, from what the files say: a proxy's targets matched
 * against the listeners and names of the other hops. A chain is only reported when every
 * link is shown by the files; otherwise the stage notes what it could not link.
 */
import type { HopModel, Listener, Target } from '../model.js';
import type { ChainModel } from '../rule.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', 'ip6-localhost']);
const ANY = new Set(['0.0.0.0', '::', '*', '']);

/** An address as compared: lower case, brackets off, `localhost` as 127.0.0.1. */
const norm = (h: string): string => {
  const x = h.toLowerCase().replace(/^\[|\]$/g, '');
  return x === 'localhost' ? '127.0.0.1' : x;
};

/** True when a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string | undefined): boolean {
  if (host === undefined) return false;
  const h = norm(host);
  return LOOPBACK.has(h) || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** True when target `t` reaches listener `l` of `hop`. */
export function reaches(t: Target, l: Listener, hop: HopModel): boolean {
  if (t.socket !== undefined || l.socket !== undefined)
    return t.socket !== undefined && t.socket === l.socket;
  if (t.host === undefined) return false;
  const th = norm(t.host);
  const byName = (hop.names ?? []).some((n) => norm(n) === th);
  if (t.port !== undefined && l.port !== undefined && t.port !== l.port) return false;
  if (t.port === undefined || l.port === undefined) {
    // a port left unknown on one side links only by service name
    return byName;
  }
  if (byName) return true;
  const lh = l.host === undefined ? '' : norm(l.host);
  if (ANY.has(lh)) return isLoopback(th);
  if (isLoopback(lh)) return isLoopback(th) && (lh === th || (lh !== '::1' && th !== '::1'));
  return lh === th;
}

/** The hops that `from` sends requests to. */
export function nextHops(from: HopModel, models: readonly HopModel[]): HopModel[] {
  const out: HopModel[] = [];
  for (const m of models) {
    if (m === from) continue;
    if (from.targets.some((t) => m.listens.some((l) => reaches(t, l, m)))) out.push(m);
  }
  return out;
}

const describe = (t: Target): string =>
  t.socket !== undefined ? `unix:${t.socket}` : `${t.host ?? '?'}:${t.port ?? '?'}`;

/** The chains the files show, client-facing hop first. */
export function inferChains(models: readonly HopModel[], notes: string[]): ChainModel[] {
  const proxies = models.filter((m) => m.role === 'proxy');
  const apps = models.filter((m) => m.role === 'app');
  const edges = new Map<HopModel, HopModel[]>();
  const incoming = new Set<HopModel>();
  for (const p of proxies) {
    const next = nextHops(p, models);
    edges.set(p, next);
    for (const n of next) incoming.add(n);
  }
  const chains: ChainModel[] = [];
  const walk = (path: HopModel[]): void => {
    const last = path[path.length - 1]!;
    if (last.role === 'app') {
      chains.push({ source: 'inferred', hops: withSettings(path, apps) });
      return;
    }
    for (const n of edges.get(last) ?? []) if (!path.includes(n)) walk([...path, n]);
  };
  for (const p of proxies) if (!incoming.has(p)) walk([p]);
  // what could not be linked, said once
  if (apps.length > 0 && proxies.length > 0) {
    const linked = new Set(chains.flatMap((c) => c.hops));
    for (const p of proxies) {
      if (linked.has(p) || (edges.get(p)?.length ?? 0) > 0) continue;
      const where = p.targets.map(describe).join(', ') || 'no upstream it names';
      notes.push(
        `${p.file}: ${p.label} sends to ${where}, where no app or proxy in these files listens: declare the chain with --chain if it is one`,
      );
    }
  }
  const servers = apps.filter((a) => a.listens.length > 0);
  if (proxies.length === 0 && servers.length > 0)
    notes.push(
      `no proxy in these files stands in front of ${servers.map((a) => `${a.label} (${a.file})`).join(', ')}: the cross-file rules had no chain to check`,
    );
  return chains;
}

/**
 * An app server runs the app: when the run holds exactly one app server and exactly one app
 * configuration with no listener (Django settings), the chain ends with both. More than one
 * of either is left for `--chain` to say.
 */
function withSettings(path: HopModel[], apps: readonly HopModel[]): HopModel[] {
  const settings = apps.filter((a) => a.listens.length === 0);
  const servers = apps.filter((a) => a.listens.length > 0);
  const last = path[path.length - 1]!;
  if (settings.length === 1 && servers.length === 1 && servers[0] === last)
    return [...path, settings[0]!];
  return path;
}
