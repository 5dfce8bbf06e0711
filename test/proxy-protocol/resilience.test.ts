/**
 * Resilience: slow and silent senders are closed at the header timeout, and many
 * connections leave nothing behind (sockets, timers, listeners).
 */
import assert from 'node:assert/strict';
import { createHook } from 'node:async_hooks';
import { once } from 'node:events';
import net from 'node:net';
import { test } from 'node:test';
import { acceptProxyProtocol, type ProxyRefusal } from '../../src/proxy-protocol/index.js';
import { listen } from './helpers.js';

const HEADER = Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.5 51000 443\r\n');

test('a slow-drip header is closed at the timeout', async (t) => {
  const refusals: ProxyRefusal[] = [];
  const server = net.createServer(() => assert.fail('must not be handed over'));
  acceptProxyProtocol(server, {
    sources: ['loopback'],
    headerTimeout: 300,
    onRefused: (r) => refusals.push(r),
  });
  const port = await listen(t, server);
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.on('error', () => {});
  const started = Date.now();
  let sent = 0;
  const drip = setInterval(() => {
    if (sent < HEADER.length && !socket.destroyed) socket.write(HEADER.subarray(sent, ++sent));
  }, 20);
  t.after(() => clearInterval(drip));
  await once(socket, 'close');
  clearInterval(drip);
  const ms = Date.now() - started;
  assert.ok(ms >= 280 && ms < 1500, `closed after ${ms} ms`);
  assert.ok(sent < HEADER.length, 'the header never completed');
  assert.equal(refusals.length, 1);
  assert.equal(refusals[0]!.code, 'TIMEOUT');
  assert.match(refusals[0]!.error.message, /within 300 ms \(\d+ byte\(s\) received\)/);
});

test('a silent connection is closed at the timeout (default policy, unlisted source too)', async (t) => {
  const refusals: ProxyRefusal[] = [];
  const server = net.createServer(() => assert.fail('must not be handed over'));
  acceptProxyProtocol(server, {
    sources: ['10.0.0.0/8'],
    headerTimeout: 200,
    onRefused: (r) => refusals.push(r),
  });
  const port = await listen(t, server);
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => {});
  const started = Date.now();
  await once(socket, 'close');
  const ms = Date.now() - started;
  assert.ok(ms >= 180 && ms < 1500, `closed after ${ms} ms`);
  assert.deepEqual(
    refusals.map((r) => [r.code, r.policy]),
    [['TIMEOUT', 'reject']],
  );
});

test('every connection gets the whole timeout, whenever it arrives within the timer tick', async (t) => {
  const timeout = 400;
  const server = net.createServer(() => assert.fail('must not be handed over'));
  acceptProxyProtocol(server, { sources: ['loopback'], headerTimeout: timeout });
  const port = await listen(t, server);
  // 16 connections 13 ms apart land at every phase of the listener's 50 ms tick.
  const closedAfter = await Promise.all(
    Array.from({ length: 16 }, async (_, i) => {
      await new Promise((r) => setTimeout(r, 13 * i));
      const socket = net.connect(port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      const started = Date.now();
      socket.write(HEADER.subarray(0, 10));
      await once(socket, 'close');
      return Date.now() - started;
    }),
  );
  for (const ms of closedAfter) {
    assert.ok(ms >= timeout - 5 && ms < timeout * 1.25 + 300, `closed after ${ms} ms`);
  }
});

test('one timer serves every pending header, and it stops once none is pending', async (t) => {
  let created = 0;
  const live = new Set<number>();
  const hook = createHook({
    init(id, type) {
      if (type === 'Timeout') {
        created++;
        live.add(id);
      }
    },
    destroy(id) {
      live.delete(id);
    },
  }).enable();
  t.after(() => hook.disable());
  const server = net.createServer((s) => s.end('k'));
  acceptProxyProtocol(server, { sources: ['loopback'], headerTimeout: 400 });
  const port = await listen(t, server);
  const connections = (): Promise<number> =>
    new Promise((r) => server.getConnections((_e, n) => r(n)));
  /** Poll without timers of its own, so that every Timeout counted is the listener's. */
  const until = async (done: () => Promise<boolean> | boolean, what: string) => {
    const limit = Date.now() + 2000;
    while (!(await done())) {
      if (Date.now() > limit) assert.fail(`timed out waiting for ${what}`);
      await new Promise((r) => setImmediate(r));
    }
  };
  created = 0;
  live.clear();
  const sockets = Array.from({ length: 50 }, () => {
    const s = net.connect(port, '127.0.0.1');
    s.on('error', () => {});
    s.resume();
    s.write(HEADER.subarray(0, 10));
    return s;
  });
  await until(async () => (await connections()) === 50, '50 pending connections');
  assert.equal(created, 1, 'one timer for 50 pending headers');
  assert.equal(live.size, 1);
  const closed = sockets.map((s) => once(s, 'close'));
  for (const s of sockets) s.end(HEADER.subarray(10));
  await Promise.all(closed);
  await until(() => live.size === 0, 'the header timer to stop');
  assert.equal(created, 1);
});

test('the default header timeout is 3000 ms', async () => {
  const { DEFAULT_HEADER_TIMEOUT_MS } = await import('../../src/proxy-protocol/index.js');
  assert.equal(DEFAULT_HEADER_TIMEOUT_MS, 3000);
});

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

test('10,000 sequential connections leave no sockets, timers or listeners behind', {
  timeout: 120000,
}, async (t) => {
  let handled = 0;
  let refused = 0;
  const server = net.createServer((s) => {
    handled++;
    s.once('data', () => s.end('k'));
  });
  acceptProxyProtocol(server, {
    sources: ['loopback'],
    headerTimeout: 5000,
    onRefused: () => refused++,
  });
  const port = await listen(t, server);
  const baseline = resources();
  const listenersBefore = server.listenerCount('connection');
  const bad = Buffer.from('PROXY TCP4 1.2.3.4 5.6.7.8 080 1\r\n');
  const good = Buffer.concat([HEADER, Buffer.from('x')]);
  const N = 10000;
  const started = Date.now();
  for (let i = 0; i < N; i++) {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    socket.setNoDelay(true);
    socket.end(i % 10 === 9 ? bad : good);
    socket.resume();
    await once(socket, 'close');
  }
  const elapsed = Date.now() - started;
  // let the server side finish closing
  for (let k = 0; k < 100; k++) {
    const n = await new Promise<number>((r) => server.getConnections((_e, c) => r(c)));
    if (n === 0) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.equal(await new Promise<number>((r) => server.getConnections((_e, c) => r(c))), 0);
  assert.equal(handled, N - N / 10);
  assert.equal(refused, N / 10);
  assert.equal(server.listenerCount('connection'), listenersBefore);
  const now = resources();
  assert.ok(
    (now.TCPSocketWrap ?? 0) <= (baseline.TCPSocketWrap ?? 0),
    `sockets left: ${JSON.stringify(now)}`,
  );
  assert.ok((now.Timeout ?? 0) <= (baseline.Timeout ?? 0), `timers left: ${JSON.stringify(now)}`);
  t.diagnostic(`${N} connections in ${elapsed} ms`);
});
