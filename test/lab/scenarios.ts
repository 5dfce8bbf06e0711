/**
 * The scenario catalogue (issue 4): real proxy chains, right and wrong, each with its
 * ground truth. Data only; test/lab/start.ts runs them.
 */
import { probeScenarios } from './probe-scenarios.js';
import { apache, caddy, haproxy, NGINX_RIGHT, nginx } from './proxies.js';
import type {
  AuditCheckId,
  DjangoObservations,
  DjangoSettings,
  GroundTruth,
  HopSpec,
  Leak,
  Scenario,
} from './types.js';
import { APP_HOST, AUDIT_CHECK_IDS, HOP_ADDRESSES, SPOOFED } from './types.js';

const ALL_CHECKS: readonly AuditCheckId[] = AUDIT_CHECK_IDS;

/** The audit outcome when exactly `fail` fail and every other check passes. */
function audit(...fail: AuditCheckId[]): GroundTruth['audit'] {
  return { pass: ALL_CHECKS.filter((c) => !fail.includes(c)), fail };
}

/** What the Node app with proxytrust does over plain requests when it resolves correctly. */
const NODE_BEHAVIOUR: GroundTruth['behaviour'] = { httpRoot: 301, httpHealth: 200, httpsRoot: 200 };

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
    ...hostLeak(because),
  ];
}

/**
 * The leaks of a proxy that relays the client's own X-Forwarded-Host: the forged host is
 * believed, but it is not an allowed host, so the app refuses it (400) instead of
 * reflecting it.
 */
function hostLeak(because: string): Leak[] {
  return (['https', 'http'] as const).map((via) => ({
    via,
    attempt: 'x-forwarded-host' as const,
    refused: 400,
    because: `${because}; the forged host is not allowed, so the app answers 400`,
  }));
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

/** Both hops of a two-hop chain. */
const TRUST_BOTH = {
  trustedProxies: [HOP_ADDRESSES.edge, HOP_ADDRESSES.inner],
  headers: ['x-forwarded' as const],
};

/** A CloudFront-like chain: the edge's CloudFront headers first, then X-Forwarded-*. */
const TRUST_CLOUDFRONT_CHAIN = {
  trustedProxies: [HOP_ADDRESSES.edge, HOP_ADDRESSES.inner],
  headers: ['cloudfront' as const, 'x-forwarded' as const],
};

/**
 * nginx behaving like CloudFront with an origin request policy that asks for
 * CloudFront-Forwarded-Proto and CloudFront-Viewer-Address, and a function that copies
 * Host into X-Forwarded-Host (`keepViewerXfh`: only when the viewer sent none). Host is
 * rewritten to the origin's name; X-Forwarded-For gets the viewer appended.
 */
function cloudFrontLikeEdge(keepViewerXfh: boolean) {
  return nginx({
    behaviour: keepViewerXfh
      ? "CloudFront-like; keeps the viewer's X-Forwarded-Host"
      : 'CloudFront-like: CloudFront-Forwarded-Proto, Host -> X-Forwarded-Host, Host rewritten',
    http: keepViewerXfh
      ? ['map $http_x_forwarded_host $edge_xfh { default $http_x_forwarded_host; "" $host; }']
      : [],
    headers: [
      'proxy_set_header Host origin.internal;',
      `proxy_set_header X-Forwarded-Host ${keepViewerXfh ? '$edge_xfh' : '$host'};`,
      'proxy_set_header CloudFront-Forwarded-Proto $scheme;',
      'proxy_set_header CloudFront-Viewer-Address $remote_addr:$remote_port;',
      'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      'proxy_set_header X-Forwarded-Proto "";',
      'proxy_set_header X-Forwarded-Port "";',
      'proxy_set_header X-Forwarded-Prefix "";',
      'proxy_set_header Forwarded "";',
    ],
  });
}

/** HAProxy behaving like an ALB behind the edge: its own listener's proto and port, XFF appended. */
function albLikeInner() {
  return haproxy({
    name: 'inner',
    behaviour:
      'ALB-like: X-Forwarded-Proto/-Port of its own http listener, X-Forwarded-For appended',
    tls: false,
    source: HOP_ADDRESSES.inner,
    rules: [
      'option forwardfor',
      'http-request set-header X-Forwarded-Proto http',
      'http-request set-header X-Forwarded-Port 80',
    ],
  });
}

/** A fact the lab found: HAProxy's `option forwardfor` adds a line; it does not extend one. */
const HAPROXY_SECOND_LINE =
  "HAProxy's `option forwardfor` adds its own X-Forwarded-For line after the one it received, so every honest request arrives with two lines; X-Forwarded-For is a list header, so that is legitimate and not warned.";

/** Django configured right behind nginx-right. */
const DJANGO_RIGHT: DjangoSettings = {
  ALLOWED_HOSTS: [APP_HOST],
  SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'],
  USE_X_FORWARDED_HOST: true,
  USE_X_FORWARDED_PORT: false,
  SECURE_SSL_REDIRECT: true,
  SECURE_REDIRECT_EXEMPT: ['^healthz$'],
  SECURE_HSTS_SECONDS: 31536000,
  SESSION_COOKIE_SECURE: true,
  CSRF_COOKIE_SECURE: true,
  CSRF_EXEMPT_FORM: false,
};

/**
 * A Django reference target behind nginx (right unless `proxy` says otherwise). Django has
 * no client-IP API and no probe, so ip-spoof is never asserted; checks that cannot be
 * observed (everything answers a redirect) are listed as `unobservable`.
 */
function djangoTarget(o: {
  name: string;
  correct: boolean;
  summary: string;
  proxy?: HopSpec;
  settings: Partial<DjangoSettings>;
  observe: DjangoObservations;
  behaviour?: GroundTruth['behaviour'];
  fail: AuditCheckId[];
  warn?: AuditCheckId[];
  unobservable?: AuditCheckId[];
  /**
   * Checks that fail only with the probe: without it they cannot be observed (not asserted),
   * with it the probe shows the fault (e.g. csrf-origin behind a redirect loop).
   */
  probeFail?: AuditCheckId[];
  /** gunicorn's forwarded_allow_ips (default 127.0.0.1, which the proxies do not match). */
  forwardedAllowIps?: string;
  /** Run the Django probe: the probe checks are then asserted too. */
  probe?: boolean;
  options?: GroundTruth['audit']['options'];
  notes?: string[];
  /** The app listens on ::1 (behind Caddy). */
  ipv6?: boolean;
  /** The WSGI server (default gunicorn). */
  server?: 'gunicorn' | 'uwsgi' | 'mod_wsgi';
}): Scenario {
  // Without the probe, the probe checks end `skip`: not asserted.
  const probeFail = o.probeFail ?? [];
  const unobservable = [
    ...(o.unobservable ?? []).filter((c) => !(o.probe && probeFail.includes(c))),
    ...(o.probe ? [] : probeFail.filter((c) => !o.unobservable?.includes(c))),
  ];
  const skip: AuditCheckId[] = [
    ...(o.probe ? [] : (['ip-spoof', 'scheme-detection', 'forwarded-duplicates'] as const)),
    ...unobservable,
  ];
  const failing = [...o.fail, ...(o.probe ? probeFail : [])];
  const warned = o.warn ?? [];
  return {
    name: o.name,
    catalogue: 'django',
    correct: o.correct,
    summary: o.summary,
    hops: [
      o.proxy ?? nginx({ behaviour: 'overwrites every forwarded header', headers: NGINX_RIGHT }),
    ],
    app: {
      kind: 'django',
      settings: { ...DJANGO_RIGHT, ...o.settings },
      ...(o.server ? { server: o.server } : {}),
      ...(o.ipv6 ? { ipv6: true } : {}),
      ...(o.forwardedAllowIps ? { forwardedAllowIps: o.forwardedAllowIps } : {}),
      ...(o.probe ? { probe: true } : {}),
    },
    groundTruth: {
      leaks: [],
      behaviour: o.behaviour ?? { httpRoot: 301, httpHealth: 200, httpsRoot: 200 },
      django: o.observe,
      audit: {
        pass: ALL_CHECKS.filter(
          (c) => !failing.includes(c) && !skip.includes(c) && !warned.includes(c),
        ),
        fail: failing.filter((c) => !skip.includes(c)),
        ...(warned.length ? { warn: warned } : {}),
        ...(o.options ? { options: o.options } : {}),
      },
      notes: [
        ...(skip.length
          ? [
              `Not asserted: ${skip.join(', ')} (${o.probe ? '' : 'no probe: Django has no client-IP belief of its own'}${unobservable.length ? `${o.probe ? '' : '; '}every page answers a redirect` : ''}).`,
            ]
          : []),
        ...(o.notes ?? []),
      ],
    },
  };
}

/** What a right Django target shows from outside. */
const DJANGO_RIGHT_OBS: DjangoObservations = {
  httpsScheme: 'https',
  foreignHost: 400,
  hsts: true,
  secureCookies: true,
  foreignPost: 403,
  ownPost: 200,
};

const TRUST_EDGE = { trustedProxies: [HOP_ADDRESSES.edge] };
/** The edge, believing the X-Forwarded-Host it writes as well (named, since 0.2.0). */
const TRUST_EDGE_WITH_HOST = {
  ...TRUST_EDGE,
  headers: ['x-forwarded-for' as const, 'x-forwarded-proto' as const, 'x-forwarded-host' as const],
};

/** A wrong Django target twice: without the probe, and with it (`<name>-probe`). */
function withAndWithoutProbe(o: Parameters<typeof djangoTarget>[0]): Scenario[] {
  return [
    djangoTarget(o),
    djangoTarget({
      ...o,
      name: `${o.name}-probe`,
      summary: `${o.summary}; with the Django probe`,
      probe: true,
    }),
  ];
}

/** Apache mod_proxy in front of Django: Host preserved, the scheme set per virtual host. */
function apacheForDjango(unset: readonly string[], behaviour: string): HopSpec {
  return apache({
    behaviour,
    headers: ['ProxyPreserveHost On', ...unset.map((h) => `RequestHeader unset ${h}`)],
    tlsHeaders: ['RequestHeader set X-Forwarded-Proto https'],
    plainHeaders: ['RequestHeader set X-Forwarded-Proto http'],
  });
}

/** Apache mod_proxy configured right for Django: Forwarded, -Port and vendor scheme headers unset. */
const APACHE_FOR_DJANGO_RIGHT = apacheForDjango(
  ['Forwarded', 'X-Forwarded-Ssl', 'X-Forwarded-Protocol', 'X-Forwarded-Port'],
  'preserves Host, sets X-Forwarded-Proto per vhost, appends X-Forwarded-For/-Host, unsets Forwarded and vendor scheme headers',
);

/**
 * nginx as a CloudFront-like edge in front of Django: it refuses hosts it does not serve
 * (403, as CloudFront does), redirects plain http to https itself except the health check
 * (a viewer protocol policy), rewrites Host to the origin's name and sends the viewer's
 * scheme as CloudFront-Forwarded-Proto.
 */
const CLOUDFRONT_LIKE_DJANGO_EDGE = nginx({
  behaviour:
    'CloudFront-like: refuses unknown hosts, redirects http except /healthz, Host -> origin.internal, CloudFront-Forwarded-Proto $scheme',
  http: ['map $scheme$uri $edge_redirect { default 0; "http/healthz" 0; ~^http/ 1; }'],
  headers: [
    `if ($host != "${APP_HOST}") { return 403; }`,
    'if ($edge_redirect) { return 301 https://$host$request_uri; }',
    'proxy_set_header Host origin.internal;',
    'proxy_set_header X-Forwarded-Host $host;',
    'proxy_set_header CloudFront-Forwarded-Proto $scheme;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_set_header X-Forwarded-Proto "";',
    'proxy_set_header X-Forwarded-Port "";',
    'proxy_set_header X-Forwarded-Prefix "";',
    'proxy_set_header Forwarded "";',
  ],
});

/** Django behind the CloudFront-like edge: it trusts CloudFront-Forwarded-Proto and knows only the origin's name. */
const DJANGO_BEHIND_CLOUDFRONT: Partial<DjangoSettings> = {
  ALLOWED_HOSTS: ['origin.internal'],
  SECURE_PROXY_SSL_HEADER: ['HTTP_CLOUDFRONT_FORWARDED_PROTO', 'https'],
  USE_X_FORWARDED_HOST: false,
  // The edge redirects plain http.
  SECURE_SSL_REDIRECT: false,
};

/** What Django behind the CloudFront-like edge shows from outside. */
const DJANGO_BEHIND_CLOUDFRONT_OBS: DjangoObservations = {
  ...DJANGO_RIGHT_OBS,
  djangoHost: 'origin.internal',
  foreignHost: 403,
};

/** Why a 3.2 deployment behind a Host-rewriting edge needs CSRF_TRUSTED_ORIGINS. */
const CSRF_TRUSTED_NOTE =
  "Django 3.2 checks the Referer of a secure unsafe request against `get_host()` (here the origin's name, origin.internal) and the host names in CSRF_TRUSTED_ORIGINS; the Origin header is not checked before Django 4.0.";

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
    app: { kind: 'node', policy: TRUST_EDGE_WITH_HOST },
    groundTruth: {
      leaks: protoAndHostLeak(
        "nginx writes the client's value as its own, on one line: no app can tell it from a value nginx set",
      ),
      behaviour: NODE_BEHAVIOUR,
      audit: audit('proto-spoof'),
      notes: [
        "The forged X-Forwarded-Host reaches the app as nginx's own, but it is not an allowed host: the app refuses it (400) rather than reflecting it, so forwarded-host-spoof passes against this app (it would fail against an app with a wider allowed-hosts list).",
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
      audit: audit('proto-spoof'),
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
      audit: audit('proto-spoof'),
      notes: [
        'X-Forwarded-For stays right: Caddy appends the peer, and proxytrust walks from the right.',
      ],
    },
  },
  {
    name: 'cloudfront-like-edge',
    catalogue: 7,
    correct: true,
    summary:
      'nginx as a CloudFront-like edge (TLS, CloudFront-Forwarded-Proto, Host copied to X-Forwarded-Host, Host rewritten) -> HAProxy as an ALB-like LB (X-Forwarded-Proto/-Port of its own http listener) -> app',
    hops: [cloudFrontLikeEdge(false), albLikeInner()],
    app: { kind: 'node', policy: TRUST_CLOUDFRONT_CHAIN },
    groundTruth: {
      honestWarnings: {
        https: [],
        http: [],
      },
      leaks: [],
      behaviour: NODE_BEHAVIOUR,
      audit: audit(),
      notes: [
        "The LB's X-Forwarded-Proto is `http` (the edge reaches it over http): an app that reads it loops. CloudFront-Forwarded-Proto, believed from the trusted edge, carries the viewer's scheme: it describes the viewer's hop, the LB's X-Forwarded-Proto the edge's hop, so they are not in conflict and the viewer's https wins (symmetry).",
        "Host is the origin's name (origin.internal): an app checking Host against its allowed hosts rejects every request unless it reads X-Forwarded-Host from the trusted chain.",
      ],
    },
  },
  {
    name: 'cloudfront-like-edge-viewer-xfh',
    catalogue: 7,
    correct: false,
    summary:
      "The same chain, but the edge copies Host into X-Forwarded-Host only when the viewer did not send one (a function that keeps the viewer's header)",
    hops: [cloudFrontLikeEdge(true), albLikeInner()],
    app: { kind: 'node', policy: TRUST_CLOUDFRONT_CHAIN },
    groundTruth: {
      honestWarnings: {
        https: [],
        http: [],
      },
      leaks: hostLeak("the edge writes the viewer's X-Forwarded-Host as its own"),
      behaviour: NODE_BEHAVIOUR,
      audit: audit(),
    },
  },
  {
    name: 'nginx-haproxy',
    catalogue: 7,
    correct: true,
    summary:
      'nginx (TLS, sets X-Forwarded-Proto/-Host/-For) -> HAProxy (`option forwardfor` appends, keeps the rest) -> app',
    hops: [
      nginx({ behaviour: 'overwrites every forwarded header', headers: NGINX_RIGHT }),
      haproxy({
        name: 'inner',
        behaviour: 'appends to X-Forwarded-For, keeps what nginx set',
        tls: false,
        source: HOP_ADDRESSES.inner,
        rules: ['option forwardfor'],
      }),
    ],
    app: { kind: 'node', policy: TRUST_BOTH },
    groundTruth: {
      honestWarnings: [],
      leaks: [],
      behaviour: NODE_BEHAVIOUR,
      audit: audit(),
      notes: [HAPROXY_SECOND_LINE],
    },
  },
  {
    name: 'nginx-haproxy-clobbered-proto',
    catalogue: 7,
    correct: false,
    summary:
      "nginx -> HAProxy, but HAProxy overwrites X-Forwarded-Proto with its own listener's scheme (http)",
    hops: [
      nginx({ behaviour: 'overwrites every forwarded header', headers: NGINX_RIGHT }),
      haproxy({
        name: 'inner',
        behaviour: 'sets X-Forwarded-Proto from its own (plain) listener',
        tls: false,
        source: HOP_ADDRESSES.inner,
        rules: [
          'option forwardfor',
          'http-request set-header X-Forwarded-Proto https if { ssl_fc }',
          'http-request set-header X-Forwarded-Proto http if !{ ssl_fc }',
        ],
      }),
    ],
    app: { kind: 'node', policy: TRUST_BOTH },
    groundTruth: {
      honestWarnings: [],
      resolvedDiffers: [
        {
          via: 'https',
          resolves: { scheme: 'http', port: 80 },
          because:
            "the inner hop replaced the edge's `https` with its own `http`: the viewer's scheme never reaches the app",
        },
      ],
      leaks: [],
      behaviour: { httpRoot: 301, httpHealth: 200, httpsRoot: 301 },
      audit: {
        pass: [
          'https-redirect',
          'proto-spoof',
          'host-header',
          'forwarded-host-spoof',
          'health-exempt',
          'ip-spoof',
          'forwarded-duplicates',
        ],
        fail: ['redirect-loop', 'scheme-detection', 'hsts', 'cookie-flags'],
      },
      notes: [
        "Every https request is redirected to itself (a loop): the information is destroyed before the app, so no app setting can fix it; the chain must pass the edge's value on.",
        'csrf-origin is not asserted: unsafe requests are redirected before any origin check.',
      ],
    },
  },
  djangoTarget({
    name: 'django-right',
    correct: true,
    summary: 'Django behind nginx, configured right',
    settings: {},
    observe: {
      httpsScheme: 'https',
      foreignHost: 400,
      hsts: true,
      secureCookies: true,
      foreignPost: 403,
    },
    fail: [],
  }),
  ...withAndWithoutProbe({
    name: 'django-no-proxy-ssl-header',
    correct: false,
    summary:
      'SECURE_SSL_REDIRECT on, SECURE_PROXY_SSL_HEADER missing: every https request redirects to itself',
    settings: { SECURE_PROXY_SSL_HEADER: null },
    observe: { httpsScheme: 'redirect-loop' },
    behaviour: { httpRoot: 301, httpHealth: 200, httpsRoot: 301 },
    fail: ['redirect-loop', 'hsts', 'scheme-detection'],
    unobservable: ['cookie-flags', 'csrf-origin'],
    probeFail: ['csrf-origin'],
  }),
  ...withAndWithoutProbe({
    name: 'django-duplicated-proto',
    correct: false,
    summary:
      'Django right, but nginx sets X-Forwarded-Proto twice: Django 3.2 compares `https, https` exactly, so nothing is secure (a loop)',
    proxy: nginx({
      behaviour: 'sends X-Forwarded-Proto on two lines',
      headers: [...NGINX_RIGHT, 'proxy_set_header X-Forwarded-Proto $scheme;'],
    }),
    settings: {},
    observe: { httpsScheme: 'redirect-loop' },
    behaviour: { httpRoot: 301, httpHealth: 200, httpsRoot: 301 },
    fail: ['redirect-loop', 'hsts', 'scheme-detection', 'forwarded-duplicates'],
    unobservable: ['cookie-flags', 'csrf-origin'],
    probeFail: ['csrf-origin'],
  }),
  ...withAndWithoutProbe({
    name: 'django-allowed-hosts-any',
    correct: false,
    summary: "ALLOWED_HOSTS = ['*']: any Host is accepted and reflected in absolute links",
    settings: { ALLOWED_HOSTS: ['*'] },
    observe: {
      httpsScheme: 'https',
      foreignHost: 200,
      hsts: true,
      secureCookies: true,
      foreignPost: 403,
    },
    fail: ['host-header'],
  }),
  ...withAndWithoutProbe({
    name: 'django-health-redirected',
    correct: false,
    summary:
      'No SECURE_REDIRECT_EXEMPT: the plain-http health check gets a 301 and the load balancer marks the app down',
    settings: { SECURE_REDIRECT_EXEMPT: [] },
    observe: {
      httpsScheme: 'https',
      foreignHost: 400,
      hsts: true,
      secureCookies: true,
      foreignPost: 403,
    },
    behaviour: { httpRoot: 301, httpHealth: 301, httpsRoot: 200 },
    fail: ['health-exempt'],
  }),
  ...withAndWithoutProbe({
    name: 'django-hsts-off',
    correct: false,
    summary: 'SECURE_HSTS_SECONDS = 0: no Strict-Transport-Security',
    settings: { SECURE_HSTS_SECONDS: 0 },
    observe: {
      httpsScheme: 'https',
      foreignHost: 400,
      hsts: false,
      secureCookies: true,
      foreignPost: 403,
    },
    fail: ['hsts'],
  }),
  ...withAndWithoutProbe({
    name: 'django-insecure-cookies',
    correct: false,
    summary: 'SESSION_COOKIE_SECURE and CSRF_COOKIE_SECURE off: cookies without Secure over https',
    settings: { SESSION_COOKIE_SECURE: false, CSRF_COOKIE_SECURE: false },
    observe: {
      httpsScheme: 'https',
      foreignHost: 400,
      hsts: true,
      secureCookies: false,
      foreignPost: 403,
    },
    fail: ['cookie-flags'],
  }),
  ...withAndWithoutProbe({
    name: 'django-csrf-exempt',
    correct: false,
    summary:
      'The form view is @csrf_exempt (the usual "fix" for CSRF failures behind a proxy): a foreign origin is accepted',
    settings: { CSRF_EXEMPT_FORM: true },
    observe: {
      httpsScheme: 'https',
      foreignHost: 400,
      hsts: true,
      secureCookies: true,
      foreignPost: 200,
    },
    fail: ['csrf-origin'],
  }),
  djangoTarget({
    name: 'django-gunicorn-trusts-proxy-xfssl-passes',
    correct: true,
    summary:
      "gunicorn `forwarded_allow_ips = '*'` behind nginx that sets X-Forwarded-Proto but passes the client's X-Forwarded-Ssl through: gunicorn refuses the contradiction with 400 (safe, but the header reaches it)",
    forwardedAllowIps: '*',
    settings: {},
    observe: {
      ...DJANGO_RIGHT_OBS,
      refusedSpoofs: [{ attempt: 'vendor', status: 400 }],
    },
    fail: [],
    warn: ['proto-spoof'],
    notes: [
      'gunicorn judges X-Forwarded-Proto, X-Forwarded-Ssl and X-Forwarded-Protocol from trusted peers and answers 400 "Contradictory scheme headers" when they disagree: a refusal, not belief, so proto-spoof warns and names the header.',
    ],
  }),
  djangoTarget({
    name: 'django-gunicorn-trusts-proxy-stripped',
    correct: true,
    summary:
      "gunicorn `forwarded_allow_ips = '*'` behind nginx that also strips X-Forwarded-Ssl and X-Forwarded-Protocol, with the Django probe",
    forwardedAllowIps: '*',
    probe: true,
    proxy: nginx({
      behaviour: 'overwrites every forwarded header, strips vendor scheme headers',
      headers: [
        ...NGINX_RIGHT,
        'proxy_set_header X-Forwarded-Ssl "";',
        'proxy_set_header X-Forwarded-Protocol "";',
      ],
    }),
    settings: {},
    observe: DJANGO_RIGHT_OBS,
    fail: [],
  }),
  djangoTarget({
    name: 'django-caddy-gunicorn-matching-address',
    correct: true,
    summary:
      "Django behind Caddy (X-Forwarded-For/-Proto/-Host replaced; Forwarded, -Port, -Prefix deleted) with gunicorn `forwarded_allow_ips` naming exactly Caddy's address: gunicorn judges the client's X-Forwarded-Ssl, which Caddy passes through, and refuses contradictions",
    ipv6: true,
    forwardedAllowIps: HOP_ADDRESSES.caddy,
    proxy: caddy({
      behaviour: 'sets X-Forwarded-For/-Proto/-Host itself',
      proxyOptions: CADDY_STRIP,
    }),
    settings: {},
    observe: {
      ...DJANGO_RIGHT_OBS,
      // Caddy answers a Host it does not serve itself, with an empty 200: Django never sees it.
      foreignHost: undefined,
      refusedSpoofs: [{ attempt: 'vendor', status: 400 }],
    },
    fail: [],
    warn: ['proto-spoof'],
    notes: [
      'Caddy answers a Host that matches no site with an empty 200 of its own, so the foreign Host never reaches Django; host-header passes on that empty catch-all.',
    ],
  }),
  djangoTarget({
    name: 'django-csrf-cookie-from-another-page',
    correct: true,
    summary:
      'Django right; --csrf-path names an endpoint whose GET sets no cookie and renders no token, --cookie-path the form that sets csrftoken: the shared jar carries it',
    settings: {},
    observe: DJANGO_RIGHT_OBS,
    fail: [],
    options: { csrfPath: '/nocookie/', cookiePath: '/form/' },
  }),
  djangoTarget({
    name: 'django-right-probe',
    correct: true,
    summary: 'Django behind nginx, configured right, with the Django probe first in MIDDLEWARE',
    probe: true,
    settings: {},
    observe: DJANGO_RIGHT_OBS,
    fail: [],
  }),
  djangoTarget({
    name: 'django-apache-right-probe',
    correct: true,
    summary:
      'Django behind Apache mod_proxy (ProxyPreserveHost On, X-Forwarded-Proto set per virtual host, vendor scheme headers unset), with the Django probe',
    probe: true,
    proxy: APACHE_FOR_DJANGO_RIGHT,
    settings: { USE_X_FORWARDED_HOST: false },
    observe: DJANGO_RIGHT_OBS,
    fail: [],
    notes: [
      "mod_proxy appends the client's X-Forwarded-Host to its own, so Django must not read it (USE_X_FORWARDED_HOST = False) and the Host is preserved instead.",
    ],
  }),
  ...withAndWithoutProbe({
    name: 'django-trusts-xfssl-haproxy-passes',
    correct: false,
    summary:
      "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_SSL', 'on') behind HAProxy that sets it only on TLS and passes the client's over plain http: a client's `X-Forwarded-Ssl: on` over http is believed",
    proxy: haproxy({
      behaviour: "sets X-Forwarded-Ssl on TLS only, keeps the client's over http",
      rules: [...HAPROXY_RIGHT, 'http-request set-header X-Forwarded-Ssl on if { ssl_fc }'],
    }),
    settings: { SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_SSL', 'on'] },
    observe: {
      ...DJANGO_RIGHT_OBS,
      httpSpoof: { header: 'X-Forwarded-Ssl', value: 'on', status: 200 },
    },
    fail: ['proto-spoof'],
  }),
  ...withAndWithoutProbe({
    name: 'django-believes-http',
    correct: false,
    summary:
      'No SECURE_PROXY_SSL_HEADER and no SECURE_SSL_REDIRECT: Django believes every request is http, sends no HSTS and (3.2) checks no Referer, so a foreign origin with a valid token is accepted',
    settings: { SECURE_PROXY_SSL_HEADER: null, SECURE_SSL_REDIRECT: false },
    observe: { ...DJANGO_RIGHT_OBS, httpsScheme: 'http', hsts: false },
    behaviour: { httpRoot: 200, httpHealth: 200, httpsRoot: 200 },
    fail: ['https-redirect', 'hsts', 'csrf-origin', 'scheme-detection'],
  }),
  djangoTarget({
    name: 'django-use-xfh-proxy-passes-probe',
    correct: true,
    summary:
      "USE_X_FORWARDED_HOST = True behind nginx that does not set X-Forwarded-Host, so the client's passes through: Django takes it as its host and ALLOWED_HOSTS refuses it (DisallowedHost, 400); with the Django probe",
    probe: true,
    proxy: nginx({
      behaviour: "overwrites X-Forwarded-Proto/-For, passes the client's X-Forwarded-Host through",
      headers: NGINX_RIGHT.filter((l) => !l.startsWith('proxy_set_header X-Forwarded-Host ')),
    }),
    settings: { USE_X_FORWARDED_HOST: true },
    observe: { ...DJANGO_RIGHT_OBS, refusedSpoofs: [{ attempt: 'x-forwarded-host', status: 400 }] },
    fail: [],
    warn: ['forwarded-host-spoof'],
    notes: [
      "Safe only because of ALLOWED_HOSTS: the Django probe reports the DisallowedHost that a forged X-Forwarded-Host raises, so forwarded-host-spoof warns; without a probe Django's 400 (DEBUG off) hides it.",
    ],
  }),
  djangoTarget({
    name: 'django-uwsgi-nginx-right-probe',
    correct: true,
    summary:
      'Django under uwsgi (--http-socket) behind nginx that overwrites every forwarded header, with the Django probe',
    server: 'uwsgi',
    probe: true,
    settings: {},
    observe: DJANGO_RIGHT_OBS,
    fail: [],
  }),
  ...withAndWithoutProbe({
    name: 'django-uwsgi-nginx-proto-tls-only',
    correct: false,
    summary:
      "Django under uwsgi behind nginx that sets X-Forwarded-Proto only for TLS requests (as a header in the TLS server block only) and passes the client's own over plain http: a client's `X-Forwarded-Proto: https` over http is believed",
    server: 'uwsgi',
    proxy: nginx({
      behaviour: "sets X-Forwarded-Proto https over TLS, passes the client's over http",
      http: ['map $scheme $tls_only_proto { https https; default $http_x_forwarded_proto; }'],
      headers: NGINX_RIGHT.map((l) =>
        l.startsWith('proxy_set_header X-Forwarded-Proto ')
          ? 'proxy_set_header X-Forwarded-Proto $tls_only_proto;'
          : l,
      ),
    }),
    settings: {},
    observe: {
      ...DJANGO_RIGHT_OBS,
      httpSpoof: { header: 'X-Forwarded-Proto', value: 'https', status: 200 },
    },
    fail: ['proto-spoof'],
  }),
  djangoTarget({
    name: 'django-modwsgi-apache-right',
    correct: true,
    summary:
      'Django under Apache httpd mod_wsgi (embedded) behind Apache mod_proxy (Host preserved, X-Forwarded-Proto set per virtual host, Forwarded and vendor scheme headers unset)',
    server: 'mod_wsgi',
    proxy: APACHE_FOR_DJANGO_RIGHT,
    settings: { USE_X_FORWARDED_HOST: false },
    observe: DJANGO_RIGHT_OBS,
    fail: [],
  }),
  ...withAndWithoutProbe({
    name: 'django-modwsgi-trusts-xfprotocol-haproxy-passes',
    correct: false,
    summary:
      "Django under mod_wsgi with SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTOCOL', 'https') behind HAProxy that sets X-Forwarded-Protocol on TLS only and passes the client's over plain http",
    server: 'mod_wsgi',
    proxy: haproxy({
      behaviour: "sets X-Forwarded-Protocol on TLS only, keeps the client's over http",
      rules: [...HAPROXY_RIGHT, 'http-request set-header X-Forwarded-Protocol https if { ssl_fc }'],
    }),
    settings: { SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTOCOL', 'https'] },
    observe: {
      ...DJANGO_RIGHT_OBS,
      httpSpoof: { header: 'X-Forwarded-Protocol', value: 'https', status: 200 },
    },
    fail: ['proto-spoof'],
  }),
  djangoTarget({
    name: 'django-haproxy-gunicorn-allow-ips-mismatch-probe',
    correct: true,
    summary:
      "gunicorn `forwarded_allow_ips` naming an address that is not the proxy's, behind HAProxy that passes the client's X-Forwarded-Ssl and X-Forwarded-Protocol through: gunicorn judges no scheme header, Django reads only X-Forwarded-Proto; with the Django probe",
    forwardedAllowIps: '10.0.0.2',
    probe: true,
    proxy: haproxy({
      behaviour: 'overwrites X-Forwarded-Proto/-Host/-For, deletes Forwarded/-Port/-Prefix only',
      rules: HAPROXY_RIGHT,
    }),
    settings: {},
    observe: DJANGO_RIGHT_OBS,
    fail: [],
    notes: [
      "gunicorn rewrites wsgi.url_scheme, and refuses contradicting scheme headers, only for peers in forwarded_allow_ips: the proxy (127.0.0.10) is not one, so the client's vendor headers reach Django, which reads only the header SECURE_PROXY_SSL_HEADER names.",
    ],
  }),
  djangoTarget({
    name: 'django-apache-gunicorn-trusts-proxy-xfprotocol-passes-probe',
    correct: true,
    summary:
      "gunicorn `forwarded_allow_ips = '*'` behind Apache mod_proxy that unsets X-Forwarded-Ssl but passes the client's X-Forwarded-Protocol: gunicorn refuses the contradiction with 400 (safe, but the header reaches it); with the Django probe",
    forwardedAllowIps: '*',
    probe: true,
    proxy: apacheForDjango(
      ['Forwarded', 'X-Forwarded-Ssl', 'X-Forwarded-Port'],
      'preserves Host, sets X-Forwarded-Proto per vhost, unsets Forwarded and X-Forwarded-Ssl, passes X-Forwarded-Protocol',
    ),
    settings: { USE_X_FORWARDED_HOST: false },
    observe: { ...DJANGO_RIGHT_OBS, refusedSpoofs: [{ attempt: 'vendor', status: 400 }] },
    fail: [],
    warn: ['proto-spoof'],
    notes: [
      'gunicorn reads `X-Forwarded-Protocol: ssl` as https and any other value as http, so a client\'s `X-Forwarded-Protocol: http` over https contradicts the proxy\'s `X-Forwarded-Proto: https`: 400 "Contradictory scheme headers", a refusal that proto-spoof reports as a warning.',
    ],
  }),
  djangoTarget({
    name: 'django-cloudfront-like-trusted-origins-probe',
    correct: true,
    summary:
      "Django behind a CloudFront-like edge that rewrites Host to the origin's name: it trusts CloudFront-Forwarded-Proto, ALLOWED_HOSTS names the origin, and CSRF_TRUSTED_ORIGINS = ['app.example.com'] (Django 3.2: host names) lets the site's own Referer pass; with the Django probe",
    proxy: CLOUDFRONT_LIKE_DJANGO_EDGE,
    probe: true,
    settings: { ...DJANGO_BEHIND_CLOUDFRONT, CSRF_TRUSTED_ORIGINS: [APP_HOST] },
    observe: DJANGO_BEHIND_CLOUDFRONT_OBS,
    fail: [],
    notes: [CSRF_TRUSTED_NOTE],
  }),
  ...withAndWithoutProbe({
    name: 'django-cloudfront-like-trusted-origins-with-scheme',
    correct: false,
    summary:
      "The same, but CSRF_TRUSTED_ORIGINS = ['https://app.example.com'] (Django 4.0's form) on Django 3.2, which compares host names: the site's own POST with a valid token is refused",
    proxy: CLOUDFRONT_LIKE_DJANGO_EDGE,
    settings: { ...DJANGO_BEHIND_CLOUDFRONT, CSRF_TRUSTED_ORIGINS: [`https://${APP_HOST}`] },
    observe: { ...DJANGO_BEHIND_CLOUDFRONT_OBS, ownPost: 403 },
    fail: ['csrf-origin'],
    notes: [CSRF_TRUSTED_NOTE],
  }),
  ...withAndWithoutProbe({
    name: 'django-csrf-path-sets-no-cookie',
    correct: true,
    summary:
      'Django right; --csrf-path names an endpoint whose GET sets no cookie and renders no token, and no --cookie-path: the same-origin POST is refused for the missing token, which the audit cannot tell from an origin failure',
    settings: {},
    observe: DJANGO_RIGHT_OBS,
    fail: [],
    warn: ['csrf-origin'],
    options: { csrfPath: '/nocookie/' },
  }),
  // The sites on the shipped WSGI, ASGI and Node probes (test/lab/probe-scenarios.ts).
  ...probeScenarios,
];
