/**
 * The servers that bench/http.ts measures. By default both servers of a pair run in ONE
 * child process (so they share a core placement and a JIT, and differ only in the code
 * under test), apart from the load generator; bench/lib/pairs.ts can also start one kind
 * per process. Usage:
 *   node --import tsx bench/lib/http-server.ts <kind> [<kind> ...]
 * Prints "ready <port> <port> ..." when listening. Over IPC it answers "mark" and "report"
 * with the process CPU time and the number of requests since the last mark; only one
 * server is loaded at a time, so that is the CPU cost per request of that server.
 *
 * Kinds (every node:http handler sets a Content-Type, as real responses do):
 * - node-bare: node:http hello world;
 * - node-bare-hsts: the same, setting the same Strict-Transport-Security by hand (to
 *   separate the cost of the header on the wire from the middleware's own work);
 * - node-bare-hsts-lc: the same header as the middleware sends it: lower-case name, after
 *   Content-Type (the header code's speed on Node 20 moves with such details);
 * - node-core-resolve: node-bare-hsts-lc that also calls the core's resolve (the same
 *   policy) and keeps the view on the request: the core's share of the middleware;
 * - node-floor: node-bare-hsts-lc with bench/lib/floor.ts instead: the least any resolver
 *   can do for this request;
 * - node-proxytrust: node-bare behind the full middleware (policy, host check, https
 *   redirect with an exemption, HSTS, the cookie hook, the CSRF check);
 * - express-helmet: Express 5 with helmet() and `trust proxy` (loopback), reading req.ip
 *   and req.protocol;
 * - express-proxytrust: Express 5 with proxytrust's adapter (same policy as above), reading
 *   req.ip and req.protocol;
 * - pp-plain: node:http hello world, answering with the client address it sees;
 * - pp-listener: the same behind acceptProxyProtocol (loopback senders required), the
 *   client address read from the PROXY header through connectionFacts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import helmet from 'helmet';
import type { ProxytrustOptions } from '../../src/node/index.js';
import { floorResolve } from './floor.js';

// The built package (npm run bench builds first): what users run, without the transpiler's
// helpers (tsx wraps every function it creates to keep names, which costs per request).
const { proxytrust }: typeof import('../../src/node/index.js') = await import(
  new URL('../../dist/node/index.js', import.meta.url).href
);
const { acceptProxyProtocol, connectionFacts }: typeof import('../../src/proxy-protocol/index.js') =
  await import(new URL('../../dist/proxy-protocol/index.js', import.meta.url).href);
const { compilePolicy, resolve }: typeof import('../../src/core/index.js') = await import(
  new URL('../../dist/core/index.js', import.meta.url).href
);
const { proxytrust: expressProxytrust }: typeof import('../../src/adapters/express.js') =
  await import(new URL('../../dist/adapters/express.js', import.meta.url).href);

const OPTIONS: ProxytrustOptions<IncomingMessage> = {
  trustedProxies: ['loopback'],
  allowedHosts: ['app.example.com'],
  httpsRedirect: { exempt: ['/healthz'] },
  hsts: { maxAge: 31_536_000, includeSubDomains: true },
  secureCookies: true,
  cookieWarnings: true,
  csrf: { trustedOrigins: ['https://admin.example.com'] },
};

const HSTS = 'max-age=31536000; includeSubDomains';
/** The client address in every bench request's X-Forwarded-For. */
const CLIENT = '203.0.113.7';
const KEPT: unique symbol = Symbol('bench.view') as never;

/** node-bare-hsts-lc's response. */
function helloHsts(res: ServerResponse): void {
  res.setHeader('Content-Type', 'text/plain');
  res.setHeader('strict-transport-security', HSTS);
  res.end('hello');
}

/**
 * node-bare-hsts-lc that first runs `find` and keeps its answer on the request. It answers
 * 500, which fails the bench, unless `find` found the client address and an allowed host:
 * a splitting server must do the whole walk it stands for.
 */
function splitting(
  find: (
    req: IncomingMessage,
  ) => { clientIp: string | undefined; hostAllowed?: boolean } | undefined,
): Server {
  return createServer((req, res) => {
    const answer = find(req);
    (req as unknown as Record<symbol, unknown>)[KEPT] = answer;
    if (answer?.clientIp !== CLIENT || answer.hostAllowed === false) res.statusCode = 500;
    helloHsts(res);
  });
}

function hello(_req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('Content-Type', 'text/plain');
  res.end('hello');
}

function build(kind: string): Server {
  switch (kind) {
    case 'node-bare':
      return createServer(hello);
    case 'node-bare-hsts':
      return createServer((req, res) => {
        res.setHeader('Strict-Transport-Security', HSTS);
        hello(req, res);
      });
    case 'node-bare-hsts-lc':
      return createServer((_req, res) => helloHsts(res));
    case 'node-core-resolve': {
      const policy = compilePolicy({
        trustedProxies: OPTIONS.trustedProxies!,
        allowedHosts: OPTIONS.allowedHosts!,
      });
      return splitting((req) =>
        resolve(policy, {
          peer: req.socket.remoteAddress,
          headers: req.rawHeaders,
          encrypted: false,
        }),
      );
    }
    case 'node-floor':
      return splitting((req) => floorResolve(req.socket.remoteAddress, req.rawHeaders));
    case 'node-proxytrust':
      return createServer(proxytrust(OPTIONS).wrap(hello));
    case 'express-helmet': {
      const app = express();
      app.set('trust proxy', 'loopback');
      app.use(helmet());
      app.get('/', (req, res) => {
        res.send(`hello ${req.ip} ${req.protocol}`);
      });
      return createServer(app);
    }
    case 'express-proxytrust': {
      const app = express();
      app.use(expressProxytrust(OPTIONS));
      app.get('/', (req, res) => {
        res.send(`hello ${req.ip} ${req.protocol}`);
      });
      return createServer(app);
    }
    case 'pp-plain':
      return createServer((req, res) => {
        res.setHeader('Content-Type', 'text/plain');
        res.end(req.socket.remoteAddress);
      });
    case 'pp-listener':
      return acceptProxyProtocol(
        createServer((req, res) => {
          res.setHeader('Content-Type', 'text/plain');
          res.end(connectionFacts(req.socket).peer);
        }),
        { sources: ['loopback'] },
      );
    default:
      throw new Error(`unknown kind ${kind}`);
  }
}

const servers = process.argv.slice(2).map(build);
let requests = 0;
let cpu = process.cpuUsage();
for (const server of servers) {
  server.on('request', () => {
    requests++;
  });
}
process.on('message', (m) => {
  if (m === 'mark') {
    requests = 0;
    cpu = process.cpuUsage();
    process.send?.('marked');
  } else if (m === 'report') {
    const d = process.cpuUsage(cpu);
    process.send?.({ cpuMicros: d.user + d.system, requests });
  }
});
Promise.all(
  servers.map((server) => new Promise<void>((r) => server.listen(0, '127.0.0.1', r))),
).then(() => {
  console.log(`ready ${servers.map((s) => (s.address() as AddressInfo).port).join(' ')}`);
});
process.on('SIGTERM', () => process.exit(0));
