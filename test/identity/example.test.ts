/**
 * examples/identity/mtls-server.ts: started in-process and as its own process with
 * throwaway certificates; real TLS requests on 127.0.0.1 with and without the proxy's
 * client certificate. The core trusts the peer because of `peerVerified`.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { startMtlsExample } from '../../examples/identity/mtls-server.js';
import type { CertificateRefusal } from '../../src/identity/index.js';
import { type IssuedCert, Lab } from '../lab/harness.js';
import { closeServer } from '../proxy-protocol/helpers.js';

let lab: Lab;
let caPem: string;
let caPath: string;
let server: IssuedCert;
let edge: IssuedCert;
let stranger: IssuedCert;

before(async () => {
  lab = new Lab();
  const ca = await lab.makeCa();
  caPem = ca.cert;
  caPath = ca.certPath;
  server = await ca.issueCert('app.example.com', { ips: ['127.0.0.1'] });
  edge = await ca.issueCert('edge-proxy', { client: true });
  stranger = await ca.issueCert('stranger', { client: true });
});
after(() => lab.teardown());

const forwarded =
  'GET / HTTP/1.1\r\nHost: app.example.com\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n';

/** The JSON body, or 'closed: <why>' when the server closed without answering. */
function get(port: number, cert?: IssuedCert): Promise<unknown> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: '127.0.0.1',
      port,
      servername: 'app.example.com',
      ca: caPem,
      ...(cert ? { cert: cert.cert, key: cert.key } : {}),
    });
    let text = '';
    let error = '';
    socket.on('secureConnect', () => socket.write(forwarded));
    socket.on('data', (c) => {
      text += c;
    });
    socket.on('error', (e) => {
      error = e.message;
    });
    socket.on('close', () => {
      const i = text.indexOf('\r\n\r\n');
      resolve(i >= 0 ? JSON.parse(text.slice(i + 4)) : `closed: ${error || 'no response'}`);
    });
  });
}

test('the mTLS example trusts the peer with the proxy certificate, by peerVerified', async (t) => {
  const refusals: CertificateRefusal[] = [];
  const { server: s, port } = await startMtlsExample({
    key: server.key,
    cert: server.cert,
    proxyCa: caPem,
    onRefused: (r) => refusals.push(r),
  });
  t.after(() => closeServer(s));
  assert.deepEqual(await get(port, edge), {
    clientIp: '203.0.113.9',
    scheme: 'https',
    host: 'app.example.com',
    peerTrusted: true,
    proxy: 'edge-proxy',
  });
  // same CA, not the proxy: closed after the handshake; no certificate: handshake fails
  assert.match(String(await get(port, stranger)), /^closed/);
  assert.match(String(await get(port)), /^closed/);
  assert.equal(refusals.length, 1);
  assert.match(refusals[0]!.reason, /CN=stranger/);
});

test('with direct clients allowed, a client without the certificate is not trusted', async (t) => {
  const { server: s, port } = await startMtlsExample({
    key: server.key,
    cert: server.cert,
    proxyCa: caPem,
    directClients: true,
    onRefused: () => {},
  });
  t.after(() => closeServer(s));
  // the same forwarded headers, without the proxy certificate: ignored
  assert.deepEqual(await get(port), {
    clientIp: '127.0.0.1',
    scheme: 'https',
    host: 'app.example.com',
    peerTrusted: false,
    proxy: null,
  });
  assert.deepEqual(await get(port, stranger), {
    clientIp: '127.0.0.1',
    scheme: 'https',
    host: 'app.example.com',
    peerTrusted: false,
    proxy: null,
  });
  assert.equal(((await get(port, edge)) as { peerTrusted: boolean }).peerTrusted, true);
});

test('the mTLS example runs as a process with PEM files', async (t) => {
  const script = fileURLToPath(new URL('../../examples/identity/mtls-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    env: {
      ...process.env,
      PORT: '0',
      TLS_KEY: server.keyPath,
      TLS_CERT: server.certPath,
      PROXY_CA: caPath,
    },
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
  assert.equal(((await get(port, edge)) as { clientIp: string }).clientIp, '203.0.113.9');
});
