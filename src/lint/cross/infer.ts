/**
 * Which hop stands in front of which, from what the files say: a proxy's targets matched
 * against the listeners and names of the other hops. A chain is only reported when every
 * link is shown by the files; otherwise the stage notes what it could not link.
 */
import { dirname } from 'node:path';
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

/** The hops (other than `from`) that listen where target `t` points. */
function answering(t: Target, from: HopModel, models: readonly HopModel[]): HopModel[] {
  return models.filter((m) => m !== from && m.listens.some((l) => reaches(t, l, m)));
}

/** The hops that `from` sends requests to. */
export function nextHops(from: HopModel, models: readonly HopModel[]): HopModel[] {
  return [...new Set(from.targets.flatMap((t) => answering(t, from, models)))];
}

/** How many directories apart two files are (0: the same directory). */
function apart(a: string, b: string): number {
  const da = dirname(a).split(/[\\/]/);
  const db = dirname(b).split(/[\\/]/);
  let i = 0;
  while (i < da.length && i < db.length && da[i] === db[i]) i++;
  return da.length - i + (db.length - i);
}

/**
 * The hops `from` sends requests to, for inference: for each target, the hops nearest to
 * `from`'s file that listen where it points (a deployment's files sit together: the
 * gunicorn.conf.py beside this nginx.conf, not the one of another service elsewhere in the
 * repository). A target that the nearest files of more than one place answer is ambiguous:
 * it is listed, not linked.
 */
function linkedHops(
  from: HopModel,
  models: readonly HopModel[],
): { next: HopModel[]; ambiguous: Target[] } {
  const next = new Set<HopModel>();
  const ambiguous: Target[] = [];
  for (const t of from.targets) {
    const near = nearest(from, answering(t, from, models));
    if (near.length === 0) continue;
    if (new Set(near.map((m) => m.file)).size > 1) ambiguous.push(t);
    else for (const m of near) next.add(m);
  }
  return { next: [...next], ambiguous };
}

const describe = (t: Target): string =>
  t.socket !== undefined ? `unix:${t.socket}` : `${t.host ?? '?'}:${t.port ?? '?'}`;

/** The chains the files show, client-facing hop first. */
export function inferChains(models: readonly HopModel[], notes: string[]): ChainModel[] {
  const proxies = models.filter((m) => m.role === 'proxy');
  const apps = models.filter((m) => m.role === 'app');
  const edges = new Map<HopModel, HopModel[]>();
  const incoming = new Set<HopModel>();
  const unclear = new Set<HopModel>();
  for (const p of proxies) {
    const { next, ambiguous } = linkedHops(p, models);
    edges.set(p, next);
    for (const n of next) incoming.add(n);
    if (ambiguous.length === 0) continue;
    unclear.add(p);
    notes.push(
      `${p.file}: ${p.label} sends to ${[...new Set(ambiguous.map(describe))].join(', ')}, where hops in several files listen at the same distance: declare the chain with --chain`,
    );
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
      // linked, or ambiguous (said above)
      if (linked.has(p) || (edges.get(p)?.length ?? 0) > 0 || unclear.has(p)) continue;
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

/** The hops of `cands` nearest to `from`'s file (fewest directories apart). */
function nearest(from: HopModel, cands: readonly HopModel[]): HopModel[] {
  if (cands.length === 0) return [];
  const d = Math.min(...cands.map((m) => apart(from.file, m.file)));
  return cands.filter((m) => apart(from.file, m.file) === d);
}

/**
 * A chain that ends at an app server goes on to the Django settings it serves: the settings
 * file nearest to that server, when the server is in turn the one app server nearest to it
 * (a repository with several deployments pairs each server with its own settings, and an
 * ambiguous pair is left alone).
 */
function withSettings(path: HopModel[], apps: readonly HopModel[]): HopModel[] {
  const settings = apps.filter((a) => a.listens.length === 0);
  const servers = apps.filter((a) => a.listens.length > 0);
  const last = path[path.length - 1]!;
  if (!servers.includes(last)) return path;
  const s = nearest(last, settings);
  if (s.length !== 1) return path;
  const back = nearest(s[0]!, servers);
  return back.length === 1 && back[0] === last ? [...path, s[0]!] : path;
}
