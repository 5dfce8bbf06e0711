/**
 * In-process servers for the audit's tests: the demo app (right, or with one fault) served
 * straight over https and http on loopback, and hostile servers.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import type { AddressInfo } from 'node:net';
import type { TargetOptions } from '../../src/audit/context.js';
import { type AppOptions, createApp } from '../../src/demo/app.js';
import { generateThrowawayCert } from '../../src/demo/cert.js';

/** One throwaway certificate for every test in a process (generation costs a few ms). */
export const CERT = generateThrowawayCert(['app.test', 'localhost', '127.0.0.1']);
/** A probe secret for tests. */
export const SECRET = 'test-probe-secret-0123456789';

/** Listen on a free loopback port. */
export function listen(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Close a server and every connection it still holds. */
export function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => {
    (server as http.Server).closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** A running target: the audit options that reach it, and how to stop it. */
export interface Target {
  readonly options: TargetOptions;
  readonly httpsPort: number;
  readonly httpPort: number;
  stop(): Promise<void>;
}

/** Serve handlers over https and http on loopback, as https://app.test:<port>/ (routed with --resolve). */
export async function serve(
  httpsHandler: http.RequestListener,
  httpHandler: http.RequestListener = httpsHandler,
): Promise<Target> {
  const s = https.createServer({ cert: CERT.cert, key: CERT.key }, httpsHandler);
  const p = http.createServer(httpHandler);
  const httpsPort = await listen(s);
  const httpPort = await listen(p);
  return {
    httpsPort,
    httpPort,
    options: {
      url: `https://app.test:${httpsPort}/`,
      httpUrl: `http://app.test:${httpPort}/`,
      rules: {
        resolve: [
          { host: 'app.test', port: httpsPort, address: '127.0.0.1' },
          { host: 'app.test', port: httpPort, address: '127.0.0.1' },
        ],
        connectTo: [],
      },
      ca: CERT.cert,
      timeoutMs: 3000,
    },
    stop: async () => {
      await Promise.all([close(s), close(p)]);
    },
  };
}

/** The demo app with its defaults (right), served directly, plus audit options for it. */
export async function serveApp(overrides: Partial<AppOptions> = {}): Promise<Target> {
  let port = 0;
  const make = () =>
    createApp({
      mode: 'proxytrust',
      policy: { allowedHosts: ['app.test'] },
      probeSecret: SECRET,
      publicHttpsPort: port,
      ...overrides,
    });
  let handler: http.RequestListener = () => {};
  const t = await serve((q, r) => handler(q, r));
  port = t.httpsPort;
  handler = make();
  return {
    ...t,
    options: {
      ...t.options,
      health: ['/healthz'],
      csrfPath: '/form',
      probeSecret: SECRET,
    },
  };
}
