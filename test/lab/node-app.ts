/**
 * The two Node apps every Node scenario puts behind its proxies, in one server so that
 * both see exactly the same bytes from the same chain:
 *
 * - the app with proxytrust (every path except `/__naive/...`): resolves each request with
 *   the scenario's policy, enforces the contract (allowed hosts, HTTPS redirect with a
 *   health-check exemption, HSTS, Secure cookies, CSRF origin check) and answers the
 *   authenticated probe with `{ version: 1, view, forwarded: { name: [raw lines] }, warnings }`;
 * - the naive app (`/__naive/...`): Express 5 with `trust proxy = true`, answering what
 *   Express believes (`req.protocol`, `req.host`, `req.ip`).
 *
 * The proxytrust app is `proxytrust/node`'s middleware with the scenario's policy, the
 * HTTPS redirect (health check exempt), HSTS, Secure cookies, the CSRF origin check and the
 * probe, around a page that sets a session cookie and prints an absolute link.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { PolicyOptions, View } from '../../src/core/index.js';
import { absoluteUrl, proxytrust } from '../../src/node/index.js';
import { APP_HOST } from './types.js';

/** The path prefix served by the naive Express app. */
export const NAIVE_PREFIX = '/__naive';
/** The health-check path (exempt from the HTTPS redirect). */
export const HEALTH_PATH = '/healthz';
/** The cookie the app sets on `/` (Secure on secure responses). */
export const SESSION_COOKIE = 'sid';
/** The HSTS max-age the app sends on secure responses. */
export const HSTS_MAX_AGE = 31536000;

/** What the naive app believes about a request. */
export interface NaiveBelief {
  readonly protocol: string;
  readonly secure: boolean;
  /** Express 5 `req.host` (with port). */
  readonly host: string | undefined;
  readonly ip: string | undefined;
}

/** The probe's answer. */
export interface ProbeAnswer {
  readonly version: 1;
  readonly view: View;
  readonly forwarded: Record<string, string[]>;
  readonly warnings: View['warnings'];
}

/** A running Node app. */
export interface RunningNodeApp {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

function naiveApp(): express.Express {
  const app = express();
  app.set('trust proxy', true);
  app.disable('x-powered-by');
  app.use((req, res) => {
    const belief: NaiveBelief = {
      protocol: req.protocol,
      secure: req.secure,
      host: req.host,
      ip: req.ip,
    };
    res.json(belief);
  });
  return app;
}

/** Start the two apps on `host` (127.0.0.1 or ::1), a free port. */
export async function startNodeApp(opts: {
  policy: PolicyOptions;
  probeSecret: string;
  host?: string;
}): Promise<RunningNodeApp> {
  const naive = naiveApp();
  const guard = proxytrust({
    ...opts.policy,
    allowedHosts: opts.policy.allowedHosts ?? [APP_HOST],
    httpsRedirect: { exempt: [HEALTH_PATH] },
    hsts: { maxAge: HSTS_MAX_AGE },
    csrf: true,
    probe: { secret: opts.probeSecret },
    // Spoof attempts are the lab's daily bread: keep them out of the test output.
    onWarning: () => {},
  });
  const app = guard.wrap((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === HEALTH_PATH) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    // Set without Secure: the middleware adds it on secure responses.
    res.setHeader(
      'set-cookie',
      `${SESSION_COOKIE}=${randomBytes(8).toString('hex')}; Path=/; HttpOnly; SameSite=Lax`,
    );
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><a href="${absoluteUrl(req, '/next')}">next</a>\n`);
  });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === NAIVE_PREFIX || path.startsWith(`${NAIVE_PREFIX}/`)) naive(req, res);
    else app(req, res);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    host,
    port,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
