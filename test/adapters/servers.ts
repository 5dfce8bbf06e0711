/**
 * One small application per framework, with the same routes, each behind proxytrust's
 * adapter for that framework. The shared behavioural suite runs against all of them.
 *
 * Routes:
 * - GET /view, /internal/view, /healthz, /status: JSON { view, url, path, native }
 * - GET /cookies, /internal/cookies: three Set-Cookie lines
 * - GET /own-hsts, /internal/own-hsts: the app sets its own Strict-Transport-Security
 * - POST /submit, /internal/submit, /webhook, /nocsrf: "ok"
 * - anything else: the framework's own 404
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { proxytrust as expressProxytrust } from '../../src/adapters/express.js';
import { proxytrust as fastifyProxytrust } from '../../src/adapters/fastify.js';
import {
  absoluteUrl as honoAbsoluteUrl,
  getView as honoGetView,
  proxytrust as honoProxytrust,
} from '../../src/adapters/hono.js';
import { proxytrust as koaProxytrust } from '../../src/adapters/koa.js';
import type { View } from '../../src/core/index.js';
import { absoluteUrl, getView, type ProxytrustOptions, proxytrust } from '../../src/node/index.js';

/** A running server. */
export interface Running {
  readonly port: number;
  close(): Promise<void>;
}

/** Start an app behind proxytrust with these options. */
// biome-ignore lint/suspicious/noExplicitAny: the suite's options carry no framework-specific callbacks
export type ServerFactory = (options: ProxytrustOptions<any>) => Promise<Running>;

const VIEW_ROUTES = ['/view', '/internal/view', '/healthz', '/status'];
const COOKIE_ROUTES = ['/cookies', '/internal/cookies'];
const HSTS_ROUTES = ['/own-hsts', '/internal/own-hsts'];
const POST_ROUTES = ['/submit', '/internal/submit', '/webhook', '/nocsrf'];
const COOKIES = ['sessionid=abc; Path=/; HttpOnly', 'theme=dark; Secure', 'pref=1'];
const OWN_HSTS = 'max-age=5';

/** absoluteUrl, or null when the request has no usable host (HTTP/1.0 without Host). */
function tryUrl(build: () => string): string | null {
  try {
    return build();
  } catch {
    return null;
  }
}

function brief(view: View | undefined): Record<string, unknown> | undefined {
  if (view === undefined) return undefined;
  return {
    scheme: view.scheme,
    secure: view.secure,
    host: view.host,
    hostname: view.hostname,
    port: view.port,
    clientIp: view.clientIp,
    prefix: view.prefix,
    peerTrusted: view.peerTrusted,
  };
}

function listening(server: Server): Promise<Running> {
  return new Promise((resolvePromise) => {
    const done = (): void => {
      const port = (server.address() as AddressInfo).port;
      resolvePromise({
        port,
        close: () =>
          new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections?.();
          }),
      });
    };
    if (server.listening) done();
    else server.on('listening', done);
  });
}

/** Plain node:http. */
export const nodeServer: ServerFactory = async (options) => {
  const mw = proxytrust(options);
  const app = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (req.method === 'GET' && VIEW_ROUTES.includes(path)) {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          view: brief(getView(req)),
          url: tryUrl(() => absoluteUrl(req, '/next?x=1')),
          path: req.url,
          native: {},
        }),
      );
    } else if (req.method === 'GET' && COOKIE_ROUTES.includes(path)) {
      res.setHeader('Set-Cookie', COOKIES);
      res.end('ok');
    } else if (req.method === 'GET' && HSTS_ROUTES.includes(path)) {
      // writeHead with a headers object: the hook must see these too.
      res.writeHead(200, { 'Strict-Transport-Security': OWN_HSTS, 'content-type': 'text/plain' });
      res.end('ok');
    } else if (req.method === 'POST' && POST_ROUTES.includes(path)) {
      res.end('ok');
    } else {
      res.statusCode = 404;
      res.end('Not Found');
    }
  };
  const server = createServer((req, res) => mw(req, res, () => app(req, res)));
  server.listen(0, '127.0.0.1');
  return listening(server);
};

/** Express 5. */
export const expressServer: ServerFactory = async (options) => {
  const app = express();
  app.use(expressProxytrust(options));
  app.get(VIEW_ROUTES, (req, res) => {
    res.json({
      view: brief(getView(req)),
      url: tryUrl(() => absoluteUrl(req, '/next?x=1')),
      path: req.path,
      native: {
        protocol: req.protocol,
        secure: req.secure,
        host: req.host,
        hostname: req.hostname,
        ip: req.ip,
      },
    });
  });
  app.get(COOKIE_ROUTES, (_req, res) => {
    res.cookie('sessionid', 'abc', { path: '/', httpOnly: true });
    res.append('Set-Cookie', COOKIES.slice(1));
    res.send('ok');
  });
  app.get(HSTS_ROUTES, (_req, res) => {
    res.set('Strict-Transport-Security', OWN_HSTS).send('ok');
  });
  app.post(POST_ROUTES, (_req, res) => {
    res.send('ok');
  });
  const server = app.listen(0, '127.0.0.1');
  return listening(server);
};

/** Fastify 5. */
export const fastifyServer: ServerFactory = async (options) => {
  const app = Fastify();
  await app.register(fastifyProxytrust, options);
  for (const url of VIEW_ROUTES) {
    app.get(url, async (request) => ({
      view: brief(request.proxytrust ?? undefined),
      url: tryUrl(() => absoluteUrl(request, '/next?x=1')),
      path: request.url,
      native: {
        protocol: request.protocol,
        host: request.host,
        hostname: request.hostname,
        port: request.port,
        ip: request.ip,
      },
    }));
  }
  for (const url of COOKIE_ROUTES) {
    app.get(url, async (_request, reply) => {
      reply.header('set-cookie', COOKIES);
      return 'ok';
    });
  }
  for (const url of HSTS_ROUTES) {
    app.get(url, async (_request, reply) => {
      reply.header('strict-transport-security', OWN_HSTS);
      return 'ok';
    });
  }
  for (const url of POST_ROUTES) {
    app.post(url, { config: { proxytrust: { csrf: url !== '/nocsrf' } } }, async () => 'ok');
  }
  await app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: (app.server.address() as AddressInfo).port,
    close: () => app.close(),
  };
};

/** Koa 3. */
export const koaServer: ServerFactory = async (options) => {
  const app = new Koa();
  app.use(koaProxytrust(options));
  app.use(async (ctx, next) => {
    const path = ctx.path;
    if (ctx.method === 'GET' && VIEW_ROUTES.includes(path)) {
      ctx.body = {
        view: brief(getView(ctx)),
        url: tryUrl(() => absoluteUrl(ctx, '/next?x=1')),
        path: ctx.url,
        native: {
          protocol: ctx.protocol,
          secure: ctx.secure,
          host: ctx.host,
          hostname: ctx.hostname,
          ip: ctx.ip,
          href: ctx.href,
        },
      };
    } else if (ctx.method === 'GET' && COOKIE_ROUTES.includes(path)) {
      ctx.set('Set-Cookie', COOKIES);
      ctx.body = 'ok';
    } else if (ctx.method === 'GET' && HSTS_ROUTES.includes(path)) {
      ctx.set('Strict-Transport-Security', OWN_HSTS);
      ctx.body = 'ok';
    } else if (ctx.method === 'POST' && POST_ROUTES.includes(path)) {
      ctx.body = 'ok';
    } else {
      await next();
    }
  });
  const server = app.listen(0, '127.0.0.1');
  return listening(server);
};

/** Hono 4 on @hono/node-server. */
export const honoServer: ServerFactory = async (options) => {
  const app = new Hono();
  app.use(honoProxytrust(options));
  for (const url of VIEW_ROUTES) {
    app.get(url, (c) =>
      c.json({
        view: brief(honoGetView(c)),
        url: tryUrl(() => honoAbsoluteUrl(c, '/next?x=1')),
        path: c.req.path,
        native: {},
      }),
    );
  }
  for (const url of COOKIE_ROUTES) {
    app.get(url, (c) => {
      for (const line of COOKIES) c.header('Set-Cookie', line, { append: true });
      return c.text('ok');
    });
  }
  for (const url of HSTS_ROUTES) {
    app.get(url, (c) => {
      c.header('Strict-Transport-Security', OWN_HSTS);
      return c.text('ok');
    });
  }
  for (const url of POST_ROUTES) app.post(url, (c) => c.text('ok'));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  return listening(server);
};

export { COOKIES, OWN_HSTS };
