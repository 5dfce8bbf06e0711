/**
 * The deployment chain as the audit can see it: client -> each proxy -> app. With a probe,
 * it is read from what reached the app (its TCP peer, X-Forwarded-For, Forwarded, the other
 * forwarded headers) and what the app believed; without one, only the audited entry point is
 * known. The HTML report draws it (docs/audit.md, "The chain").
 */
import type { ProbeAnswer } from './context.js';
import { duplicatedForwarded } from './probe-answer.js';
import type { AuditChain, ChainHop, CheckId } from './types.js';

/** Split a header list on commas outside double quotes; trims, drops empty members. */
function splitList(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && quoted && i + 1 < value.length) {
      cur += ch + value[++i];
      continue;
    }
    if (ch === '"') quoted = !quoted;
    if (ch === ',' && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out.filter((m) => m !== '');
}

/** The `for=` of one Forwarded element, unquoted, or undefined. */
function forwardedFor(element: string): string | undefined {
  for (const pair of element.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    if (pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
    return pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
  }
  return undefined;
}

/**
 * The chain from the probe's answer over https. Each proxy that appends to X-Forwarded-For
 * (or Forwarded) adds the address of the hop before it, so n members mean n proxies: the
 * first member is the client, member k the address of proxy k, and the app's TCP peer is the
 * last proxy. Headers other than X-Forwarded-For and Forwarded do not say which proxy wrote
 * them: they are listed as they arrived at the app. Members a client forged are read the
 * same way: the drawing shows what arrived, the checks judge it.
 */
export function chainFromProbe(answer: ProbeAnswer): AuditChain {
  // parseProbeAnswer has made every name lower case and every value a list of strings
  const arrived = { ...answer.forwarded };
  const xff = (arrived['x-forwarded-for'] ?? []).flatMap(splitList);
  const fwd = (arrived.forwarded ?? []).flatMap(splitList);
  const n = Math.max(xff.length, fwd.length);
  const str = (v: unknown): string | undefined =>
    typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
  const peer = str(answer.view.peer);
  const notes: string[] = [];
  const hops: ChainHop[] = [];
  const clientAddress = n > 0 ? (xff[0] ?? forwardedFor(fwd[0] ?? '')) : peer;
  hops.push({
    role: 'client',
    label: 'client (the audit)',
    ...(clientAddress !== undefined ? { address: clientAddress } : {}),
    wrote: [],
  });
  for (let k = 1; k <= n; k++) {
    const address = k < n ? (xff[k] ?? forwardedFor(fwd[k] ?? '')) : peer;
    const wrote: string[] = [];
    if (xff[k - 1] !== undefined) wrote.push(`X-Forwarded-For: +${xff[k - 1]}`);
    if (fwd[k - 1] !== undefined) wrote.push(`Forwarded: +${fwd[k - 1]}`);
    hops.push({
      role: 'proxy',
      label: n === 1 ? 'proxy' : `proxy ${k}`,
      ...(address !== undefined ? { address } : {}),
      wrote,
    });
  }
  // Host comes from the client (a proxy may rewrite it): it is no sign of a proxy
  const others = Object.keys(arrived).filter(
    (h) => h !== 'x-forwarded-for' && h !== 'forwarded' && h !== 'host',
  );
  if (n === 0 && others.length > 0) {
    // forwarded headers arrived but none lists addresses: at least one proxy, count unknown
    hops.push({
      role: 'proxy',
      label: 'proxy (one or more)',
      ...(peer !== undefined ? { address: peer } : {}),
      wrote: [],
    });
    notes.push('no X-Forwarded-For or Forwarded reached the app: the number of proxies is unknown');
  }
  if (n === 0 && others.length === 0)
    notes.push(
      'no forwarded header reached the app: the client talks to it directly, or the proxies in front write nothing',
    );
  if (others.length > 0)
    notes.push(
      `${others.join(', ')}: the probe shows what reached the app, not which proxy wrote it`,
    );
  const view = answer.view;
  const believed: string[] = [];
  for (const [key, label] of [
    ['scheme', 'scheme'],
    ['host', 'host'],
    ['clientIp', 'client IP'],
    ['peer', 'peer'],
  ] as const) {
    const v = str(view[key]);
    if (v !== undefined) believed.push(`${label} ${v}`);
  }
  if (typeof view.peerTrusted === 'boolean')
    believed.push(view.peerTrusted ? 'peer trusted' : 'peer not trusted');
  hops.push({
    role: 'app',
    label: `app (${str(answer.probe) ?? 'proxytrust'} probe)`,
    wrote: [],
    believed,
  });
  const duplicates = [
    ...new Set(duplicatedForwarded(answer).flatMap((d) => (d.header ? [d.header] : []))),
  ];
  return { source: 'probe', hops, arrived, duplicates, notes };
}

/** The chain without a probe: the client, the audited entry point, and an app not seen. */
export function chainFromOutside(url: string): AuditChain {
  let where = url;
  try {
    where = new URL(url).host;
  } catch {
    // keep the text as it is
  }
  return {
    source: 'outside',
    hops: [
      { role: 'client', label: 'client (the audit)', wrote: [] },
      { role: 'entry', label: 'entry point', address: where, wrote: [] },
      { role: 'app', label: 'app (unknown)', wrote: [] },
    ],
    arrived: {},
    duplicates: [],
    notes: [
      "without a probe the audit sees only the entry point: with --probe-secret the app's probe shows each proxy's address, the forwarded headers that reached the app and what the app believed",
    ],
  };
}

/**
 * Which hop owns the fix of each check, for the drawing: `edge` is the first proxy (the one
 * the client reaches, which terminates TLS and must overwrite client-sent forwarded
 * headers; the app itself when no proxy is in front), `app` the application. Checks whose
 * fix may live at either (the https redirect, HSTS, the Host check, health checks) or at any
 * proxy (duplicated headers) are not marked: the report does not guess.
 */
export const FIX_OWNER: Readonly<Partial<Record<CheckId, 'edge' | 'app'>>> = Object.freeze({
  'proto-spoof': 'edge',
  'ip-spoof': 'edge',
  'forwarded-host-spoof': 'edge',
  'scheme-detection': 'edge',
  'redirect-loop': 'edge',
  'cookie-flags': 'app',
  'csrf-origin': 'app',
});

/**
 * The index of the hop that owns the fix of `check` in `chain`, or undefined when the
 * mapping names no owner. `edge` is the first proxy or entry point, else the app.
 */
export function fixOwnerHop(chain: AuditChain, check: CheckId): number | undefined {
  const owner = FIX_OWNER[check];
  if (owner === undefined) return undefined;
  const app = chain.hops.findIndex((h) => h.role === 'app');
  if (owner === 'app') return app < 0 ? undefined : app;
  const edge = chain.hops.findIndex((h) => h.role === 'proxy' || h.role === 'entry');
  return edge >= 0 ? edge : app < 0 ? undefined : app;
}
