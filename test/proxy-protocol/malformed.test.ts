/**
 * The malformed corpus: each case is refused with its code by the decoder (all at once
 * and byte by byte) and, over a real loopback socket, by the listener, which closes the
 * connection without handing it to the server.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import {
  acceptProxyProtocol,
  decodeProxyHeader,
  ProxyHeaderDecoder,
  type ProxyRefusal,
} from '../../src/proxy-protocol/index.js';
import { MALFORMED } from './corpus.js';
import { exchange, listen } from './helpers.js';

test('the corpus has at least 50 distinct cases', () => {
  assert.ok(MALFORMED.length >= 50, `only ${MALFORMED.length} cases`);
  assert.equal(new Set(MALFORMED.map((c) => c.name)).size, MALFORMED.length);
});

for (const c of MALFORMED) {
  test(`decoder refuses: ${c.name}`, () => {
    const once = decodeProxyHeader(c.bytes);
    if (c.decoder === 'incomplete') {
      assert.equal(once.status, 'incomplete');
      const d = new ProxyHeaderDecoder();
      d.push(c.bytes);
      const end = d.end();
      assert.equal(end.status, 'invalid');
      if (end.status === 'invalid') {
        assert.equal(end.error.code, 'TRUNCATED');
        assert.match(end.error.message, /ended/);
      }
      return;
    }
    assert.equal(once.status, 'invalid', `expected ${c.decoder}, got ${once.status}`);
    if (once.status !== 'invalid') return;
    assert.equal(once.error.code, c.decoder, once.error.message);
    assert.ok(once.error.message.length > 10, 'the reason says what was wrong');
    // byte by byte gives the same answer
    const d = new ProxyHeaderDecoder();
    let r = d.result;
    for (const b of c.bytes) {
      r = d.push(Uint8Array.of(b));
      if (r.status !== 'incomplete') break;
    }
    assert.equal(r.status, 'invalid');
    if (r.status === 'invalid') assert.equal(r.error.code, c.decoder);
  });
}

test('the listener refuses every corpus case and closes the socket', async (t) => {
  const refusals = new Map<number, ProxyRefusal>();
  let handedOver = 0;
  const server = net.createServer(() => {
    handedOver++;
  });
  acceptProxyProtocol(server, {
    sources: ['127.0.0.1'],
    headerTimeout: 2000,
    onRefused: (r) => refusals.set(r.source.port!, r),
  });
  const port = await listen(t, server);
  for (const c of MALFORMED) {
    const x = await exchange(port, c.bytes);
    const expected =
      c.decoder === 'incomplete'
        ? 'TRUNCATED'
        : c.decoder === 'NO_SIGNATURE'
          ? 'HEADER_REQUIRED'
          : c.decoder;
    const r = refusals.get(x.localPort);
    assert.ok(r, `${c.name}: no refusal recorded`);
    assert.equal(r.code, expected, `${c.name}: ${r.error.message}`);
    assert.equal(r.policy, 'require');
    assert.equal(x.received.length, 0, `${c.name}: the server wrote back`);
    assert.ok(x.ms < 1500, `${c.name}: closed only after ${x.ms} ms`);
  }
  assert.equal(handedOver, 0, 'no malformed connection reached the server');
});
