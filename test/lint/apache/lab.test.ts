/**
 * The Apache hop model against the real Apache httpd: the lab's own configurations
 * (test/lab/proxies.ts `apache()`) are rendered, run with Debian's apache2 in front of an
 * echo app, and linted; what the model says each virtual host writes (mod_proxy's appended
 * X-Forwarded-For/-Host/-Server, RequestHeader lines, ProxyAddHeaders Off) must be what
 * the app receives, and mod_remoteip's trust must be what Apache believes.
 */
import assert from 'node:assert/strict';
import { apacheHandler } from '../../../src/lint/apache/handler.js';
import type { HopModel } from '../../../src/lint/model.js';
import { startEcho, values } from '../../lab/echo.js';
import { type Lab, labTest } from '../../lab/harness.js';
import { apache } from '../../lab/proxies.js';
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
  cleared: [
    'RequestHeader unset X-Forwarded-For',
    'RequestHeader unset X-Real-IP',
    'RequestHeader unset Forwarded',
    'RequestHeader set X-Forwarded-Proto http',
    'RequestHeader setifempty X-Forwarded-Port 80',
    'RequestHeader append X-Forwarded-Prefix /app',
    'RequestHeader set X-Forwarded-Ssl on env=HTTPS',
    `RequestHeader set X-Forwarded-Host ${APP_HOST}`,
  ],
  noAdd: ['ProxyAddHeaders Off', 'RequestHeader set X-Real-IP "expr=%{req:X-Real-IP}"'],
  remoteipAll: [
    'RemoteIPHeader X-Forwarded-For',
    'RequestHeader set X-Seen-IP "expr=%{REMOTE_ADDR}"',
  ],
  remoteipLan: [
    'RemoteIPHeader X-Forwarded-For',
    'RemoteIPInternalProxy 10.0.0.0/8',
    'RequestHeader set X-Seen-IP "expr=%{REMOTE_ADDR}"',
  ],
} as const;

/** Start one variant (plain http); its rendered configuration, port and hop model. */
async function start(
  lab: Lab,
  app: { host: string; port: number },
  name: keyof typeof VARIANTS,
): Promise<{ text: string; port: number; hop: HopModel }> {
  // mod_remoteip is not among the lab's modules: loaded for the variants that use it
  const spec = apache({
    name: 'edge',
    behaviour: name,
    tls: false,
    headers: VARIANTS[name],
    modules: name.startsWith('remoteip') ? ['remoteip'] : [],
  });
  const { ports, text, hops } = await startModelled(
    lab,
    spec,
    app,
    name,
    apacheHandler,
    "the lab's configuration",
  );
  assert.equal(
    apacheHandler.detect(ports.configPath, text),
    3,
    `${name}: read as Apache, not nginx`,
  );
  assert.equal(hops.length, 1, `${name}: one hop per virtual host`);
  const hop = hops[0]!;
  assert.deepEqual(
    hop.listens.map((l) => [l.host, l.port, l.tls ?? false]),
    [['127.0.0.1', ports.http, false]],
  );
  assert.deepEqual(
    hop.targets.map((t) => [t.host, t.port]),
    [[app.host, app.port]],
  );
  return { text, port: ports.http, hop };
}

labTest(
  'lint: the Apache model says what the real mod_proxy writes and what mod_remoteip trusts',
  async (lab) => {
    const app = await startEcho(lab);
    const names = Object.keys(VARIANTS) as (keyof typeof VARIANTS)[];
    const by = await startVariants(names, (n) => start(lab, app, n));
    const written = ['stock', 'cleared', 'noAdd'] as const;
    await assertVariantWrites(by, written);
    for (const name of written)
      assert.equal(by[name].hop.source, '127.0.0.10', `${name}: ProxySourceAddress`);
    // spelled out for the defaults: mod_proxy's three appended headers, nothing else
    assert.deepEqual(
      by.stock.hop.writes.map((w) => [w.name, w.action, w.implicit ?? false]),
      [
        ['x-forwarded-for', 'append', true],
        ['x-forwarded-host', 'append', true],
        ['x-forwarded-server', 'append', true],
        // ProxyPreserveHost Off (the default): the upstream's own name
        ['host', 'set', true],
      ],
    );
    // after RequestHeader unset, mod_proxy's X-Forwarded-For holds the client alone
    const cleared = await send(by.cleared.port, forgedLines());
    assert.deepEqual(values(cleared, 'x-forwarded-for'), [CLIENT_ADDRESS]);
    assert.deepEqual(
      by.noAdd.hop.writes.map((w) => w.name),
      ['host'],
    );
    assert.deepEqual(values(cleared, 'host'), [`${app.host}:${app.port}`]);

    // mod_remoteip with no proxy listed believes every peer; with a list, only those
    const all = by.remoteipAll.hop;
    assert.equal(all.trust?.all, true);
    assert.deepEqual(
      all.believes.map((b) => [b.name, b.purpose]),
      [['x-forwarded-for', 'client']],
    );
    const seenAll = await send(by.remoteipAll.port, [
      ['X-Forwarded-For', FORGED['x-forwarded-for']!],
    ]);
    assert.deepEqual(values(seenAll, 'x-seen-ip'), [FORGED['x-forwarded-for']]);
    const lan = by.remoteipLan.hop;
    assert.ok(!lan.trust?.all && lan.trust?.cidrs?.includes('10.0.0.0/8'));
    const seenLan = await send(by.remoteipLan.port, [
      ['X-Forwarded-For', FORGED['x-forwarded-for']!],
    ]);
    assert.deepEqual(values(seenLan, 'x-seen-ip'), [CLIENT_ADDRESS]);

    // the lab's own configurations, linted
    const rules = (text: string) => findingLines(text, 'apache');
    const pass = `ProxyPass / http://${app.host}:${app.port}/`;
    assert.deepEqual(rules(by.stock.text), [`apache/client-ip-headers-not-cleared:${pass}`]);
    assert.deepEqual(rules(by.cleared.text), []);
    assert.deepEqual(rules(by.noAdd.text), []);
    assert.deepEqual(rules(by.remoteipAll.text), [
      `apache/client-ip-headers-not-cleared:${pass}`,
      'apache/remoteip-trust-all:RemoteIPHeader X-Forwarded-For',
    ]);
    assert.deepEqual(rules(by.remoteipLan.text), [`apache/client-ip-headers-not-cleared:${pass}`]);
  },
  { timeout: 90000 },
);
