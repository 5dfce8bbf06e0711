/**
 * proxytrust/probe under real Express, Fastify and Koa, each with its own trust setting,
 * behind a real nginx: the probe reports exactly what the framework believes (compared with
 * a route that returns the framework's own values), unauthenticated requests get the
 * framework's own 404, and the probe is off without a secret.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import {
  DEFAULT_PROBE_PATH,
  expressProbe,
  fastifyProbe,
  koaProbe,
  PROBE_SECRET_ENV,
} from '../../src/probe/index.js';
import { Lab } from '../lab/harness.js';
import { labCa, startHops } from '../lab/start.js';
import { APP_HOST, HOP_ADDRESSES } from '../lab/types.js';
import {
  assertProbeShape,
  assertRefusedLikeUnknown,
  get,
  newSecret,
  PROXIES,
  probeGet,
  probeJson,
  type Target,
  UNKNOWN_PATH,
} from './util.js';

delete process.env[PROBE_SECRET_ENV];

interface Belief {
  scheme: string;
  host: string | undefined;
  ip: string | undefined;
}

/** An app on 127.0.0.1 with the probe and a /__app/ route returning the framework's belief. */
type Starter = (
  secret: string | undefined,
) => Promise<{ port: number; close: () => Promise<void> }>;

const APPS: Record<'express' | 'fastify' | 'koa', Starter> = {
  async express(secret) {
    const app = express();
    app.set('trust proxy', HOP_ADDRESSES.edge);
    app.use(expressProbe(secret === undefined ? {} : { secret }));
    app.get('/__app/', (req, res) => {
      res.json({ scheme: req.protocol, host: req.host, ip: req.ip } satisfies Belief);
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    return {
      port: (server.address() as AddressInfo).port,
      close: () => new Promise((r) => server.close(() => r())),
    };
  },
  async fastify(secret) {
    const app = Fastify({ trustProxy: HOP_ADDRESSES.edge });
    app.addHook('onRequest', fastifyProbe(secret === undefined ? {} : { secret }));
    app.get('/__app/', async (request) => ({
      scheme: request.protocol,
      host: request.host,
      ip: request.ip,
    }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
  },
  async koa(secret) {
    const app = new Koa();
    app.proxy = true;
    app.use(koaProbe(secret === undefined ? {} : { secret }));
    app.use(async (ctx, next) => {
      if (ctx.path !== '/__app/') return next();
      ctx.body = { scheme: ctx.protocol, host: ctx.host, ip: ctx.ip } satisfies Belief;
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    return {
      port: (server.address() as AddressInfo).port,
      close: () => new Promise((r) => server.close(() => r())),
    };
  },
};

const FORGED: readonly { name: string; headers: [string, string][] }[] = [
  { name: 'honest', headers: [] },
  { name: 'forged X-Forwarded-Proto', headers: [['X-Forwarded-Proto', 'https']] },
  { name: 'forged X-Forwarded-Host', headers: [['X-Forwarded-Host', 'evil.example']] },
  { name: 'forged X-Forwarded-For', headers: [['X-Forwarded-For', '203.0.113.9']] },
];

for (const [kind, start] of Object.entries(APPS)) {
  test(`Node probe: ${kind} with its own trust setting, behind nginx`, {
    timeout: 60000,
  }, async (t) => {
    const lab = new Lab(`proxytrust-probe-${kind}-`);
    const secret = newSecret();
    const app = await start(secret);
    t.after(async () => {
      await app.close();
      await lab.teardown();
    });
    const [ports] = await startHops(lab, [PROXIES.nginx()], { host: '127.0.0.1', port: app.port });
    const ca = (await labCa()).cert;
    const chain: Record<'https' | 'http', Target> = {
      https: { origin: `https://${APP_HOST}`, port: ports!.https, ca },
      http: { origin: `http://${APP_HOST}`, port: ports!.http },
    };
    const honest = await probeJson(chain.https, secret);
    assertProbeShape(honest, kind);
    assert.equal(honest.headerLines, 'separate');
    assert.equal(honest.view.scheme, 'https', `${kind} trusts nginx's X-Forwarded-Proto`);
    assert.deepEqual(honest.forwarded['x-forwarded-proto'], ['https']);
    for (const via of ['https', 'http'] as const) {
      for (const f of FORGED) {
        const label = `${kind} ${via} ${f.name}`;
        const p = await probeJson(chain[via], secret, f.headers);
        const v = JSON.parse((await get(chain[via], '/__app/', f.headers)).body) as Belief;
        assert.equal(p.view.scheme, v.scheme, `${label}: protocol`);
        assert.equal(p.view.secure, v.scheme === 'https', `${label}: secure`);
        assert.equal(p.view.host, v.host, `${label}: host`);
        assert.equal(p.view.clientIp, v.ip, `${label}: ip`);
      }
    }
    await assertRefusedLikeUnknown(chain.https, secret, (a, b, m) =>
      assert.equal(a, b, `${kind}: ${m}`),
    );
  });

  test(`Node probe: ${kind} is off without a secret`, async (t) => {
    const app = await start(undefined);
    t.after(() => app.close());
    const target = { origin: `http://${APP_HOST}`, port: app.port };
    const unknown = await get(target, UNKNOWN_PATH);
    const r = await probeGet(target, { secret: newSecret() });
    assert.equal(unknown.status, 404);
    assert.equal(r.status, 404);
    assert.equal(r.body, unknown.body.replaceAll(UNKNOWN_PATH, DEFAULT_PROBE_PATH));
  });
}

test('Node probe: bad options are clear TypeErrors', () => {
  for (const make of [expressProbe, fastifyProbe, koaProbe]) {
    assert.throws(() => make({ secret: 'short' }), /at least 16 characters/);
    assert.throws(() => make({ secret: ['x'.repeat(16), 'short'] }), /at least 16 characters/);
    assert.throws(() => make({ secret: 'x'.repeat(16), path: 'no-slash' }), /must be a path/);
    assert.throws(() => make({ secret: 'x'.repeat(16), path: '/a?b' }), /must be a path/);
    assert.throws(() => make({ secret: 'x'.repeat(16), windowSeconds: 0 }), /1\.\.300/);
    assert.throws(() => make(null as never), /options must be an object/);
  }
});
