/**
 * The cross-file stage: which hop stands in front of which (declared with `--chain`, or
 * inferred from the files), then the cross-file rules on each chain. When the files show
 * both proxies and apps but no chain can be found, it says so instead of guessing.
 */
import { resolve } from 'node:path';
import type { HopModel } from '../model.js';
import { CROSS_RULES } from '../registry.js';
import type { ChainModel, CrossRule, Hit } from '../rule.js';
import { inferChains, nextHops } from './infer.js';

/** A cross rule's hit. */
export interface CrossHit {
  readonly rule: CrossRule;
  readonly hit: Hit;
}

/** What the cross-file stage found. */
export interface CrossResult {
  readonly chains: readonly { readonly chain: ChainModel; readonly hits: readonly CrossHit[] }[];
  /** Every hit, once (a hop in two chains is reported once per finding). */
  readonly hits: readonly CrossHit[];
  readonly notes: readonly string[];
}

/** The models of the file a `--chain` entry names (same path, or the same resolved path). */
function modelsOf(name: string, models: readonly HopModel[]): HopModel[] {
  const abs = resolve(name);
  return models.filter((m) => m.file === name || resolve(m.file) === abs);
}

/**
 * Resolve declared chains to hops; a file that describes no hop is a note. A file with
 * several hops (an nginx file with a TLS and a plain-http server) gives one chain per hop of
 * the first file; later files give the hop the one before reaches, else their first.
 */
function declaredChains(
  declared: readonly (readonly string[])[],
  models: readonly HopModel[],
  notes: string[],
): ChainModel[] {
  const out: ChainModel[] = [];
  for (const names of declared) {
    if (names.length < 2) {
      notes.push(
        `--chain ${names.join(',')}: a chain needs at least two files (a proxy and an app)`,
      );
      continue;
    }
    const per = names.map((n) => modelsOf(n, models));
    const empty = names.find((_, i) => per[i]!.length === 0);
    if (empty !== undefined) {
      notes.push(
        `--chain: ${empty} describes no proxy or app hop that lint can read, so the chain ${names.join(',')} was not checked`,
      );
      continue;
    }
    for (const first of per[0]!) {
      const hops: HopModel[] = [first];
      for (const ms of per.slice(1)) {
        const prev = hops[hops.length - 1]!;
        const linked = nextHops(prev, ms);
        hops.push(linked[0] ?? ms[0]!);
      }
      out.push({ source: 'declared', hops });
    }
  }
  return out;
}

/** Run the cross-file rules on the declared chains, or on the ones the files show. */
export function crossLint(
  models: readonly HopModel[],
  declared: readonly (readonly string[])[],
): CrossResult {
  const notes: string[] = [];
  const chains =
    declared.length > 0 ? declaredChains(declared, models, notes) : inferChains(models, notes);
  const seen = new Set<string>();
  const hits: CrossHit[] = [];
  const perChain = chains.map((chain) => {
    const own: CrossHit[] = [];
    for (const rule of CROSS_RULES) {
      for (const hit of rule.check(chain)) {
        const h = { rule, hit };
        own.push(h);
        const key = `${rule.id}\n${hit.at.file}\n${hit.at.line}\n${hit.at.col}\n${hit.message}`;
        if (!seen.has(key)) {
          seen.add(key);
          hits.push(h);
        }
      }
    }
    return { chain, hits: own };
  });
  return { chains: perChain, hits, notes };
}
