/**
 * proxytrust for Fastify 5: a plugin with an onRequest hook. `request.proxytrust` holds the
 * view, and `request.protocol`, `request.host`, `request.hostname`, `request.port`,
 * `request.ip` and `request.ips` agree with it. Leave Fastify's `trustProxy` off: with it
 * Fastify believes only the rightmost X-Forwarded-Proto/-Host of the socket peer, which
 * disagrees with a multi-hop walk and knows no RFC 7239.
 *
 * The plugin is not encapsulated (like fastify-plugin), so register it on the root
 * instance. A route turns the CSRF check off with `config: { proxytrust: { csrf: false } }`.
 *
 * ```ts
 * import Fastify from 'fastify';
 * import { proxytrust } from 'proxytrust/fastify';
 * const app = Fastify();
 * await app.register(proxytrust, { trustedProxies: ['10.0.0.0/8'], allowedHosts: ['app.example.com'] });
 * app.get('/', (request) => `${request.protocol}://${request.host} from ${request.ip}`);
 * ```
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { View } from '../core/index.js';
import { type NodeBinding, nodeBinding, runNode } from '../node/middleware.js';
import type { ProxytrustOptions } from '../node/options.js';
import { patchPrototypeOf } from './shared.js';

export {
  absoluteUrl,
  absoluteUrlOf,
  getView,
  type HttpWarning,
  HttpWarningCodes,
  type ProxytrustOptions,
} from '../node/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The view resolved by proxytrust (null before its onRequest hook ran). */
    proxytrust: View | null;
  }
  interface FastifyContextConfig {
    /** Per-route proxytrust settings: `{ csrf: false }` turns the CSRF check off. */
    proxytrust?: { readonly csrf?: boolean };
  }
}

const FASTIFY_GETTERS: Readonly<Record<string, (v: View) => unknown>> = {
  protocol: (v) => v.scheme,
  host: (v) => v.host ?? '',
  hostname: (v) => v.hostname ?? '',
  port: (v) => v.port,
  // Fastify's ip is a string: a client that cannot be known is '', never the proxy's address.
  ip: (v) => v.clientIp ?? '',
  ips: (v) => (v.peerTrusted ? v.hops.map((h) => h.address) : [v.peer]),
};

/** The plugin's options: {@link ProxytrustOptions}, callbacks receive the Node request (`request.raw`). */
export type ProxytrustFastifyOptions = ProxytrustOptions<IncomingMessage>;

/**
 * The keys that Fastify's `register` itself reads from a plugin's options (its
 * `RegisterOptions`) and hands on to the plugin with the rest: allowed, and not proxytrust's.
 */
export const FASTIFY_REGISTER_KEYS: readonly string[] = ['prefix', 'logLevel', 'logSerializers'];

/** The options without the keys Fastify's `register` reads, for the key check. */
function ownOptions(options: ProxytrustFastifyOptions | undefined): ProxytrustFastifyOptions {
  if (options === null || typeof options !== 'object') return options ?? {};
  if (!FASTIFY_REGISTER_KEYS.some((k) => Object.hasOwn(options, k))) return options;
  const out: Record<string, unknown> = { ...options };
  for (const k of FASTIFY_REGISTER_KEYS) delete out[k];
  return out as ProxytrustFastifyOptions;
}

/**
 * The Fastify plugin: `app.register(proxytrust, options)`. Not encapsulated, so its hook
 * runs for every route of the instance it is registered on.
 */
export function proxytrust(
  fastify: FastifyInstance,
  options: ProxytrustFastifyOptions,
  done: (err?: Error) => void,
): void {
  let binding: NodeBinding;
  try {
    binding = nodeBinding(ownOptions(options));
  } catch (err) {
    done(err as Error);
    return;
  }
  fastify.decorateRequest('proxytrust', null);
  fastify.addHook(
    'onRequest',
    (request: FastifyRequest, reply: FastifyReply, next: (err?: Error) => void) => {
      let a: ReturnType<typeof runNode>;
      try {
        const csrfOff = request.routeOptions.config?.proxytrust?.csrf === false;
        a = runNode(binding, request.raw, reply.raw, csrfOff);
      } catch (err) {
        next(err as Error);
        return;
      }
      request.proxytrust = request.raw.proxytrust ?? null;
      patchPrototypeOf(request, FASTIFY_GETTERS, patched);
      if (a !== undefined) {
        reply.code(a.status).headers(a.headers).send(a.body);
        return;
      }
      next();
    },
  );
  done();
}

/** Request prototypes (one per encapsulation context) already taught to read the view. */
const patched = new WeakSet<object>();

const meta = proxytrust as unknown as Record<symbol, unknown>;
meta[Symbol.for('skip-override')] = true;
meta[Symbol.for('fastify.display-name')] = 'proxytrust';
meta[Symbol.for('plugin-meta')] = { name: 'proxytrust', fastify: '5.x' };
