/**
 * `proxytrust/probe`: the standalone probe for Node apps that keep their framework's own
 * proxy settings (Express `trust proxy`, Fastify `trustProxy`, Koa `app.proxy`) instead of
 * proxytrust's middleware. It answers `proxytrust audit --probe-secret` with what the
 * framework itself believes (`req.protocol`, `req.ip`, `req.hostname`, ...), in the probe
 * protocol of docs/probe-protocol.md, and passes every other request on untouched.
 *
 * ```ts
 * import { expressProbe } from 'proxytrust/probe';
 * app.set('trust proxy', 'loopback');
 * app.use(expressProbe());            // off unless PROXYTRUST_PROBE_SECRET is set
 *
 * fastify.addHook('onRequest', fastifyProbe());
 * koa.use(koaProbe());
 * ```
 *
 * Zero runtime dependencies: the frameworks are seen through the few fields the probe reads.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseHost } from '../core/host.js';
import { forwardedLines, pathOf } from '../node/engine.js';
import {
  DEFAULT_PROBE_PATH,
  DEFAULT_PROBE_WINDOW_SECONDS,
  PROBE_HEADER,
  PROBE_VERSION,
  verifyProbe,
} from '../node/probe-auth.js';

export {
  DEFAULT_PROBE_PATH,
  DEFAULT_PROBE_WINDOW_SECONDS,
  PROBE_HEADER,
  PROBE_VERSION,
  signProbe,
  verifyProbe,
} from '../node/probe-auth.js';

/** The environment variable the probes read their secret from. */
export const PROBE_SECRET_ENV = 'PROXYTRUST_PROBE_SECRET';

/** Options of the standalone probes. */
export interface StandaloneProbeOptions {
  /**
   * The secret (at least 16 characters), or several during a rotation. Default: the
   * `PROXYTRUST_PROBE_SECRET` environment variable; when that is unset or empty too, the
   * probe is off (a pass-through).
   */
  readonly secret?: string | readonly string[] | undefined;
  /** The path. Default `/.well-known/proxytrust/probe`. */
  readonly path?: string;
  /** The replay window in seconds, 1..300. Default 30. */
  readonly windowSeconds?: number;
}

/** What a framework believes about one request, as the probe reports it. */
export interface FrameworkBelief {
  readonly scheme: string | undefined;
  readonly secure: boolean | undefined;
  /** Host with `:port` when it has one, as the framework computes it. */
  readonly host: string | undefined;
  readonly clientIp: string | undefined;
  /** The framework's own values, keyed by the expression that produced them. */
  readonly app: Readonly<Record<string, unknown>>;
}

/** The probe's JSON document (docs/probe-protocol.md). */
export interface ProbeDocument {
  readonly version: number;
  readonly probe: string;
  readonly view: {
    readonly scheme: string | null;
    readonly secure: boolean | null;
    readonly host: string | null;
    readonly hostname: string | null;
    readonly port: number | null;
    readonly clientIp: string | null;
  };
  readonly app: Readonly<Record<string, unknown>>;
  /** Field -> the exception computing it raised (the Django probe: `host` -> DisallowedHost). */
  readonly errors?: Readonly<Record<string, string>>;
  readonly forwarded: Readonly<Record<string, readonly string[]>>;
  readonly headerLines: 'separate' | 'joined';
  /** Warnings of the app's own resolver (proxytrust's middleware); the other probes send none. */
  readonly warnings: readonly unknown[];
  /** The Django probe: the last CSRF failure it saw for a probe's own request. */
  readonly csrf?: {
    readonly lastFailure: { reason: string; method: string; path: string; at: number } | null;
  };
}

interface Compiled {
  readonly secrets: readonly string[];
  readonly path: string;
  readonly window: number;
}

function compile(options: StandaloneProbeOptions): Compiled | undefined {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('proxytrust probe: options must be an object');
  }
  const raw = options.secret ?? process.env[PROBE_SECRET_ENV] ?? '';
  const secrets = typeof raw === 'string' ? (raw === '' ? [] : [raw]) : [...raw];
  if (secrets.length === 0) return undefined;
  if (!secrets.every((s) => typeof s === 'string' && s.length >= 16)) {
    throw new TypeError(
      `proxytrust probe: the secret (option or ${PROBE_SECRET_ENV}) must be at least 16 characters`,
    );
  }
  const path = options.path ?? DEFAULT_PROBE_PATH;
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path)) {
    throw new TypeError(`proxytrust probe: path ${JSON.stringify(path)} must be a path`);
  }
  const window = options.windowSeconds ?? DEFAULT_PROBE_WINDOW_SECONDS;
  if (!Number.isFinite(window) || window < 1 || window > 300) {
    throw new TypeError('proxytrust probe: windowSeconds must be 1..300');
  }
  return { secrets, path, window };
}

/** True when `req` is an authenticated probe request for `c`. */
function authenticated(
  c: Compiled,
  method: string | undefined,
  target: string,
  header: unknown,
): boolean {
  if (method !== 'GET' || typeof header !== 'string') return false;
  if (pathOf(target) !== c.path) return false;
  const now = Date.now();
  let ok = false;
  for (const s of c.secrets) if (verifyProbe(s, header, c.path, now, c.window)) ok = true;
  return ok;
}

/** Build the probe document from what a framework believes and the raw request headers. */
export function probeDocument(
  kind: string,
  belief: FrameworkBelief,
  rawHeaders: readonly string[],
): ProbeDocument {
  const parsed = belief.host === undefined ? undefined : parseHost(belief.host);
  const scheme = belief.scheme === 'http' || belief.scheme === 'https' ? belief.scheme : undefined;
  return {
    version: PROBE_VERSION,
    probe: kind,
    view: {
      scheme: scheme ?? null,
      secure: belief.secure ?? null,
      host: belief.host ?? null,
      hostname: parsed?.hostname ?? null,
      port:
        parsed === undefined
          ? null
          : (parsed.port ?? (scheme === undefined ? null : scheme === 'https' ? 443 : 80)),
      clientIp: belief.clientIp ?? null,
    },
    app: belief.app,
    forwarded: forwardedLines(rawHeaders),
    headerLines: 'separate',
    warnings: [],
  };
}

function send(res: ServerResponse, doc: ProbeDocument): void {
  const body = JSON.stringify(doc);
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(body)),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

/** The fields of an Express request the probe reads (Express 4 and 5). */
export interface ExpressLikeRequest extends IncomingMessage {
  readonly protocol: string;
  readonly secure: boolean;
  readonly host?: string;
  readonly hostname?: string;
  readonly ip?: string;
  readonly ips?: readonly string[];
  readonly originalUrl?: string;
}

/**
 * Express middleware: answers authenticated probes with what Express believes under its
 * own `trust proxy` setting; calls `next()` for everything else. Mount it first.
 */
export function expressProbe(
  options: StandaloneProbeOptions = {},
): (req: ExpressLikeRequest, res: ServerResponse, next: () => void) => void {
  const c = compile(options);
  if (c === undefined) return (_req, _res, next) => next();
  return (req, res, next) => {
    if (
      !authenticated(c, req.method, req.originalUrl ?? req.url ?? '', req.headers[PROBE_HEADER])
    ) {
      next();
      return;
    }
    send(
      res,
      probeDocument(
        'express',
        {
          scheme: req.protocol,
          secure: req.secure,
          host: req.host,
          clientIp: req.ip,
          app: {
            'req.protocol': req.protocol,
            'req.secure': req.secure,
            'req.host': req.host ?? null,
            'req.hostname': req.hostname ?? null,
            'req.ip': req.ip ?? null,
            'req.ips': req.ips ?? [],
          },
        },
        req.rawHeaders,
      ),
    );
  };
}

/** The fields of a Fastify request and reply the probe reads (Fastify 4 and 5). */
export interface FastifyLikeRequest {
  readonly method: string;
  readonly url: string;
  readonly protocol: string;
  readonly host?: string;
  readonly hostname: string;
  readonly port?: number | null;
  readonly ip: string;
  readonly ips?: readonly string[];
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly raw: IncomingMessage;
}
export interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  headers(values: Record<string, string>): FastifyLikeReply;
  send(payload: string): FastifyLikeReply;
}

/**
 * A Fastify `onRequest` hook: `fastify.addHook('onRequest', fastifyProbe())`. Answers
 * authenticated probes with what Fastify believes under its own `trustProxy`.
 */
export function fastifyProbe(
  options: StandaloneProbeOptions = {},
): (request: FastifyLikeRequest, reply: FastifyLikeReply) => Promise<FastifyLikeReply | undefined> {
  const c = compile(options);
  if (c === undefined) return async () => undefined;
  return async (request, reply) => {
    if (!authenticated(c, request.method, request.url, request.headers[PROBE_HEADER])) {
      return undefined;
    }
    // Fastify 5 has `request.host` (with the port); Fastify 4 only `hostname` (with it).
    const host = request.host ?? request.hostname;
    const doc = probeDocument(
      'fastify',
      {
        scheme: request.protocol,
        secure: request.protocol === 'https',
        host,
        clientIp: request.ip,
        app: {
          'request.protocol': request.protocol,
          'request.host': request.host ?? null,
          'request.hostname': request.hostname,
          'request.port': request.port ?? null,
          'request.ip': request.ip,
          'request.ips': request.ips ?? [],
        },
      },
      request.raw.rawHeaders,
    );
    return reply
      .code(200)
      .headers({
        'content-type': 'application/json; charset=utf-8',
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      })
      .send(JSON.stringify(doc));
  };
}

/** The fields of a Koa context the probe reads (Koa 2 and 3). */
export interface KoaLikeContext {
  readonly method: string;
  readonly url: string;
  readonly protocol: string;
  readonly secure: boolean;
  readonly host: string;
  readonly hostname: string;
  readonly ip: string;
  readonly ips: readonly string[];
  readonly req: IncomingMessage;
  status: number;
  body: unknown;
  set(field: Record<string, string>): void;
}

/**
 * Koa middleware: answers authenticated probes with what Koa believes under its own
 * `app.proxy`; awaits `next()` for everything else. Use it first.
 */
export function koaProbe(
  options: StandaloneProbeOptions = {},
): (ctx: KoaLikeContext, next: () => Promise<unknown>) => Promise<void> {
  const c = compile(options);
  if (c === undefined) return async (_ctx, next) => void (await next());
  return async (ctx, next) => {
    if (!authenticated(c, ctx.method, ctx.url, ctx.req.headers[PROBE_HEADER])) {
      await next();
      return;
    }
    const doc = probeDocument(
      'koa',
      {
        scheme: ctx.protocol,
        secure: ctx.secure,
        host: ctx.host === '' ? undefined : ctx.host,
        clientIp: ctx.ip === '' ? undefined : ctx.ip,
        app: {
          'ctx.protocol': ctx.protocol,
          'ctx.secure': ctx.secure,
          'ctx.host': ctx.host,
          'ctx.hostname': ctx.hostname,
          'ctx.ip': ctx.ip,
          'ctx.ips': ctx.ips,
        },
      },
      ctx.req.rawHeaders,
    );
    ctx.status = 200;
    ctx.set({ 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    ctx.set({ 'content-type': 'application/json; charset=utf-8' });
    ctx.body = JSON.stringify(doc);
  };
}
