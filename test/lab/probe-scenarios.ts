/**
 * Scenarios for apps without proxytrust's middleware, audited through the shipped probes:
 * Flask under gunicorn or uwsgi with the WSGI probe, Starlette under uvicorn with the ASGI
 * probe, and Express, Fastify and Koa with the standalone Node probe, each trusting its
 * proxy by its own setting, right and wrong. Data only; test/lab/probe-apps.ts starts the
 * apps, test/lab/probe-apps.test.ts checks each framework's belief against the ground
 * truth, and test/audit/lab-verdicts.test.ts audits them.
 *
 * Every chain is one nginx that sets X-Forwarded-Proto and -Host and *appends* to
 * X-Forwarded-For (`$proxy_add_x_forwarded_for`, the common setting), so that a client's
 * forged entry stays on the left: an app that reads the leftmost entry is spoofable, one
 * that walks from the right and stops at its proxy is not.
 */
import { NGINX_RIGHT, nginx } from './proxies.js';
import {
  AUDIT_CHECK_IDS,
  type AuditCheckId,
  type GroundTruth,
  HOP_ADDRESSES,
  type HopSpec,
  type ProbeAppObservations,
  type ProbeAppSpec,
  type Scenario,
} from './types.js';

/** nginx's right headers, but appending to the client's X-Forwarded-For. */
const NGINX_APPEND_HEADERS = NGINX_RIGHT.map((l) =>
  l.startsWith('proxy_set_header X-Forwarded-For ')
    ? 'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;'
    : l,
);
const NGINX_APPEND = nginx({
  behaviour:
    "sets X-Forwarded-Proto/-Host, appends the peer to the client's X-Forwarded-For, strips Forwarded",
  headers: NGINX_APPEND_HEADERS,
});

/** What an app that believes https requests are http fails: it redirects them to themselves. */
const LOOP_FAILS: AuditCheckId[] = [
  'redirect-loop',
  'hsts',
  'cookie-flags',
  'csrf-origin',
  'scheme-detection',
];

const RIGHT: ProbeAppObservations = {
  httpsScheme: 'https',
  clientIp: 'client',
  forgedXffBelieved: false,
};
const LOOPS: ProbeAppObservations = {
  httpsScheme: 'http',
  clientIp: 'proxy',
  forgedXffBelieved: false,
};
const LEFTMOST: ProbeAppObservations = {
  httpsScheme: 'https',
  clientIp: 'client',
  forgedXffBelieved: true,
};

function probeTarget(o: {
  name: string;
  correct: boolean;
  summary: string;
  app: ProbeAppSpec;
  observe: ProbeAppObservations;
  fail: AuditCheckId[];
  warn?: AuditCheckId[];
  hop?: HopSpec;
  notes?: string[];
}): Scenario {
  const warned = o.warn ?? [];
  const loops = o.observe.httpsScheme === 'http';
  const truth: GroundTruth = {
    leaks: [],
    behaviour: { httpRoot: 301, httpHealth: 200, httpsRoot: loops ? 301 : 200 },
    probeApp: o.observe,
    audit: {
      pass: AUDIT_CHECK_IDS.filter((c) => !o.fail.includes(c) && !warned.includes(c)),
      fail: o.fail,
      ...(warned.length ? { warn: warned } : {}),
      options: { csrfPath: '/form' },
    },
    ...(o.notes ? { notes: o.notes } : {}),
  };
  return {
    name: o.name,
    catalogue: 'probe-apps',
    correct: o.correct,
    summary: o.summary,
    hops: [o.hop ?? NGINX_APPEND],
    app: o.app,
    groundTruth: truth,
  };
}

export const probeScenarios: readonly Scenario[] = [
  probeTarget({
    name: 'flask-gunicorn-proxyfix',
    correct: true,
    summary:
      'Flask under gunicorn with ProxyFix(x_for=1, x_proto=1, x_host=1), the WSGI probe innermost',
    app: { kind: 'wsgi', server: 'gunicorn', proxyFix: true },
    observe: RIGHT,
    fail: [],
  }),
  probeTarget({
    name: 'flask-gunicorn-no-proxyfix',
    correct: false,
    summary:
      "Flask under gunicorn without ProxyFix: gunicorn's default forwarded_allow_ips (127.0.0.1) does not match nginx, so werkzeug sees http and the client is nginx; the https redirect loops",
    app: { kind: 'wsgi', server: 'gunicorn', proxyFix: false },
    observe: LOOPS,
    fail: LOOP_FAILS,
    notes: [
      'Not spoofable (ip-spoof passes): without ProxyFix the client address is nginx, which is wrong but not forgeable.',
    ],
  }),
  probeTarget({
    name: 'flask-gunicorn-proxyfix-xfh-passes',
    correct: true,
    summary:
      "Flask with ProxyFix(x_host=1) behind nginx that does not set X-Forwarded-Host, so the client's passes through: werkzeug takes it as the host, and the site's host list refuses it",
    app: { kind: 'wsgi', server: 'gunicorn', proxyFix: true },
    hop: nginx({
      behaviour:
        "sets X-Forwarded-Proto, appends to X-Forwarded-For, passes the client's X-Forwarded-Host through",
      headers: NGINX_APPEND_HEADERS.filter(
        (l) => !l.startsWith('proxy_set_header X-Forwarded-Host '),
      ),
    }),
    observe: { ...RIGHT, forgedXfhBelieved: true },
    fail: [],
    warn: ['forwarded-host-spoof'],
    notes: [
      'Safe only because of the host list: the WSGI probe shows werkzeug believing the forged host, and every request carrying it gets 400 (forwarded-host-spoof warns; without a probe the refusal hides the belief).',
    ],
  }),
  probeTarget({
    name: 'flask-uwsgi-proxyfix',
    correct: true,
    summary:
      'Flask under uwsgi (--http-socket) with ProxyFix: uwsgi copies X-Forwarded-Proto into wsgi.url_scheme itself, nginx sets exactly one',
    app: { kind: 'wsgi', server: 'uwsgi', proxyFix: true },
    observe: RIGHT,
    fail: [],
  }),
  probeTarget({
    name: 'flask-uwsgi-no-proxyfix',
    correct: true,
    summary:
      "Flask under uwsgi without ProxyFix: uwsgi itself copies X-Forwarded-Proto into wsgi.url_scheme (from any peer), so werkzeug believes nginx's https; the client address is nginx's",
    app: { kind: 'wsgi', server: 'uwsgi', proxyFix: false },
    observe: { httpsScheme: 'https', clientIp: 'proxy', forgedXffBelieved: false },
    fail: [],
    notes: [
      'Right only because nginx overwrites X-Forwarded-Proto: uwsgi would take a client-sent one from any peer (docs/probes.md).',
    ],
  }),
  probeTarget({
    name: 'starlette-uvicorn-proxy-headers',
    correct: true,
    summary: `Starlette under uvicorn --proxy-headers --forwarded-allow-ips ${HOP_ADDRESSES.edge} (nginx's address), the ASGI probe`,
    app: {
      kind: 'asgi',
      uvicornArgs: ['--proxy-headers', '--forwarded-allow-ips', HOP_ADDRESSES.edge],
    },
    observe: RIGHT,
    fail: [],
  }),
  probeTarget({
    name: 'starlette-uvicorn-allow-all',
    correct: false,
    summary:
      "Starlette under uvicorn --forwarded-allow-ips '*': uvicorn 0.17 then takes the leftmost X-Forwarded-For, which the client wrote",
    app: { kind: 'asgi', uvicornArgs: ['--proxy-headers', '--forwarded-allow-ips', '*'] },
    observe: LEFTMOST,
    fail: ['ip-spoof'],
  }),
  probeTarget({
    name: 'starlette-uvicorn-unmatched-allow-ips',
    correct: false,
    summary:
      'Starlette under uvicorn --proxy-headers with its default --forwarded-allow-ips (127.0.0.1), which does not match nginx: the app sees http and the https redirect loops',
    app: { kind: 'asgi', uvicornArgs: ['--proxy-headers'] },
    observe: LOOPS,
    fail: LOOP_FAILS,
  }),
  probeTarget({
    name: 'express-trust-proxy-address',
    correct: true,
    summary: `Express with trust proxy = '${HOP_ADDRESSES.edge}' (nginx's address), the Node probe first`,
    app: { kind: 'framework', framework: 'express', trustProxy: HOP_ADDRESSES.edge },
    observe: RIGHT,
    fail: [],
  }),
  probeTarget({
    name: 'express-trust-proxy-true',
    correct: false,
    summary:
      'Express with trust proxy = true: req.ip is the leftmost X-Forwarded-For, which the client wrote',
    app: { kind: 'framework', framework: 'express', trustProxy: true },
    observe: LEFTMOST,
    fail: ['ip-spoof'],
  }),
  probeTarget({
    name: 'express-trust-proxy-unset',
    correct: false,
    summary:
      "Express with trust proxy unset (its default, false): req.protocol is the connection's http and req.ip nginx's; the https redirect loops",
    app: { kind: 'framework', framework: 'express', trustProxy: false },
    observe: LOOPS,
    fail: LOOP_FAILS,
  }),
  probeTarget({
    name: 'fastify-trust-proxy-address',
    correct: true,
    summary: `Fastify with trustProxy = '${HOP_ADDRESSES.edge}' (nginx's address), the Node probe as an onRequest hook`,
    app: { kind: 'framework', framework: 'fastify', trustProxy: HOP_ADDRESSES.edge },
    observe: RIGHT,
    fail: [],
  }),
  probeTarget({
    name: 'fastify-trust-proxy-true',
    correct: false,
    summary:
      'Fastify with trustProxy = true: request.ip is the leftmost X-Forwarded-For, which the client wrote',
    app: { kind: 'framework', framework: 'fastify', trustProxy: true },
    observe: LEFTMOST,
    fail: ['ip-spoof'],
  }),
  probeTarget({
    name: 'koa-proxy-true',
    correct: false,
    summary:
      'Koa with app.proxy = true and no maxIpsCount: ctx.ip is the leftmost X-Forwarded-For, which the client wrote',
    app: { kind: 'framework', framework: 'koa', proxy: true },
    observe: LEFTMOST,
    fail: ['ip-spoof'],
  }),
  probeTarget({
    name: 'koa-proxy-max-ips-1',
    correct: true,
    summary: 'Koa with app.proxy = true and maxIpsCount = 1: ctx.ip is the entry nginx appended',
    app: { kind: 'framework', framework: 'koa', proxy: true, maxIpsCount: 1 },
    observe: RIGHT,
    fail: [],
  }),
];
