/**
 * What the cross-file rules ask of a chain: for a hop, the proxy in front of it, the last
 * hop before it that writes a header, and whether it believes that proxy at all.
 */

import { parseCidr, parseIpWords } from '../../core/address.js';
import type { Belief, HeaderWrite, HopModel, Loc, Purpose } from '../model.js';
import type { ChainModel } from '../rule.js';
import { isLoopback, reaches } from './infer.js';

/** `file:line: what` evidence. */
export const ev = (at: Loc, what: string): string => `${at.file}:${at.line}: ${what}`;

/** The header's name as people write it (`X-Forwarded-Proto`). */
export const display = (name: string): string =>
  name.replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());

/** The last proxy before hop `k`, or undefined. */
export function frontOf(chain: ChainModel, k: number): HopModel | undefined {
  for (let j = k - 1; j >= 0; j--) if (chain.hops[j]!.role === 'proxy') return chain.hops[j];
  return undefined;
}

/** The number of proxies before hop `k`. */
export const proxiesBefore = (chain: ChainModel, k: number): number =>
  chain.hops.slice(0, k).filter((h) => h.role === 'proxy').length;

/**
 * The last write of `name` by a hop before `k` (the value the hop at `k` receives), with
 * the writing hop's index `j`.
 */
export function writerFor(
  chain: ChainModel,
  k: number,
  name: string,
): { hop: HopModel; j: number; write: HeaderWrite } | undefined {
  for (let j = k - 1; j >= 0; j--) {
    const hop = chain.hops[j]!;
    // a header written on several lines is judged by its first (nginx sends every line;
    // duplicates are the single-file rules' business)
    const write = hop.writes.find((w) => w.name === name);
    if (write) return { hop, j, write };
  }
  return undefined;
}

/**
 * The address the proxy in front connects to hop `k` from: the one its file names (nginx
 * `proxy_bind`), else `127.0.0.1` when every link between them is a loopback address or a
 * Unix socket, else undefined (a container network, another host).
 */
export function sourceOf(chain: ChainModel, k: number): string | undefined {
  const front = frontOf(chain, k);
  if (!front) return undefined;
  if (front.source !== undefined) return front.source;
  // an app configuration without listeners runs inside the app server before it
  let target = chain.hops[k]!;
  for (let j = k; j > 0 && target.listens.length === 0; j--) target = chain.hops[j - 1]!;
  if (target === front) return undefined;
  const links = front.targets.filter((t) => target.listens.some((l) => reaches(t, l, target)));
  if (links.length === 0) return undefined;
  if (links.every((t) => t.socket !== undefined)) return '127.0.0.1';
  if (!links.every((t) => t.socket !== undefined || isLoopback(t.host))) return undefined;
  // a proxy that reaches the app at ::1 connects from ::1
  return links.some((t) => t.host !== undefined && t.host.replace(/^\[|\]$/g, '') === '::1')
    ? '::1'
    : '127.0.0.1';
}

const scratch = new Uint32Array(4);

/** True when `cidr` (an address, a CIDR, `*`, `localhost`) covers the address `addr`. */
export function covers(cidr: string, addr: string): boolean {
  const c = cidr.trim();
  if (c === '*') return true;
  if (c === 'localhost') return isLoopback(addr);
  let range: ReturnType<typeof parseCidr>;
  try {
    range = parseCidr(c);
  } catch {
    return false;
  }
  const v = parseIpWords(addr, 0, addr.length, scratch);
  if (v !== range.version) return false;
  for (let w = 0; w < range.words.length; w++) {
    const bits = Math.max(0, Math.min(32, range.prefix - w * 32));
    const mask = bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
    if ((scratch[w]! & mask) >>> 0 !== range.words[w]) return false;
  }
  return true;
}

/**
 * True when hop `k` believes the proxy in front at all: it trusts every peer, its trust is
 * unknown or a hop count, it has no notion of trust (Django reads what the app server hands
 * it), or its addresses cover the address the proxy connects from. When that address is
 * unknown, the hop is taken to believe it.
 */
export function believesFront(chain: ChainModel, k: number): boolean {
  const t = chain.hops[k]!.trust;
  if (!t || t.all || t.unknown || t.hops !== undefined) return true;
  const src = sourceOf(chain, k);
  if (src === undefined) return true;
  return (t.cidrs ?? []).some((c) => covers(c, src));
}

/** Every belief of the hops after the edge, with its hop's index. */
export function beliefs(chain: ChainModel): { k: number; hop: HopModel; belief: Belief }[] {
  const out: { k: number; hop: HopModel; belief: Belief }[] = [];
  chain.hops.forEach((hop, k) => {
    if (k > 0) for (const belief of hop.believes) out.push({ k, hop, belief });
  });
  return out;
}

/** True when a write replaces the client's value on every listener of its hop. */
export const replaces = (w: HeaderWrite | undefined): boolean =>
  w !== undefined && (w.action === 'set' || w.action === 'clear') && w.onlyTls !== true;

/**
 * True when the hop refuses a request whose believed headers of this purpose disagree and
 * one of them is replaced by the proxies in front: a forged one then gets a refusal, not
 * belief (gunicorn's scheme headers).
 */
export function guardedByAgreement(chain: ChainModel, k: number, purpose: Purpose): boolean {
  const hop = chain.hops[k]!;
  if (!hop.mustAgree?.includes(purpose)) return false;
  return hop.believes.some(
    (b) => b.purpose === purpose && replaces(writerFor(chain, k, b.name)?.write),
  );
}

/**
 * True when an app behind hop `k` reads its own header of this purpose and the proxies in
 * front of `k` set it on every request: it then never falls back to what hop `k` made of the
 * others. (A header that hop `k` or a later one writes may carry what `k` believed: it decides
 * nothing.) Django reads
 * `SECURE_PROXY_SSL_HEADER` when the request has it, and only without it the WSGI server's
 * `wsgi.url_scheme` (which gunicorn or uwsgi derived from their own scheme headers).
 */
export function decidedDownstream(chain: ChainModel, k: number, purpose: Purpose): boolean {
  return chain.hops.slice(k + 1).some((hop, i) =>
    hop.believes.some((b) => {
      if (b.purpose !== purpose) return false;
      const w = writerFor(chain, k + 1 + i, b.name);
      return w !== undefined && w.j < k && w.write.action === 'set' && w.write.onlyTls !== true;
    }),
  );
}
