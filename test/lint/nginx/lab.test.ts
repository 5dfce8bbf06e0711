/**
 * The nginx hop model against the real nginx: the lab's own nginx configurations
 * (test/lab/proxies.ts `nginx()`) are rendered, run with /usr/sbin/nginx in front of an echo
 * app, and modelled; what the model says the server writes (`proxy_set_header` with
 * `$scheme`, a literal, `$proxy_add_x_forwarded_for`, `""`; a relay of the client's own
 * `$http_*`; nothing at all) must be what the app receives.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HopModel } from '../../../src/lint/model.js';
import { nginxHandler } from '../../../src/lint/nginx/handler.js';
import { nginxModel } from '../../../src/lint/nginx/model.js';
import { startEcho, values } from '../../lab/echo.js';
import { type Lab, labTest } from '../../lab/harness.js';
import { NGINX_RIGHT, nginx } from '../../lab/proxies.js';
import { startHops } from '../../lab/start.js';
import { CLIENT_ADDRESS } from '../../lab/types.js';
import { assertWrites, FORGED, forgedLines, send } from '../lab-writes.js';

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
  const [ports] = await startHops(lab, [spec], app, { prefix: name });
  const file = join(lab.dir, `${name}-edge.conf`);
  const parsed = nginxHandler.parse(file, readFileSync(file, 'utf8'), { noIncludes: true });
  assert.deepEqual(parsed.problems, [], `${name}: the lab's nginx.conf parses`);
  const hops = nginxModel(parsed.input);
  assert.equal(hops.length, 1, `${name}: one proxying server`);
  const hop = hops[0]!;
  assert.ok(
    hop.listens.some((l) => l.port === ports!.http && !l.tls),
    `${name}: listens for plain http on ${ports!.http}`,
  );
  assert.ok(
    hop.listens.some((l) => l.port === ports!.https && l.tls),
    `${name}: and TLS`,
  );
  assert.deepEqual(
    hop.targets.map((t) => [t.host, t.port]),
    [[app.host, app.port]],
  );
  return { port: ports!.http, hop };
}

labTest(
  'lint: the nginx model says what the real nginx writes (set, literal, append, clear, relay, nothing)',
  async (lab) => {
    const app = await startEcho(lab);
    const names = Object.keys(VARIANTS) as (keyof typeof VARIANTS)[];
    const started = await Promise.all(names.map((n) => start(lab, app, n)));
    const by = Object.fromEntries(names.map((n, i) => [n, started[i]!])) as Record<
      keyof typeof VARIANTS,
      (typeof started)[number]
    >;
    for (const name of names) {
      const { port, hop } = by[name];
      const forged = await send(port, forgedLines());
      const honest = await send(port, []);
      assertWrites(hop, forged, honest, name);
    }

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
