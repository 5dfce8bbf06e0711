/**
 * The node:http middleware: `(req, res, next)`, for node:http, Connect and Express.
 *
 * ```ts
 * import { createServer } from 'node:http';
 * import { proxytrust, absoluteUrl } from 'proxytrust/node';
 * const guard = proxytrust({ trustedProxies: ['loopback'], allowedHosts: ['app.example.com'] });
 * createServer(guard.wrap((req, res) => res.end(absoluteUrl(req, '/next')))).listen(8080);
 * ```
 */
import { type IncomingMessage, type OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Policy, View } from '../core/index.js';
import { nodeConnection } from './connection.js';
import { type Access, type Answer, Engine } from './engine.js';
import { nodeHeadersTruncated } from './header-cap.js';
import type { ProxytrustOptions } from './options.js';

declare module 'node:http' {
  interface IncomingMessage {
    /** The view resolved by proxytrust's middleware (also `getView(req)`). */
    proxytrust?: View;
  }
}

/** Where the view is kept on a request: a registered symbol, so two copies agree. */
export const VIEW_KEY: unique symbol = Symbol.for('proxytrust.view') as never;

const WRITE_HEAD_KEY: unique symbol = Symbol('proxytrust.writeHead') as never;

type Carrier = { [VIEW_KEY]?: View };
type HookedResponse = ServerResponse & { [WRITE_HEAD_KEY]?: ServerResponse['writeHead'] };

/** A `(req, res, next)` middleware, with helpers. */
export interface NodeMiddleware {
  /** Connect/Express style. `next(err)` receives errors from callbacks such as exemption predicates. */
  (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void): void;
  /**
   * Run the middleware without a `next`: returns true when it answered the request (400,
   * 403, redirect, probe), false when the application should handle it.
   */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** Wrap a plain node:http handler: `createServer(guard.wrap((req, res) => ...))`. */
  wrap(
    handler: (req: IncomingMessage, res: ServerResponse) => void,
  ): (req: IncomingMessage, res: ServerResponse) => void;
  /** The compiled policy. */
  readonly policy: Policy;
}

/** How the engine reads a Node request. @internal */
export const nodeAccess: Access<IncomingMessage> = {
  method: (req) => req.method ?? 'GET',
  target: (req) => req.url ?? '/',
  setTarget: (req, target) => {
    const r = req as IncomingMessage & { originalUrl?: string };
    if (r.originalUrl === r.url) r.originalUrl = target;
    r.url = target;
  },
  header: (req, name) => {
    const v = req.headers[name];
    return typeof v === 'string' ? v : undefined;
  },
  headers: (req) => req.rawHeaders,
  connection: nodeConnection,
  truncated: nodeHeadersTruncated,
};

/**
 * The view that proxytrust resolved for this request, or undefined when the middleware
 * has not run. Accepts a Node request, and the request objects of the adapters (a Fastify
 * request, a Koa context or request).
 */
export function getView(req: unknown): View | undefined {
  if (req === null || typeof req !== 'object') return undefined;
  const own = (req as Carrier)[VIEW_KEY];
  if (own !== undefined) return own;
  const r = req as { raw?: Carrier; req?: Carrier };
  return (r.raw ?? r.req)?.[VIEW_KEY];
}

/**
 * An absolute URL for `path` on the resolved scheme, host and prefix of this request:
 * `https://app.example.com/app/next?page=2` behind a TLS proxy, not `http://10.0.0.5/next`.
 * `path` must start with a single `/`. Throws when the middleware has not run or the
 * request has no usable host.
 */
export function absoluteUrl(req: unknown, path: string): string {
  const view = getView(req);
  if (view === undefined) {
    throw new Error(
      'proxytrust: no resolved view on this request; install the proxytrust middleware before this handler',
    );
  }
  return absoluteUrlOf(view, path);
}

/** {@link absoluteUrl} from a view. */
export function absoluteUrlOf(view: View, path: string): string {
  if (
    typeof path !== 'string' ||
    path.charCodeAt(0) !== 0x2f ||
    path.charCodeAt(1) === 0x2f ||
    path.charCodeAt(1) === 0x5c ||
    /[\u0000-\u0020\u007f]/.test(path)
  ) {
    throw new TypeError(
      `absoluteUrl: path must start with a single "/" and contain no spaces or control characters, got ${JSON.stringify(String(path).slice(0, 100))}`,
    );
  }
  if (view.host === undefined) {
    throw new Error('absoluteUrl: the request has no usable host (configure allowedHosts)');
  }
  return `${view.scheme}://${view.host}${view.prefix ?? ''}${path}`;
}

/** Send an engine answer on a Node response. @internal */
export function sendAnswer(res: ServerResponse, a: Answer): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = a.status;
  for (const name in a.headers) res.setHeader(name, a.headers[name]!);
  res.end(a.body);
}

const PROTO_WRITE_HEAD = ServerResponse.prototype.writeHead;

/** A writeHead replacement bound to one engine. @internal */
export type HeaderHook = ServerResponse['writeHead'];

/**
 * The writeHead replacement for one engine, made once per middleware: it applies HSTS
 * and the cookie rules just before the headers are written (Node calls writeHead for
 * implicit headers too), then restores the original. @internal
 */
export function makeHeaderHook(engine: Engine<IncomingMessage>): HeaderHook {
  return function hookedWriteHead(
    this: HookedResponse,
    statusCode: number,
    a?: unknown,
    b?: unknown,
  ): ServerResponse {
    const original = this[WRITE_HEAD_KEY] ?? PROTO_WRITE_HEAD;
    this.writeHead = original;
    const call = original as (this: ServerResponse, ...args: unknown[]) => ServerResponse;
    const reason = typeof a === 'string' ? a : undefined;
    const headers = reason !== undefined ? b : a;
    if (!this.headersSent) {
      try {
        if (headers !== undefined && headers !== null) mergeHeaders(this, headers);
        finishHeaders(this, engine);
      } catch {
        // Let the original report the bad header exactly as it would have.
        return call.call(this, statusCode, a, b);
      }
      return reason !== undefined
        ? call.call(this, statusCode, reason)
        : call.call(this, statusCode);
    }
    return call.call(this, statusCode, a, b);
  } as HeaderHook;
}

/**
 * Install a header hook on a response: one property store in the common case (the
 * response still has Node's own writeHead). @internal
 */
export function installHeaderHook(res: ServerResponse, hook: HeaderHook): void {
  const current = res.writeHead;
  if (current !== PROTO_WRITE_HEAD) (res as HookedResponse)[WRITE_HEAD_KEY] = current;
  res.writeHead = hook;
}

/** Node's own slow path for `writeHead(status, headers)`, done before we look. */
function mergeHeaders(res: ServerResponse, headers: unknown): void {
  if (Array.isArray(headers)) {
    if (headers.length % 2 !== 0) throw new TypeError('headers array must have an even length');
    for (let i = 0; i < headers.length; i += 2) res.removeHeader(String(headers[i]));
    for (let i = 0; i < headers.length; i += 2) {
      const name = String(headers[i]);
      const prev = res.getHeader(name);
      const value = headers[i + 1] as string | string[];
      if (prev === undefined) res.setHeader(name, value);
      else res.setHeader(name, ([] as (string | number)[]).concat(prev, value).map(String));
    }
  } else if (typeof headers === 'object') {
    const obj = headers as OutgoingHttpHeaders;
    for (const name of Object.keys(obj)) if (name) res.setHeader(name, obj[name]!);
  }
}

function finishHeaders(res: ServerResponse, engine: Engine<IncomingMessage>): void {
  const req = res.req as IncomingMessage | undefined;
  const view = req === undefined ? undefined : (req as Carrier)[VIEW_KEY];
  if (view === undefined) return;
  const secure = view.secure;
  if (secure && engine.hsts !== undefined && !res.hasHeader('strict-transport-security')) {
    // Lower case, as the middleware's own answers and HTTP/2 send names: Node lower-cases
    // every name it is given, and a name already in lower case costs it no new string.
    res.setHeader('strict-transport-security', engine.hsts);
  }
  const sc = res.getHeader('set-cookie');
  if (sc === undefined) return;
  const lines = Array.isArray(sc) ? sc.map(String) : [String(sc)];
  const out = engine.cookies(lines, secure, req!);
  if (out !== undefined) res.setHeader('Set-Cookie', out);
}

/** What a Node binding compiles once: the engine and its header hook. @internal */
export interface NodeBinding {
  readonly engine: Engine<IncomingMessage>;
  /** The hook for secure responses, or undefined when they need none. */
  readonly hookSecure: HeaderHook | undefined;
  /** The hook for insecure responses, or undefined when they need none. */
  readonly hookInsecure: HeaderHook | undefined;
}

/** Compile the options for a Node binding. @internal */
export function nodeBinding(options: ProxytrustOptions<IncomingMessage>): NodeBinding {
  const engine = new Engine(options, nodeAccess);
  const hook = makeHeaderHook(engine);
  return {
    engine,
    hookSecure: engine.wantsHeaderHook(true) ? hook : undefined,
    hookInsecure: engine.wantsHeaderHook(false) ? hook : undefined,
  };
}

/**
 * Run one request through a binding: resolve, attach the view, check, install the
 * header hook, CSRF. Returns the answer to send, if any. @internal
 */
export function runNode(
  b: NodeBinding,
  req: IncomingMessage,
  res: ServerResponse,
  csrfOff = false,
): Answer | undefined {
  const engine = b.engine;
  const view = engine.resolve(req);
  (req as Carrier)[VIEW_KEY] = view;
  req.proxytrust = view;
  const a = engine.before(req, view);
  if (a !== undefined) return a;
  const hook = view.secure ? b.hookSecure : b.hookInsecure;
  if (hook !== undefined) installHeaderHook(res, hook);
  return csrfOff ? undefined : engine.csrf(req, view);
}

/**
 * Create the middleware. Everything is validated and compiled here; a bad option throws
 * a TypeError that names it. See {@link ProxytrustOptions} and docs/http-layer.md.
 */
export function proxytrust(options: ProxytrustOptions<IncomingMessage> = {}): NodeMiddleware {
  const binding = nodeBinding(options);
  const handle = (req: IncomingMessage, res: ServerResponse): boolean => {
    const a = runNode(binding, req, res);
    if (a === undefined) return false;
    sendAnswer(res, a);
    return true;
  };
  const middleware = (
    req: IncomingMessage,
    res: ServerResponse,
    next?: (err?: unknown) => void,
  ): void => {
    let answered: boolean;
    try {
      answered = handle(req, res);
    } catch (err) {
      if (next) next(err);
      else throw err;
      return;
    }
    if (!answered && next) next();
  };
  const wrap =
    (handler: (req: IncomingMessage, res: ServerResponse) => void) =>
    (req: IncomingMessage, res: ServerResponse): void => {
      let answered: boolean;
      try {
        answered = handle(req, res);
      } catch {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end();
        }
        return;
      }
      if (!answered) handler(req, res);
    };
  return Object.assign(middleware, { handle, wrap, policy: binding.engine.policy });
}
