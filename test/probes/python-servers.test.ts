/**
 * The WSGI probe under Flask (gunicorn) and the ASGI probe under Starlette (uvicorn), behind
 * nginx: each answers what the framework itself sees. And what each Python app server hands
 * the app when a header line repeats or a name has an underscore, seen through the probes
 * (docs/probes.md states these facts; this test keeps them true).
 */
import assert from 'node:assert/strict';
import { startAsgiApp, startWsgiApp, WSGI_SERVERS } from '../lab/app-servers.js';
import { type Lab, labTest } from '../lab/harness.js';
import { labCa, startHops } from '../lab/start.js';
import { APP_HOST, HOP_ADDRESSES } from '../lab/types.js';
import {
  assertProbeShape,
  assertRefusedLikeUnknown,
  get,
  newSecret,
  PROBES,
  PROXIES,
  probeGet,
  probeJson,
  SITES,
  type Target,
} from './util.js';

const FORGED: readonly { name: string; headers: [string, string][] }[] = [
  { name: 'honest', headers: [] },
  { name: 'forged X-Forwarded-Proto', headers: [['X-Forwarded-Proto', 'https']] },
  { name: 'forged X-Forwarded-For', headers: [['X-Forwarded-For', '203.0.113.9']] },
];

async function behindNginx(lab: Lab, app: { host: string; port: number }) {
  const [ports] = await startHops(lab, [PROXIES.nginx()], app, { label: 'nginx' });
  const ca = (await labCa()).cert;
  return {
    https: { origin: `https://${APP_HOST}`, port: ports!.https, ca } as Target,
    http: { origin: `http://${APP_HOST}`, port: ports!.http } as Target,
  };
}

/** A lab test with the Python servers' start-up time in its budget. */
const pyTest = (name: string, fn: (lab: Lab) => Promise<void>) =>
  labTest(name, fn, { timeout: 90000 });

pyTest('WSGI probe: Flask (ProxyFix) under gunicorn behind nginx', async (lab) => {
  const secret = newSecret();
  const app = await startWsgiApp(lab, {
    server: 'gunicorn',
    pythonPath: [SITES.apps, PROBES.wsgi],
    module: 'flaskapp',
    env: { PROXYTRUST_PROBE_SECRET: secret },
  });
  const chain = await behindNginx(lab, app);
  const honest = await probeJson(chain.https, secret);
  assertProbeShape(honest, 'wsgi');
  assert.equal(honest.view.scheme, 'https', 'ProxyFix took X-Forwarded-Proto from nginx');
  assert.equal(honest.headerLines, 'joined');
  for (const via of ['https', 'http'] as const) {
    for (const f of FORGED) {
      const label = `${via} ${f.name}`;
      const p = await probeJson(chain[via], secret, f.headers);
      const v = JSON.parse((await get(chain[via], '/__app/', f.headers)).body);
      assert.equal(p.view.scheme, v.scheme, `${label}: request.scheme`);
      assert.equal(p.view.secure, v.secure, `${label}: request.is_secure`);
      assert.equal(p.view.host, v.host, `${label}: request.host`);
      assert.equal(p.view.clientIp, v.remote_addr, `${label}: request.remote_addr`);
      assert.equal(p.app['wsgi.url_scheme'], v.scheme, label);
    }
  }
  await assertRefusedLikeUnknown(chain.https, secret, (a, b, m) => assert.equal(a, b, m));
});

pyTest('ASGI probe: Starlette under uvicorn --proxy-headers behind nginx', async (lab) => {
  const secret = newSecret();
  const app = await startAsgiApp(lab, {
    pythonPath: [SITES.apps, PROBES.asgi],
    app: 'starapp:app',
    env: { PROXYTRUST_PROBE_SECRET: secret },
    uvicornArgs: ['--proxy-headers', '--forwarded-allow-ips', HOP_ADDRESSES.edge],
  });
  const chain = await behindNginx(lab, app);
  const honest = await probeJson(chain.https, secret);
  assertProbeShape(honest, 'asgi');
  assert.equal(honest.view.scheme, 'https', 'uvicorn took X-Forwarded-Proto from nginx');
  assert.equal(honest.headerLines, 'separate');
  for (const via of ['https', 'http'] as const) {
    for (const f of FORGED) {
      const label = `${via} ${f.name}`;
      const p = await probeJson(chain[via], secret, f.headers);
      const v = JSON.parse((await get(chain[via], '/__app/', f.headers)).body);
      assert.equal(p.view.scheme, v.scheme, `${label}: request.url.scheme`);
      assert.equal(p.view.host, v.host, `${label}: Host`);
      assert.equal(p.view.clientIp, v.client, `${label}: request.client.host`);
    }
  }
  await assertRefusedLikeUnknown(chain.https, secret, (a, b, m) => assert.equal(a, b, m));
});

pyTest('WSGI and ASGI probes: off without PROXYTRUST_PROBE_SECRET', async (lab) => {
  const secret = newSecret();
  const wsgi = await startWsgiApp(lab, {
    server: 'gunicorn',
    pythonPath: [SITES.apps, PROBES.wsgi],
    module: 'flaskapp',
  });
  const asgi = await startAsgiApp(lab, {
    pythonPath: [SITES.apps, PROBES.asgi],
    app: 'starapp:app',
  });
  for (const a of [wsgi, asgi]) {
    const target = { origin: `http://${APP_HOST}`, port: a.port };
    const unknown = await get(target, '/no-such-page-proxytrust');
    const r = await probeGet(target, { secret });
    assert.equal(unknown.status, 404);
    assert.equal(r.status, unknown.status);
    assert.equal(r.body, unknown.body);
  }
});

/** Two X-Forwarded-For lines, and an X-Forwarded-Proto next to an underscore look-alike. */
const TRICKY: [string, string][] = [
  ['X-Forwarded-For', '198.51.100.1'],
  ['X-Forwarded-For', '198.51.100.2'],
  ['X-Forwarded-Proto', 'http'],
  ['X-Forwarded_Proto', 'https'],
];

/** What each server hands over for TRICKY (observed with Debian's packages). */
const HANDED_OVER = {
  gunicorn: {
    xff: ['198.51.100.1,198.51.100.2'],
    // gunicorn 20.1 maps the underscore name onto the same variable and joins it.
    xfp: ['http,https'],
    scheme: 'http',
  },
  uwsgi: {
    xff: ['198.51.100.1, 198.51.100.2'],
    xfp: ['http, https'],
    // uwsgi copies X-Forwarded-Proto into wsgi.url_scheme itself, from any client.
    scheme: 'http, https',
  },
  mod_wsgi: {
    xff: ['198.51.100.1, 198.51.100.2'],
    // Apache drops header names with underscores before building the environ.
    xfp: ['http'],
    scheme: 'http',
  },
} as const;

pyTest('app servers: how repeated and underscore header lines reach the app', async (lab) => {
  const secret = newSecret();
  for (const server of WSGI_SERVERS) {
    const a = await startWsgiApp(lab, {
      server,
      pythonPath: [SITES.apps, PROBES.wsgi],
      module: 'plainwsgi',
      env: { PROXYTRUST_PROBE_SECRET: secret },
    });
    const p = await probeJson({ origin: `http://${APP_HOST}`, port: a.port }, secret, TRICKY);
    const want = HANDED_OVER[server];
    assert.deepEqual(p.forwarded['x-forwarded-for'], want.xff, `${server} X-Forwarded-For`);
    assert.deepEqual(p.forwarded['x-forwarded-proto'], want.xfp, `${server} X-Forwarded-Proto`);
    assert.equal(p.app['wsgi.url_scheme'], want.scheme, `${server} wsgi.url_scheme`);
  }
  const asgi = await startAsgiApp(lab, {
    pythonPath: [SITES.apps, PROBES.asgi],
    app: 'starapp:app',
    env: { PROXYTRUST_PROBE_SECRET: secret },
  });
  const p = await probeJson({ origin: `http://${APP_HOST}`, port: asgi.port }, secret, TRICKY);
  // uvicorn keeps every line, and the underscore name stays a different header.
  assert.deepEqual(p.forwarded['x-forwarded-for'], ['198.51.100.1', '198.51.100.2']);
  assert.deepEqual(p.forwarded['x-forwarded-proto'], ['http']);
});
