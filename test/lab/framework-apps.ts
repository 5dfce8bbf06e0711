/**
 * The lab's small site on Express, Fastify and Koa, each with its own proxy setting (Express
 * `trust proxy`, Fastify `trustProxy`, Koa `app.proxy`) and proxytrust's standalone Node
 * probe (src/probe) first: what a careful app does with what its framework believes. The
 * site's rules are test/lab/probe-apps/labpolicy.py's, said once here for Node.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { expressProbe, fastifyProbe, koaProbe } from '../../src/probe/index.js';
import { APP_HOST } from './types.js';

/** A response, framework-neutral. */
interface Reply {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: string;
}

const SESSION_COOKIE = 'session=lab; Path=/; Secure; HttpOnly; SameSite=Lax';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The site's answer from the framework's belief (labpolicy.py's `decide`). */
export function decide(
  method: string,
  path: string,
  scheme: string,
  host: string | undefined,
  client: string | undefined,
  origin: string | undefined,
): Reply {
  const h = host ?? '';
  if (path === '/__app/') {
    return {
      status: 200,
      headers: [['Content-Type', 'application/json']],
      body: JSON.stringify({ scheme, host: h, ip: client ?? null }),
    };
  }
  const hostname = h.startsWith('[') ? `${h.split(']')[0]}]` : h.replace(/:\d+$/, '');
  if (hostname.toLowerCase() !== APP_HOST) {
    return { status: 400, headers: [['Content-Type', 'text/plain']], body: 'Bad Request' };
  }
  if (path === '/healthz')
    return { status: 200, headers: [['Content-Type', 'text/plain']], body: 'ok' };
  if (scheme !== 'https')
    return { status: 301, headers: [['Location', `https://${h}${path}`]], body: '' };
  const headers: [string, string][] = [['Strict-Transport-Security', 'max-age=31536000']];
  if (method === 'POST') {
    const ok = origin === `${scheme}://${h}`;
    return {
      status: ok ? 200 : 403,
      headers: [...headers, ['Content-Type', 'text/plain']],
      body: ok ? 'accepted' : 'Forbidden',
    };
  }
  if (path === '/') headers.push(['Set-Cookie', SESSION_COOKIE]);
  return {
    status: 200,
    headers: [...headers, ['Content-Type', 'text/html']],
    body: `<a href="${escapeHtml(`${scheme}://${h}/form`)}">form</a>`,
  };
}

/** Which framework, and its proxy setting as its users write it. */
export type FrameworkSetting =
  | { readonly framework: 'express'; readonly trustProxy: boolean | string }
  | { readonly framework: 'fastify'; readonly trustProxy: boolean | string }
  | { readonly framework: 'koa'; readonly proxy: boolean; readonly maxIpsCount?: number };

/** A running framework app. */
export interface RunningFrameworkApp {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/** A node:http server once it listens, with a close that drops kept-alive connections. */
async function running(server: Server, host: string): Promise<RunningFrameworkApp> {
  await new Promise((ok) => server.once('listening', ok));
  return {
    host,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

/** Start the site on `framework` with its own setting and the Node probe, on `host`. */
export async function startFrameworkApp(
  s: FrameworkSetting,
  secret: string,
  host = '127.0.0.1',
): Promise<RunningFrameworkApp> {
  switch (s.framework) {
    case 'express': {
      const app = express();
      app.set('trust proxy', s.trustProxy);
      app.use(expressProbe({ secret }));
      app.use((req, res) => {
        const r = decide(req.method, req.path, req.protocol, req.host, req.ip, req.get('origin'));
        for (const [k, v] of r.headers) res.append(k, v);
        res.status(r.status).send(r.body);
      });
      return running(app.listen(0, host), host);
    }
    case 'fastify': {
      const app = Fastify({ trustProxy: s.trustProxy });
      app.addHook('onRequest', fastifyProbe({ secret }));
      app.addContentTypeParser(
        'application/x-www-form-urlencoded',
        { parseAs: 'string' },
        (_req, body, done) => done(null, body),
      );
      app.route({
        method: ['GET', 'POST'],
        url: '/*',
        handler: async (request, reply) => {
          const path = request.url.split('?')[0] ?? '/';
          const r = decide(
            request.method,
            path,
            request.protocol,
            request.host,
            request.ip,
            request.headers.origin,
          );
          for (const [k, v] of r.headers) reply.header(k, v);
          return reply.code(r.status).send(r.body);
        },
      });
      await app.listen({ port: 0, host });
      return {
        host,
        port: (app.server.address() as AddressInfo).port,
        close: () => app.close(),
      };
    }
    case 'koa': {
      const app = new Koa();
      app.proxy = s.proxy;
      if (s.maxIpsCount !== undefined) app.maxIpsCount = s.maxIpsCount;
      app.use(koaProbe({ secret }));
      app.use(async (ctx) => {
        const r = decide(
          ctx.method,
          ctx.path,
          ctx.protocol,
          ctx.host,
          ctx.ip,
          ctx.get('origin') || undefined,
        );
        for (const [k, v] of r.headers) ctx.append(k, v);
        ctx.status = r.status;
        ctx.body = r.body;
      });
      return running(app.listen(0, host), host);
    }
  }
}
