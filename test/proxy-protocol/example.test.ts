/**
 * examples/proxy-protocol/server.ts: started in-process and as its own process, with
 * real requests on 127.0.0.1 carrying PROXY v1 and v2 headers.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startExample } from '../../examples/proxy-protocol/server.js';
import {
  encodeProxyHeader,
  type ProxyRefusal,
  SslClientFlags,
  sslTlv,
} from '../../src/proxy-protocol/index.js';
import { closeServer, exchange } from './helpers.js';

const text = (s: string) => new TextEncoder().encode(s);
const get = (extra = '') =>
  `GET / HTTP/1.1\r\nHost: app.example.com\r\n${extra}Connection: close\r\n\r\n`;

async function ask(port: number, bytes: Uint8Array): Promise<unknown> {
  const r = await exchange(port, bytes);
  const s = r.received.toString('latin1');
  const i = s.indexOf('\r\n\r\n');
  return i < 0 ? `closed: ${JSON.stringify(s)}` : JSON.parse(s.slice(i + 4));
}

test('the PROXY protocol example feeds connectionFacts to the core', async (t) => {
  const refusals: ProxyRefusal[] = [];
  const { server, port } = await startExample(0, { onRefused: (r) => refusals.push(r) });
  t.after(() => closeServer(server));

  // A trusted CDN address is the PROXY source: its forwarded headers are believed.
  const cdn = 'PROXY TCP4 198.51.100.7 10.0.0.5 40000 443\r\n';
  assert.deepEqual(
    await ask(
      port,
      text(cdn + get('X-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\n')),
    ),
    {
      clientIp: '203.0.113.9',
      scheme: 'https',
      host: 'app.example.com',
      peer: '198.51.100.7',
      proxied: true,
      peerTrusted: true,
    },
  );

  // A client that is not a trusted proxy: its own forwarded headers are ignored.
  const direct = 'PROXY TCP4 192.0.2.50 10.0.0.5 40001 80\r\n';
  assert.deepEqual(
    await ask(port, text(direct + get('X-Forwarded-For: 1.2.3.4\r\nX-Forwarded-Proto: https\r\n'))),
    {
      clientIp: '192.0.2.50',
      scheme: 'http',
      host: 'app.example.com',
      peer: '192.0.2.50',
      proxied: true,
      peerTrusted: false,
    },
  );

  // v2 with the SSL TLV: the client used TLS, no X-Forwarded-Proto needed.
  const v2 = encodeProxyHeader({
    version: 2,
    addresses: {
      kind: 'ip',
      sourceAddress: '192.0.2.51',
      sourcePort: 40002,
      destinationAddress: '10.0.0.5',
      destinationPort: 443,
    },
    tlvs: [sslTlv({ client: SslClientFlags.SSL, version: 'TLSv1.3' })],
  });
  const body = (await ask(port, new Uint8Array([...v2, ...text(get())]))) as Record<
    string,
    unknown
  >;
  assert.equal(body.clientIp, '192.0.2.51');
  assert.equal(body.scheme, 'https');

  // No PROXY header from the load balancer: closed before HTTP, nothing answered.
  assert.match(String(await ask(port, text(get()))), /^closed/);
  assert.deepEqual(
    refusals.map((r) => r.code),
    ['HEADER_REQUIRED'],
  );
});

test('the PROXY protocol example runs as a process', async (t) => {
  const script = fileURLToPath(new URL('../../examples/proxy-protocol/server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: { ...process.env, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill());
  let out = '';
  child.stdout.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (c: string) => {
      out += c;
      const m = /127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
  });
  const body = (await ask(
    port,
    text(`PROXY TCP6 2001:db8::7 2001:db8::1 40000 443\r\n${get()}`),
  )) as Record<string, unknown>;
  assert.equal(body.peer, '2001:db8::7');
  assert.equal(body.clientIp, '2001:db8::7');
  child.kill();
  await once(child, 'exit');
});
