/**
 * proxytrust for Express 5 (also Express 4 and Connect): the node middleware, plus
 * `req.protocol`, `req.secure`, `req.host`, `req.hostname`, `req.ip` and `req.ips`
 * answered from the resolved view.
 *
 * Why the adapter defines them rather than exporting a `trust proxy` function: Express
 * reads the LEFTMOST X-Forwarded-Proto and X-Forwarded-Host and checks only the socket
 * peer, so no trust function can make it agree with a right-to-left walk (or with RFC 7239
 * Forwarded, or with vendor headers). Leave Express's `trust proxy` at its default
 * (false): the adapter's own properties shadow Express's getters on each request.
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
import type { Policy } from '../core/index.js';
import { proxytrust as nodeProxytrust } from '../node/middleware.js';
import type { ProxytrustOptions } from '../node/options.js';
import { farthestFirst, viewGetter } from './shared.js';

export {
  absoluteUrl,
  absoluteUrlOf,
  getView,
  type HttpWarning,
  HttpWarningCodes,
  type ProxytrustOptions,
} from '../node/index.js';

const EXPRESS_PROPERTIES: PropertyDescriptorMap = {
  protocol: viewGetter('protocol', (v) => v.scheme),
  secure: viewGetter('secure', (v) => v.secure),
  host: viewGetter('host', (v) => v.host),
  hostname: viewGetter('hostname', (v) => v.hostname),
  ip: viewGetter('ip', (v) => v.clientIp),
  ips: viewGetter('ips', farthestFirst),
};

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
    Object.defineProperties(req, EXPRESS_PROPERTIES);
    if (!answered) next();
  };
  return Object.assign(middleware, { policy: mw.policy });
}
