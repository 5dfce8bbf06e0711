/**
 * What the probe tests share: where the probes and the test sites are, the Django settings
 * of a correct deployment, and signed / unsigned requests through a lab chain.
 */
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PROBE_PATH, PROBE_HEADER, signProbe } from '../../src/node/probe-auth.js';
import type { ProbeDocument } from '../../src/probe/index.js';
import { type LabResponse, request } from '../lab/client.js';
import { apache, caddy, haproxy, nginx } from '../lab/proxies.js';
import { APP_HOST, type DjangoSettings, type HopSpec } from '../lab/types.js';

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, '..', '..');
export const PROBES = {
  django: join(ROOT, 'probes', 'django'),
  wsgi: join(ROOT, 'probes', 'wsgi'),
  asgi: join(ROOT, 'probes', 'asgi'),
} as const;
/** The lab's Django site and the probe test sites. */
export const SITES = {
  labsite: join(ROOT, 'test', 'lab', 'django'),
  probesite: join(here, 'django'),
  apps: join(here, 'apps'),
} as const;
export const PYTHON = '/usr/bin/python3';

/** Each proxy as an operator configures it for Django: scheme and host set, XFF appended. */
export const PROXIES: Record<'nginx' | 'haproxy' | 'caddy' | 'apache', () => HopSpec> = {
  nginx: () =>
    nginx({
      behaviour: 'sets Host, X-Forwarded-Proto/-Host, appends X-Forwarded-For',
      headers: [
        'proxy_set_header Host $host;',
        'proxy_set_header X-Forwarded-Proto $scheme;',
        'proxy_set_header X-Forwarded-Host $host;',
        'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
      ],
    }),
  haproxy: () =>
    haproxy({
      behaviour: 'sets X-Forwarded-Proto/-Host, option forwardfor',
      rules: [
        'option forwardfor',
        'http-request set-header X-Forwarded-Proto https if { ssl_fc }',
        'http-request set-header X-Forwarded-Proto http if !{ ssl_fc }',
        'http-request set-header X-Forwarded-Host %[req.hdr(host)]',
      ],
    }),
  caddy: () =>
    caddy({ behaviour: 'Caddy defaults (X-Forwarded-For/-Proto/-Host)', proxyOptions: [] }),
  apache: () =>
    apache({
      behaviour:
        'ProxyPreserveHost, RequestHeader sets X-Forwarded-Proto; mod_proxy appends XFF/XFH',
      headers: ['ProxyPreserveHost On'],
      tlsHeaders: ['RequestHeader set X-Forwarded-Proto https'],
      plainHeaders: ['RequestHeader set X-Forwarded-Proto http'],
    }),
};

/** A fresh probe secret. */
export function newSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** A correct Django deployment behind a TLS proxy that sets X-Forwarded-Proto and -Host. */
export const DJANGO_SETTINGS: DjangoSettings = {
  ALLOWED_HOSTS: [APP_HOST],
  SECURE_PROXY_SSL_HEADER: ['HTTP_X_FORWARDED_PROTO', 'https'],
  USE_X_FORWARDED_HOST: true,
  USE_X_FORWARDED_PORT: false,
  SECURE_SSL_REDIRECT: true,
  // The comparison view answers over http too, like the probe.
  SECURE_REDIRECT_EXEMPT: ['^healthz$', '^__django/$'],
  SECURE_HSTS_SECONDS: 31536000,
  SESSION_COOKIE_SECURE: true,
  CSRF_COOKIE_SECURE: true,
  CSRF_EXEMPT_FORM: false,
};

/** The environment of the Django probe site. */
export function djangoEnv(secret: string | undefined, settings = DJANGO_SETTINGS) {
  return {
    DJANGO_SETTINGS_MODULE: 'probesite.settings',
    LAB_DJANGO_SETTINGS: JSON.stringify(settings),
    ...(secret === undefined ? {} : { PROXYTRUST_PROBE_SECRET: secret }),
  };
}
export const DJANGO_PYTHONPATH = [SITES.probesite, SITES.labsite, PROBES.django];

/** Where a request goes: a URL origin and the loopback port to connect to. */
export interface Target {
  readonly origin: string;
  readonly port: number;
  readonly ca?: string;
}

/** A GET (or other) request through `target`. */
export function get(
  target: Target,
  path: string,
  headers: readonly (readonly [string, string])[] = [],
  method = 'GET',
  body?: string,
): Promise<LabResponse> {
  return request({
    url: `${target.origin}${path}`,
    connect: { port: target.port },
    headers,
    method,
    ...(body === undefined ? {} : { body }),
    ...(target.ca === undefined ? {} : { ca: target.ca }),
  });
}

/** A probe request signed with `secret` (or with the given header value). */
export function probeGet(
  target: Target,
  secretOrHeader: { secret: string } | { header: string },
  headers: readonly (readonly [string, string])[] = [],
): Promise<LabResponse> {
  const value =
    'secret' in secretOrHeader
      ? signProbe(secretOrHeader.secret, DEFAULT_PROBE_PATH)
      : secretOrHeader.header;
  return get(target, DEFAULT_PROBE_PATH, [...headers, [PROBE_HEADER, value]]);
}

/** A probe's JSON answer (docs/probe-protocol.md). */
export type ProbeDoc = ProbeDocument;

/**
 * The fields every probe's answer carries (docs/probe-protocol.md, "Response"), with their
 * types: the contract the audit reads.
 */
export function assertProbeShape(doc: ProbeDoc, kind: string): void {
  const fail = (what: string) => {
    throw new Error(`${kind} probe answer: ${what} in ${JSON.stringify(doc).slice(0, 400)}`);
  };
  const nullable = (v: unknown, type: string) => v === null || typeof v === type;
  if (doc.version !== 1) fail('version is not 1');
  if (doc.probe !== kind) fail(`probe is ${JSON.stringify(doc.probe)}`);
  const v = doc.view;
  if (v === null || typeof v !== 'object') fail('no view');
  if (!(v.scheme === null || v.scheme === 'http' || v.scheme === 'https')) fail('view.scheme');
  if (!nullable(v.secure, 'boolean')) fail('view.secure');
  for (const k of ['host', 'hostname', 'clientIp'] as const) {
    if (!nullable(v[k], 'string')) fail(`view.${k}`);
  }
  if (!nullable(v.port, 'number')) fail('view.port');
  if (doc.forwarded === null || typeof doc.forwarded !== 'object') fail('forwarded');
  for (const [name, lines] of Object.entries(doc.forwarded)) {
    if (name !== name.toLowerCase() || !Array.isArray(lines)) fail(`forwarded.${name}`);
    if (!lines.every((l) => typeof l === 'string')) fail(`forwarded.${name} lines`);
  }
  if (kind !== 'proxytrust') {
    if (doc.headerLines !== 'joined' && doc.headerLines !== 'separate') fail('headerLines');
    if (doc.app === null || typeof doc.app !== 'object') fail('app');
  }
  if (!Array.isArray(doc.warnings)) fail('warnings');
}

/** A probe answer (200 and JSON), or throw with what came instead. */
export async function probeJson(
  target: Target,
  secret: string,
  headers: readonly (readonly [string, string])[] = [],
): Promise<ProbeDoc> {
  const r = await probeGet(target, { secret }, headers);
  if (r.status !== 200) throw new Error(`probe answered ${r.status}: ${r.body.slice(0, 300)}`);
  return JSON.parse(r.body);
}

/** Unauthenticated variants of the probe header: each must be answered like an unknown path. */
export function badHeaders(secret: string): { name: string; header: string | undefined }[] {
  const now = Date.now();
  return [
    { name: 'no header', header: undefined },
    { name: 'wrong secret', header: signProbe(`${secret}-other`, DEFAULT_PROBE_PATH, now) },
    { name: 'signed over another path', header: signProbe(secret, '/other', now) },
    // Well outside the ±30 s window (a second's margin would race the clock's tick).
    { name: 'stale (t - 40 s)', header: signProbe(secret, DEFAULT_PROBE_PATH, now - 40000) },
    { name: 'future (t + 40 s)', header: signProbe(secret, DEFAULT_PROBE_PATH, now + 40000) },
    { name: 'malformed', header: 't=abc, sig=00' },
    { name: 'upper-case hex', header: signProbe(secret, DEFAULT_PROBE_PATH, now).toUpperCase() },
  ];
}

/** A path no test app serves. */
export const UNKNOWN_PATH = '/no-such-page-proxytrust';

/** Request the probe path with each bad header and an unknown path; all answers must match. */
export async function assertRefusedLikeUnknown(
  target: Target,
  secret: string,
  equal: (a: unknown, b: unknown, msg: string) => void,
): Promise<void> {
  const unknown = await get(target, UNKNOWN_PATH);
  // What the app answers for an unknown path at the probe's path (Express and Fastify
  // name the path in their 404 page).
  const expected = unknown.body.replaceAll(UNKNOWN_PATH, DEFAULT_PROBE_PATH);
  for (const b of badHeaders(secret)) {
    const r =
      b.header === undefined
        ? await get(target, DEFAULT_PROBE_PATH)
        : await probeGet(target, { header: b.header });
    equal(r.status, unknown.status, `${b.name}: status`);
    equal(r.body, expected, `${b.name}: body`);
  }
}
