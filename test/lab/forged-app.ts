/**
 * The app the forged-request corpus talks to, behind each proxy entry: one node:http server
 * with two apps that see the same bytes from the same chain.
 *
 * - `/__view` (any path outside `/__naive`): proxytrust's node middleware with the entry's
 *   policy and `allowedHosts: [APP_HOST]`, answering the resolved fields as JSON. A host
 *   that is not allowed is refused by the middleware (400), which the corpus counts as a
 *   change of `hostAllowed`.
 * - `/__naive/...`: Express 5 with `trust proxy = true` (the leftmost X-Forwarded-Proto and
 *   -Host, the leftmost X-Forwarded-For entry), answering the same fields.
 *
 * Every answer of either app carries `x-lab-app`, so the corpus tells an app's answer from
 * a proxy's own refusal (a 400 or 431 the proxy sent itself).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { PolicyOptions } from '../../src/core/index.js';
import { getView, proxytrust } from '../../src/node/index.js';
import { APP_HOST } from './types.js';

/** The path the proxytrust app answers its view on. */
export const VIEW_PATH = '/__view';
/** The path the naive app answers its belief on. */
export const NAIVE_VIEW_PATH = '/__naive/view';
/** The response header that marks an answer from the app (not from a proxy). */
export const APP_MARK = 'x-lab-app';

/** The resolved fields the corpus compares: none may change under a forged request. */
export interface ResolvedFields {
  readonly scheme: string;
  readonly secure: boolean;
  readonly host: string | undefined;
  readonly port: number;
  /** undefined when the app cannot know the client. */
  readonly clientIp: string | undefined;
  readonly prefix: string | undefined;
  readonly hostAllowed: boolean | undefined;
}

/** The proxytrust app's answer: the fields, and the warning codes of this request. */
export interface ViewAnswer extends ResolvedFields {
  readonly warnings: readonly string[];
}

/** A running corpus app. */
export interface ForgedApp {
  readonly host: string;
  readonly port: number;
  /** Warning codes the middleware reported, with counts (warnings are expected, not a change). */
  readonly warnings: Map<string, number>;
  close(): Promise<void>;
}

function naiveApp(): express.Express {
  const app = express();
  app.set('trust proxy', true);
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((req, res) => {
    // Express 5's req.host keeps the port; the port is the one it names, else the default.
    const host = req.host;
    const m = host === undefined ? null : /:(\d+)$/.exec(host);
    const fields: ResolvedFields = {
      scheme: req.protocol,
      secure: req.secure,
      host,
      port: m ? Number(m[1]) : req.protocol === 'https' ? 443 : 80,
      clientIp: req.ip,
      prefix: undefined,
      hostAllowed: req.hostname === APP_HOST,
    };
    res.json(fields);
  });
  return app;
}

/** Start the two apps on `host` (127.0.0.1, or ::1 behind Caddy), a free port. */
export async function startForgedApp(opts: {
  readonly policy: PolicyOptions;
  readonly host?: string;
}): Promise<ForgedApp> {
  const warnings = new Map<string, number>();
  const perRequest = new WeakMap<object, string[]>();
  const guard = proxytrust({
    ...opts.policy,
    allowedHosts: [APP_HOST],
    onWarning: (w, req) => {
      warnings.set(w.code, (warnings.get(w.code) ?? 0) + 1);
      if (req) perRequest.set(req, [...(perRequest.get(req) ?? []), w.code]);
    },
  });
  const viewApp = guard.wrap((req, res) => {
    const v = getView(req);
    if (v === undefined) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('no view\n');
      return;
    }
    const codes = new Set([...v.warnings.map((w) => w.code), ...(perRequest.get(req) ?? [])]);
    const fields: ViewAnswer = {
      scheme: v.scheme,
      secure: v.secure,
      host: v.host,
      port: v.port,
      clientIp: v.clientIp,
      prefix: v.prefix,
      hostAllowed: v.hostAllowed,
      warnings: [...codes],
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(fields));
  });
  const naive = naiveApp();
  const server = http.createServer((req, res) => {
    res.setHeader(APP_MARK, '1');
    const path = (req.url ?? '/').split('?')[0]!;
    if (path.startsWith('/__naive')) naive(req, res);
    else viewApp(req, res);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, host, () => ok());
  });
  return {
    host,
    port: (server.address() as AddressInfo).port,
    warnings,
    close: () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}
