/**
 * proxytrust for Express 5: the node middleware, plus
 * `req.protocol`, `req.secure`, `req.host`, `req.hostname`, `req.ip` and `req.ips`
 * answered from the resolved view.
 *
 * Why the adapter answers them rather than exporting a `trust proxy` function: Express
 * reads the LEFTMOST X-Forwarded-Proto and X-Forwarded-Host and checks only the socket
 * peer, so no trust function can make it agree with a right-to-left walk (or with RFC 7239
 * Forwarded, or with vendor headers). Leave Express's `trust proxy` at its default
 * (false). On the first request the adapter wraps those six getters on Express's request
 * prototype, once: with a view they answer from it, without one exactly as before.
 *
 * ```ts
 * import express from 'express';
 * import { proxytrust } from 'proxytrust/express';
 * const app = express();
 * app.use(proxytrust({ trustedProxies: ['10.0.0.0/8'], allowedHosts: ['app.example.com'] }));
 * app.get('/', (req, res) => res.send(`${req.protocol}://${req.host} from ${req.ip}`));
 * ```
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Policy, View } from '../core/index.js';
import { proxytrust as nodeProxytrust } from '../node/middleware.js';
import type { ProxytrustOptions } from '../node/options.js';
import { farthestFirst, viewOn } from './shared.js';

export {
  absoluteUrl,
  absoluteUrlOf,
  getView,
  type HttpWarning,
  HttpWarningCodes,
  type ProxytrustOptions,
} from '../node/index.js';

const PICKS: readonly (readonly [string, (v: View) => unknown])[] = [
  ['protocol', (v) => v.scheme],
  ['secure', (v) => v.secure],
  ['host', (v) => v.host],
  ['hostname', (v) => v.hostname],
  ['ip', (v) => v.clientIp],
  ['ips', farthestFirst],
];

const patched = new WeakSet<object>();

/**
 * Teach Express's request prototype (the object that defines `protocol`, `ip`, ... on
 * `req`'s prototype chain: `express.request`, shared by every app and sub-app) to answer
 * from the view. Done once: a getter that finds no view answers exactly as Express did, so
 * apps without proxytrust are unaffected. Per-request `Object.defineProperties` would
 * push every request object into V8's slow dictionary mode. @internal
 */
function patchExpressRequest(req: object): void {
  let owner = Object.getPrototypeOf(req) as object | null;
  while (owner !== null && !Object.hasOwn(owner, 'protocol')) owner = Object.getPrototypeOf(owner);
  if (owner === null || patched.has(owner)) return;
  patched.add(owner);
  for (const [name, pick] of PICKS) {
    const original = Object.getOwnPropertyDescriptor(owner, name);
    const get = original?.get;
    if (get === undefined) continue;
    Object.defineProperty(owner, name, {
      configurable: true,
      enumerable: original!.enumerable,
      get(this: object): unknown {
        const view = viewOn(this);
        return view !== undefined ? pick(view) : get.call(this);
      },
    });
  }
}

/** The Express middleware, with the compiled policy. */
export interface ExpressMiddleware {
  (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /** The compiled policy. */
  readonly policy: Policy;
}

/**
 * Create the Express middleware. Mount it first (`app.use(proxytrust(...))`), so every
 * route, logger and error handler after it sees the resolved view. Options: see
 * {@link ProxytrustOptions}; callbacks receive the Express request.
 */
export function proxytrust(options: ProxytrustOptions<IncomingMessage> = {}): ExpressMiddleware {
  const mw = nodeProxytrust(options);
  let lastProto: object | null = null;
  const middleware = (
    req: IncomingMessage,
    res: ServerResponse,
    next: (err?: unknown) => void,
  ): void => {
    let answered: boolean;
    try {
      answered = mw.handle(req, res);
    } catch (err) {
      next(err);
      return;
    }
    const proto = Object.getPrototypeOf(req) as object | null;
    if (proto !== lastProto) {
      lastProto = proto;
      patchExpressRequest(req);
    }
    if (!answered) next();
  };
  return Object.assign(middleware, { policy: mw.policy });
}
