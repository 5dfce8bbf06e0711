/**
 * An HTTP server behind a load balancer that speaks the PROXY protocol (HAProxy
 * `send-proxy`, nginx `stream` with `proxy_protocol on`, an AWS NLB with proxy protocol v2).
 *
 * - `acceptProxyProtocol` requires a PROXY header from the load balancers (`lbSources`)
 *   and refuses everyone else's connections.
 * - `connectionFacts(req.socket)` gives the core the PROXY source as the peer, and says
 *   whether the client used TLS (the SSL TLV, or `senderTerminatesTls`).
 * - The core trusts forwarded headers only when that PROXY source is one of your proxies
 *   (`trustedProxies`, for example a CDN in front of the load balancer).
 *
 * Run: node --import tsx examples/proxy-protocol/server.ts
 * Try: printf 'PROXY TCP4 198.51.100.7 10.0.0.5 40000 443\r\nGET / HTTP/1.1\r\nHost: app.example.com\r\nConnection: close\r\n\r\n' | nc 127.0.0.1 8080
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { compilePolicy, resolve } from '../../src/core/index.js';
import {
  acceptProxyProtocol,
  connectionFacts,
  type ProxyRefusal,
} from '../../src/proxy-protocol/index.js';

export interface ExampleOptions {
  /** The PROXY senders (your load balancers). Default: loopback. */
  readonly lbSources?: readonly string[];
  /** The proxies in front of them whose forwarded headers are believed. */
  readonly trustedProxies?: readonly string[];
  /** Told about every refused connection. */
  readonly onRefused?: (refusal: ProxyRefusal) => void;
}

/** The server, not listening yet. */
export function createExampleServer(options: ExampleOptions = {}): http.Server {
  const policy = compilePolicy({ trustedProxies: options.trustedProxies ?? ['198.51.100.0/24'] });
  const server = http.createServer((req, res) => {
    const facts = connectionFacts(req.socket);
    const view = resolve(policy, {
      peer: facts.peer,
      encrypted: facts.encrypted,
      headers: req.rawHeaders,
    });
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        clientIp: view.clientIp,
        scheme: view.scheme,
        host: view.host ?? null,
        peer: facts.peer,
        proxied: facts.proxied,
        peerTrusted: view.peerTrusted,
      }),
    );
  });
  acceptProxyProtocol(server, {
    sources: options.lbSources ?? ['loopback'],
    onRefused: options.onRefused ?? ((r) => console.warn(`refused ${r.code}: ${r.error.message}`)),
  });
  return server;
}

/** Start on `port` (0 = any free port) at 127.0.0.1; resolves with the port. */
export async function startExample(
  port = 0,
  options?: ExampleOptions,
): Promise<{ server: http.Server; port: number }> {
  const server = createExampleServer(options);
  server.listen(port, '127.0.0.1');
  await once(server, 'listening');
  return { server, port: (server.address() as AddressInfo).port };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { port } = await startExample(Number(process.env.PORT ?? 8080));
  console.log(`listening on 127.0.0.1:${port}; send a PROXY header first`);
}
