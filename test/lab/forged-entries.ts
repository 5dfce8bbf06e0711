/**
 * The entries the forged-request corpus goes through: each real proxy (one hop) and a
 * two-hop chain, configured as the README recommends for that proxy, with the app's
 * `headers` naming exactly what that proxy writes; and the stock configurations that are
 * known setup mistakes (a proxy that passes a header the defaults believe).
 */
import type { HeaderName, PolicyOptions } from '../../src/core/index.js';
import { apache, caddy, haproxy, nginx } from './proxies.js';
import { HOP_ADDRESSES, type HopSpec } from './types.js';

/** One entry: a chain of real proxies and the app's policy behind it. */
export interface CorpusEntry {
  readonly name: string;
  readonly hops: readonly HopSpec[];
  /** The trusted proxies. */
  readonly trustedProxies: readonly string[];
  /**
   * The header names the app believes (what the proxies write), or undefined for the
   * library's defaults (X-Forwarded-For and X-Forwarded-Proto).
   */
  readonly headers: readonly HeaderName[] | undefined;
  /** The app listens on ::1 (behind Caddy, which cannot bind its upstream source). */
  readonly ipv6?: boolean;
  /** What the proxy writes, in a sentence (docs and report). */
  readonly note: string;
}

/** The entry's policy for the app (allowedHosts is added by the app). */
export function entryPolicy(entry: CorpusEntry): PolicyOptions {
  const policy: PolicyOptions = { trustedProxies: [...entry.trustedProxies] };
  return entry.headers === undefined ? policy : { ...policy, headers: [...entry.headers] };
}

const XFF_XFP: readonly HeaderName[] = ['x-forwarded-for', 'x-forwarded-proto'];

/** nginx at the edge: Host, X-Forwarded-For and X-Forwarded-Proto overwritten. */
const NGINX_EDGE = [
  'proxy_set_header Host $host;',
  'proxy_set_header X-Forwarded-For $remote_addr;',
  'proxy_set_header X-Forwarded-Proto $scheme;',
];

/** The recommended configurations: the forged corpus must change nothing through them. */
export const RECOMMENDED_ENTRIES: readonly CorpusEntry[] = [
  {
    name: 'nginx',
    hops: [
      nginx({
        behaviour: 'sets Host, X-Forwarded-For ($remote_addr), -Proto',
        headers: NGINX_EDGE,
      }),
    ],
    trustedProxies: [HOP_ADDRESSES.edge],
    headers: XFF_XFP,
    note: 'nginx at the edge: `proxy_set_header X-Forwarded-For $remote_addr`, `X-Forwarded-Proto $scheme`, `Host $host`',
  },
  {
    name: 'nginx-append',
    hops: [
      nginx({
        behaviour: 'appends to X-Forwarded-For, sets Host and -Proto',
        headers: [
          'proxy_set_header Host $host;',
          'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
          'proxy_set_header X-Forwarded-Proto $scheme;',
        ],
      }),
    ],
    trustedProxies: [HOP_ADDRESSES.edge],
    headers: XFF_XFP,
    note: "nginx with Debian's `proxy_params` lines: `X-Forwarded-For $proxy_add_x_forwarded_for` (appends), `X-Forwarded-Proto $scheme`, `Host $host`",
  },
  {
    name: 'haproxy',
    hops: [
      haproxy({
        behaviour: 'option forwardfor; X-Forwarded-Proto set from ssl_fc',
        rules: [
          'option forwardfor',
          'http-request set-header X-Forwarded-Proto https if { ssl_fc }',
          'http-request set-header X-Forwarded-Proto http unless { ssl_fc }',
        ],
      }),
    ],
    trustedProxies: [HOP_ADDRESSES.edge],
    headers: XFF_XFP,
    note: 'HAProxy: `option forwardfor` + `http-request set-header X-Forwarded-Proto https if { ssl_fc }` / `http unless { ssl_fc }`',
  },
  {
    name: 'caddy',
    hops: [caddy({ behaviour: 'reverse_proxy defaults', proxyOptions: [] })],
    trustedProxies: [HOP_ADDRESSES.caddy],
    headers: ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
    ipv6: true,
    note: 'Caddy `reverse_proxy` defaults: it replaces X-Forwarded-For, -Proto and -Host',
  },
  {
    name: 'apache',
    hops: [
      apache({
        behaviour: 'mod_proxy (appends X-Forwarded-For) + X-Forwarded-Proto per vhost',
        // mod_proxy drops the headers a client lists in Connection, RequestHeader's own
        // included: clear the client's list before mod_proxy reads it.
        headers: ['ProxyPreserveHost On', 'RequestHeader unset Connection early'],
        tlsHeaders: ['RequestHeader set X-Forwarded-Proto https'],
        plainHeaders: ['RequestHeader set X-Forwarded-Proto http'],
      }),
    ],
    trustedProxies: [HOP_ADDRESSES.edge],
    headers: XFF_XFP,
    note: 'Apache mod_proxy (appends X-Forwarded-For) with `ProxyPreserveHost On`, `RequestHeader unset Connection early`, and `RequestHeader set X-Forwarded-Proto https` in the TLS vhost, `http` in the plain one',
  },
  {
    name: 'nginx-haproxy',
    hops: [
      nginx({
        behaviour: 'sets Host, X-Forwarded-For ($remote_addr), -Proto',
        headers: NGINX_EDGE,
      }),
      haproxy({
        name: 'inner',
        behaviour: 'option forwardfor, keeps what nginx set',
        tls: false,
        source: HOP_ADDRESSES.inner,
        rules: ['option forwardfor'],
      }),
    ],
    trustedProxies: [HOP_ADDRESSES.edge, HOP_ADDRESSES.inner],
    headers: XFF_XFP,
    note: 'nginx (as above) -> HAProxy `option forwardfor` (appends its peer; X-Forwarded-Proto kept from nginx)',
  },
];

/**
 * Stock configurations that pass a header the defaults believe: known setup mistakes. The
 * app runs with the defaults (X-Forwarded-For and X-Forwarded-Proto).
 */
export const MISTAKE_ENTRIES: readonly CorpusEntry[] = [
  {
    name: 'nginx-bare',
    hops: [
      nginx({
        behaviour: 'proxy_pass with only Host set: every X-Forwarded-* passes through',
        headers: ['proxy_set_header Host $host;'],
      }),
    ],
    trustedProxies: [HOP_ADDRESSES.edge],
    headers: undefined,
    note: 'a bare nginx `proxy_pass` (only `Host $host`, so the host check passes)',
  },
  {
    name: 'haproxy-forwardfor-only',
    hops: [haproxy({ behaviour: 'option forwardfor only', rules: ['option forwardfor'] })],
    trustedProxies: [HOP_ADDRESSES.edge],
    headers: undefined,
    note: 'HAProxy with only `option forwardfor`',
  },
  {
    name: 'apache-stock',
    hops: [
      apache({
        behaviour: 'mod_proxy only: no scheme header',
        headers: ['ProxyPreserveHost On'],
      }),
    ],
    trustedProxies: [HOP_ADDRESSES.edge],
    headers: undefined,
    note: 'Apache mod_proxy without `RequestHeader set X-Forwarded-Proto`',
  },
  {
    name: 'apache-connection',
    hops: [
      apache({
        behaviour: 'X-Forwarded-Proto set per vhost, the client Connection list honoured',
        headers: ['ProxyPreserveHost On'],
        tlsHeaders: ['RequestHeader set X-Forwarded-Proto https'],
        plainHeaders: ['RequestHeader set X-Forwarded-Proto http'],
      }),
    ],
    trustedProxies: [HOP_ADDRESSES.edge],
    headers: ['x-forwarded-for', 'x-forwarded-proto'],
    note: 'Apache with `RequestHeader set X-Forwarded-Proto` but without `RequestHeader unset Connection early`',
  },
];
