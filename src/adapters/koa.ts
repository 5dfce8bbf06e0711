/**
 * proxytrust for Koa 3: a middleware that resolves the view, enforces the contract, and
 * makes `ctx.protocol`, `ctx.secure`, `ctx.host`, `ctx.hostname`, `ctx.origin`, `ctx.href`,
 * `ctx.ip` and `ctx.ips` agree with it. Leave `app.proxy` false: Koa's own proxy support
 * reads the leftmost X-Forwarded-Proto and X-Forwarded-Host.
 *
 * ```ts
 * import Koa from 'koa';
 * import { proxytrust } from 'proxytrust/koa';
 * const app = new Koa();
 * app.use(proxytrust({ trustedProxies: ['10.0.0.0/8'], allowedHosts: ['app.example.com'] }));
 * app.use((ctx) => { ctx.body = `${ctx.origin} from ${ctx.ip}`; });
 * ```
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Context, Middleware, Next } from 'koa';
import type { Policy, View } from '../core/index.js';
import { nodeBinding, runNode } from '../node/middleware.js';
import type { ProxytrustOptions } from '../node/options.js';
import { farthestFirst, patchPrototypeOf } from './shared.js';

export {
  absoluteUrl,
  absoluteUrlOf,
  getView,
  type HttpWarning,
  HttpWarningCodes,
  type ProxytrustOptions,
} from '../node/index.js';

const IP_OVERRIDE: unique symbol = Symbol('proxytrust.koa.ip') as never;

const KOA_GETTERS: Readonly<Record<string, (v: View) => unknown>> = {
  protocol: (v) => v.scheme,
  secure: (v) => v.secure,
  host: (v) => v.host ?? '',
  hostname: (v) => v.hostname ?? '',
  ips: farthestFirst,
};

/** Koa's `request.ip` is settable: keep it so, over the view's client IP. */
const KOA_IP: PropertyDescriptorMap = {
  ip: {
    configurable: true,
    enumerable: true,
    get(this: { req: IncomingMessage; [IP_OVERRIDE]?: string }): string {
      const own = this[IP_OVERRIDE];
      if (own !== undefined) return own;
      const view = this.req.proxytrust;
      // A client that cannot be known is '' (Koa's ip is a string), never the proxy's address.
      if (view !== undefined) return view.clientIp ?? '';
      return this.req.socket?.remoteAddress ?? '';
    },
    set(this: { [IP_OVERRIDE]?: string }, value: string) {
      this[IP_OVERRIDE] = value;
    },
  },
};

/** Request prototypes (one per Koa app) already taught to read the view. */
const patched = new WeakSet<object>();

/** The Koa middleware, with the compiled policy. */
export interface KoaMiddleware extends Middleware {
  /** The compiled policy. */
  readonly policy: Policy;
}

/**
 * Create the Koa middleware. Use it first, so everything after it sees the view (also
 * `ctx.state.proxytrust` and `getView(ctx)`). Callbacks receive the Node request (`ctx.req`).
 */
export function proxytrust(options: ProxytrustOptions<IncomingMessage> = {}): KoaMiddleware {
  const binding = nodeBinding(options);
  const middleware = async (ctx: Context, next: Next): Promise<void> => {
    const target = ctx.req.url;
    const a = runNode(binding, ctx.req, ctx.res);
    if (ctx.req.url !== target) {
      // An absolute-form target was rewritten to origin-form: Koa copied it already.
      ctx.originalUrl = ctx.req.url ?? '/';
      ctx.request.originalUrl = ctx.originalUrl;
    }
    patchPrototypeOf(ctx.request, KOA_GETTERS, patched, KOA_IP);
    ctx.state.proxytrust = ctx.req.proxytrust;
    if (a !== undefined) {
      ctx.status = a.status;
      ctx.set(a.headers as Record<string, string>);
      ctx.body = a.body;
      return;
    }
    await next();
  };
  return Object.assign(middleware, { policy: binding.engine.policy });
}
