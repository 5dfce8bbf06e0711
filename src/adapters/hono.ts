/**
 * proxytrust for Hono 4, over WHATWG Request and Response. The view is `c.get('proxytrust')`
 * (also `getView(c)`); `absoluteUrl(c, path)` builds URLs from it.
 *
 * Where the peer address comes from, by runtime (the default `connection` tries each):
 * - Node (`@hono/node-server`): the socket of `c.env.incoming`, the same facts as
 *   `getConnInfo` from `@hono/node-server/conninfo`, including the PROXY protocol facts when
 *   the server runs behind proxytrust's PROXY protocol listener. The raw header lines
 *   (`rawHeaders`) are read, so duplicate lines stay visible.
 * - Bun: `server.requestIP(request)`, where the server is `c.env` (`export default { fetch:
 *   app.fetch }` passes it as the 2nd argument).
 * - Deno: `info.remoteAddr` (`Deno.serve((req, info) => app.fetch(req, info))`).
 * - Cloudflare Workers and other runtimes without a peer address: there is none, so no
 *   forwarded header is believed unless you pass `connection` yourself; see
 *   docs/frameworks.md (trust only a shared secret set by the edge).
 *
 * ```ts
 * import { Hono } from 'hono';
 * import { proxytrust, getView } from 'proxytrust/hono';
 * const app = new Hono();
 * app.use(proxytrust({ trustedProxies: ['10.0.0.0/8'], allowedHosts: ['app.example.com'] }));
 * app.get('/', (c) => c.json(getView(c)));
 * ```
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { HeaderInput, Policy, View } from '../core/index.js';
import { nodeConnection } from '../node/connection.js';
import { type Access, type Answer, Engine } from '../node/engine.js';
import { nodeHeadersTruncated } from '../node/header-cap.js';
import { absoluteUrlOf } from '../node/middleware.js';
import type { ConnectionInfo, ProxytrustOptions } from '../node/options.js';

export { type HttpWarning, HttpWarningCodes } from '../node/index.js';

/** The Hono environment the middleware declares: `c.get('proxytrust')` is the view. */
export type ProxytrustEnv = { Variables: { proxytrust: View } };

/** The options: {@link ProxytrustOptions}, callbacks receive the Hono `Context`. */
export type ProxytrustHonoOptions = ProxytrustOptions<Context>;

type NodeEnv = { incoming?: IncomingMessage };
type BunEnv = { requestIP?: (req: Request) => { address?: string } | null };
type DenoEnv = { remoteAddr?: { hostname?: string } };

function incoming(c: Context): IncomingMessage | undefined {
  const env = c.env as NodeEnv | undefined;
  const inc = env?.incoming;
  return inc !== undefined && inc !== null && typeof inc === 'object' && 'rawHeaders' in inc
    ? inc
    : undefined;
}

function urlTarget(url: string): string {
  const i = url.indexOf('/', url.indexOf('//') + 2);
  return i < 0 ? '/' : url.slice(i);
}

/**
 * The default connection facts for Hono: Node's socket (and PROXY protocol facts), Bun's
 * `requestIP`, Deno's `remoteAddr`; otherwise no peer. Exported for custom `connection`
 * functions that want to extend it.
 */
export function honoConnection(c: Context): ConnectionInfo {
  const inc = incoming(c);
  if (inc !== undefined) return nodeConnection(inc);
  const encrypted = c.req.url.startsWith('https:');
  const env = c.env as (BunEnv & DenoEnv) | undefined;
  if (env !== undefined && env !== null && typeof env === 'object') {
    if (typeof env.requestIP === 'function') {
      try {
        return { peer: env.requestIP(c.req.raw)?.address, encrypted };
      } catch {
        // not Bun's server after all
      }
    }
    const deno = env.remoteAddr?.hostname;
    if (typeof deno === 'string') return { peer: deno, encrypted };
  }
  return { peer: undefined, encrypted };
}

const honoAccess: Access<Context> = {
  method: (c) => c.req.method,
  target: (c) => incoming(c)?.url ?? urlTarget(c.req.url),
  setTarget: (c, target) => {
    const inc = incoming(c);
    if (inc !== undefined) inc.url = target;
  },
  header: (c, name) => c.req.header(name),
  headers: (c): HeaderInput => incoming(c)?.rawHeaders ?? c.req.raw.headers,
  connection: honoConnection,
  // Node's header cap, on @hono/node-server; other runtimes give no raw header lines to count.
  truncated: (c) => {
    const inc = incoming(c);
    return inc !== undefined && nodeHeadersTruncated(inc);
  },
};

function toResponse(a: Answer): Response {
  return new Response(a.body === '' ? null : a.body, {
    status: a.status,
    headers: a.headers as Record<string, string>,
  });
}

/** Apply HSTS and the cookie rules to the response headers (in place when they are mutable). */
function finish(engine: Engine<Context>, c: Context, res: Response, secure: boolean): Response {
  const h = res.headers;
  const addHsts = secure && engine.hsts !== undefined && !h.has('strict-transport-security');
  const cookies = typeof h.getSetCookie === 'function' ? h.getSetCookie() : [];
  const fixed = cookies.length > 0 ? engine.cookies(cookies, secure, c) : undefined;
  if (!addHsts && fixed === undefined) return res;
  const apply = (headers: Headers): void => {
    if (addHsts) headers.set('strict-transport-security', engine.hsts!);
    if (fixed !== undefined) {
      headers.delete('set-cookie');
      for (const line of fixed) headers.append('set-cookie', line);
    }
  };
  try {
    apply(h);
    return res;
  } catch {
    // Immutable headers (a fetch() response passed through): copy.
    const copy = new Response(res.body, res);
    apply(copy.headers);
    return copy;
  }
}

/** The view that proxytrust resolved for this request, or undefined. */
export function getView(c: Context): View | undefined {
  return (c.get as (key: string) => unknown)('proxytrust') as View | undefined;
}

/** An absolute URL for `path` on the resolved scheme, host and prefix (see proxytrust/node). */
export function absoluteUrl(c: Context, path: string): string {
  const view = getView(c);
  if (view === undefined) {
    throw new Error(
      'proxytrust: no resolved view on this request; use the proxytrust middleware before this handler',
    );
  }
  return absoluteUrlOf(view, path);
}

/** The Hono middleware, with the compiled policy. */
export type HonoMiddleware = MiddlewareHandler<ProxytrustEnv> & { readonly policy: Policy };

/** Create the Hono middleware. Use it first: `app.use(proxytrust(options))`. */
export function proxytrust(options: ProxytrustHonoOptions = {}): HonoMiddleware {
  const engine = new Engine(options, honoAccess);
  const hookSecure = engine.wantsHeaderHook(true);
  const hookInsecure = engine.wantsHeaderHook(false);
  const middleware: MiddlewareHandler<ProxytrustEnv> = async (c, next) => {
    const view = engine.resolve(c as Context);
    c.set('proxytrust', view);
    const early = engine.before(c as Context, view);
    if (early !== undefined) return toResponse(early);
    const hook = view.secure ? hookSecure : hookInsecure;
    const refused = engine.csrf(c as Context, view);
    if (refused !== undefined) {
      const r = toResponse(refused);
      return hook ? finish(engine, c as Context, r, view.secure) : r;
    }
    await next();
    if (hook) {
      const before = c.res;
      const after = finish(engine, c as Context, before, view.secure);
      if (after !== before) {
        c.res = undefined;
        c.res = after;
      }
    }
  };
  return Object.assign(middleware, { policy: engine.policy });
}
