/** The socket-level source allowlist: refused before any HTTP parsing; composition. */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { test } from 'node:test';
import { allowSources, type SourceRefusal } from '../../src/identity/index.js';
import { acceptProxyProtocol, connectionFacts } from '../../src/proxy-protocol/index.js';
import { exchange, listen } from '../proxy-protocol/helpers.js';

const GET = 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n';

function watched() {
  const seen = { connections: 0, requests: 0 };
  const server = http.createServer((req, res) => {
    seen.requests++;
    res.end(JSON.stringify(connectionFacts(req.socket)));
  });
  server.on('connection', () => {
    seen.connections++;
  });
  return { server, seen };
}

test('a source outside the list is destroyed before any HTTP listener sees it', async (t) => {
  const refusals: SourceRefusal[] = [];
  const { server, seen } = watched();
  allowSources(server, ['10.0.0.0/8', '192.168.0.0/16'], { onRefused: (r) => refusals.push(r) });
  const port = await listen(t, server);
  const x = await exchange(port, Buffer.from(GET), { keepOpen: true });
  assert.equal(x.received.length, 0);
  assert.deepEqual(seen, { connections: 0, requests: 0 });
  assert.equal(refusals.length, 1);
  assert.equal(refusals[0]!.address, '127.0.0.1');
  assert.equal(refusals[0]!.port, x.localPort);
  assert.match(refusals[0]!.reason, /not in the allowed sources/);
});

test('a listed source passes (named range, CIDR, IP, predicate)', async (t) => {
  for (const list of [
    ['loopback'],
    ['127.0.0.0/8'],
    ['127.0.0.1'],
    (a: string) => a === '127.0.0.1',
  ]) {
    const { server, seen } = watched();
    allowSources(server, list);
    const port = await listen(t, server);
    const x = await exchange(port, Buffer.from(GET), { keepOpen: true });
    assert.match(x.received.toString(), /^HTTP\/1\.1 200/);
    assert.deepEqual(seen, { connections: 1, requests: 1 });
  }
});

test('IPv6: ::1 is refused by an IPv4 list and allowed by its own entry', async (t) => {
  const a = watched();
  allowSources(a.server, ['127.0.0.1']);
  const pa = await listen(t, a.server, '::1');
  assert.equal(
    (await exchange(pa, Buffer.from(GET), { keepOpen: true, host: '::1' })).received.length,
    0,
  );
  const b = watched();
  allowSources(b.server, ['::1']);
  const pb = await listen(t, b.server, '::1');
  assert.match(
    (await exchange(pb, Buffer.from(GET), { keepOpen: true, host: '::1' })).received.toString(),
    /^HTTP\/1\.1 200/,
  );
});

test('with the PROXY protocol, in either order, the real peer is checked, never the header source', async (t) => {
  const header = 'PROXY TCP4 10.1.2.3 10.0.0.5 40000 80\r\n';
  for (const order of ['allow-first', 'proxy-first']) {
    // the header claims 10.1.2.3, which the list allows; the real peer (127.0.0.1) is not listed
    const refused = watched();
    if (order === 'allow-first') {
      allowSources(refused.server, ['10.0.0.0/8']);
      acceptProxyProtocol(refused.server, { sources: ['loopback'] });
    } else {
      acceptProxyProtocol(refused.server, { sources: ['loopback'] });
      allowSources(refused.server, ['10.0.0.0/8']);
    }
    const p1 = await listen(t, refused.server);
    assert.equal(
      (await exchange(p1, Buffer.from(header + GET), { keepOpen: true })).received.length,
      0,
      order,
    );
    assert.equal(refused.seen.requests, 0);

    const ok = watched();
    if (order === 'allow-first') {
      allowSources(ok.server, ['loopback']);
      acceptProxyProtocol(ok.server, { sources: ['loopback'] });
    } else {
      acceptProxyProtocol(ok.server, { sources: ['loopback'] });
      allowSources(ok.server, ['loopback']);
    }
    const p2 = await listen(t, ok.server);
    const text = (
      await exchange(p2, Buffer.from(header + GET), { keepOpen: true })
    ).received.toString();
    assert.equal(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).peer, '10.1.2.3', order);
  }
});

test('works on a plain net.Server, and a throwing predicate refuses', async (t) => {
  let handled = 0;
  const server = net.createServer((s) => {
    handled++;
    s.end();
  });
  allowSources(server, () => {
    throw new Error('boom');
  });
  const port = await listen(t, server);
  await exchange(port, Buffer.from('x'));
  assert.equal(handled, 0);
});

test('bad lists are refused eagerly', () => {
  assert.throws(() => allowSources(net.createServer(), []), /non-empty/);
  assert.throws(() => allowSources(net.createServer(), ['10.0.0.0/33']), TypeError);
  assert.throws(() => allowSources(net.createServer(), ['intranet']), /unknown trust name/);
});
