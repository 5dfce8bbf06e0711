/**
 * nodeConnection: the peer and TLS facts of a request's socket, read once per connection
 * and kept on the socket, never shared between connections, never remembered before the
 * socket has an address.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { nodeConnection } from '../../src/node/index.js';
import { acceptProxyProtocol } from '../../src/proxy-protocol/index.js';

/** Send `requests` GETs on one keep-alive connection from `from`; resolve with the bodies. */
function keepAlive(port: number, requests: string[], from = '127.0.0.1'): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
    const bodies: string[] = [];
    let got = '';
    let i = 0;
    const send = () => socket.write(requests[i]!);
    socket.on('connect', send);
    socket.on('error', reject);
    socket.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      const end = got.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/\r\ncontent-length: (\d+)/i.exec(got.slice(0, end))?.[1]);
      const start = end + 4;
      if (got.length < start + len) return;
      bodies.push(got.slice(start, start + len));
      got = got.slice(start + len);
      if (++i < requests.length) send();
      else {
        socket.end();
        resolve(bodies);
      }
    });
  });
}

const GET = 'GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n';

/** A server answering with nodeConnection's peer and encrypted flag; counts remoteAddress reads. */
async function facts(wrap?: (s: ReturnType<typeof createServer>) => void) {
  let reads = 0;
  const seen: object[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    const c = nodeConnection(req);
    seen.push(c);
    const body = `${c.peer} ${c.encrypted}`;
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  });
  const getter = Object.getOwnPropertyDescriptor(net.Socket.prototype, 'remoteAddress')!.get!;
  server.on('connection', (socket: net.Socket) => {
    Object.defineProperty(socket, 'remoteAddress', {
      configurable: true,
      get() {
        reads++;
        return getter.call(this);
      },
    });
  });
  wrap?.(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    reads: () => reads,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

describe('nodeConnection', () => {
  test('reads a keep-alive socket once, and every request on it gets the same facts', async () => {
    const s = await facts();
    try {
      const bodies = await keepAlive(s.port, [GET, GET, GET, GET]);
      assert.deepEqual(bodies, Array(4).fill('127.0.0.1 false'));
      assert.equal(s.reads(), 1, 'remoteAddress was read more than once on one connection');
      assert.equal(s.seen.length, 4);
      for (const c of s.seen) assert.equal(c, s.seen[0]);
      assert.ok(Object.isFrozen(s.seen[0]), 'the kept facts are frozen');
    } finally {
      await s.close();
    }
  });

  test('each connection has its own facts (127.0.0.1 and 127.0.0.2 interleaved)', async () => {
    const s = await facts();
    try {
      const [a, b] = await Promise.all([
        keepAlive(s.port, [GET, GET, GET], '127.0.0.1'),
        keepAlive(s.port, [GET, GET, GET], '127.0.0.2'),
      ]);
      assert.deepEqual(a, Array(3).fill('127.0.0.1 false'));
      assert.deepEqual(b, Array(3).fill('127.0.0.2 false'));
      const again = await keepAlive(s.port, [GET], '127.0.0.2');
      assert.deepEqual(again, ['127.0.0.2 false']);
      assert.equal(s.reads(), 3, 'one read per connection');
    } finally {
      await s.close();
    }
  });

  test('behind the PROXY listener every request on the connection has the PROXY source', async () => {
    const s = await facts((server) =>
      acceptProxyProtocol(server, { sources: ['loopback'], senderTerminatesTls: true }),
    );
    try {
      const first = `PROXY TCP4 10.9.8.7 10.0.0.1 40000 443\r\n${GET}`;
      const bodies = await keepAlive(s.port, [first, GET, GET]);
      assert.deepEqual(bodies, Array(3).fill('10.9.8.7 true'));
      const plain = await keepAlive(s.port, [`PROXY TCP4 10.1.1.1 10.0.0.1 1 2\r\n${GET}`]);
      assert.deepEqual(plain, ['10.1.1.1 true'], 'a new connection is not given the last one');
    } finally {
      await s.close();
    }
  });

  test('a socket without an address is not remembered: the address is read again later', () => {
    const socket = { remoteAddress: undefined as string | undefined, encrypted: false };
    const req = { socket } as unknown as IncomingMessage;
    assert.equal(nodeConnection(req).peer, undefined);
    socket.remoteAddress = '10.0.0.7';
    assert.equal(nodeConnection(req).peer, '10.0.0.7');
    socket.remoteAddress = '10.0.0.8';
    assert.equal(nodeConnection(req).peer, '10.0.0.7', 'kept once the socket had an address');
  });

  test('a request without a socket reports no peer', () => {
    const req = { socket: null } as unknown as IncomingMessage;
    assert.deepEqual(nodeConnection(req), { peer: undefined, encrypted: false });
  });
});
