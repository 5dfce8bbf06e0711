/**
 * The nginx hop model against the real nginx: the lab's own nginx configurations
 * (test/lab/proxies.ts `nginx()`) are rendered, run with /usr/sbin/nginx in front of an echo
 * app, and modelled; what the model says the server writes (`proxy_set_header` with
 * `$scheme`, a literal, `$proxy_add_x_forwarded_for`, `""`; a relay of the client's own
 * `$http_*`; nothing at all) must be what the app receives.
 */
import assert from 'node:assert/strict';
import type { HopModel } from '../../../src/lint/model.js';
import { nginxHandler } from '../../../src/lint/nginx/handler.js';
import { startEcho, values } from '../../lab/echo.js';
import { type Lab, labTest } from '../../lab/harness.js';
import { NGINX_RIGHT, nginx } from '../../lab/proxies.js';
import { CLIENT_ADDRESS } from '../../lab/types.js';
import {
  assertVariantWrites,
  FORGED,
  forgedLines,
  send,
  startModelled,
  startVariants,
} from '../lab-writes.js';

const VARIANTS = {
  right: NGINX_RIGHT,
  stock: [],
  append: [
    'proxy_set_header Host $host;',
    'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    'proxy_set_header X-Forwarded-Proto $scheme;',
  ],
  relay: [
    'proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;',
    'proxy_set_header X-Forwarded-Host $http_x_forwarded_host;',
  ],
  literal: [
    'proxy_set_header X-Forwarded-Proto https;',
    'proxy_set_header X-Forwarded-Ssl on;',
    'proxy_set_header X-Real-IP $remote_addr;',
    'proxy_set_header Forwarded "";',
    'proxy_set_header X-Forwarded-Server "";',
  ],
} as const;

/** Start one variant; its plain-http port and the model of its server. */
async function start(
  lab: Lab,
  app: { host: string; port: number },
  name: keyof typeof VARIANTS,
): Promise<{ port: number; hop: HopModel }> {
  const spec = nginx({ behaviour: name, headers: VARIANTS[name] });
  const { ports, hops } = await startModelled(
    lab,
    spec,
    app,
    name,
    nginxHandler,
    "the lab's nginx.conf",
  );
  assert.equal(hops.length, 1, `${name}: one proxying server`);
  const hop = hops[0]!;
  assert.ok(
    hop.listens.some((l) => l.port === ports.http && !l.tls),
    `${name}: listens for plain http on ${ports.http}`,
  );
  assert.ok(
    hop.listens.some((l) => l.port === ports.https && l.tls),
    `${name}: and TLS`,
  );
  assert.deepEqual(
    hop.targets.map((t) => [t.host, t.port]),
    [[app.host, app.port]],
  );
  return { port: ports.http, hop };
}

labTest(
  'lint: the nginx model says what the real nginx writes (set, literal, append, clear, relay, nothing)',
  async (lab) => {
    const app = await startEcho(lab);
    const names = Object.keys(VARIANTS) as (keyof typeof VARIANTS)[];
    const by = await startVariants(names, (n) => start(lab, app, n));
    await assertVariantWrites(by, names);

    // spelled out: nginx adds no forwarded header of its own, and a relay is no write
    assert.deepEqual(by.stock.hop.writes, []);
    assert.deepEqual(by.relay.hop.writes, []);
    assert.deepEqual(
      by.append.hop.writes.map((w) => [w.name, w.action]),
      [
        ['host', 'set'],
        ['x-forwarded-for', 'append'],
        ['x-forwarded-proto', 'set'],
      ],
    );
    const appended = await send(by.append.port, forgedLines());
    assert.deepEqual(values(appended, 'x-forwarded-for'), [
      `${FORGED['x-forwarded-for']}, ${CLIENT_ADDRESS}`,
    ]);
    assert.deepEqual(values(appended, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(
      by.literal.hop.writes.map((w) => [w.name, w.action, w.value]),
      [
        ['x-forwarded-proto', 'set', 'https'],
        ['x-forwarded-ssl', 'set', 'on'],
        ['x-real-ip', 'set', '$remote_addr'],
        ['forwarded', 'clear', undefined],
        ['x-forwarded-server', 'clear', undefined],
      ],
    );
  },
  { timeout: 90000 },
);
