/**
 * mTLS proxy identity: accept and refuse, by fingerprint and by subject, on https,
 * http2 and behind the PROXY protocol listener. Certificates come from a throwaway CA.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { after, before, test } from 'node:test';
import tls from 'node:tls';
import {
  type CertificateRefusal,
  compileProxyCertificateMatcher,
  isVerifiedProxyCertificate,
  proxyCertificateTlsOptions,
  requireProxyCertificate,
  verifiedProxyIdentity,
} from '../../src/identity/index.js';
import { acceptProxyProtocol, connectionFacts } from '../../src/proxy-protocol/index.js';
import { type IssuedCert, Lab } from '../lab/harness.js';
import { listen } from '../proxy-protocol/helpers.js';

let lab: Lab;
let otherLab: Lab;
let caPem: string;
let server: IssuedCert;
let edge: IssuedCert;
let stranger: IssuedCert;
let foreign: IssuedCert;

before(async () => {
  lab = new Lab();
  const ca = await lab.makeCa();
  caPem = ca.cert;
  server = await ca.issueCert('app.example.com', { ips: ['127.0.0.1'] });
  edge = await ca.issueCert('edge-proxy', { client: true, subject: '/O=Example/CN=edge-proxy' });
  stranger = await ca.issueCert('stranger', { client: true });
  otherLab = new Lab();
  foreign = await (await otherLab.makeCa()).issueCert('edge-proxy', { client: true });
});
after(async () => {
  await lab.teardown();
  await otherLab.teardown();
});

/** An https server answering with the verified identity (or null) as JSON. */
function identityServer(tlsOpts: ReturnType<typeof proxyCertificateTlsOptions>) {
  return https.createServer({ key: server.key, cert: server.cert, ...tlsOpts }, (req, res) => {
    const id = verifiedProxyIdentity(req.socket);
    res.end(
      JSON.stringify({
        verified: isVerifiedProxyCertificate(req.socket),
        cn: id?.commonName ?? null,
        fp: id?.fingerprint256 ?? null,
        o: id?.subject.O ?? null,
      }),
    );
  });
}

/** GET / with an optional client certificate; resolves the body, or 'closed: <why>'. */
function get(port: number, cert?: IssuedCert, raw?: net.Socket): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      ...(raw ? { socket: raw } : { host: '127.0.0.1', port }),
      servername: 'app.example.com',
      ca: caPem,
      ...(cert ? { cert: cert.cert, key: cert.key } : {}),
    });
    let text = '';
    let error = '';
    socket.on('secureConnect', () =>
      socket.write('GET / HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n'),
    );
    socket.on('data', (c) => {
      text += c;
    });
    socket.on('error', (e) => {
      error = e.message;
    });
    socket.on('close', () => {
      const i = text.indexOf('\r\n\r\n');
      resolve(i >= 0 ? text.slice(i + 4) : `closed: ${error || 'no response'}`);
    });
  });
}

test('by fingerprint: the listed certificate is accepted and its identity attached', async (t) => {
  const refusals: CertificateRefusal[] = [];
  const s = identityServer(proxyCertificateTlsOptions({ ca: caPem }));
  requireProxyCertificate(s, {
    fingerprints: [edge.fingerprint256],
    onRefused: (r) => refusals.push(r),
  });
  const port = await listen(t, s);
  assert.deepEqual(JSON.parse(await get(port, edge)), {
    verified: true,
    cn: 'edge-proxy',
    fp: edge.fingerprint256,
    o: 'Example',
  });
  // same CA, not listed: closed after the handshake, before any request
  assert.match(await get(port, stranger), /^closed/);
  assert.equal(refusals.length, 1);
  assert.match(refusals[0]!.reason, /CN=stranger .* is not a listed proxy certificate/);
  // no certificate, or one from another CA: the TLS handshake itself fails
  assert.match(await get(port), /^closed/);
  assert.match(await get(port, foreign), /^closed/);
});

test('by subject: a Common Name, or every listed attribute', async (t) => {
  for (const subjects of [['edge-proxy'], [{ CN: 'edge-proxy', O: 'Example' }]]) {
    const s = identityServer(proxyCertificateTlsOptions({ ca: caPem }));
    requireProxyCertificate(s, { subjects });
    const port = await listen(t, s);
    assert.equal(JSON.parse(await get(port, edge)).verified, true);
    assert.match(await get(port, stranger), /^closed/);
  }
  const s = identityServer(proxyCertificateTlsOptions({ ca: caPem }));
  requireProxyCertificate(s, { subjects: [{ CN: 'edge-proxy', O: 'Other' }] });
  const port = await listen(t, s);
  assert.match(await get(port, edge), /^closed/);
});

test('fingerprints and subjects together must both match; fingerprints accept any notation', async (t) => {
  const hex = edge.fingerprint256.replace(/:/g, '').toLowerCase();
  const s = identityServer(proxyCertificateTlsOptions({ ca: caPem }));
  requireProxyCertificate(s, { fingerprints: [hex], subjects: ['edge-proxy'] });
  const port = await listen(t, s);
  assert.equal(JSON.parse(await get(port, edge)).verified, true);
  const s2 = identityServer(proxyCertificateTlsOptions({ ca: caPem }));
  requireProxyCertificate(s2, { fingerprints: [hex], subjects: ['someone-else'] });
  const port2 = await listen(t, s2);
  assert.match(await get(port2, edge), /^closed/);
});

test('a shared port (refuse: false): direct clients are served but are not proxies', async (t) => {
  const s = identityServer(proxyCertificateTlsOptions({ ca: caPem, requireCertificate: false }));
  requireProxyCertificate(s, { fingerprints: [edge.fingerprint256], refuse: false });
  const port = await listen(t, s);
  assert.deepEqual(JSON.parse(await get(port)), { verified: false, cn: null, fp: null, o: null });
  assert.equal(JSON.parse(await get(port, stranger)).verified, false);
  assert.equal(
    JSON.parse(await get(port, foreign)).verified,
    false,
    'an unverified chain is never a proxy',
  );
  assert.equal(JSON.parse(await get(port, edge)).verified, true);
});

test('http2: the identity reads through the compatibility req.socket', async (t) => {
  const s = http2.createSecureServer(
    { key: server.key, cert: server.cert, ...proxyCertificateTlsOptions({ ca: caPem }) },
    (req, res) => {
      res.end(
        JSON.stringify({
          verified: isVerifiedProxyCertificate(req.socket),
          cn: verifiedProxyIdentity(req.socket)?.commonName,
        }),
      );
    },
  );
  requireProxyCertificate(s, { subjects: ['edge-proxy'] });
  const port = await listen(t, s);
  const session = http2.connect(`https://127.0.0.1:${port}`, {
    ca: caPem,
    servername: 'app.example.com',
    cert: edge.cert,
    key: edge.key,
  });
  const req = session.request({ ':path': '/' });
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => {
    body += c;
  });
  await once(req, 'end');
  session.close();
  assert.deepEqual(JSON.parse(body), { verified: true, cn: 'edge-proxy' });
});

test('with the PROXY protocol: the header first, then mTLS from the proxy', async (t) => {
  const s = https.createServer(
    { key: server.key, cert: server.cert, ...proxyCertificateTlsOptions({ ca: caPem }) },
    (req, res) => {
      res.end(
        JSON.stringify({
          ...connectionFacts(req.socket),
          verified: isVerifiedProxyCertificate(req.socket),
        }),
      );
    },
  );
  acceptProxyProtocol(s, { sources: ['loopback'] });
  requireProxyCertificate(s, { fingerprints: [edge.fingerprint256] });
  const port = await listen(t, s);
  const raw = net.connect(port, '127.0.0.1');
  await once(raw, 'connect');
  raw.write('PROXY TCP4 198.51.100.4 10.0.0.5 40000 443\r\n');
  assert.deepEqual(JSON.parse(await get(port, edge, raw)), {
    peer: '198.51.100.4',
    peerPort: 40000,
    encrypted: true,
    proxied: true,
    verified: true,
  });
});

test('options are checked eagerly', () => {
  assert.throws(() => compileProxyCertificateMatcher({}), /name the proxy certificates/);
  assert.throws(() => compileProxyCertificateMatcher({ fingerprints: ['AB:CD'] }), /SHA-256/);
  assert.throws(() => compileProxyCertificateMatcher({ subjects: [{}] }), /subject/);
  assert.throws(() => proxyCertificateTlsOptions({} as never), /CA/);
  assert.deepEqual(proxyCertificateTlsOptions({ ca: 'pem' }), {
    requestCert: true,
    rejectUnauthorized: true,
    ca: 'pem',
  });
  const s = https.createServer();
  requireProxyCertificate(s, { subjects: ['x'] });
  assert.throws(() => requireProxyCertificate(s, { subjects: ['x'] }), /already/);
  // an unverified or plain socket never matches
  const m = compileProxyCertificateMatcher({ subjects: ['x'] });
  assert.equal(m({ authorized: false } as tls.TLSSocket), undefined);
  assert.equal(isVerifiedProxyCertificate(new net.Socket()), false);
  assert.equal(isVerifiedProxyCertificate(null), false);
});
