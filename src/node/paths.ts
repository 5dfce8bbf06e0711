/**
 * Path rules, for redirect and CSRF exemptions: exact paths, prefixes, regular
 * expressions or predicates, compiled once.
 */

/**
 * One exemption rule:
 * - `'/healthz'`: this exact path (the query string is ignored);
 * - `{ prefix: '/internal/' }`: every path that starts with it;
 * - a `RegExp`: tested against the path (with its leading `/`, without the query);
 * - a function `(req, path) => boolean`.
 */
export type PathRule<R> = string | { readonly prefix: string } | RegExp | PathPredicate<R>;

/** A predicate rule: `req` is the request the binding hands in, `path` has no query string. */
export type PathPredicate<R> = (req: R, path: string) => boolean;

/** A compiled list of rules. */
export type PathMatcher<R> = (req: R, path: string) => boolean;

const NEVER = (): boolean => false;

/**
 * Compile rules once. Throws a TypeError naming the offending rule (`label` says which
 * option it belongs to). Global and sticky flags are dropped from regular expressions,
 * whose `lastIndex` would otherwise make them match every other time.
 */
export function compilePathRules<R>(
  rules: readonly PathRule<R>[] | undefined,
  label: string,
): PathMatcher<R> {
  if (rules === undefined) return NEVER;
  if (!Array.isArray(rules)) throw new TypeError(`${label} must be an array of rules`);
  const exact = new Set<string>();
  const prefixes: string[] = [];
  const patterns: RegExp[] = [];
  const predicates: PathPredicate<R>[] = [];
  for (const rule of rules) {
    if (typeof rule === 'string') {
      if (!rule.startsWith('/')) {
        throw new TypeError(`${label}: path ${JSON.stringify(rule)} must start with "/"`);
      }
      if (rule.includes('?')) {
        throw new TypeError(`${label}: path ${JSON.stringify(rule)} must not contain a query`);
      }
      exact.add(rule);
    } else if (rule instanceof RegExp) {
      patterns.push(
        rule.global || rule.sticky
          ? new RegExp(rule.source, rule.flags.replace(/[gy]/g, ''))
          : rule,
      );
    } else if (typeof rule === 'function') {
      predicates.push(rule);
    } else if (rule !== null && typeof rule === 'object' && typeof rule.prefix === 'string') {
      if (!rule.prefix.startsWith('/')) {
        throw new TypeError(`${label}: prefix ${JSON.stringify(rule.prefix)} must start with "/"`);
      }
      prefixes.push(rule.prefix);
    } else {
      throw new TypeError(
        `${label}: invalid rule ${JSON.stringify(rule)}; expected a path, { prefix }, a RegExp or a function`,
      );
    }
  }
  if (exact.size + prefixes.length + patterns.length + predicates.length === 0) return NEVER;
  return (req: R, path: string): boolean => {
    if (exact.has(path)) return true;
    for (const p of prefixes) if (path.startsWith(p)) return true;
    for (const re of patterns) if (re.test(path)) return true;
    for (const fn of predicates) if (fn(req, path) === true) return true;
    return false;
  };
}
