/**
 * Option-key validation. An option whose name is misspelt (`allowedHost` for
 * `allowedHosts`, `httpsRedirect: { exmept }`) would otherwise be ignored without a word,
 * and its protection silently missing; plain-JavaScript users have no type checker to
 * catch it. So every entry point (`compilePolicy`, the node middleware, every adapter)
 * checks the keys it is given, nested option objects included, and throws a TypeError
 * that names the unknown key and the nearest valid one, at start-up, like a bad CIDR.
 *
 * Pure, with no dependencies; runs once per compiled policy or middleware, never per request.
 * @module
 */
import type { PolicyOptions } from './policy.js';

/**
 * The valid keys of an options object. `true`: any value (validated elsewhere). A nested
 * schema: when the value is a plain object, its keys are checked against that schema too
 * (a boolean, array, function or class instance is left to the option's own validation).
 */
export interface KeySchema {
  readonly [key: string]: KeySchema | true;
}

/**
 * A schema that lists every key of `T`, and no other: checked by the compiler, so an
 * option added to an interface and not to its schema (or the reverse) fails the build.
 */
export type SchemaOf<T> = { readonly [K in keyof Required<T>]: KeySchema | true };

/** The keys of `compilePolicy`'s options ({@link PolicyOptions}). */
export const POLICY_KEYS = {
  trustedProxies: true,
  headers: true,
  allowedHosts: true,
  sharedSecret: { header: true, values: true } satisfies SchemaOf<
    NonNullable<PolicyOptions['sharedSecret']>
  >,
  unsafeTrustHopCount: true,
  trustVerifiedPeers: true,
  limits: { maxHops: true } satisfies SchemaOf<NonNullable<PolicyOptions['limits']>>,
} as const satisfies SchemaOf<PolicyOptions>;

/**
 * Throw a TypeError when `options` (or a plain object nested under a key whose schema is
 * itself a schema) has an own key that the schema does not list. `where` prefixes the
 * message (`proxytrust`, `compilePolicy`). Values that are not plain objects are left
 * alone: their own validation reports them.
 */
export function checkKeys(where: string, options: unknown, schema: KeySchema): void {
  walk(where, options, schema, '');
}

function walk(where: string, value: unknown, schema: KeySchema, path: string): void {
  if (!isPlainObject(value)) return;
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(schema, key)) throw unknownKey(where, path, key, Object.keys(schema));
    const inner = schema[key];
    if (inner !== true && inner !== undefined) {
      walk(where, (value as Record<string, unknown>)[key], inner, `${path}${key}.`);
    }
  }
}

function isPlainObject(v: unknown): v is object {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function unknownKey(where: string, path: string, key: string, valid: readonly string[]): TypeError {
  const near = nearest(key, valid);
  const shown = JSON.stringify(`${path}${key}`);
  const hint =
    near !== undefined
      ? `did you mean ${JSON.stringify(`${path}${near}`)}?`
      : `the valid ${path === '' ? 'options' : `keys of ${path.slice(0, -1)}`} are: ${valid.join(', ')}`;
  return new TypeError(`${where}: unknown option ${shown}; ${hint}`);
}

/**
 * The valid key closest to `key` (case-insensitive optimal string alignment distance, so
 * a swap of two neighbours costs 1), or undefined when none is close enough to be a typo:
 * within a third of the key's length in edits (1 to 4), or one a prefix of the other (keys
 * of 4 characters or more). Ties go to the earlier key.
 */
export function nearest(key: string, valid: readonly string[]): string | undefined {
  const k = key.toLowerCase();
  const limit = Math.min(4, Math.max(1, Math.floor(k.length / 3)));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of valid) {
    const c = candidate.toLowerCase();
    let d = distance(k, c);
    if (d > limit && k.length >= 4 && (c.startsWith(k) || k.startsWith(c))) d = limit;
    if (d <= limit && d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transposition). */
export function distance(a: string, b: string): number {
  const n = a.length;
  const m = b.length;
  if (n === 0) return m;
  if (m === 0) return n;
  // Three rows: two back (for transpositions), previous, current.
  let back = new Array<number>(m + 1).fill(0);
  let prev = Array.from({ length: m + 1 }, (_, j) => j);
  let cur = new Array<number>(m + 1).fill(0);
  for (let i = 1; i <= n; i++) {
    cur[0] = i;
    for (let j = 1; j <= m; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (
        i > 1 &&
        j > 1 &&
        a.charCodeAt(i - 1) === b.charCodeAt(j - 2) &&
        a.charCodeAt(i - 2) === b.charCodeAt(j - 1)
      ) {
        d = Math.min(d, back[j - 2]! + 1);
      }
      cur[j] = d;
    }
    [back, prev, cur] = [prev, cur, back];
  }
  return prev[m]!;
}
