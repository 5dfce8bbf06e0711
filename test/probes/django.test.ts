/**
 * The Django probe on real app servers behind real proxies: its answers equal what a Django
 * view sees (`request.scheme`, `is_secure()`, `get_host()` or its DisallowedHost,
 * `REMOTE_ADDR`) under gunicorn, uwsgi and Apache mod_wsgi, each behind nginx, HAProxy, Caddy
 * and Apache mod_proxy; unauthenticated requests get the app's own 404; without the secret the
 * probe is off; a probe's own request refused by CSRF carries the reason.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PROBE_HEADER, signProbe } from '../../src/node/probe-auth.js';
import { startWsgiApp, type WsgiServerKind } from '../lab/app-servers.js';
import { inLab, type Lab } from '../lab/harness.js';
import { labCa, startHops } from '../lab/start.js';
import { APP_HOST } from '../lab/types.js';
import {
  assertProbeShape,
  assertRefusedLikeUnknown,
  DJANGO_PYTHONPATH,
  djangoEnv,
  get,
  newSecret,
  PROXIES,
  probeGet,
  probeJson,
  type Target,
} from './util.js';

/**
 * Every app server behind every proxy (3 x 4: the pairs of two factors are their product;
 * each pair starts one app server and one proxy, a few seconds).
 */
const PAIRS: readonly { server: WsgiServerKind; proxy: keyof typeof PROXIES }[] = (
  ['gunicorn', 'uwsgi', 'mod_wsgi'] as const
).flatMap((server) =>
  (['nginx', 'haproxy', 'caddy', 'apache'] as const).map((proxy) => ({ server, proxy })),
);

/** Requests to compare: honest, and with client-forged forwarded headers. */
const VARIANTS: readonly { name: string; headers: [string, string][] }[] = [
  { name: 'honest', headers: [] },
  { name: 'forged X-Forwarded-Proto', headers: [['X-Forwarded-Proto', 'https']] },
  { name: 'forged X-Forwarded-Host', headers: [['X-Forwarded-Host', 'evil.example']] },
  { name: 'forged X-Forwarded-For', headers: [['X-Forwarded-For', '203.0.113.9']] },
];

interface Chain {
  https: Target;
  http: Target;
}

async function startChain(
  lab: Lab,
  server: WsgiServerKind,
  proxy: keyof typeof PROXIES,
  secret: string | undefined,
): Promise<Chain> {
  const app = await startWsgiApp(lab, {
    server,
    pythonPath: DJANGO_PYTHONPATH,
    module: 'labsite.wsgi',
    env: djangoEnv(secret),
    host: proxy === 'caddy' ? '::1' : '127.0.0.1',
  });
  const [ports] = await startHops(lab, [PROXIES[proxy]()], app, { label: `${server}-${proxy}` });
  const ca = (await labCa()).cert;
  return {
    https: { origin: `https://${APP_HOST}`, port: ports!.https, ca },
    http: { origin: `http://${APP_HOST}`, port: ports!.http },
  };
}

/** The probe's answer and the Django view's for the same request agree. */
async function assertProbeEqualsView(
  target: Target,
  secret: string,
  headers: [string, string][],
  label: string,
): Promise<void> {
  const p = await probeJson(target, secret, headers);
  const v = await get(target, '/__django/', headers);
  assert.equal(p.version, 1, label);
  assert.equal(p.probe, 'django', label);
  if (v.status === 400) {
    // Django refused the host in the view (DisallowedHost): the probe reports that refusal.
    assert.equal(p.view.host, null, `${label}: probe host`);
    assert.match(p.errors?.host ?? '', /^DisallowedHost: /, `${label}: probe errors.host`);
    return;
  }
  assert.equal(v.status, 200, `${label}: view status (${v.body.slice(0, 200)})`);
  const seen = JSON.parse(v.body);
  assert.equal(p.view.scheme, seen.scheme, `${label}: request.scheme`);
  assert.equal(p.app['request.scheme'], seen.scheme, `${label}: app request.scheme`);
  assert.equal(p.view.secure, seen.secure, `${label}: is_secure()`);
  assert.equal(p.app['request.is_secure()'], seen.secure, `${label}: app is_secure()`);
  assert.equal(p.view.host, seen.host, `${label}: get_host()`);
  assert.equal(p.app['request.get_host()'], seen.host, `${label}: app get_host()`);
  assert.equal(p.view.clientIp, seen.remote_addr, `${label}: REMOTE_ADDR`);
  assert.equal(p.app.REMOTE_ADDR, seen.remote_addr, `${label}: app REMOTE_ADDR`);
  assert.deepEqual(p.errors, {}, label);
}

test('Django probe: answers equal what a Django view sees', {
  concurrency: 3,
  timeout: 300000,
}, async (t) => {
  await Promise.all(
    PAIRS.map(({ server, proxy }) =>
      t.test(`${server} behind ${proxy}`, { timeout: 120000 }, (st) =>
        inLab(st, `probe-${server}-${proxy}`, async (lab) => {
          const secret = newSecret();
          const chain = await startChain(lab, server, proxy, secret);

          // Ground truth of a correct deployment, so the comparison is not vacuous.
          const honest = await probeJson(chain.https, secret);
          assertProbeShape(honest, 'django');
          assert.equal(honest.view.scheme, 'https');
          assert.equal(honest.view.host, APP_HOST);
          const plain = await probeJson(chain.http, secret);
          assert.equal(
            plain.view.scheme,
            'http',
            'the probe answers over http before the redirect',
          );
          assert.equal((await get(chain.http, '/')).status, 301, 'the app itself redirects http');

          for (const via of ['https', 'http'] as const) {
            for (const v of VARIANTS) {
              await assertProbeEqualsView(
                chain[via],
                secret,
                v.headers,
                `${server}/${proxy} ${via} ${v.name}`,
              );
            }
          }
          await assertRefusedLikeUnknown(chain.https, secret, (a, b, m) =>
            assert.equal(a, b, `${server}/${proxy}: ${m}`),
          );
        }),
      ),
    ),
  );
});

test(
  'Django probe: off without PROXYTRUST_PROBE_SECRET (answers like an unknown path)',
  {
    timeout: 90000,
  },
  (t) =>
    inLab(t, 'probe-off', async (lab) => {
      const secret = newSecret();
      const chain = await startChain(lab, 'gunicorn', 'nginx', undefined);
      const unknown = await get(chain.https, '/no-such-page-proxytrust');
      const r = await probeGet(chain.https, { secret });
      assert.equal(unknown.status, 404);
      assert.equal(r.status, unknown.status);
      assert.equal(r.body, unknown.body);
    }),
);

test('Django probe: a probe-signed POST refused by CSRF carries the reason; the next answer reports it', {
  timeout: 90000,
}, async (t) => {
  await inLab(t, 'probe-csrf', async (lab) => {
    const secret = newSecret();
    const chain = await startChain(lab, 'gunicorn', 'nginx', secret);
    assert.equal((await probeJson(chain.https, secret)).csrf?.lastFailure, null);

    // Not signed: Django's own 403, nothing added.
    const unsigned = await get(
      chain.https,
      '/form/',
      [['Content-Type', 'application/x-www-form-urlencoded']],
      'POST',
      'a=1',
    );
    assert.equal(unsigned.status, 403);
    assert.equal(unsigned.headers['x-proxytrust-csrf-reason'], undefined);
    assert.equal((await probeJson(chain.https, secret)).csrf?.lastFailure, null);

    // Signed over its own path: the 403 names the reason (over https Django 3.2 checks the
    // Referer first), and the probe reports it.
    const signed = await get(
      chain.https,
      '/form/',
      [
        ['Content-Type', 'application/x-www-form-urlencoded'],
        [PROBE_HEADER, signProbe(secret, '/form/')],
      ],
      'POST',
      'a=1',
    );
    assert.equal(signed.status, 403);
    assert.equal(
      signed.headers['x-proxytrust-csrf-reason'],
      'Referer checking failed - no Referer.',
    );
    const after = await probeJson(chain.https, secret);
    assert.equal(after.csrf?.lastFailure?.reason, 'Referer checking failed - no Referer.');
    assert.equal(after.csrf?.lastFailure?.path, '/form/');
    assert.equal(after.csrf?.lastFailure?.method, 'POST');

    // With the Referer, the missing cookie is the reason.
    const noCookie = await get(
      chain.https,
      '/form/',
      [
        ['Content-Type', 'application/x-www-form-urlencoded'],
        ['Referer', `https://${APP_HOST}/form/`],
        [PROBE_HEADER, signProbe(secret, '/form/')],
      ],
      'POST',
      'a=1',
    );
    assert.equal(noCookie.headers['x-proxytrust-csrf-reason'], 'CSRF cookie not set.');
    // A wrong signature is not a probe's own request.
    const forged = await get(
      chain.https,
      '/form/',
      [
        ['Content-Type', 'application/x-www-form-urlencoded'],
        [PROBE_HEADER, signProbe(`${secret}-x`, '/form/')],
      ],
      'POST',
      'a=1',
    );
    assert.equal(forged.status, 403);
    assert.equal(forged.headers['x-proxytrust-csrf-reason'], undefined);
  });
});
