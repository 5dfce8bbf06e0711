/**
 * Real PROXY protocol senders on loopback: HAProxy `send-proxy` (v1, IPv4 and IPv6),
 * HAProxy `send-proxy-v2` with `proxy-v2-options ssl,cert-cn,...,authority,crc32c,unique-id`
 * behind a TLS frontend that requires a client certificate (so the SSL TLVs are real),
 * HAProxy's LOCAL health checks, and nginx `stream` with `proxy_protocol on` (v1, IPv4 and
 * IPv6). Every decoded field is checked against what the sender was configured to send.
 * A missing binary fails these tests (never a skip).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type net from 'node:net';
import tls from 'node:tls';
import {
  acceptProxyProtocol,
  connectionFacts,
  getProxyHeader,
  type ProxyHeader,
  type ProxyRefusal,
} from '../../src/proxy-protocol/index.js';
import { type Lab, labTest, requireBinary } from '../lab/harness.js';

interface Seen {
  header: ProxyHeader | undefined;
  facts: ReturnType<typeof connectionFacts>;
  /** The HTTP request paths seen on the connection. */
  paths: string[];
}

/**
 * Codes that would mean our decoder misread a real sender. TRUNCATED refusals are not
 * asserted: a TCP-level check (HAProxy's connect-only check, or another lab's checker
 * still probing a port we now hold) may reset before the connection can be read.
 */
const DECODE_FAILURE = /^(V1_|V2_|HEADER_|NO_SIGNATURE|TIMEOUT)/;

/** A Node backend that accepts PROXY headers from loopback and records each connection. */
async function backend(lab: Lab) {
  const connections: Seen[] = [];
  const refusals: ProxyRefusal[] = [];
  const bySocket = new WeakMap<net.Socket, Seen>();
  const server = http.createServer((req, res) => {
    bySocket.get(req.socket)?.paths.push(req.url ?? '');
    const f = connectionFacts(req.socket);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        peer: f.peer,
        peerPort: f.peerPort,
        encrypted: f.encrypted,
        proxied: f.proxied,
      }),
    );
  });
  acceptProxyProtocol(server, { sources: ['loopback'], onRefused: (r) => refusals.push(r) });
  // runs after the listener has judged the header (the listener hands sockets on)
  server.on('connection', (socket: net.Socket) => {
    const seen = { header: getProxyHeader(socket), facts: connectionFacts(socket), paths: [] };
    bySocket.set(socket, seen);
    connections.push(seen);
  });
  const port = await lab.freePort();
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  lab.onTeardown(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  /** The header whose source port is `clientPort` (the proxy's client side). */
  const bySourcePort = (clientPort: number) =>
    connections.find(
      (c) => c.header?.addresses?.kind === 'ip' && c.header.addresses.sourcePort === clientPort,
    );
  const decodeFailures = () =>
    refusals.filter((r) => DECODE_FAILURE.test(r.code)).map((r) => r.error.message);
  return { port, connections, decodeFailures, bySourcePort };
}

/** A plain HTTP GET through a proxy; returns the client's local port and the JSON body. */
async function get(port: number, host = '127.0.0.1') {
  return new Promise<{ localPort: number; body: Record<string, unknown> }>((resolve, reject) => {
    let localPort = 0;
    const req = http.get(
      { host, port, path: '/', agent: false, headers: { host: 'app.example.com' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          body += c;
        });
        res.on('end', () => resolve({ localPort, body: JSON.parse(body) }));
      },
    );
    req.on('socket', (s) => s.on('connect', () => (localPort = s.localPort!)));
    req.on('error', reject);
  });
}

async function until<T>(what: string, fn: () => T | undefined, ms = 10000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

labTest('HAProxy send-proxy (v1) over IPv4 and IPv6', async (lab) => {
  const haproxy = requireBinary('/usr/sbin/haproxy');
  const be = await backend(lab);
  const p4 = await lab.freePort();
  const p6 = await lab.freePort('::1');
  const cfg = lab.writeFile(
    'haproxy-v1.cfg',
    `global
  maxconn 100
defaults
  mode tcp
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend fe4
  bind 127.0.0.1:${p4}
  default_backend app
frontend fe6
  bind [::1]:${p6}
  default_backend app
backend app
  server app 127.0.0.1:${be.port} send-proxy
`,
  );
  const proc = lab.spawn('haproxy', haproxy, ['-db', '-f', cfg]);
  await lab.waitForPort(p4, { process: proc });
  await lab.waitForPort(p6, { host: '::1', process: proc });

  const r4 = await get(p4);
  const c4 = await until('the v1 IPv4 header', () => be.bySourcePort(r4.localPort));
  assert.deepEqual(c4.header, {
    version: 1,
    command: 'PROXY',
    family: 'INET',
    transport: 'STREAM',
    addresses: {
      kind: 'ip',
      sourceAddress: '127.0.0.1',
      sourcePort: r4.localPort,
      destinationAddress: '127.0.0.1',
      destinationPort: p4,
    },
    tlvs: [],
  });
  assert.deepEqual(r4.body, {
    peer: '127.0.0.1',
    peerPort: r4.localPort,
    encrypted: false,
    proxied: true,
  });

  const r6 = await get(p6, '::1');
  const c6 = await until('the v1 IPv6 header', () => be.bySourcePort(r6.localPort));
  assert.deepEqual(c6.header, {
    version: 1,
    command: 'PROXY',
    family: 'INET6',
    transport: 'STREAM',
    addresses: {
      kind: 'ip',
      sourceAddress: '::1',
      sourcePort: r6.localPort,
      destinationAddress: '::1',
      destinationPort: p6,
    },
    tlvs: [],
  });
  assert.deepEqual(r6.body, {
    peer: '::1',
    peerPort: r6.localPort,
    encrypted: false,
    proxied: true,
  });
  assert.deepEqual(be.decodeFailures(), []);
});

labTest(
  'HAProxy send-proxy-v2 with ssl, cert-cn, authority, crc32c, unique-id behind TLS with a client certificate',
  async (lab) => {
    const haproxy = requireBinary('/usr/sbin/haproxy');
    const ca = await lab.makeCa();
    const server = await ca.issueCert('app.example.com', { ips: ['127.0.0.1'] });
    const client = await ca.issueCert('edge-client-7', { client: true });
    const be = await backend(lab);
    const port = await lab.freePort();
    const healthToken = randomUUID();
    const cfg = lab.writeFile(
      'haproxy-v2.cfg',
      `global
  maxconn 100
defaults
  mode http
  option httpchk GET /health-${healthToken}
  timeout connect 2s
  timeout client 10s
  timeout server 10s
frontend fe_tls
  bind 127.0.0.1:${port} ssl crt ${server.pemPath} ca-file ${ca.certPath} verify required alpn http/1.1
  unique-id-format %ci:%cp
  default_backend app
backend app
  server app 127.0.0.1:${be.port} send-proxy-v2 proxy-v2-options ssl,cert-cn,ssl-cipher,cert-sig,cert-key,authority,crc32c,unique-id check inter 200 check-send-proxy
`,
    );
    const proc = lab.spawn('haproxy', haproxy, ['-db', '-f', cfg]);
    await lab.waitForPort(port, { process: proc });

    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'app.example.com',
      ca: ca.cert,
      cert: client.cert,
      key: client.key,
      ALPNProtocols: ['http/1.1'],
    });
    await once(socket, 'secureConnect');
    const localPort = socket.localPort!;
    const protocol = socket.getProtocol();
    const cipher = socket.getCipher().name;
    socket.write('GET / HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n');
    let text = '';
    socket.on('data', (c) => {
      text += c;
    });
    await once(socket, 'end');
    socket.destroy();
    const body = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4));
    // the SSL TLV says the client used TLS, so the connection counts as encrypted
    assert.deepEqual(body, {
      peer: '127.0.0.1',
      peerPort: localPort,
      encrypted: true,
      proxied: true,
    });

    const c = await until('the v2 header', () => be.bySourcePort(localPort));
    const h = c.header!;
    assert.equal(h.version, 2);
    assert.equal(h.command, 'PROXY');
    assert.equal(h.family, 'INET');
    assert.equal(h.transport, 'STREAM');
    assert.deepEqual(h.addresses, {
      kind: 'ip',
      sourceAddress: '127.0.0.1',
      sourcePort: localPort,
      destinationAddress: '127.0.0.1',
      destinationPort: port,
    });
    assert.equal(h.alpn, 'http/1.1');
    assert.equal(h.authority, 'app.example.com');
    assert.equal(typeof h.crc32c, 'number', 'crc32c sent (and verified by the decoder)');
    assert.equal(new TextDecoder().decode(h.uniqueId), `127.0.0.1:${localPort}`);
    const ssl = h.ssl!;
    assert.ok(ssl, 'SSL TLV sent');
    assert.equal(ssl.clientSsl, true);
    assert.equal(ssl.clientCertConnection, true);
    assert.equal(ssl.clientCertSession, true);
    assert.equal(ssl.verify, 0);
    assert.equal(ssl.verified, true);
    assert.equal(ssl.version, protocol);
    assert.equal(ssl.commonName, 'edge-client-7');
    assert.equal(ssl.cipher, cipher);
    assert.equal(ssl.signatureAlgorithm, 'ecdsa-with-SHA256');
    assert.equal(ssl.keyAlgorithm, 'EC256');
    assert.deepEqual(
      h.tlvs.map((x) => x.type).sort((a, b) => a - b),
      [0x01, 0x02, 0x03, 0x05, 0x20],
    );

    // HAProxy's health checks (check-send-proxy, httpchk) arrive as LOCAL, with the CRC32C
    // and an SSL TLV that says "not SSL"; the real address is kept
    const local = await until('a LOCAL health check', () =>
      be.connections.find((x) => x.paths.includes(`/health-${healthToken}`)),
    );
    assert.equal(local.header!.command, 'LOCAL');
    assert.equal(local.header!.version, 2);
    assert.equal(local.header!.family, 'UNSPEC');
    assert.equal(local.header!.addresses, undefined);
    assert.equal(typeof local.header!.crc32c, 'number');
    assert.equal(local.header!.ssl?.clientSsl, false);
    assert.deepEqual(
      [local.facts.peer, local.facts.proxied, local.facts.encrypted],
      ['127.0.0.1', false, false],
    );
    assert.deepEqual(be.decodeFailures(), []);
  },
);

async function nginxTest(lab: Lab, host: string, bindHost: string) {
  const nginx = requireBinary('/usr/sbin/nginx');
  const module = '/usr/lib/nginx/modules/ngx_stream_module.so';
  requireBinary('/usr/sbin/nginx');
  const be = await backend(lab);
  const port = await lab.freePort(host);
  const cfg = lab.writeFile(
    'nginx.conf',
    `load_module ${module};
daemon off;
master_process off;
pid ${lab.dir}/nginx.pid;
error_log stderr info;
events { worker_connections 64; }
stream {
  server {
    listen ${bindHost}:${port};
    proxy_pass 127.0.0.1:${be.port};
    proxy_protocol on;
  }
}
`,
  );
  const proc = lab.spawn('nginx', nginx, ['-p', lab.dir, '-e', `${lab.dir}/error.log`, '-c', cfg]);
  await lab.waitForPort(port, { host, process: proc });
  const r = await get(port, host);
  const c = await until('the nginx header', () => be.bySourcePort(r.localPort));
  assert.deepEqual(c.header, {
    version: 1,
    command: 'PROXY',
    family: host === '::1' ? 'INET6' : 'INET',
    transport: 'STREAM',
    addresses: {
      kind: 'ip',
      sourceAddress: host,
      sourcePort: r.localPort,
      destinationAddress: host,
      destinationPort: port,
    },
    tlvs: [],
  });
  assert.deepEqual(r.body, { peer: host, peerPort: r.localPort, encrypted: false, proxied: true });
  assert.deepEqual(be.decodeFailures(), []);
}

labTest('nginx stream proxy_protocol on (v1, IPv4)', (lab) =>
  nginxTest(lab, '127.0.0.1', '127.0.0.1'),
);
labTest('nginx stream proxy_protocol on (v1, IPv6)', (lab) => nginxTest(lab, '::1', '[::1]'));
