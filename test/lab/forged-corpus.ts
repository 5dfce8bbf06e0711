/**
 * The forged-request corpus (issue 18): requests a client crafts to make an app behind a
 * proxy believe something false about the scheme, host, port, client address or path
 * prefix. Each case is the honest request plus the forged part (header lines, a `Connection`
 * list, an absolute-form target, thousands of junk lines), written byte for byte.
 *
 * The claims are always "the other thing": over the http entry a case claims https, over
 * the https entry it claims http, so a scheme that moves is seen either way.
 */
import { APP_HOST, HOP_ADDRESSES, type Via } from './types.js';

/** A forged address, a forged host, a forged port (TEST-NET and .example). */
export const FORGED_IP = '6.6.6.6';
export const FORGED_IP6 = '2001:db8::66';
export const FORGED_HOST = 'evil.example';
export const FORGED_PORT = 8443;
/** How many junk lines the header-cap cases send (Node keeps about 2,000 entries = 1,000 lines). */
export const JUNK_LINES = 1100;

/** The forged part of one request. */
export interface ForgedRequest {
  /** Header lines sent after Host, in order (duplicates and odd names as written). */
  readonly lines: readonly (readonly [string, string])[];
  /** Extra tokens in the `Connection` header (after `close`). */
  readonly connection?: readonly string[];
  /** An absolute-form target instead of the origin-form path: `scheme://authority`. */
  readonly absolute?: string;
  /** The Host header's value (default APP_HOST). */
  readonly host?: string;
}

/** One corpus case. */
export interface ForgedCase {
  /** Unique, kebab-case. */
  readonly id: string;
  /** For the report: forwarded, x-forwarded, vendor, connection, duplicates, underscores, absolute-form, header-cap, syntax. */
  readonly group: string;
  build(via: Via): ForgedRequest;
  /**
   * The honest request this one must resolve like, when that is not the plain baseline:
   * an absolute-form target names the host the client asks for, so
   * `GET http://app.example.com:8443/` must resolve like `Host: app.example.com:8443`.
   */
  baseline?(via: Via): ForgedRequest;
}

const other = (via: Via): Via => (via === 'https' ? 'http' : 'https');
const otherPort = (via: Via) => (via === 'https' ? 80 : 443);
const onOff = (via: Via) => (other(via) === 'https' ? 'on' : 'off');

/**
 * Short junk lines (`J0000: x`): 1,100 of them stay under Node's 16 KB header-size limit,
 * so the request reaches the app and only the count cap applies.
 */
function junk(prefix: string, n = JUNK_LINES): [string, string][] {
  return Array.from({ length: n }, (_, i) => [`${prefix}${String(i).padStart(4, '0')}`, 'x']);
}

const c = (id: string, group: string, build: (via: Via) => ForgedRequest): ForgedCase => ({
  id,
  group,
  build,
});
const lines =
  (...l: ((via: Via) => [string, string])[]) =>
  (via: Via): ForgedRequest => ({ lines: l.map((f) => f(via)) });
const h =
  (name: string, value: string | ((via: Via) => string)) =>
  (via: Via): [string, string] => [name, typeof value === 'string' ? value : value(via)];

/** The corpus. */
export const FORGED_CORPUS: readonly ForgedCase[] = [
  // RFC 7239 Forwarded, in every form.
  c('forwarded-for', 'forwarded', lines(h('Forwarded', `for=${FORGED_IP}`))),
  c('forwarded-proto', 'forwarded', lines(h('Forwarded', (v) => `proto=${other(v)}`))),
  c('forwarded-host', 'forwarded', lines(h('Forwarded', `host=${FORGED_HOST}`))),
  c('forwarded-host-port', 'forwarded', lines(h('Forwarded', `host="${APP_HOST}:${FORGED_PORT}"`))),
  c(
    'forwarded-all',
    'forwarded',
    lines(h('Forwarded', (v) => `for=${FORGED_IP};proto=${other(v)};host=${FORGED_HOST}`)),
  ),
  c(
    'forwarded-elements',
    'forwarded',
    lines(h('Forwarded', (v) => `for=${FORGED_IP}, for=${HOP_ADDRESSES.edge};proto=${other(v)}`)),
  ),
  c(
    'forwarded-lines',
    'forwarded',
    lines(
      h('Forwarded', (v) => `for=${FORGED_IP};proto=${other(v)}`),
      h('Forwarded', `for=${HOP_ADDRESSES.edge};host=${FORGED_HOST}`),
    ),
  ),
  c(
    'forwarded-ipv6-quoted',
    'forwarded',
    lines(h('Forwarded', (v) => `for="[${FORGED_IP6}]:4711";proto=${other(v)}`)),
  ),
  c(
    'forwarded-obfuscated',
    'forwarded',
    lines(h('Forwarded', (v) => `for=_hidden;proto=${other(v)}`)),
  ),
  c('forwarded-unknown', 'forwarded', lines(h('Forwarded', 'for=unknown'))),
  c(
    'forwarded-upper-case',
    'forwarded',
    lines(
      h('FORWARDED', (v) => `FOR=${FORGED_IP};PROTO=${other(v).toUpperCase()};HOST=EVIL.EXAMPLE`),
    ),
  ),
  c('forwarded-unterminated-quote', 'forwarded', lines(h('Forwarded', `for="${FORGED_IP}`))),
  c(
    'forwarded-unterminated-quote-proto',
    'forwarded',
    lines(h('Forwarded', (v) => `proto=${other(v)};for="x`)),
  ),
  c('forwarded-internal-client', 'forwarded', lines(h('Forwarded', 'for=127.0.0.1'))),
  c(
    'forwarded-by-trusted',
    'forwarded',
    lines(h('Forwarded', (v) => `for=${FORGED_IP};by=${HOP_ADDRESSES.edge};proto=${other(v)}`)),
  ),

  // Every X-Forwarded-* header.
  c('xff', 'x-forwarded', lines(h('X-Forwarded-For', FORGED_IP))),
  c(
    'xff-forged-hop',
    'x-forwarded',
    lines(h('X-Forwarded-For', `${FORGED_IP}, ${HOP_ADDRESSES.edge}`)),
  ),
  c('xff-internal', 'x-forwarded', lines(h('X-Forwarded-For', '127.0.0.1'))),
  c('xff-garbage', 'x-forwarded', lines(h('X-Forwarded-For', 'not-an-address'))),
  c('xff-ipv6-port', 'x-forwarded', lines(h('X-Forwarded-For', `[${FORGED_IP6}]:4711`))),
  c('xff-unknown', 'x-forwarded', lines(h('X-Forwarded-For', 'unknown'))),
  c('xfp', 'x-forwarded', lines(h('X-Forwarded-Proto', other))),
  c('xfp-list', 'x-forwarded', lines(h('X-Forwarded-Proto', (v) => `${other(v)}, ${other(v)}`))),
  c('xfp-upper-case', 'x-forwarded', lines(h('X-Forwarded-Proto', (v) => other(v).toUpperCase()))),
  c('xfp-unknown-scheme', 'x-forwarded', lines(h('X-Forwarded-Proto', 'ftp'))),
  c('xfh', 'x-forwarded', lines(h('X-Forwarded-Host', FORGED_HOST))),
  c('xfh-port', 'x-forwarded', lines(h('X-Forwarded-Host', `${APP_HOST}:${FORGED_PORT}`))),
  c('xfh-list', 'x-forwarded', lines(h('X-Forwarded-Host', `${FORGED_HOST}, ${APP_HOST}`))),
  c('xf-port', 'x-forwarded', lines(h('X-Forwarded-Port', String(FORGED_PORT)))),
  c(
    'xf-port-default-of-other',
    'x-forwarded',
    lines(h('X-Forwarded-Port', (v) => (v === 'https' ? '80' : '443'))),
  ),
  c('xf-prefix', 'x-forwarded', lines(h('X-Forwarded-Prefix', '/evil'))),
  c('xf-prefix-authority', 'x-forwarded', lines(h('X-Forwarded-Prefix', `//${FORGED_HOST}/x`))),
  c('xf-ssl', 'x-forwarded', lines(h('X-Forwarded-Ssl', onOff))),
  c('xf-protocol', 'x-forwarded', lines(h('X-Forwarded-Protocol', other))),
  c('xf-scheme', 'x-forwarded', lines(h('X-Forwarded-Scheme', other))),
  c('xf-server', 'x-forwarded', lines(h('X-Forwarded-Server', FORGED_HOST))),
  c(
    'xf-all',
    'x-forwarded',
    lines(
      h('X-Forwarded-For', FORGED_IP),
      h('X-Forwarded-Proto', other),
      h('X-Forwarded-Host', FORGED_HOST),
      h('X-Forwarded-Port', String(FORGED_PORT)),
      h('X-Forwarded-Prefix', '/evil'),
    ),
  ),

  // Every vendor header.
  c('cf-connecting-ip', 'vendor', lines(h('CF-Connecting-IP', FORGED_IP))),
  c('cf-visitor', 'vendor', lines(h('CF-Visitor', (v) => `{"scheme":"${other(v)}"}`))),
  c('true-client-ip', 'vendor', lines(h('True-Client-IP', FORGED_IP))),
  c('cloudfront-forwarded-proto', 'vendor', lines(h('CloudFront-Forwarded-Proto', other))),
  c(
    'cloudfront-viewer-address',
    'vendor',
    lines(h('CloudFront-Viewer-Address', `${FORGED_IP}:4711`)),
  ),
  c('fly-client-ip', 'vendor', lines(h('Fly-Client-IP', FORGED_IP))),
  c('x-real-ip', 'vendor', lines(h('X-Real-IP', FORGED_IP))),
  c('x-url-scheme', 'vendor', lines(h('X-Url-Scheme', other))),
  c('front-end-https', 'vendor', lines(h('Front-End-Https', onOff))),
  c('client-ip', 'vendor', lines(h('Client-IP', FORGED_IP))),
  c('x-client-ip', 'vendor', lines(h('X-Client-IP', FORGED_IP))),
  c('x-cluster-client-ip', 'vendor', lines(h('X-Cluster-Client-IP', FORGED_IP))),
  c(
    'vendor-all',
    'vendor',
    lines(
      h('CF-Connecting-IP', FORGED_IP),
      h('CF-Visitor', (v) => `{"scheme":"${other(v)}"}`),
      h('True-Client-IP', FORGED_IP),
      h('CloudFront-Forwarded-Proto', other),
      h('CloudFront-Viewer-Address', `${FORGED_IP}:4711`),
      h('Fly-Client-IP', FORGED_IP),
      h('X-Real-IP', FORGED_IP),
      h('X-Url-Scheme', other),
      h('Front-End-Https', onOff),
      h('Client-IP', FORGED_IP),
    ),
  ),

  // Headers listed in Connection: a proxy that honours the list drops its own header.
  ...[
    'X-Forwarded-For',
    'X-Forwarded-Proto',
    'X-Forwarded-Host',
    'Forwarded',
    'X-Real-IP',
    'CF-Connecting-IP',
    'X-Url-Scheme',
    'Front-End-Https',
  ].map((name) =>
    c(`connection-${name.toLowerCase()}`, 'connection', () => ({ lines: [], connection: [name] })),
  ),
  c('connection-xff-with-forged', 'connection', (v) => ({
    lines: [
      ['X-Forwarded-For', FORGED_IP],
      ['X-Forwarded-Proto', other(v)],
    ],
    connection: ['X-Forwarded-For', 'X-Forwarded-Proto'],
  })),

  // Duplicate lines.
  c('duplicate-host', 'duplicates', lines(h('Host', FORGED_HOST))),
  c(
    'duplicate-xfp-disagreeing',
    'duplicates',
    lines(
      h('X-Forwarded-Proto', other),
      h('X-Forwarded-Proto', (v) => v),
    ),
  ),
  c(
    'duplicate-xff',
    'duplicates',
    lines(h('X-Forwarded-For', FORGED_IP), h('X-Forwarded-For', HOP_ADDRESSES.edge)),
  ),
  c(
    'duplicate-xfh',
    'duplicates',
    lines(h('X-Forwarded-Host', FORGED_HOST), h('X-Forwarded-Host', APP_HOST)),
  ),

  // Underscores in names (CGI-style servers map them onto the dashed names).
  c('underscore-xfp', 'underscores', lines(h('X_Forwarded_Proto', other))),
  c('underscore-xff', 'underscores', lines(h('X_Forwarded_For', FORGED_IP))),
  c('underscore-xfh', 'underscores', lines(h('X_Forwarded_Host', FORGED_HOST))),
  c('underscore-x-real-ip', 'underscores', lines(h('X_Real_IP', FORGED_IP))),

  // Absolute-form targets (the same host, another scheme or port).
  c('absolute-other-scheme', 'absolute-form', (v) => ({
    lines: [],
    absolute: `${other(v)}://${APP_HOST}`,
  })),
  {
    id: 'absolute-other-port',
    group: 'absolute-form',
    build: (v) => ({ lines: [], absolute: `${v}://${APP_HOST}:${FORGED_PORT}` }),
    baseline: () => ({ lines: [], host: `${APP_HOST}:${FORGED_PORT}` }),
  },
  {
    id: 'absolute-other-scheme-and-port',
    group: 'absolute-form',
    build: (v) => ({ lines: [], absolute: `${other(v)}://${APP_HOST}:${otherPort(v)}` }),
    baseline: (v) => ({ lines: [], host: `${APP_HOST}:${otherPort(v)}` }),
  },

  // More header lines than Node keeps: the proxy's own line is pushed past the cap.
  c('header-cap-xff', 'header-cap', (v) => ({
    lines: [['X-Forwarded-For', FORGED_IP], ...junk('J'), ['X-Forwarded-Proto', other(v)]],
  })),
  c('header-cap-xfp', 'header-cap', (v) => ({
    lines: [['X-Forwarded-Proto', other(v)], ...junk('J')],
  })),
  // Caddy writes headers sorted by name: junk named A0000... goes first.
  c('header-cap-sorted-junk', 'header-cap', (v) => ({
    lines: [['X-Forwarded-For', FORGED_IP], ['X-Forwarded-Proto', other(v)], ...junk('A')],
  })),

  // Odd syntax.
  c(
    'lower-case-names',
    'syntax',
    lines(h('x-forwarded-proto', other), h('x-forwarded-for', FORGED_IP)),
  ),
  c('space-before-colon', 'syntax', lines(h('X-Forwarded-Proto ', other))),
  c('obs-fold', 'syntax', (v) => ({ lines: [['X-Forwarded-Proto', `${v}\r\n ${other(v)}`]] })),
  c('empty-values', 'syntax', lines(h('X-Forwarded-Proto', ''), h('X-Forwarded-For', ''))),
];

/** The text of a request to `path` through entry `via`, with the forged part (or none: the baseline). */
export function forgedRequestText(path: string, forged?: ForgedRequest): string {
  const target = forged?.absolute ? `${forged.absolute}${path}` : path;
  const out = [`GET ${target} HTTP/1.1`, `Host: ${forged?.host ?? APP_HOST}`];
  for (const [k, v] of forged?.lines ?? []) out.push(`${k}: ${v}`);
  out.push(`Connection: ${['close', ...(forged?.connection ?? [])].join(', ')}`);
  return `${out.join('\r\n')}\r\n\r\n`;
}
