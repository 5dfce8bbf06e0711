/**
 * The forwarded headers the resolver knows, the family shorthands that name several of them
 * at once, and how a policy's `headers` list is read: names and shorthands, case-insensitive,
 * an unknown one refused with the nearest valid name.
 */
import { distance } from './keys.js';

/** Every forwarded header the resolver can believe, lower-case. */
export type ForwardedHeaderName =
  | 'forwarded'
  | 'x-forwarded-for'
  | 'x-forwarded-proto'
  | 'x-forwarded-host'
  | 'x-forwarded-port'
  | 'x-forwarded-prefix'
  | 'x-real-ip'
  | 'cf-connecting-ip'
  | 'cf-visitor'
  | 'cloudfront-forwarded-proto'
  | 'cloudfront-viewer-address'
  | 'true-client-ip'
  | 'fly-client-ip'
  | 'x-forwarded-ssl'
  | 'front-end-https'
  | 'x-forwarded-protocol'
  | 'x-url-scheme';

/** Every forwarded header name, in a stable order. */
export const FORWARDED_HEADER_NAMES: readonly ForwardedHeaderName[] = Object.freeze([
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-real-ip',
  'cf-connecting-ip',
  'cf-visitor',
  'cloudfront-forwarded-proto',
  'cloudfront-viewer-address',
  'true-client-ip',
  'fly-client-ip',
  'x-forwarded-ssl',
  'front-end-https',
  'x-forwarded-protocol',
  'x-url-scheme',
] as const);

/**
 * Shorthands that name several headers at once. A shorthand whose name is also a header's
 * (`forwarded`, `x-real-ip`, ...) names exactly that header.
 */
export type HeaderFamily =
  | 'forwarded' // RFC 7239 Forwarded
  | 'x-forwarded' // X-Forwarded-For/-Proto/-Host/-Port/-Prefix
  | 'x-real-ip' // X-Real-IP
  | 'cloudfront' // CloudFront-Forwarded-Proto, CloudFront-Viewer-Address
  | 'cloudflare' // CF-Connecting-IP, CF-Visitor
  | 'true-client-ip' // True-Client-IP (Cloudflare Enterprise, Akamai)
  | 'fly' // Fly-Client-IP (Fly.io documents no Fly-Forwarded-Proto; see docs/presets.md)
  | 'ssl-flags' // X-Forwarded-Ssl: on, Front-End-Https: on
  | 'x-forwarded-protocol' // X-Forwarded-Protocol
  | 'x-url-scheme'; // X-Url-Scheme

/** Every header family shorthand, in a stable order. */
export const HEADER_FAMILIES: readonly HeaderFamily[] = Object.freeze([
  'forwarded',
  'x-forwarded',
  'x-real-ip',
  'cloudfront',
  'cloudflare',
  'true-client-ip',
  'fly',
  'ssl-flags',
  'x-forwarded-protocol',
  'x-url-scheme',
] as const);

/** The header names of each family, lower-case. */
export const FAMILY_HEADERS: Readonly<Record<HeaderFamily, readonly ForwardedHeaderName[]>> =
  Object.freeze({
    forwarded: ['forwarded'],
    'x-forwarded': [
      'x-forwarded-for',
      'x-forwarded-proto',
      'x-forwarded-host',
      'x-forwarded-port',
      'x-forwarded-prefix',
    ],
    'x-real-ip': ['x-real-ip'],
    cloudfront: ['cloudfront-forwarded-proto', 'cloudfront-viewer-address'],
    cloudflare: ['cf-connecting-ip', 'cf-visitor'],
    'true-client-ip': ['true-client-ip'],
    fly: ['fly-client-ip'],
    'ssl-flags': ['x-forwarded-ssl', 'front-end-https'],
    'x-forwarded-protocol': ['x-forwarded-protocol'],
    'x-url-scheme': ['x-url-scheme'],
  });

/** What a policy's `headers` list accepts: a header name or a family shorthand. */
export type HeaderName = ForwardedHeaderName | HeaderFamily;

/** The headers believed when the policy names neither `headers` nor a preset. */
export const DEFAULT_HEADERS: readonly ForwardedHeaderName[] = Object.freeze([
  'x-forwarded-for',
  'x-forwarded-proto',
] as const);

/**
 * Headers that a CDN writes about the client of its own edge (one value each): they describe
 * the client of the outermost trusted proxy, and a preset that publishes ranges binds them
 * to those ranges.
 */
export const EDGE_HEADERS: ReadonlySet<ForwardedHeaderName> = new Set<ForwardedHeaderName>([
  'cf-connecting-ip',
  'cf-visitor',
  'cloudfront-forwarded-proto',
  'cloudfront-viewer-address',
  'true-client-ip',
  'fly-client-ip',
]);

/** The valid name nearest to `name` (header names and family shorthands). */
export function nearestHeaderName(name: string): string {
  const all = [...new Set<string>([...FORWARDED_HEADER_NAMES, ...HEADER_FAMILIES])];
  let best = all[0]!;
  let bestD = Number.POSITIVE_INFINITY;
  for (const n of all) {
    const d = distance(name, n);
    if (d < bestD) {
      best = n;
      bestD = d;
    }
  }
  return best;
}

/**
 * Expand a `headers` list (names and shorthands, any case) into header names, in order,
 * without repeats. Throws a TypeError naming an unknown entry and the nearest valid name.
 */
export function expandHeaderNames(list: readonly unknown[]): ForwardedHeaderName[] {
  const out: ForwardedHeaderName[] = [];
  const add = (h: ForwardedHeaderName): void => {
    if (!out.includes(h)) out.push(h);
  };
  for (const entry of list) {
    if (typeof entry !== 'string') {
      throw new TypeError(`headers: expected header names, got ${JSON.stringify(entry)}`);
    }
    const name = entry.trim().toLowerCase();
    if ((FORWARDED_HEADER_NAMES as readonly string[]).includes(name)) {
      add(name as ForwardedHeaderName);
    } else if ((HEADER_FAMILIES as readonly string[]).includes(name)) {
      for (const h of FAMILY_HEADERS[name as HeaderFamily]) add(h);
    } else {
      throw new TypeError(
        `headers: unknown header "${entry}" (did you mean "${nearestHeaderName(name)}"?); expected one of ${FORWARDED_HEADER_NAMES.join(', ')} or a shorthand (${HEADER_FAMILIES.filter((f) => !(FORWARDED_HEADER_NAMES as readonly string[]).includes(f)).join(', ')})`,
      );
    }
  }
  return out;
}
