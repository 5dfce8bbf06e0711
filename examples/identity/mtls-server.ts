/**
 * An HTTPS origin that trusts its proxy by certificate, not by address: the proxy
 * (HAProxy `ssl crt ...`, nginx `proxy_ssl_certificate`) presents a client certificate
 * signed by your private CA, and only the listed subject counts as the proxy.
 *
 * - `proxyCertificateTlsOptions({ ca })` asks every client for a certificate signed by
 *   the CA (the handshake fails without one, unless `requireCertificate: false`).
 * - `requireProxyCertificate` accepts only the listed proxy certificates.
 * - The core trusts the socket peer because it presented that certificate:
 *   `compilePolicy({ trustVerifiedPeers: true })` and
 *   `resolve(policy, { ..., peerVerified: isVerifiedProxyCertificate(req.socket) })`.
 *
 * Run (PEM files of the server's key and certificate, and of the proxies' CA):
 *   TLS_KEY=server.key TLS_CERT=server.crt PROXY_CA=proxy-ca.crt \
 *     node --import tsx examples/identity/mtls-server.ts
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { compilePolicy, resolve } from '../../src/core/index.js';
import {
  type CertificateRefusal,
  isVerifiedProxyCertificate,
  proxyCertificateTlsOptions,
  requireProxyCertificate,
  verifiedProxyIdentity,
} from '../../src/identity/index.js';

export interface MtlsExampleOptions {
  /** The server's own key and certificate (PEM). */
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** The private CA that signs proxy certificates (PEM). */
  readonly proxyCa: string | Buffer;
  /** The proxy certificates' subjects (Common Names). Default: `edge-proxy`. */
  readonly subjects?: readonly string[];
  /** Ask for a certificate but let clients without one in, as non-proxies. */
  readonly directClients?: boolean;
  readonly onRefused?: (refusal: CertificateRefusal) => void;
}

/** The server, not listening yet. */
export function createMtlsServer(options: MtlsExampleOptions): https.Server {
  const policy = compilePolicy({ trustVerifiedPeers: true });
  const server = https.createServer(
    {
      key: options.key,
      cert: options.cert,
      ...proxyCertificateTlsOptions({
        ca: options.proxyCa,
        requireCertificate: options.directClients !== true,
      }),
    },
    (req, res) => {
      const view = resolve(policy, {
        peer: req.socket.remoteAddress,
        headers: req.rawHeaders,
        encrypted: true,
        peerVerified: isVerifiedProxyCertificate(req.socket),
      });
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          clientIp: view.clientIp,
          scheme: view.scheme,
          host: view.host ?? null,
          peerTrusted: view.peerTrusted,
          proxy: verifiedProxyIdentity(req.socket)?.commonName ?? null,
        }),
      );
    },
  );
  requireProxyCertificate(server, {
    subjects: options.subjects ?? ['edge-proxy'],
    refuse: options.directClients !== true,
    onRefused:
      options.onRefused ?? ((r) => console.warn(`refused ${r.address ?? '?'}: ${r.reason}`)),
  });
  return server;
}

/** Start on `port` (0 = any free port) at 127.0.0.1; resolves with the port. */
export async function startMtlsExample(
  options: MtlsExampleOptions,
  port = 0,
): Promise<{ server: https.Server; port: number }> {
  const server = createMtlsServer(options);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const need = (name: string) => {
    const v = process.env[name];
    if (!v) throw new Error(`set ${name} to a PEM file`);
    return readFileSync(v);
  };
  const { port } = await startMtlsExample(
    { key: need('TLS_KEY'), cert: need('TLS_CERT'), proxyCa: need('PROXY_CA') },
    Number(process.env.PORT ?? 8443),
  );
  console.log(`listening on https://127.0.0.1:${port}; proxies must present CN=edge-proxy`);
}
