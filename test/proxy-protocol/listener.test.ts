/**
 * The listener wrapper over real loopback sockets: net, http, https (TLS after the
 * header), http2 (h2c and h2), every policy, the connection facts, and option checks.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import {
  acceptProxyProtocol,
  connectionFacts,
  encodeProxyHeader,
  getProxyHeader,
  type ProxyRefusal,
  SslClientFlags,
  sslTlv,
  TlvType,
  tlv,
} from '../../src/proxy-protocol/index.js';
import { type IssuedCert, Lab } from '../lab/harness.js';
import { exchange, listen } from './helpers.js';

const enc = (s: string) => new TextEncoder().encode(s);
const V1 = enc('PROXY TCP4 203.0.113.7 10.0.0.5 51000 443\r\n');
const V2_SSL = encodeProxyHeader(
  {
    version: 2,
    addresses: {
      kind: 'ip',
      sourceAddress: '2001:db8::7',
      sourcePort: 52000,
      destinationAddress: '2001:db8::1',
      destinationPort: 443,
    },
    tlvs: [
      tlv(TlvType.AUTHORITY, 'app.example.com'),
      sslTlv({ client: SslClientFlags.SSL, version: 'TLSv1.3', cipher: 'TLS_AES_128_GCM_SHA256' }),
    ],
  },
  { crc32c: true },
);
const GET = 'GET /x HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n';

/** An http server answering with the connection facts and the header's authority as JSON. */
function factsServer<S extends http.Server | https.Server>(server: S): S {
  server.on('request', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const h = getProxyHeader(req.socket);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        ...connectionFacts(req.socket),
        authority: h?.authority ?? null,
        url: req.url,
      }),
    );
  });
  return server;
}

/** Send raw bytes and read an HTTP/1.1 response until the server closes. */
async function rawHttp(
  port: number,
  ...parts: (Uint8Array | string)[]
): Promise<{ status: number; body: string }> {
  const x = await exchange(
    port,
    Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p)))),
    {
      keepOpen: true,
    },
  );
  const text = x.received.toString();
  const status = Number(/^HTTP\/1\.1 (\d+)/.exec(text)?.[1] ?? 0);
  return { status, body: text.slice(text.indexOf('\r\n\r\n') + 4) };
}

let lab: Lab;
let serverCert: IssuedCert;
let caPem: string;
before(async () => {
  lab = new Lab();
  const ca = await lab.makeCa();
  caPem = ca.cert;
  serverCert = await ca.issueCert('app.example.com', { ips: ['127.0.0.1'] });
});
after(() => lab.teardown());

test('net: the header is stripped and the bytes after it arrive intact', async (t) => {
  const got: { data: string; peer: string; proxied: boolean }[] = [];
  const server = net.createServer((socket) => {
    let data = '';
    socket.on('data', (c) => {
      data += c;
    });
    socket.on('end', () => {
      const f = connectionFacts(socket);
      got.push({ data, peer: f.peer, proxied: f.proxied });
      socket.end('ok');
    });
  });
  acceptProxyProtocol(server, { sources: ['loopback'] });
  const port = await listen(t, server);
  const x = await exchange(port, Buffer.concat([V1, Buffer.from('hello, world')]));
  assert.equal(x.received.toString(), 'ok');
  assert.deepEqual(got, [{ data: 'hello, world', peer: '203.0.113.7', proxied: true }]);
});

test('http: facts come from the v2 header (peer, SSL TLV => encrypted, authority)', async (t) => {
  const server = factsServer(http.createServer());
  acceptProxyProtocol(server, { sources: ['127.0.0.0/8'] });
  const port = await listen(t, server);
  const r = await rawHttp(port, V2_SSL, GET);
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), {
    peer: '2001:db8::7',
    peerPort: 52000,
    encrypted: true,
    proxied: true,
    authority: 'app.example.com',
    url: '/x',
  });
  const v1 = JSON.parse((await rawHttp(port, V1, GET)).body);
  assert.deepEqual(v1, {
    peer: '203.0.113.7',
    peerPort: 51000,
    encrypted: false,
    proxied: true,
    authority: null,
    url: '/x',
  });
});

test('http: one header, then several keep-alive requests; each chunking of the header works', async (t) => {
  const server = factsServer(http.createServer());
  acceptProxyProtocol(server, { sources: ['loopback'] });
  const port = await listen(t, server);
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let received = '';
  socket.on('data', (c) => {
    received += c;
  });
  for (const b of V2_SSL) {
    socket.write(Uint8Array.of(b)); // byte by byte
  }
  socket.write('GET /1 HTTP/1.1\r\nHost: a\r\n\r\n');
  socket.write('GET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
  await once(socket, 'close');
  const bodies = received.match(/\{[^}]*\}/g)!.map((b) => JSON.parse(b));
  assert.deepEqual(
    bodies.map((b) => [b.url, b.peer, b.encrypted]),
    [
      ['/1', '2001:db8::7', true],
      ['/2', '2001:db8::7', true],
    ],
  );
});

test('https: TLS starts after the PROXY header; encrypted from the TLS socket itself', async (t) => {
  const server = factsServer(https.createServer({ key: serverCert.key, cert: serverCert.cert }));
  acceptProxyProtocol(server, { sources: ['loopback'] });
  const port = await listen(t, server);
  const raw = net.connect(port, '127.0.0.1');
  await once(raw, 'connect');
  raw.write(V1);
  const secure = tls.connect({ socket: raw, ca: caPem, servername: 'app.example.com' });
  await once(secure, 'secureConnect');
  secure.write(GET);
  let text = '';
  secure.on('data', (c) => {
    text += c;
  });
  await once(secure, 'close');
  const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
  assert.deepEqual(body, {
    peer: '203.0.113.7',
    peerPort: 51000,
    encrypted: true,
    proxied: true,
    authority: null,
    url: '/x',
  });
});

async function h2Get(session: http2.ClientHttp2Session): Promise<Record<string, unknown>> {
  const req = session.request({ ':path': '/h2' });
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => {
    body += c;
  });
  await once(req, 'end');
  session.close();
  return JSON.parse(body);
}

function h2Handler(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) {
  res.setHeader('content-type', 'application/json');
  res.end(
    JSON.stringify({
      ...connectionFacts(req.socket),
      authority: getProxyHeader(req.socket)?.authority ?? null,
    }),
  );
}

test('http2 cleartext (h2c): facts through the compatibility API', async (t) => {
  const server = http2.createServer(h2Handler);
  acceptProxyProtocol(server, { sources: ['loopback'] });
  const port = await listen(t, server);
  const session = http2.connect(`http://127.0.0.1:${port}`, {
    createConnection: () => {
      const s = net.connect(port, '127.0.0.1');
      s.write(V2_SSL);
      return s;
    },
  });
  assert.deepEqual(await h2Get(session), {
    peer: '2001:db8::7',
    peerPort: 52000,
    encrypted: true,
    proxied: true,
    authority: 'app.example.com',
  });
});

test('http2 over TLS (h2): TLS and ALPN after the header', async (t) => {
  const server = http2.createSecureServer(
    { key: serverCert.key, cert: serverCert.cert },
    h2Handler,
  );
  acceptProxyProtocol(server, { sources: ['loopback'] });
  const port = await listen(t, server);
  const session = http2.connect(`https://app.example.com:${port}`, {
    createConnection: () => {
      const raw = net.connect(port, '127.0.0.1');
      raw.write(V1);
      return tls.connect({
        socket: raw,
        ca: caPem,
        servername: 'app.example.com',
        ALPNProtocols: ['h2'],
      });
    },
  });
  assert.deepEqual(await h2Get(session), {
    peer: '203.0.113.7',
    peerPort: 51000,
    encrypted: true,
    proxied: true,
    authority: null,
  });
});

test('default policy: unlisted sources pass without a header and are refused with one', async (t) => {
  const refusals: ProxyRefusal[] = [];
  const server = factsServer(http.createServer());
  acceptProxyProtocol(server, { sources: ['10.0.0.0/8'], onRefused: (r) => refusals.push(r) });
  const port = await listen(t, server);
  const plain = JSON.parse((await rawHttp(port, GET)).body);
  assert.equal(plain.peer, '127.0.0.1');
  assert.equal(plain.proxied, false);
  assert.equal(plain.encrypted, false);
  // a header from an unlisted source is refused as soon as its signature is seen
  const x = await exchange(port, enc('PROXY '), { keepOpen: true });
  assert.ok(x.ms < 1000, `refused after ${x.ms} ms`);
  const y = await exchange(port, V2_SSL.subarray(0, 12), { keepOpen: true });
  assert.ok(y.ms < 1000);
  assert.deepEqual(
    refusals.map((r) => [r.code, r.policy, r.source.address]),
    [
      ['HEADER_REJECTED', 'reject', '127.0.0.1'],
      ['HEADER_REJECTED', 'reject', '127.0.0.1'],
    ],
  );
  assert.match(refusals[0]!.error.message, /not a listed PROXY sender/);
});

test('require: a listed source without a header is refused at its first byte', async (t) => {
  const refusals: ProxyRefusal[] = [];
  const server = factsServer(http.createServer());
  acceptProxyProtocol(server, { sources: ['loopback'], onRefused: (r) => refusals.push(r) });
  const port = await listen(t, server);
  const r = await rawHttp(port, GET);
  assert.equal(r.status, 0);
  assert.equal(refusals[0]?.code, 'HEADER_REQUIRED');
  assert.match(refusals[0]!.error.message, /must send a PROXY header first/);
});

test('ignore: a header is checked and stripped but not believed; plain passes', async (t) => {
  const server = factsServer(http.createServer());
  acceptProxyProtocol(server, { sources: ['loopback'], listed: 'ignore' });
  const port = await listen(t, server);
  const withHeader = JSON.parse((await rawHttp(port, V2_SSL, GET)).body);
  assert.deepEqual(
    [withHeader.peer, withHeader.proxied, withHeader.encrypted, withHeader.authority],
    ['127.0.0.1', false, false, null],
  );
  const without = JSON.parse((await rawHttp(port, GET)).body);
  assert.equal(without.peer, '127.0.0.1');
  // a malformed header is still refused
  assert.equal((await rawHttp(port, 'PROXY TCP4 1.2.3.4 5.6.7.8 080 1\r\n', GET)).status, 0);
});

test('skip: nothing is read; the header bytes reach the server untouched', async (t) => {
  let data = '';
  const server = net.createServer((s) => {
    s.on('data', (c) => {
      data += c;
    });
    s.on('end', () => s.end());
  });
  acceptProxyProtocol(server, { sources: ['loopback'], listed: 'skip' });
  const port = await listen(t, server);
  await exchange(port, Buffer.concat([V1, Buffer.from('z')]));
  assert.equal(data, `${new TextDecoder().decode(V1)}z`);
});

test('use: only with guessHeaderPresence, and warned', async (t) => {
  assert.throws(
    () => acceptProxyProtocol(http.createServer(), { sources: ['loopback'], listed: 'use' }),
    /guessHeaderPresence/,
  );
  const warnings: string[] = [];
  const server = factsServer(http.createServer());
  acceptProxyProtocol(server, {
    sources: ['loopback'],
    listed: 'use',
    guessHeaderPresence: true,
    onWarning: (m, code) => warnings.push(`${code}: ${m}`),
  });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^PROXYTRUST_PROXY_PROTOCOL_GUESS: .*forge/);
  const port = await listen(t, server);
  assert.equal(JSON.parse((await rawHttp(port, V1, GET)).body).peer, '203.0.113.7');
  assert.equal(JSON.parse((await rawHttp(port, GET)).body).peer, '127.0.0.1');
});

test('a policy function: per source, and a bad answer refuses the connection', async (t) => {
  const refusals: ProxyRefusal[] = [];
  let answer: string = 'use';
  const server = factsServer(http.createServer());
  acceptProxyProtocol(server, {
    policy: (s) => {
      assert.equal(s.address, '127.0.0.1');
      if (answer === 'throw') throw new Error('boom');
      return answer as 'use';
    },
    onRefused: (r) => refusals.push(r),
  });
  const port = await listen(t, server);
  assert.equal((await rawHttp(port, V1, GET)).status, 0);
  answer = 'maybe';
  assert.equal((await rawHttp(port, V1, GET)).status, 0);
  answer = 'throw';
  assert.equal((await rawHttp(port, V1, GET)).status, 0);
  answer = 'require';
  assert.equal((await rawHttp(port, V1, GET)).status, 200);
  assert.deepEqual(
    refusals.map((r) => r.code),
    ['BAD_POLICY', 'BAD_POLICY', 'BAD_POLICY'],
  );
  assert.match(refusals[0]!.error.message, /without guessHeaderPresence/);
});

test('LOCAL (health checks) keeps the real address; senderTerminatesTls marks PROXY as encrypted', async (t) => {
  const server = factsServer(http.createServer());
  acceptProxyProtocol(server, { sources: ['loopback'], senderTerminatesTls: true });
  const port = await listen(t, server);
  const nlbLocal = encodeProxyHeader({
    version: 2,
    command: 'LOCAL',
    addresses: {
      kind: 'ip',
      sourceAddress: '0.0.0.0',
      sourcePort: 0,
      destinationAddress: '0.0.0.0',
      destinationPort: 0,
    },
  });
  const local = JSON.parse((await rawHttp(port, nlbLocal, GET)).body);
  assert.deepEqual([local.peer, local.proxied, local.encrypted], ['127.0.0.1', false, false]);
  const unknown = JSON.parse((await rawHttp(port, 'PROXY UNKNOWN\r\n', GET)).body);
  assert.deepEqual([unknown.peer, unknown.proxied, unknown.encrypted], ['127.0.0.1', false, true]);
  const proxied = JSON.parse((await rawHttp(port, V1, GET)).body);
  assert.deepEqual([proxied.peer, proxied.proxied, proxied.encrypted], ['203.0.113.7', true, true]);
});

test('AWS NLB does not strip a client-sent header: the second header is HTTP garbage (400), never believed', async (t) => {
  let handled = 0;
  const server = http.createServer((_req, res) => {
    handled++;
    res.end();
  });
  acceptProxyProtocol(server, { sources: ['loopback'] });
  const port = await listen(t, server);
  const forged = enc('PROXY TCP4 6.6.6.6 10.0.0.5 1 443\r\n');
  const r = await rawHttp(port, V1, forged, GET);
  assert.equal(r.status, 400);
  assert.equal(handled, 0);
});

test('a header above maxHeaderSize is refused as soon as its length is known', async (t) => {
  const refusals: ProxyRefusal[] = [];
  const server = net.createServer(() => assert.fail('must not be handed over'));
  acceptProxyProtocol(server, {
    sources: ['loopback'],
    maxHeaderSize: 256,
    onRefused: (r) => refusals.push(r),
  });
  const port = await listen(t, server);
  const big = encodeProxyHeader({ version: 2, tlvs: [tlv(TlvType.NOOP, new Uint8Array(1000))] });
  const x = await exchange(port, big.subarray(0, 16), { keepOpen: true });
  assert.ok(x.ms < 1000);
  assert.equal(refusals[0]?.code, 'HEADER_TOO_LARGE');
});

test('IPv6 loopback sources', async (t) => {
  const server = factsServer(http.createServer());
  acceptProxyProtocol(server, { sources: ['::1'] });
  const port = await listen(t, server, '::1');
  const x = await exchange(port, Buffer.concat([V1, Buffer.from(GET)]), {
    keepOpen: true,
    host: '::1',
  });
  const text = x.received.toString();
  assert.equal(JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)).peer, '203.0.113.7');
});

test('options are checked eagerly', () => {
  const s = () => http.createServer();
  assert.throws(() => acceptProxyProtocol(s(), {}), /name the PROXY senders/);
  assert.throws(
    () => acceptProxyProtocol(s(), { sources: ['loopback'], policy: () => 'require' }),
    /either/,
  );
  assert.throws(
    () => acceptProxyProtocol(s(), { sources: ['loopback'], listed: 'always' as 'use' }),
    /listed must be one of/,
  );
  assert.throws(() => acceptProxyProtocol(s(), { sources: ['not a cidr!'] }), TypeError);
  assert.throws(
    () => acceptProxyProtocol(s(), { sources: ['loopback'], headerTimeout: 0 }),
    /headerTimeout/,
  );
  assert.throws(
    () => acceptProxyProtocol(s(), { sources: ['loopback'], maxHeaderSize: 8 }),
    /maxHeaderSize/,
  );
  const twice = s();
  acceptProxyProtocol(twice, { sources: ['loopback'] });
  assert.throws(() => acceptProxyProtocol(twice, { sources: ['loopback'] }), /already/);
});

test('connectionFacts on a socket the listener never saw reports the socket itself', async (t) => {
  const server = net.createServer((s) => {
    assert.deepEqual(connectionFacts(s), {
      peer: '127.0.0.1',
      peerPort: s.remotePort,
      encrypted: false,
      proxied: false,
    });
    assert.equal(getProxyHeader(s), undefined);
    s.end('done');
  });
  const port = await listen(t, server);
  assert.equal((await exchange(port, new Uint8Array(0))).received.toString(), 'done');
});

/** One connection from `localAddress`: send `bytes`, return what the server answered ('' when refused). */
async function from(port: number, localAddress: string, bytes: Uint8Array): Promise<string> {
  const socket = net.connect({ port, host: '127.0.0.1', localAddress });
  socket.on('error', () => {});
  await once(socket, 'connect');
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.end(bytes);
  await once(socket, 'close');
  return Buffer.concat(chunks).toString();
}

/** A net server that answers each connection with the peer it sees, once it has a byte. */
function peerServer(): net.Server {
  return net.createServer((s) => {
    s.once('data', () => s.end(connectionFacts(s).peer));
  });
}

test('a source list gives each address its own policy, however the addresses alternate', async (t) => {
  const refusals: ProxyRefusal[] = [];
  const server = peerServer();
  acceptProxyProtocol(server, { sources: ['127.0.0.1'], onRefused: (r) => refusals.push(r) });
  const port = await listen(t, server);
  const withHeader = new Uint8Array([...V1, ...enc('x')]);
  assert.equal(await from(port, '127.0.0.1', withHeader), '203.0.113.7');
  assert.equal(await from(port, '127.0.0.2', enc('x')), '127.0.0.2');
  assert.equal(await from(port, '127.0.0.1', withHeader), '203.0.113.7');
  assert.equal(await from(port, '127.0.0.2', withHeader), '');
  assert.equal(await from(port, '127.0.0.1', enc('x')), '');
  assert.equal(await from(port, '127.0.0.2', enc('x')), '127.0.0.2');
  assert.deepEqual(
    refusals.map((r) => [r.code, r.source.address]),
    [
      ['HEADER_REJECTED', '127.0.0.2'],
      ['HEADER_REQUIRED', '127.0.0.1'],
    ],
  );
});

test('a sources predicate is asked on every connection, so it may change its answer', async (t) => {
  let listed = true;
  const asked: string[] = [];
  const server = peerServer();
  acceptProxyProtocol(server, {
    sources: (address) => {
      asked.push(address);
      return listed;
    },
  });
  const port = await listen(t, server);
  const withHeader = new Uint8Array([...V1, ...enc('x')]);
  assert.equal(await from(port, '127.0.0.1', withHeader), '203.0.113.7');
  listed = false;
  assert.equal(await from(port, '127.0.0.1', withHeader), '');
  assert.equal(await from(port, '127.0.0.1', enc('x')), '127.0.0.1');
  assert.deepEqual(asked, ['127.0.0.1', '127.0.0.1', '127.0.0.1']);
});
