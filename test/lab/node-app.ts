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
 * The proxytrust app is written over the core (`resolve` + `verifyProbe`) with the same
 * probe shape as `proxytrust/node`; it switches to that middleware once
 * src/node/index.ts exports it.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import express from 'express';
import {
  compilePolicy,
  FAMILY_HEADERS,
  type PolicyOptions,
  parseOrigin,
  resolve,
  sameOrigin,
  type View,
} from '../../src/core/index.js';
import { DEFAULT_PROBE_PATH, PROBE_HEADER, verifyProbe } from '../../src/node/probe-auth.js';
import { APP_HOST } from './types.js';

/** The path prefix served by the naive Express app. */
export const NAIVE_PREFIX = '/__naive';
/** The health-check path (exempt from the HTTPS redirect). */
export const HEALTH_PATH = '/healthz';
/** The cookie the app sets on `/` (Secure on secure responses). */
export const SESSION_COOKIE = 'sid';
/** The HSTS header the app sends on secure responses. */
export const HSTS_VALUE = 'max-age=31536000';

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

const FORWARDED_NAMES = new Set(Object.values(FAMILY_HEADERS).flat());

/** Raw lines of every forwarded-family header, by lower-case name, in arrival order. */
function forwardedLines(rawHeaders: readonly string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (!FORWARDED_NAMES.has(name)) continue;
    const lines = out[name] ?? [];
    lines.push(rawHeaders[i + 1]!);
    out[name] = lines;
  }
  return out;
}

/** The origin of an Origin or Referer value, or undefined. */
function originOf(value: string) {
  try {
    return parseOrigin(new URL(value).origin);
  } catch {
    return undefined;
  }
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
  const policy = compilePolicy({ allowedHosts: [APP_HOST], ...opts.policy });
  const naive = naiveApp();
  const secret = opts.probeSecret;

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const path = url.split('?')[0]!;
    if (path === NAIVE_PREFIX || path.startsWith(`${NAIVE_PREFIX}/`)) {
      naive(req, res);
      return;
    }
    const view = resolve(policy, {
      peer: req.socket.remoteAddress,
      headers: req.rawHeaders,
      encrypted: (req.socket as TLSSocket).encrypted === true,
    });
    const header = req.headers[PROBE_HEADER];
    if (
      path === DEFAULT_PROBE_PATH &&
      verifyProbe(secret, Array.isArray(header) ? header[0] : header, path)
    ) {
      const answer: ProbeAnswer = {
        version: 1,
        view,
        forwarded: forwardedLines(req.rawHeaders),
        warnings: view.warnings,
      };
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      res.end(JSON.stringify(answer));
      return;
    }
    // Enforcement, as the contract says (DESIGN.md, invariant 5).
    if (view.host === undefined || view.hostAllowed !== true) {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end('Bad Request: host not allowed\n');
      return;
    }
    if (!view.secure && path !== HEALTH_PATH) {
      const safe = req.method === 'GET' || req.method === 'HEAD';
      res.writeHead(safe ? 301 : 308, { location: `https://${view.hostname}${url}` });
      res.end();
      return;
    }
    if (view.secure) res.setHeader('strict-transport-security', HSTS_VALUE);
    const origin = `${view.scheme}://${view.host}`;
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS') {
      const sent = req.headers.origin ?? req.headers.referer;
      const got = typeof sent === 'string' ? originOf(sent) : undefined;
      const want = parseOrigin(origin);
      if (!got || !want || !sameOrigin(got, want)) {
        res.writeHead(403, { 'content-type': 'text/plain' });
        res.end('Forbidden: cross-origin request\n');
        return;
      }
    }
    if (path === HEALTH_PATH) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok\n');
      return;
    }
    res.setHeader(
      'set-cookie',
      `${SESSION_COOKIE}=${randomBytes(8).toString('hex')}; Path=/; HttpOnly; SameSite=Lax${view.secure ? '; Secure' : ''}`,
    );
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><a href="${origin}/next">next</a>\n`);
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
