/**
 * The scenario catalogue (issue 4): real proxy chains, right and wrong, each with its
 * ground truth. Data only; test/lab/start.ts runs them.
 */
import { caddy, haproxy, nginx } from './proxies.js';
import type { AuditCheckId, GroundTruth, Leak, Scenario } from './types.js';
import { APP_HOST, HOP_ADDRESSES, SPOOFED } from './types.js';

const ALL_CHECKS: readonly AuditCheckId[] = [
  'https-redirect',
  'redirect-loop',
  'proto-spoof',
  'host-header',
  'forwarded-host-spoof',
  'hsts',
  'cookie-flags',
  'csrf-origin',
  'health-exempt',
  'scheme-detection',
  'ip-spoof',
  'forwarded-duplicates',
];

/** The audit outcome when exactly `fail` fail and every other check passes. */
function audit(...fail: AuditCheckId[]): GroundTruth['audit'] {
  return { pass: ALL_CHECKS.filter((c) => !fail.includes(c)), fail };
}

/** What the Node app with proxytrust does over plain requests when it resolves correctly. */
const NODE_BEHAVIOUR: GroundTruth['behaviour'] = { httpRoot: 301, httpHealth: 200, httpsRoot: 200 };

/** nginx's right forwarded headers (catalogue 1). */
const NGINX_RIGHT = [
  'proxy_set_header Host $host;',
  'proxy_set_header X-Forwarded-Proto $scheme;',
  'proxy_set_header X-Forwarded-Host $host;',
  'proxy_set_header X-Forwarded-For $remote_addr;',
  // What it does not set, it strips: a client's own value would pass through otherwise.
  'proxy_set_header X-Forwarded-Port "";',
  'proxy_set_header X-Forwarded-Prefix "";',
  'proxy_set_header Forwarded "";',
];

/** The leaks of a proxy that relays the client's own X-Forwarded-Proto and -Host. */
function protoAndHostLeak(because: string): Leak[] {
  return [
    {
      via: 'http',
      attempt: 'x-forwarded-proto',
      resolves: { scheme: 'https', port: 443 },
      because,
    },
    { via: 'https', attempt: 'x-forwarded-proto', resolves: { scheme: 'http', port: 80 }, because },
    { via: 'http', attempt: 'x-forwarded-host', resolves: { host: SPOOFED.host }, because },
    { via: 'https', attempt: 'x-forwarded-host', resolves: { host: SPOOFED.host }, because },
  ];
}

/** The leaks of a proxy that relays the client's own X-Forwarded-Port. */
function portLeak(because: string): Leak[] {
  return (['http', 'https'] as const).map((via) => ({
    via,
    attempt: 'x-forwarded-port' as const,
    resolves: { host: `${APP_HOST}:${SPOOFED.port}`, port: SPOOFED.port },
    because,
  }));
}

/** HAProxy's right forwarded headers: set what it knows, delete the rest. */
const HAPROXY_RIGHT = [
  'http-request set-header X-Forwarded-Proto https if { ssl_fc }',
  'http-request set-header X-Forwarded-Proto http if !{ ssl_fc }',
  'http-request set-header X-Forwarded-Host %[req.hdr(host)]',
  'http-request set-header X-Forwarded-For %[src]',
  'http-request del-header X-Forwarded-Port',
  'http-request del-header X-Forwarded-Prefix',
  'http-request del-header Forwarded',
];

/** Caddy 2.6 cannot bind its upstream source: it reaches the app over ::1. */
const TRUST_CADDY = { trustedProxies: [HOP_ADDRESSES.caddy], headers: ['x-forwarded' as const] };

/** What Caddy does not set, deleted. */
const CADDY_STRIP = [
  'header_up -X-Forwarded-Port',
  'header_up -X-Forwarded-Prefix',
  'header_up -Forwarded',
];

const TRUST_EDGE = { trustedProxies: [HOP_ADDRESSES.edge] };

export const scenarios: readonly Scenario[] = [
  {
    name: 'nginx-right',
    catalogue: 1,
    correct: true,
    summary:
      'nginx terminates TLS and overwrites X-Forwarded-Proto/-Host/-For with $scheme, $host, $remote_addr',
    hops: [nginx({ behaviour: 'overwrites every forwarded header', headers: NGINX_RIGHT })],
    app: { kind: 'node', policy: TRUST_EDGE },
    groundTruth: { leaks: [], behaviour: NODE_BEHAVIOUR, audit: audit() },
  },
  {
    name: 'nginx-duplicated-proto',
    catalogue: 2,
    correct: false,
    summary:
      'nginx sets X-Forwarded-Proto twice (an ingress configuration-snippet on top of the default), so the app receives two lines',
    hops: [
      nginx({
        behaviour: 'sends X-Forwarded-Proto on two lines',
        headers: [...NGINX_RIGHT, 'proxy_set_header X-Forwarded-Proto $scheme;'],
      }),
    ],
    app: { kind: 'node', policy: TRUST_EDGE },
    groundTruth: {
      honestWarnings: ['DUPLICATED_VALUES', 'DUPLICATE_HEADER_LINES'],
      leaks: [],
      behaviour: NODE_BEHAVIOUR,
      audit: audit('forwarded-duplicates'),
      notes: [
        'proxytrust reads `https, https` as one value set twice (DUPLICATED_VALUES) and resolves https; Django 3.2 compares exactly and does not.',
      ],
    },
  },
  {
    name: 'nginx-passthrough',
    catalogue: 3,
    correct: false,
    summary:
      "nginx relays the client's own X-Forwarded-Proto and X-Forwarded-Host when present (ingress-nginx's use-forwarded-headers maps)",
    hops: [
      nginx({
        behaviour: "relays the client's X-Forwarded-Proto/-Host, else sets $scheme/$host",
        http: [
          'map $http_x_forwarded_proto $pass_proto { default $http_x_forwarded_proto; "" $scheme; }',
          'map $http_x_forwarded_host $pass_host { default $http_x_forwarded_host; "" $host; }',
        ],
        headers: [
          'proxy_set_header Host $host;',
          'proxy_set_header X-Forwarded-Proto $pass_proto;',
          'proxy_set_header X-Forwarded-Host $pass_host;',
          'proxy_set_header X-Forwarded-For $remote_addr;',
          'proxy_set_header X-Forwarded-Port "";',
          'proxy_set_header X-Forwarded-Prefix "";',
          'proxy_set_header Forwarded "";',
        ],
      }),
    ],
    app: { kind: 'node', policy: TRUST_EDGE },
    groundTruth: {
      leaks: protoAndHostLeak(
        "nginx writes the client's value as its own, on one line: no app can tell it from a value nginx set",
      ),
      behaviour: NODE_BEHAVIOUR,
      audit: audit('proto-spoof', 'forwarded-host-spoof'),
      notes: [
        'The spoofed host is believed but not allowed (allowedHosts), so the app answers 400 rather than reflecting it; the probe still shows the belief, which is what forwarded-host-spoof fails on.',
      ],
    },
  },
  {
    name: 'nginx-append-xff',
    catalogue: 4,
    correct: true,
    summary:
      'nginx appends with $proxy_add_x_forwarded_for, so entries the client forged stay on the left',
    hops: [
      nginx({
        behaviour: "appends the peer to the client's X-Forwarded-For",
        headers: NGINX_RIGHT.map((l) =>
          l.startsWith('proxy_set_header X-Forwarded-For ')
            ? 'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;'
            : l,
        ),
      }),
    ],
    app: { kind: 'node', policy: TRUST_EDGE },
    groundTruth: {
      leaks: [],
      behaviour: NODE_BEHAVIOUR,
      audit: audit(),
      notes: [
        'Right for an app that walks X-Forwarded-For from the right and stops at the first untrusted address; a leftmost reader (Express trust proxy = true) takes the forged entry.',
      ],
    },
  },
  {
    name: 'haproxy-add-header',
    catalogue: 5,
    correct: false,
    summary:
      "HAProxy `http-request add-header X-Forwarded-Proto https if { ssl_fc }` with `option forwardfor`: appends, so the client's own values pass",
    hops: [
      haproxy({
        behaviour: 'adds X-Forwarded-Proto on TLS only, keeps whatever the client sent',
        rules: [
          'option forwardfor',
          'http-request add-header X-Forwarded-Proto https if { ssl_fc }',
        ],
      }),
    ],
    app: { kind: 'node', policy: { ...TRUST_EDGE, headers: ['x-forwarded'] } },
    groundTruth: {
      leaks: [
        ...protoAndHostLeak("HAProxy keeps the client's header and adds nothing over plain http"),
        ...portLeak("HAProxy passes the client's X-Forwarded-Port"),
      ].map((l) =>
        l.via === 'https' && l.attempt === 'x-forwarded-proto'
          ? {
              ...l,
              because:
                "over TLS HAProxy adds `https` after the client's `http`: contradictory values, ignored (fail closed), so the view falls back to the socket's http",
            }
          : l,
      ),
      behaviour: NODE_BEHAVIOUR,
      audit: audit('proto-spoof', 'forwarded-host-spoof'),
    },
  },
  {
    name: 'haproxy-set-header',
    catalogue: 5,
    correct: true,
    summary:
      'HAProxy `set-header` for X-Forwarded-Proto/-Host/-For and `del-header` for the rest: overwrites everything',
    hops: [
      haproxy({
        behaviour: 'overwrites X-Forwarded-Proto/-Host/-For, deletes the rest',
        rules: HAPROXY_RIGHT,
      }),
    ],
    app: { kind: 'node', policy: { ...TRUST_EDGE, headers: ['x-forwarded'] } },
    groundTruth: { leaks: [], behaviour: NODE_BEHAVIOUR, audit: audit() },
  },
  {
    name: 'haproxy-forwardfor',
    catalogue: 5,
    correct: true,
    summary:
      "HAProxy `option forwardfor` appends the peer to the client's X-Forwarded-For (proto and host set, the rest deleted)",
    hops: [
      haproxy({
        behaviour: 'appends to X-Forwarded-For; overwrites proto and host',
        rules: [
          ...HAPROXY_RIGHT.filter((r) => !r.includes('X-Forwarded-For')),
          'option forwardfor',
        ],
      }),
    ],
    app: { kind: 'node', policy: { ...TRUST_EDGE, headers: ['x-forwarded'] } },
    groundTruth: {
      leaks: [],
      behaviour: NODE_BEHAVIOUR,
      audit: audit(),
      notes: [
        'The server must use the last X-Forwarded-For value: Express trust proxy = true takes the first.',
      ],
    },
  },
  {
    name: 'haproxy-forwarded',
    catalogue: 5,
    correct: true,
    summary:
      'HAProxy writes RFC 7239 `Forwarded: for=...;proto=...;host="..."` with set-header (`option forwarded` needs 2.7; Debian bookworm has 2.6), X-Forwarded-* deleted',
    hops: [
      haproxy({
        behaviour: 'writes RFC 7239 Forwarded',
        rules: [
          'http-request set-header Forwarded "for=%[src];proto=https;host=\\"%[req.hdr(host)]\\"" if { ssl_fc }',
          'http-request set-header Forwarded "for=%[src];proto=http;host=\\"%[req.hdr(host)]\\"" if !{ ssl_fc }',
          'http-request del-header X-Forwarded-For',
          'http-request del-header X-Forwarded-Proto',
          'http-request del-header X-Forwarded-Host',
          'http-request del-header X-Forwarded-Port',
          'http-request del-header X-Forwarded-Prefix',
        ],
      }),
    ],
    app: { kind: 'node', policy: { ...TRUST_EDGE, headers: ['forwarded'] } },
    groundTruth: {
      leaks: [],
      behaviour: NODE_BEHAVIOUR,
      audit: audit(),
      notes: [
        'HAProxy 2.6 (Debian bookworm) has no `option forwarded` (2.7+); the same header is written with set-header and sample fetches.',
      ],
    },
  },
  {
    name: 'caddy-default',
    catalogue: 6,
    correct: true,
    summary:
      'Caddy reverse_proxy without trusted_proxies: it replaces X-Forwarded-For/-Proto/-Host (2.5+); X-Forwarded-Port, -Prefix and Forwarded deleted with header_up',
    hops: [
      caddy({ behaviour: 'sets X-Forwarded-For/-Proto/-Host itself', proxyOptions: CADDY_STRIP }),
    ],
    app: { kind: 'node', policy: TRUST_CADDY, ipv6: true },
    groundTruth: {
      leaks: [],
      behaviour: NODE_BEHAVIOUR,
      audit: audit(),
      notes: [
        "Caddy sets only X-Forwarded-For, -Proto and -Host: without the header_up deletions a client's X-Forwarded-Port or Forwarded reaches the app untouched.",
      ],
    },
  },
  {
    name: 'caddy-trusted-proxies-too-wide',
    catalogue: 6,
    correct: false,
    summary:
      'Caddy with `trusted_proxies private_ranges` at the edge: its clients are in those ranges, so their X-Forwarded-Proto/-Host are passed on',
    hops: [
      caddy({
        behaviour: "trusts its clients' X-Forwarded-* (private_ranges covers them)",
        proxyOptions: ['trusted_proxies private_ranges', ...CADDY_STRIP],
      }),
    ],
    app: { kind: 'node', policy: TRUST_CADDY, ipv6: true },
    groundTruth: {
      leaks: protoAndHostLeak(
        'Caddy keeps X-Forwarded-Proto/-Host from a trusted client, and the trust list covers the clients',
      ),
      behaviour: NODE_BEHAVIOUR,
      audit: audit('proto-spoof', 'forwarded-host-spoof'),
      notes: [
        'X-Forwarded-For stays right: Caddy appends the peer, and proxytrust walks from the right.',
      ],
    },
  },
];
