/**
 * An embedded proxy chain, in-process on loopback: a CDN-like edge that terminates TLS (with
 * a throwaway certificate generated in-process) and listens for plain http, a load balancer,
 * and the app. Two flavours:
 *
 * - `right`: the edge drops every client-sent forwarded header and sets its own
 *   (X-Forwarded-For = the client, X-Forwarded-Proto = the scheme, X-Forwarded-Host = the
 *   Host); the load balancer appends its peer to X-Forwarded-For; the app runs
 *   `proxytrust/node`'s middleware (trusted proxies: loopback; allowed host: localhost).
 * - `wrong`: the classic mistakes. The edge appends to X-Forwarded-For and X-Forwarded-Proto
 *   and passes client headers through (HAProxy `add-header`, nginx
 *   `$proxy_add_x_forwarded_for`); the load balancer sets X-Forwarded-Proto a second time
 *   (an ingress default plus a snippet); the app believes the leftmost values from anyone
 *   and checks no host.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TargetOptions } from '../audit/context.js';
import { createApp } from './app.js';
import type { ThrowawayCert } from './cert.js';

/** Which chain. */
export type ChainKind = 'right' | 'wrong';

/** A running chain. */
export interface RunningChain {
  readonly kind: ChainKind;
  /** What the chain does, for the demo's output. */
  readonly description: readonly string[];
  /** Audit options that reach it (URL, http entry, routing, CA, paths, probe secret). */
  readonly target: TargetOptions;
  stop(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
]);

/** Client-sent forwarded headers a right edge drops. */
const FORWARDED =
  /^(forwarded|x-forwarded-.*|x-real-ip|true-client-ip|cf-connecting-ip|cf-visitor|cloudfront-forwarded-proto|front-end-https|x-url-scheme|fastly-client-ip)$/;

type Lines = [string, string][];

function rawPairs(raw: readonly string[]): Lines {
  const out: Lines = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([raw[i]!, raw[i + 1]!]);
  return out;
}

/** Forward a request to `port` on loopback with `lines` as its header lines (duplicates kept). */
function forward(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  port: number,
  lines: Lines,
): void {
  const flat: string[] = [];
  for (const [k, v] of lines) if (!HOP_BY_HOP.has(k.toLowerCase())) flat.push(k, v);
  const up = http.request({
    host: '127.0.0.1',
    port,
    method: req.method,
    path: req.url,
    headers: flat as unknown as http.OutgoingHttpHeaders,
    agent: false,
  });
  up.on('response', (r) => {
    const back: string[] = [];
    for (const [k, v] of rawPairs(r.rawHeaders))
      if (!HOP_BY_HOP.has(k.toLowerCase())) back.push(k, v);
    res.writeHead(r.statusCode ?? 502, back as unknown as http.OutgoingHttpHeaders);
    r.pipe(res);
  });
  up.on('error', () => {
    if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' });
    res.end('Bad Gateway\n');
  });
  req.pipe(up);
}

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** Start one chain. `probeSecret` is what the app's probe accepts. */
export async function startChain(
  kind: ChainKind,
  cert: ThrowawayCert,
  probeSecret: string,
): Promise<RunningChain> {
  let edgePort = 0;
  let appHandler: http.RequestListener = () => {};
  const app = http.createServer((q, r) => appHandler(q, r));
  const appPort = await listen(app);

  // The load balancer: appends its peer to X-Forwarded-For; the wrong one also sets
  // X-Forwarded-Proto again, on a second line.
  const lb = http.createServer((req, res) => {
    const lines = rawPairs(req.rawHeaders);
    const peer = req.socket.remoteAddress ?? '';
    const i = lines.findIndex(([k]) => k.toLowerCase() === 'x-forwarded-for');
    if (i >= 0) lines[i] = [lines[i]![0], `${lines[i]![1]}, ${peer}`];
    else lines.push(['X-Forwarded-For', peer]);
    if (kind === 'wrong') lines.push(['X-Forwarded-Proto', 'https']);
    forward(req, res, lbPortTarget, lines);
  });
  const lbPortTarget = appPort;
  const lbPort = await listen(lb);

  // The edge.
  const edge =
    (scheme: 'https' | 'http'): http.RequestListener =>
    (req, res) => {
      const client = req.socket.remoteAddress ?? '';
      const host = req.headers.host ?? '';
      let lines = rawPairs(req.rawHeaders);
      if (kind === 'right') {
        lines = lines.filter(([k]) => !FORWARDED.test(k.toLowerCase()));
        lines.push(
          ['X-Forwarded-For', client],
          ['X-Forwarded-Proto', scheme],
          ['X-Forwarded-Host', host],
        );
      } else {
        const append = (name: string, value: string) => {
          const j = lines.findIndex(([k]) => k.toLowerCase() === name);
          if (j >= 0) lines[j] = [lines[j]![0], `${lines[j]![1]}, ${value}`];
          else lines.push([name, value]);
        };
        append('x-forwarded-for', client);
        append('x-forwarded-proto', scheme);
        if (!lines.some(([k]) => k.toLowerCase() === 'x-forwarded-host'))
          lines.push(['X-Forwarded-Host', host]);
      }
      forward(req, res, lbPort, lines);
    };
  const tlsEdge = https.createServer({ cert: cert.cert, key: cert.key }, edge('https'));
  const plainEdge = http.createServer(edge('http'));
  edgePort = await listen(tlsEdge);
  const plainPort = await listen(plainEdge);

  appHandler =
    kind === 'right'
      ? createApp({
          mode: 'proxytrust',
          policy: { trustedProxies: ['loopback'], allowedHosts: ['localhost'] },
          publicHttpsPort: edgePort,
          probeSecret,
        })
      : createApp({
          mode: 'naive',
          publicHttpsPort: edgePort,
          probeSecret,
        });

  const description =
    kind === 'right'
      ? [
          `edge   https://localhost:${edgePort} and http://localhost:${plainPort}: terminates TLS, drops client-sent forwarded headers, sets X-Forwarded-For/-Proto/-Host itself`,
          `lb     127.0.0.1:${lbPort}: appends its peer to X-Forwarded-For`,
          `app    127.0.0.1:${appPort}: proxytrust/node middleware (trustedProxies: loopback, allowedHosts: localhost): https redirect (/healthz exempt), HSTS, Secure cookies, CSRF origin check, probe`,
        ]
      : [
          `edge   https://localhost:${edgePort} and http://localhost:${plainPort}: terminates TLS but APPENDS to X-Forwarded-For/-Proto and passes client headers (X-Forwarded-Host, Forwarded, ...) through`,
          `lb     127.0.0.1:${lbPort}: appends to X-Forwarded-For and sets X-Forwarded-Proto a SECOND time`,
          `app    127.0.0.1:${appPort}: "trust proxy = true": believes the leftmost forwarded values from anyone, no host check`,
        ];

  return {
    kind,
    description,
    target: {
      url: `https://localhost:${edgePort}/`,
      httpUrl: `http://localhost:${plainPort}/`,
      rules: {
        resolve: [
          { host: 'localhost', port: edgePort, address: '127.0.0.1' },
          { host: 'localhost', port: plainPort, address: '127.0.0.1' },
        ],
        connectTo: [],
      },
      ca: cert.cert,
      health: ['/healthz'],
      csrfPath: '/form',
      probeSecret,
      timeoutMs: 5000,
    },
    stop: async () => {
      await Promise.all([close(tlsEdge), close(plainEdge), close(lb), close(app)]);
    },
  };
}
