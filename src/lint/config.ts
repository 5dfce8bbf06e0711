/**
 * The `lint` section of `proxytrust.json`, validated strictly: an unknown key is an error
 * that names the nearest valid key. The project config loader hands this section over.
 *
 * ```json
 * { "lint": { "paths": ["nginx/"], "kind": "nginx", "failOn": "warning", "confRoot": "/etc/nginx",
 *   "context": "server", "ignore": [{ "rule": "nginx/xff-append-at-edge", "paths": ["inner/*.conf"],
 *   "reason": "inner hop behind our LB" }] } }
 * ```
 */

import { distance } from '../core/keys.js';
import { RULES } from './registry.js';
import type { IgnoreEntry } from './suppress.js';
import { LINT_KINDS, type LintKind, type LintSeverity } from './types.js';

/** The validated section. */
export interface LintConfig {
  readonly paths: readonly string[];
  readonly kind?: LintKind;
  readonly failOn?: LintSeverity;
  readonly confRoot?: string;
  readonly context?: 'http' | 'server' | 'location';
  readonly ignore: readonly IgnoreEntry[];
  /** Declared chains: each lists files from the client-facing hop to the app. */
  readonly chains?: readonly (readonly string[])[];
  /** The Django version, where the repository does not show it. */
  readonly djangoVersion?: string;
}

/** A bad config section; the message says where and what. */
export class LintConfigError extends Error {
  override readonly name = 'LintConfigError';
}

const KEYS = [
  'paths',
  'kind',
  'failOn',
  'confRoot',
  'context',
  'ignore',
  'chains',
  'djangoVersion',
];
const IGNORE_KEYS = ['rule', 'paths', 'reason'];

/** The valid key nearest to `k`. */
export function nearest(k: string, valid: readonly string[]): string {
  const lk = k.toLowerCase();
  return [...valid].sort(
    (x, y) => distance(lk, x.toLowerCase()) - distance(lk, y.toLowerCase()),
  )[0]!;
}

function strings(v: unknown, where: string): string[] {
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === ''))
    throw new LintConfigError(`${where} must be an array of non-empty strings`);
  return v as string[];
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], where: string): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v))
    throw new LintConfigError(
      `${where} must be one of ${allowed.join(', ')}, not ${JSON.stringify(v)}`,
    );
  return v as T;
}

/** Validate the `lint` section (the value of the `lint` key). */
export function parseLintConfig(section: unknown): LintConfig {
  if (typeof section !== 'object' || section === null || Array.isArray(section))
    throw new LintConfigError('"lint" must be an object');
  const o = section as Record<string, unknown>;
  for (const k of Object.keys(o))
    if (!KEYS.includes(k))
      throw new LintConfigError(`lint: unknown key "${k}" (did you mean "${nearest(k, KEYS)}"?)`);
  if (o.paths === undefined) throw new LintConfigError('lint: "paths" is required');
  const paths = strings(o.paths, 'lint.paths');
  const ids = RULES.map((r) => r.id);
  const ignore: IgnoreEntry[] = [];
  if (o.ignore !== undefined) {
    if (!Array.isArray(o.ignore)) throw new LintConfigError('lint.ignore must be an array');
    o.ignore.forEach((e, i) => {
      const where = `lint.ignore[${i}]`;
      if (typeof e !== 'object' || e === null || Array.isArray(e))
        throw new LintConfigError(`${where} must be an object`);
      const x = e as Record<string, unknown>;
      for (const k of Object.keys(x))
        if (!IGNORE_KEYS.includes(k))
          throw new LintConfigError(
            `${where}: unknown key "${k}" (did you mean "${nearest(k, IGNORE_KEYS)}"?)`,
          );
      if (typeof x.rule !== 'string' || !ids.includes(x.rule))
        throw new LintConfigError(
          `${where}.rule: unknown rule ${JSON.stringify(x.rule)}${typeof x.rule === 'string' ? ` (did you mean "${nearest(x.rule, ids)}"?)` : ''}`,
        );
      if (typeof x.reason !== 'string' || x.reason.trim() === '')
        throw new LintConfigError(
          `${where}.reason is mandatory: say why the finding is safe to ignore`,
        );
      ignore.push({
        rule: x.rule,
        reason: x.reason,
        ...(x.paths !== undefined ? { paths: strings(x.paths, `${where}.paths`) } : {}),
      });
    });
  }
  return {
    paths,
    ...(o.kind !== undefined ? { kind: oneOf(o.kind, LINT_KINDS, 'lint.kind') } : {}),
    ...(o.failOn !== undefined
      ? { failOn: oneOf(o.failOn, ['error', 'warning', 'info'] as const, 'lint.failOn') }
      : {}),
    ...(o.confRoot !== undefined ? { confRoot: strings([o.confRoot], 'lint.confRoot')[0]! } : {}),
    ...(o.context !== undefined
      ? { context: oneOf(o.context, ['http', 'server', 'location'] as const, 'lint.context') }
      : {}),
    ignore,
    ...(o.chains !== undefined ? { chains: chainsOf(o.chains) } : {}),
    ...(o.djangoVersion !== undefined
      ? { djangoVersion: djangoVersion(o.djangoVersion, 'lint.djangoVersion') }
      : {}),
  };
}

function chainsOf(v: unknown): string[][] {
  if (!Array.isArray(v)) throw new LintConfigError('lint.chains must be an array of chains');
  return v.map((c, i) => {
    const files = strings(c, `lint.chains[${i}]`);
    if (files.length < 2)
      throw new LintConfigError(
        `lint.chains[${i}] needs at least two files: the proxy in front, then the app`,
      );
    return files;
  });
}

/** A Django version as `major.minor` (`3.2`, `4.2`, `5.1`); throws with `where` otherwise. */
export function djangoVersion(v: unknown, where: string): string {
  if (typeof v !== 'string' || !/^[1-9]\d?\.\d{1,2}$/.test(v))
    throw new LintConfigError(
      `${where} must be a Django version like "4.2", not ${JSON.stringify(v)}`,
    );
  return v;
}
