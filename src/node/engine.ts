/**
 * The HTTP layer's behaviour, independent of any framework: compiled once from the
 * options, then asked per request. Every binding (node:http, Express, Fastify, Koa, Hono)
 * reads its request through an {@link Access} and turns an {@link Answer} into its own
 * response, so the rules live in exactly one place.
 *
 * Per request, in order: resolve the view; refuse a bad or disallowed host (400);
 * validate an absolute-form target (400, or rewrite it to origin-form); answer an
 * authenticated probe; redirect to https; (the binding installs the HSTS and cookie hook);
 * the CSRF origin check (403).
 */
import {
  compilePolicy,
  compileTrustedOrigins,
  FAMILY_HEADERS,
  FORGERY_CODES,
  formatHost,
  type HeaderInput,
  type HeadersLike,
  type ParsedOrigin,
  type Policy,
  type PolicyOptions,
  parseHost,
  parseOrigin,
  resolve,
  type TrustedOrigins,
  type View,
  WarningCodes,
} from '../core/index.js';
import { checkKeys, POLICY_KEYS } from '../core/keys.js';
import { addSecure, cookieName, hasSecure, SESSION_COOKIE_PATTERN } from './cookies.js';
import { safe, WarningLog, writeWarningLine } from './log.js';
import { type ConnectionInfo, OPTION_KEYS, type ProxytrustOptions } from './options.js';
import { compilePathRules, type PathMatcher } from './paths.js';
import {
  DEFAULT_PROBE_PATH,
  DEFAULT_PROBE_WINDOW_SECONDS,
  PROBE_HEADER,
  PROBE_VERSION,
  verifyProbe,
} from './probe-auth.js';
import { type HttpWarning, HttpWarningCodes } from './warnings.js';

/** How a binding reads its request. All names are lower-case. @internal */
export interface Access<R> {
  method(req: R): string;
  /** The request target as received: `/path?q`, `*`, or an absolute URL. */
  target(req: R): string;
  /** Replace the target (absolute-form rewritten to origin-form). May do nothing. */
  setTarget(req: R, target: string): void;
  /** One header's value, when it arrived once (or joined, as the framework gives it). */
  header(req: R, name: string): string | undefined;
  /** The headers for the resolver and the probe: `rawHeaders` where there are any. */
  headers(req: R): HeaderInput;
  /** The connection facts, when the `connection` option is not given. */
  connection(req: R): ConnectionInfo;
  /** True when the server dropped some of the request's header lines (Node's header cap). */
  truncated(req: R): boolean;
}

/** A complete response that the binding sends instead of calling the application. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const TEXT = 'text/plain; charset=utf-8';

function plain(status: number, body: string): Answer {
  return Object.freeze({
    status,
    headers: Object.freeze({
      'content-type': TEXT,
      'content-length': String(Buffer.byteLength(body)),
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    }),
    body,
  });
}

/** The 400 for a host that is missing, invalid, ambiguous or not allowed. Never echoes it. */
export const BAD_HOST: Answer = plain(400, 'Bad Request: invalid host\n');
/** The 400 for an absolute-form target that is refused. */
export const BAD_TARGET: Answer = plain(400, 'Bad Request: invalid request target\n');

/** CSRF refusal reasons, Django's, in words a developer can act on. */
const CSRF_REASONS = {
  origin: plain(
    403,
    "Forbidden (CSRF): the Origin header does not match this site's origin or a trusted origin.\n",
  ),
  'no-referer': plain(
    403,
    'Forbidden (CSRF): a secure request without an Origin header must carry a Referer header.\n',
  ),
  'malformed-referer': plain(403, 'Forbidden (CSRF): the Referer header is malformed.\n'),
  'insecure-referer': plain(
    403,
    'Forbidden (CSRF): the Referer is not https, but this request is secure.\n',
  ),
  'bad-referer': plain(
    403,
    "Forbidden (CSRF): the Referer does not match this site's origin or a trusted origin.\n",
  ),
} as const;
type CsrfReason = keyof typeof CSRF_REASONS;

/** Every forwarded header of every family, plus `host`: what the probe and the debug log show. */
export const SHOWN_HEADERS: ReadonlySet<string> = new Set([
  'host',
  ...Object.values(FAMILY_HEADERS).flat(),
]);

/** Scheme-bearing headers: each is believed only when the policy's `headers` names it. */
const SCHEME_HEADERS: readonly string[] = [
  'x-forwarded-proto',
  'forwarded',
  'cloudfront-forwarded-proto',
  'cf-visitor',
  'x-forwarded-ssl',
  'front-end-https',
  'x-forwarded-protocol',
  'x-url-scheme',
];

/**
 * The lines of `host` and of every forwarded header, as received: from `rawHeaders`
 * duplicates stay separate lines, in order; a WHATWG `Headers` gives one joined line.
 */
export function forwardedLines(input: HeaderInput): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (Array.isArray(input)) {
    const raw = input as readonly string[];
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const name = String(raw[i]).toLowerCase();
      if (!SHOWN_HEADERS.has(name)) continue;
      const list = out[name];
      if (list) list.push(String(raw[i + 1]));
      else out[name] = [String(raw[i + 1])];
    }
    return out;
  }
  if (input === null || typeof input !== 'object') return out;
  const get = (input as HeadersLike).get;
  for (const name of SHOWN_HEADERS) {
    if (typeof get === 'function') {
      const v = (input as HeadersLike).get(name);
      if (typeof v === 'string') out[name] = [v];
    } else {
      const v = (input as Record<string, unknown>)[name];
      if (typeof v === 'string') out[name] = [v];
      else if (Array.isArray(v)) out[name] = v.map(String);
    }
  }
  return out;
}

/** The path of a target, without the query string. */
export function pathOf(target: string): string {
  const q = target.indexOf('?');
  return q < 0 ? target : target.slice(0, q);
}

const POLICY_FIELDS = Object.keys(POLICY_KEYS) as readonly (keyof PolicyOptions)[];

/** The inline policy fields of the options, for `compilePolicy`, which knows no other key. */
function policyOptionsOf(options: PolicyOptions): PolicyOptions {
  const out: Record<string, unknown> = {};
  for (const k of POLICY_FIELDS) if (options[k] !== undefined) out[k] = options[k];
  return out as PolicyOptions;
}

function envDebug(): boolean {
  const v = typeof process === 'object' ? process.env?.PROXYTRUST_DEBUG : undefined;
  return v === '1' || v === 'true' || v === 'yes';
}

function isAbsoluteStart(t: string): boolean {
  const c = t.charCodeAt(0);
  return c === 0x68 || c === 0x48; // h / H
}

/** The compiled HTTP layer. Built once per middleware. @internal */
export class Engine<R> {
  readonly policy: Policy;
  private readonly connectionOf: (req: R) => ConnectionInfo;
  private readonly onWarning: ((w: HttpWarning, req: R | undefined) => void) | undefined;
  /** The default log, when there is no onWarning and logWarnings is not false. */
  private readonly log: WarningLog | undefined;
  private readonly debugLine: ((line: string) => void) | undefined;
  private readonly diagEvery: number;
  private readonly diagLast = new Map<string, number>();
  // https redirect
  private readonly redirectOn: boolean;
  private readonly redirectExempt: PathMatcher<R>;
  private readonly redirectHost: string | undefined;
  private readonly redirectPort: number;
  private readonly statusForGet: number;
  private readonly statusForOther: number;
  // response headers
  /** The Strict-Transport-Security value, or undefined when HSTS is off. */
  readonly hsts: string | undefined;
  /** Add Secure to cookies on secure responses. */
  readonly secureCookies: boolean;
  private readonly sessionCookies: RegExp | undefined;
  // csrf
  private readonly csrfOn: boolean;
  private readonly csrfExempt: PathMatcher<R>;
  private readonly trustedOrigins: TrustedOrigins | undefined;
  // probe
  private readonly probeSecrets: readonly string[] | undefined;
  private readonly probePath: string;
  private readonly probeWindow: number;

  constructor(
    options: ProxytrustOptions<R>,
    readonly access: Access<R>,
  ) {
    if (options === null || typeof options !== 'object') {
      throw new TypeError('proxytrust: options must be an object');
    }
    checkKeys('proxytrust', options, OPTION_KEYS);
    if (options.policy !== undefined) {
      const inline = POLICY_FIELDS.filter((k) => options[k] !== undefined);
      if (inline.length > 0) {
        throw new TypeError(
          `proxytrust: give either "policy" or the inline policy fields, not both (found ${inline.join(', ')})`,
        );
      }
      if (typeof options.policy !== 'object' || typeof options.policy.isTrusted !== 'function') {
        throw new TypeError('proxytrust: "policy" must come from compilePolicy()');
      }
      this.policy = options.policy;
    } else {
      this.policy = compilePolicy(policyOptionsOf(options));
    }
    const conn = options.connection;
    if (conn !== undefined && typeof conn !== 'function') {
      throw new TypeError(
        'proxytrust: "connection" must be a function (req) => { peer, encrypted }',
      );
    }
    this.connectionOf = conn ?? ((req: R) => access.connection(req));
    if (options.onWarning !== undefined && typeof options.onWarning !== 'function') {
      throw new TypeError('proxytrust: "onWarning" must be a function');
    }
    this.onWarning = options.onWarning;
    const dbg = options.debug ?? envDebug();
    this.debugLine =
      typeof dbg === 'function' ? dbg : dbg === true ? (l: string) => console.error(l) : undefined;
    this.diagEvery = options.diagnosticIntervalMs ?? 60_000;
    if (!Number.isFinite(this.diagEvery) || this.diagEvery < 0) {
      throw new TypeError('proxytrust: diagnosticIntervalMs must be a number >= 0');
    }
    const lw = options.logWarnings;
    if (lw !== undefined && typeof lw !== 'boolean') {
      throw new TypeError('proxytrust: "logWarnings" must be true or false');
    }
    this.log =
      this.onWarning === undefined && lw !== false ? new WarningLog(this.diagEvery) : undefined;

    // HTTPS redirect.
    const hr = options.httpsRedirect;
    this.redirectOn = hr !== undefined && hr !== false;
    const ro = typeof hr === 'object' && hr !== null ? hr : {};
    this.redirectExempt = compilePathRules(ro.exempt, 'httpsRedirect.exempt');
    if (ro.host !== undefined) {
      const h = typeof ro.host === 'string' ? parseHost(ro.host) : undefined;
      if (h === undefined || h.port !== undefined) {
        throw new TypeError(
          `proxytrust: httpsRedirect.host ${JSON.stringify(ro.host)} must be a host name without a port (use httpsRedirect.port)`,
        );
      }
      this.redirectHost = h.hostname;
    } else {
      this.redirectHost = undefined;
    }
    this.redirectPort = ro.port ?? 443;
    if (
      !Number.isInteger(this.redirectPort) ||
      this.redirectPort < 1 ||
      this.redirectPort > 65535
    ) {
      throw new TypeError(`proxytrust: httpsRedirect.port must be 1..65535, got ${ro.port}`);
    }
    this.statusForGet = ro.statusForGet ?? 301;
    this.statusForOther = ro.statusForOther ?? 307;
    if (this.statusForGet !== 301 && this.statusForGet !== 308) {
      throw new TypeError(
        `proxytrust: httpsRedirect.statusForGet must be 301 or 308, got ${ro.statusForGet}`,
      );
    }
    if (this.statusForOther !== 307 && this.statusForOther !== 308) {
      throw new TypeError(
        `proxytrust: httpsRedirect.statusForOther must be 307 or 308 (301 and 302 let clients turn POST into GET), got ${ro.statusForOther}`,
      );
    }
    if (this.redirectOn && this.policy.allowedHosts === undefined && !this.redirectHost) {
      throw new TypeError(
        'proxytrust: httpsRedirect needs allowedHosts (a redirect must never point at a host outside the allowed list) or a fixed httpsRedirect.host',
      );
    }

    // HSTS.
    const hs = options.hsts;
    if (hs === undefined || hs === false) {
      this.hsts = undefined;
    } else {
      const o = hs === true ? {} : hs;
      if (o === null || typeof o !== 'object') {
        throw new TypeError(
          'proxytrust: hsts must be true, false or { maxAge, includeSubDomains, preload }',
        );
      }
      const maxAge = o.maxAge ?? 31_536_000;
      if (!Number.isInteger(maxAge) || maxAge < 0) {
        throw new TypeError(
          `proxytrust: hsts.maxAge must be an integer >= 0 (seconds), got ${o.maxAge}`,
        );
      }
      if (o.preload === true && (maxAge < 31_536_000 || o.includeSubDomains !== true)) {
        throw new TypeError(
          'proxytrust: hsts.preload requires maxAge >= 31536000 (one year) and includeSubDomains: true, or the preload list refuses the site',
        );
      }
      this.hsts = `max-age=${maxAge}${o.includeSubDomains === true ? '; includeSubDomains' : ''}${o.preload === true ? '; preload' : ''}`;
    }

    // Cookies.
    this.secureCookies = options.secureCookies ?? true;
    const cw = options.cookieWarnings ?? true;
    this.sessionCookies =
      cw === false
        ? undefined
        : typeof cw === 'object' && cw !== null && cw.sessionCookies instanceof RegExp
          ? new RegExp(cw.sessionCookies.source, cw.sessionCookies.flags.replace(/[gy]/g, ''))
          : SESSION_COOKIE_PATTERN;

    // CSRF.
    const cs = options.csrf;
    this.csrfOn = cs !== undefined && cs !== false;
    const co = typeof cs === 'object' && cs !== null ? cs : {};
    this.csrfExempt = compilePathRules(co.exempt, 'csrf.exempt');
    this.trustedOrigins =
      co.trustedOrigins !== undefined && co.trustedOrigins.length > 0
        ? compileTrustedOrigins(co.trustedOrigins)
        : undefined;

    // Probe.
    const pr = options.probe;
    if (pr === undefined) {
      this.probeSecrets = undefined;
      this.probePath = DEFAULT_PROBE_PATH;
      this.probeWindow = DEFAULT_PROBE_WINDOW_SECONDS;
    } else {
      const secrets = typeof pr?.secret === 'string' ? [pr.secret] : pr?.secret;
      if (
        !Array.isArray(secrets) ||
        secrets.length === 0 ||
        secrets.some((s) => typeof s !== 'string' || s.length < 16)
      ) {
        throw new TypeError(
          'proxytrust: probe.secret must be a string of at least 16 characters (or a non-empty array of them)',
        );
      }
      this.probeSecrets = secrets.slice();
      this.probePath = pr.path ?? DEFAULT_PROBE_PATH;
      if (
        typeof this.probePath !== 'string' ||
        !this.probePath.startsWith('/') ||
        /[?#\s]/.test(this.probePath)
      ) {
        throw new TypeError(`proxytrust: probe.path ${JSON.stringify(pr.path)} must be a path`);
      }
      this.probeWindow = pr.windowSeconds ?? DEFAULT_PROBE_WINDOW_SECONDS;
      if (!Number.isFinite(this.probeWindow) || this.probeWindow < 1 || this.probeWindow > 300) {
        throw new TypeError('proxytrust: probe.windowSeconds must be 1..300');
      }
    }

    for (const w of this.policy.warnings) this.emit(w, undefined);
  }

  /** True when the response needs the header hook (HSTS, Secure cookies, cookie warnings). */
  wantsHeaderHook(secure: boolean): boolean {
    return secure
      ? this.hsts !== undefined || this.secureCookies
      : this.sessionCookies !== undefined;
  }

  /** Resolve a request, report its warnings and the debug line. */
  resolve(req: R): View {
    const c = this.connectionOf(req);
    const headers = this.access.headers(req);
    const view = resolve(this.policy, {
      peer: c.peer,
      headers,
      encrypted: c.encrypted === true,
      peerVerified: c.peerVerified === true,
      headersTruncated: this.access.truncated(req),
    });
    const ws = view.warnings;
    if (ws.length > 0) {
      if (this.onWarning !== undefined) {
        for (const w of ws) this.emit(w, req);
      } else if (this.log !== undefined) {
        // Only forgery attempts are logged by default; `onWarning` receives every warning.
        for (const w of ws) {
          if (FORGERY_CODES.has(w.code)) this.log.add(w, () => this.context(req, view));
        }
      }
    }
    if (this.debugLine !== undefined) this.debug(req, view, headers);
    return view;
  }

  /**
   * The checks before the application: host, target, probe, redirect. Returns the answer
   * to send, or undefined to go on.
   */
  before(req: R, view: View): Answer | undefined {
    if (this.hostRefused(view)) return BAD_HOST;
    const target = this.access.target(req);
    if (target.charCodeAt(0) !== 0x2f && target !== '*') {
      const bad = this.absoluteForm(req, view, target);
      if (bad !== undefined) return bad;
    }
    if (this.probeSecrets !== undefined) {
      const a = this.probe(req, view);
      if (a !== undefined) return a;
    }
    if (this.redirectOn && !view.secure) return this.redirect(req, view);
    return undefined;
  }

  /** A host that is missing where required, invalid, ambiguous or not allowed. */
  private hostRefused(view: View): boolean {
    if (view.hostAllowed === false) return true;
    const ws = view.warnings;
    if (ws.length === 0) return false;
    for (const w of ws) {
      // A Host header that is present but unusable (invalid, or on several lines).
      if (w.code === WarningCodes.HOST_MISSING && w.value !== undefined) return true;
      // A trusted proxy passed an invalid host: do not fall back to the Host header.
      if (w.code === WarningCodes.INVALID_HOST && w.header !== 'host') return true;
    }
    return false;
  }

  /**
   * An absolute-form target (`GET http://host/path HTTP/1.1`). RFC 9112 makes its
   * authority override the Host header; rather than choose, we accept it only when it
   * names the same host and port as the Host header (and an allowed host), and rewrite the
   * target to origin-form so routers and URL builders see a path. Anything else is a 400.
   */
  private absoluteForm(req: R, view: View, target: string): Answer | undefined {
    const o = isAbsoluteStart(target) ? parseOrigin(target) : undefined;
    let why: string | undefined;
    if (o === undefined) {
      why = 'is neither a path nor an http(s) URL';
    } else {
      const line = this.access.header(req, 'host');
      const h = line === undefined ? undefined : parseHost(line);
      if (
        h === undefined ||
        h.hostname !== o.hostname ||
        (h.port ?? (o.scheme === 'https' ? 443 : 80)) !== o.port
      ) {
        why = 'names a different authority than the Host header';
      } else if (this.policy.allowedHosts !== undefined && !this.policy.allowedHosts(o.hostname)) {
        why = 'names a host that is not in allowedHosts';
      }
    }
    if (why !== undefined) {
      this.emit(
        {
          code: HttpWarningCodes.TARGET_HOST_REFUSED,
          value: clip(target),
          message: `the absolute-form request target "${clip(target)}" ${why}: refused with 400`,
        },
        req,
      );
      return BAD_TARGET;
    }
    const start = target.indexOf('//') + 2;
    let end = start;
    while (end < target.length) {
      const c = target.charCodeAt(end);
      if (c === 0x2f || c === 0x3f || c === 0x23) break;
      end++;
    }
    const rest = target.slice(end);
    const originForm =
      rest.length === 0 || rest.charCodeAt(0) === 0x23
        ? '/'
        : rest.charCodeAt(0) === 0x3f
          ? `/${rest}`
          : rest;
    this.access.setTarget(req, originForm);
    void view;
    return undefined;
  }

  private probe(req: R, view: View): Answer | undefined {
    const target = this.access.target(req);
    const p = this.probePath;
    if (!target.startsWith(p)) return undefined;
    if (target.length > p.length && target.charCodeAt(p.length) !== 0x3f) return undefined;
    if (this.access.method(req) !== 'GET') return undefined;
    const sig = this.access.header(req, PROBE_HEADER);
    if (sig === undefined) return undefined;
    const now = Date.now();
    let ok = false;
    for (const s of this.probeSecrets!) {
      if (
        verifyProbe(s, sig, p, now, this.probeWindow) ||
        (view.prefix !== undefined && verifyProbe(s, sig, view.prefix + p, now, this.probeWindow))
      ) {
        ok = true;
      }
    }
    if (!ok) return undefined;
    const body = JSON.stringify({
      version: PROBE_VERSION,
      probe: 'proxytrust',
      view, // JSON.stringify calls the view's toJSON()
      forwarded: forwardedLines(this.access.headers(req)),
      warnings: [...view.warnings, ...this.policy.warnings],
    });
    return {
      status: 200,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(Buffer.byteLength(body)),
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      },
      body,
    };
  }

  private redirect(req: R, view: View): Answer | undefined {
    const target = this.access.target(req);
    if (target.charCodeAt(0) !== 0x2f) return undefined; // `OPTIONS *`
    if (this.redirectExempt(req, pathOf(target))) return undefined;
    this.diagnoseScheme(req, view);
    const hostname = this.redirectHost ?? view.hostname;
    if (hostname === undefined) return BAD_HOST;
    const m = this.access.method(req);
    const location = `https://${formatHost(hostname, this.redirectPort, 'https')}${view.prefix ?? ''}${target}`;
    return {
      status: m === 'GET' || m === 'HEAD' ? this.statusForGet : this.statusForOther,
      headers: { location, 'content-length': '0', 'cache-control': 'no-store' },
      body: '',
    };
  }

  /**
   * The loop guard's voice: an insecure request is about to be redirected. If a proxy is
   * in front and the app cannot see its scheme, every request is redirected forever.
   */
  private diagnoseScheme(req: R, view: View): void {
    if (view.peerTrusted && view.sources.scheme.from !== 'socket') return;
    const lines = forwardedLines(this.access.headers(req));
    const present = SCHEME_HEADERS.filter((h) => lines[h] !== undefined);
    if (!view.peerTrusted) {
      if (present.length === 0 || !this.diagDue(HttpWarningCodes.REDIRECT_UNTRUSTED_SCHEME)) return;
      this.diag(
        {
          code: HttpWarningCodes.REDIRECT_UNTRUSTED_SCHEME,
          header: present[0]!,
          value: clip(lines[present[0]!]!.join(', ')),
          message: `${view.peer} sent ${present.join(', ')} but is not in trustedProxies, so the request counts as http and is redirected to https. If ${view.peer} is your TLS-terminating proxy, this is a redirect loop: add ${view.peer} (or its network) to trustedProxies`,
        },
        req,
      );
      return;
    }
    if (!this.diagDue(HttpWarningCodes.REDIRECT_NO_SCHEME)) return;
    const believed = this.policy.headers as readonly string[];
    const unbelieved = present.filter((h) => !believed.includes(h));
    let message: string;
    if (unbelieved.length > 0) {
      message = `the trusted proxy ${view.peer} sent ${unbelieved.join(', ')}, but the policy's headers do not name ${unbelieved.length > 1 ? 'them' : 'it'}, so every request counts as http and is redirected to https (a loop behind a TLS proxy): if your proxy writes ${unbelieved.length > 1 ? 'them' : 'it'} (and overwrites what clients send), add ${unbelieved.map((h) => `'${h}'`).join(', ')} to headers`;
    } else if (present.length > 0) {
      message = `the trusted proxy ${view.peer} sent ${present.join(', ')}, but no value was believed (see this request's warnings), so the request counts as http and is redirected to https: make the proxy set exactly one value, and overwrite rather than append`;
    } else {
      message = `the trusted proxy ${view.peer} sent no scheme information, so every request counts as http and is redirected to https (a loop behind a TLS proxy): make the proxy set X-Forwarded-Proto (nginx: proxy_set_header X-Forwarded-Proto $scheme; HAProxy: http-request set-header X-Forwarded-Proto https if { ssl_fc }) or Forwarded proto=, and name that header in headers`;
    }
    this.diag({ code: HttpWarningCodes.REDIRECT_NO_SCHEME, message }, req);
  }

  /** The CSRF origin check (Django 4 rules). Returns the 403, or undefined to go on. */
  csrf(req: R, view: View): Answer | undefined {
    if (!this.csrfOn) return undefined;
    const m = this.access.method(req);
    if (m === 'GET' || m === 'HEAD' || m === 'OPTIONS' || m === 'TRACE') return undefined;
    if (this.csrfExempt(req, pathOf(this.access.target(req)))) return undefined;
    const origin = this.access.header(req, 'origin');
    if (origin !== undefined) {
      const o = parseOrigin(origin);
      if (o !== undefined && this.originOk(o, view)) return undefined;
      return this.refuseCsrf(req, 'origin', origin);
    }
    // Django checks the Referer only on secure requests without an Origin.
    if (!view.secure) return undefined;
    const referer = this.access.header(req, 'referer');
    if (referer === undefined) return this.refuseCsrf(req, 'no-referer', undefined);
    const r = parseOrigin(referer);
    if (r === undefined) return this.refuseCsrf(req, 'malformed-referer', referer);
    if (r.scheme !== 'https') return this.refuseCsrf(req, 'insecure-referer', referer);
    if (this.originOk(r, view)) return undefined;
    return this.refuseCsrf(req, 'bad-referer', referer);
  }

  /** Is `o` the resolved origin (`scheme://host`) or a trusted origin? */
  originOk(o: ParsedOrigin, view: View): boolean {
    if (
      view.hostname !== undefined &&
      o.scheme === view.scheme &&
      o.hostname === view.hostname &&
      o.port === view.port
    ) {
      return true;
    }
    return this.trustedOrigins?.(o) === true;
  }

  private refuseCsrf(req: R, reason: CsrfReason, value: string | undefined): Answer {
    const a = CSRF_REASONS[reason];
    this.emit(
      {
        code: HttpWarningCodes.CSRF_REFUSED,
        header: reason === 'origin' ? 'origin' : 'referer',
        value: value === undefined ? undefined : clip(value),
        message: `CSRF check refused the request (${reason})${value === undefined ? '' : `: "${clip(value)}"`}; ${a.body.trim()}`,
      },
      req,
    );
    return a;
  }

  /**
   * Cookie rules for a response: on a secure one, the lines with Secure added (or
   * undefined when nothing changes); on an insecure one, the diagnostics.
   */
  cookies(lines: readonly string[], secure: boolean, req: R): string[] | undefined {
    if (secure) return this.secureCookies ? addSecure(lines) : undefined;
    const session = this.sessionCookies;
    if (session === undefined) return undefined;
    for (const line of lines) {
      const name = cookieName(line);
      if (hasSecure(line)) {
        if (this.diagDue(`SECURE_COOKIE_ON_HTTP:${name}`)) {
          this.diag(
            {
              code: HttpWarningCodes.SECURE_COOKIE_ON_HTTP,
              header: 'set-cookie',
              value: clip(name),
              message: `cookie "${clip(name)}" is marked Secure on an http response, so browsers drop it. If the site is https behind a proxy, the app does not see the scheme: check trustedProxies and the proxy's X-Forwarded-Proto`,
            },
            req,
          );
        }
      } else if (session.test(name) && this.diagDue(`SESSION_COOKIE_INSECURE:${name}`)) {
        this.diag(
          {
            code: HttpWarningCodes.SESSION_COOKIE_INSECURE,
            header: 'set-cookie',
            value: clip(name),
            message: `session-like cookie "${clip(name)}" is sent without Secure on an http response; over https it would get Secure (secureCookies). If the site is https behind a proxy, the app does not see the scheme`,
          },
          req,
        );
      }
    }
    return undefined;
  }

  /**
   * Report a warning to onWarning. Without a hook, a policy warning (no request) goes to
   * the default log unthrottled, and a request's warning nowhere: the default log takes
   * only the forging attempts and the diagnostics, rate-limited, through their own paths.
   */
  emit(w: HttpWarning, req: R | undefined): void {
    if (this.onWarning !== undefined) {
      try {
        this.onWarning(w, req);
      } catch {
        // A throwing hook must not break the request.
      }
    } else if (req === undefined && this.log !== undefined) {
      writeWarningLine(w, safe(w.message));
    }
  }

  /** Who sent a logged request, and what it asked for: ` (peer 192.0.2.1, GET /path)`. */
  private context(req: R, view: View): string {
    return ` (peer ${view.peer ?? 'unknown'}, ${this.access.method(req)} ${clip(this.access.target(req))})`;
  }

  private diagDue(key: string): boolean {
    const now = Date.now();
    const last = this.diagLast.get(key);
    if (last !== undefined && now - last < this.diagEvery) return false;
    if (this.diagLast.size > 1000) this.diagLast.clear();
    this.diagLast.set(key, now);
    return true;
  }

  /** A diagnostic (already rate-limited per key): to onWarning when given, else the default log. */
  private diag(w: HttpWarning, req: R): void {
    if (this.onWarning !== undefined) this.emit(w, req);
    else this.log?.add(w);
  }

  private debug(req: R, view: View, headers: HeaderInput): void {
    const lines = forwardedLines(headers);
    const shown = Object.entries(lines)
      .map(([k, v]) => `${k}=${v.map((x) => JSON.stringify(clip(x))).join('|')}`)
      .join(' ');
    const codes = view.warnings.map((w) => w.code).join(',');
    this.debugLine!(
      `proxytrust ${this.access.method(req)} ${clip(this.access.target(req))} scheme=${view.scheme} host=${view.host ?? '-'} client=${view.clientIp ?? '-'} peer=${view.peer}${view.peerTrusted ? ' (trusted)' : ''}${shown ? ` ${shown}` : ''}${codes ? ` warnings=${codes}` : ''}`,
    );
  }
}

function clip(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}
