/**
 * The Caddy hop model against the real Caddy: the lab's own Caddyfiles (test/lab/proxies.ts
 * `caddy()`) are rendered, run with /usr/bin/caddy in front of an echo app, and linted; what
 * the model says each site writes (Caddy's implicit X-Forwarded-For/-Proto/-Host, the
 * header_up lines, trusted_proxies) must be what the app receives.
 */
import assert from 'node:assert/strict';
import { caddyHandler } from '../../../src/lint/caddy/handler.js';
import type { HopModel } from '../../../src/lint/model.js';
import { startEcho, values } from '../../lab/echo.js';
import { type Lab, labTest } from '../../lab/harness.js';
import { caddy } from '../../lab/proxies.js';
import { APP_HOST, CLIENT_ADDRESS } from '../../lab/types.js';
import {
  assertVariantWrites,
  FORGED,
  findingLines,
  forgedLines,
  send,
  startModelled,
  startVariants,
} from '../lab-writes.js';

const VARIANTS = {
  stock: [],
  edits: [
    'header_up -Forwarded',
    'header_up -X-Forwarded-Host',
    'header_up X-Real-IP {remote_host}',
    'header_up +X-Forwarded-Prefix /app',
    'header_up +X-Forwarded-Proto extra',
  ],
  relay: [
    'header_up X-Forwarded-Proto {http.request.header.X-Forwarded-Proto}',
    'header_up X-Forwarded-Port {header.X-Forwarded-Port}',
  ],
  trustAll: ['trusted_proxies 0.0.0.0/0 ::/0'],
  privateRanges: ['trusted_proxies private_ranges'],
} as const;

/** Start one variant; its rendered Caddyfile, its plain-http port and the model of that site. */
async function start(
  lab: Lab,
  app: { host: string; port: number },
  name: keyof typeof VARIANTS,
): Promise<{ text: string; port: number; hop: HopModel }> {
  const spec = caddy({ behaviour: name, proxyOptions: VARIANTS[name] });
  const { ports, text, hops } = await startModelled(
    lab,
    spec,
    app,
    name,
    caddyHandler,
    "the lab's Caddyfile",
  );
  assert.equal(hops.length, 2, `${name}: one hop per site`);
  const hop = hops.find((h) => h.listens.some((l) => l.port === ports.http && !l.tls));
  assert.ok(hop, `${name}: the plain-http site listens on ${ports.http}`);
  const tlsHop = hops.find((h) => h.listens.some((l) => l.port === ports.https && l.tls));
  assert.ok(tlsHop, `${name}: the https site listens with TLS on ${ports.https}`);
  assert.deepEqual(
    hop.targets.map((t) => [t.host, t.port]),
    [[app.host, app.port]],
  );
  return { text, port: ports.http, hop };
}

labTest(
  'lint: the Caddy model says what the real Caddy writes (implicit X-Forwarded-*, header_up, trusted_proxies)',
  async (lab) => {
    // caddy() reaches its upstream over ::1 (test/lab/proxies.ts)
    const app = await startEcho(lab, '::1');
    const names = Object.keys(VARIANTS) as (keyof typeof VARIANTS)[];
    const by = await startVariants(names, (n) => start(lab, app, n));
    await assertVariantWrites(by, ['stock', 'edits', 'relay', 'trustAll']);

    // what the model says, and the real Caddy did, spelled out for the defaults
    const stock = by.stock.hop.writes.map((w) => [w.name, w.action, w.implicit ?? false]);
    assert.deepEqual(stock, [
      ['x-forwarded-for', 'set', true],
      ['x-forwarded-proto', 'set', true],
      ['x-forwarded-host', 'set', true],
    ]);
    const honest = await send(by.stock.port, []);
    assert.deepEqual(values(honest, 'x-forwarded-for'), [CLIENT_ADDRESS]);
    assert.deepEqual(values(honest, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(values(honest, 'x-forwarded-host'), [APP_HOST]);
    assert.deepEqual(
      by.trustAll.hop.writes.map((w) => [w.name, w.action]),
      [
        ['x-forwarded-for', 'append'],
        ['x-forwarded-proto', 'if-absent'],
        ['x-forwarded-host', 'if-absent'],
      ],
    );

    // private_ranges covers the lab's loopback client: Caddy keeps what it sends, and the
    // model says so through its trust (the writes are for clients outside it)
    const pr = by.privateRanges.hop;
    assert.ok(pr.trust?.cidrs?.includes('127.0.0.1/8') && !pr.trust.all);
    assert.deepEqual(
      pr.believes.map((b) => b.name),
      ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'],
    );
    const kept = await send(by.privateRanges.port, forgedLines());
    assert.deepEqual(values(kept, 'x-forwarded-for'), [
      `${FORGED['x-forwarded-for']}, ${CLIENT_ADDRESS}`,
    ]);
    assert.deepEqual(values(kept, 'x-forwarded-proto'), [FORGED['x-forwarded-proto']]);

    // the lab's own Caddyfiles, linted: the relay and the trust-all are found, nothing else
    const rules = (text: string) => findingLines(text, 'caddy');
    assert.deepEqual(rules(by.stock.text), []);
    assert.deepEqual(rules(by.edits.text), []);
    assert.deepEqual(rules(by.privateRanges.text), []);
    assert.deepEqual(rules(by.trustAll.text), [
      'caddy/trusted-proxies-all:trusted_proxies 0.0.0.0/0 ::/0',
      'caddy/trusted-proxies-all:trusted_proxies 0.0.0.0/0 ::/0',
    ]);
    assert.deepEqual(rules(by.relay.text), [
      'caddy/header-up-client-copy:header_up X-Forwarded-Port {header.X-Forwarded-Port}',
      'caddy/header-up-client-copy:header_up X-Forwarded-Port {header.X-Forwarded-Port}',
      'caddy/header-up-client-copy:header_up X-Forwarded-Proto {http.request.header.X-Forwarded-Proto}',
      'caddy/header-up-client-copy:header_up X-Forwarded-Proto {http.request.header.X-Forwarded-Proto}',
    ]);
  },
  { timeout: 90000 },
);
