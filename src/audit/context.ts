/**
 * What a check sees: the target, the options, the per-run canary, and a way to send
 * requests that records exactly what was sent (for the evidence and `--verbose`).
 */
import { randomBytes, randomInt } from 'node:crypto';
import { DEFAULT_PROBE_PATH, PROBE_HEADER, signProbe } from '../node/probe-auth.js';
import { CookieJar } from './cookie-jar.js';
import {
  DEFAULT_LIMITS,
  type EngineOptions,
  headerValue,
  headerValues,
  hostnameOf,
  portOf,
  type RawRequest,
  type RawResponse,
  RequestError,
  type RequestLimits,
  sendRaw,
  serializeRequest,
} from './engine.js';
import type { NetworkRules } from './network.js';
import { type ProbeAnswer, parseProbeAnswer } from './probe-answer.js';
import { escapeControls } from './report/escape.js';
import type { CheckId, Evidence } from './types.js';

/** Options for auditing one target. */
export interface TargetOptions {
  /** The https URL to audit. */
  readonly url: string;
  /** The plain-http entry point; default the same host and path on http (port 80). */
  readonly httpUrl?: string | undefined;
  readonly rules?: NetworkRules | undefined;
  /** Extra trusted CA certificates, PEM text (the content of `--cacert`). */
  readonly ca?: string | undefined;
  readonly insecure?: boolean | undefined;
  /** Health-check paths that must answer over http without a redirect. */
  readonly health?: readonly string[] | undefined;
  /** A path that accepts POST, for `csrf-origin`. */
  readonly csrfPath?: string | undefined;
  /** A page that sets cookies, for `cookie-flags` (default the URL's path). */
  readonly cookiePath?: string | undefined;
  /** The probe secret (the middleware's `probe.secret`); enables the probe checks. */
  readonly probeSecret?: string | undefined;
  /** The probe path (default `/.well-known/proxytrust/probe`). */
  readonly probePath?: string | undefined;
  /** The least HSTS max-age accepted, in seconds (default 15552000, 180 days). */
  readonly hstsMinAge?: number | undefined;
  /** Run only these checks. */
  readonly only?: readonly CheckId[] | undefined;
  /** Do not run these checks. */
  readonly skip?: readonly CheckId[] | undefined;
  /** The time limit of one request, in ms (default 10000); connect and first byte get at most 5000. */
  readonly timeoutMs?: number | undefined;
  /** Finer limits (header and body size, ...). */
  readonly limits?: Partial<RequestLimits> | undefined;
  /** The local address to connect from (`--interface`). */
  readonly localAddress?: string | undefined;
  /** Called with each request and response when set (`--verbose`). */
  readonly log?: ((text: string) => void) | undefined;
}

/** The most requests one audit has in flight at once (a deployment is audited, not load-tested). */
export const MAX_IN_FLIGHT = 6;

/** The default minimum HSTS max-age: 180 days. */
export const DEFAULT_HSTS_MIN_AGE = 15552000;

/** One request and its outcome. */
export interface Exchange {
  readonly label: string;
  readonly url: URL;
  /** The request exactly as sent. */
  readonly sent: string;
  readonly response?: RawResponse;
  readonly error?: RequestError;
}

/** The per-run canary: values no real deployment has, so a reflection is proof. */
export interface Canary {
  /** `canary-<hex>.invalid` */
  readonly host: string;
  /** A random address in a TEST-NET range (RFC 5737). */
  readonly ipv4: string;
  /** A random address in 2001:db8::/32 (RFC 3849). */
  readonly ipv6: string;
}

/** A fresh canary. */
export function makeCanary(): Canary {
  const hex = randomBytes(6).toString('hex');
  const nets = ['192.0.2', '198.51.100', '203.0.113'];
  const g = () => randomInt(1, 0xffff).toString(16);
  return {
    host: `canary-${hex}.invalid`,
    ipv4: `${nets[randomInt(0, 3)]}.${randomInt(1, 255)}`,
    ipv6: `2001:db8:${g()}:${g()}::${g()}`,
  };
}

export type { ProbeAnswer } from './probe-answer.js';

/** The header a probe adds to a CSRF refusal of a probe's own request (docs/probe-protocol.md). */
export const CSRF_REASON_HEADER = 'X-Proxytrust-Csrf-Reason';

/** The pages of the browsing session (see {@link AuditContext.session}). */
export interface Session {
  readonly root: Exchange;
  readonly cookiePage?: Exchange | undefined;
  readonly csrfPage?: Exchange | undefined;
}

/** The probe's outcome: the answer, or why there is none. */
export interface ProbeOutcome {
  readonly exchange: Exchange;
  readonly answer?: ProbeAnswer;
  /** Set when there is no answer: for people. */
  readonly problem?: string;
  /** True when the http probe was redirected (the http entry point never reaches the app). */
  readonly redirected?: boolean;
  /** Fields of the answer that had the wrong type and were ignored (`view.scheme`, ...). */
  readonly dropped?: readonly string[];
}

function defaultHttpUrl(url: URL): URL {
  const u = new URL(url.href);
  u.protocol = 'http:';
  u.port = '';
  return u;
}

/** The context handed to each check. */
export class AuditContext {
  readonly url: URL;
  readonly httpUrl: URL;
  readonly canary: Canary = makeCanary();
  readonly engine: EngineOptions;
  readonly hstsMinAge: number;
  readonly probePath: string;
  private readonly memo = new Map<string, Promise<Exchange>>();
  /** Requests in flight, and those waiting for a slot (at most MAX_IN_FLIGHT per target). */
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly probeMemo = new Map<string, Promise<ProbeOutcome>>();
  /** The audit's one cookie jar: every page fetched like a browser shares it. */
  readonly jar = new CookieJar();
  /** Every page fetched through the jar, in order (cookie-flags judges their Set-Cookie lines). */
  readonly pages: Exchange[] = [];
  private sessionMemo: Promise<Session> | undefined;

  constructor(readonly options: TargetOptions) {
    this.url = new URL(options.url);
    this.httpUrl = options.httpUrl ? new URL(options.httpUrl) : defaultHttpUrl(this.url);
    const total = options.timeoutMs ?? DEFAULT_LIMITS.totalMs;
    this.engine = {
      ...(options.rules ? { rules: options.rules } : {}),
      tls: { ca: options.ca, insecure: options.insecure },
      localAddress: options.localAddress,
      tlsSessions: new Map(),
      limits: {
        connectMs: Math.min(total, DEFAULT_LIMITS.connectMs),
        firstByteMs: Math.min(total, DEFAULT_LIMITS.firstByteMs),
        totalMs: total,
        ...options.limits,
      },
    };
    this.hstsMinAge = options.hstsMinAge ?? DEFAULT_HSTS_MIN_AGE;
    this.probePath = options.probePath ?? DEFAULT_PROBE_PATH;
  }

  /**
   * True for a URL on one of the audited entry points: the https URL's or the http URL's
   * own scheme, host and port. Redirects never leave them (not even to another port of
   * the same host: `https://app:8443/internal-admin` is another service).
   */
  isAuditedHost(url: URL): boolean {
    return [this.url, this.httpUrl].some(
      (u) =>
        url.protocol === u.protocol &&
        hostnameOf(url).toLowerCase() === hostnameOf(u).toLowerCase() &&
        portOf(url) === portOf(u),
    );
  }

  /** A URL on the https (or http) entry point with another path. */
  at(scheme: 'https' | 'http', path: string): URL {
    return new URL(path, scheme === 'https' ? this.url : this.httpUrl);
  }

  /** Send one request; never throws (the error is in the exchange). */
  async send(label: string, req: RawRequest): Promise<Exchange> {
    let sent: string;
    try {
      sent = serializeRequest(req);
    } catch (e) {
      return {
        label,
        url: req.url,
        sent: '',
        error: new RequestError('protocol', (e as Error).message),
      };
    }
    const log = this.options.log;
    if (this.inFlight >= MAX_IN_FLIGHT) await new Promise<void>((r) => this.waiting.push(r));
    this.inFlight++;
    try {
      const response = await sendRaw(req, this.engine);
      if (log) {
        // one line per header line: a bare LF inside a value must not start a line of its own
        const head = responseHead(response).map((l) => escapeControls(l));
        log(`> ${label}\n${indent(sent)}\n< ${head.join('\n  ')}\n`);
      }
      return { label, url: req.url, sent, response };
    } catch (e) {
      const error = e instanceof RequestError ? e : new RequestError('protocol', String(e));
      if (log) log(`> ${label}\n${indent(sent)}\n< error: ${error.message}\n`);
      return { label, url: req.url, sent, error };
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  /** Like {@link send}, but one request per key per run (shared by checks). */
  sendOnce(key: string, label: string, req: RawRequest): Promise<Exchange> {
    let p = this.memo.get(key);
    if (!p) {
      p = this.send(label, req);
      this.memo.set(key, p);
    }
    return p;
  }

  /**
   * Fetch a page the way a browser does: with the jar's cookies for that URL, and keeping
   * the cookies the response sets. `headers` are added after the Cookie line.
   */
  async page(
    label: string,
    req: Omit<RawRequest, 'headers'> & { headers?: readonly (readonly [string, string])[] },
  ): Promise<Exchange> {
    const cookie = this.jar.header(req.url);
    const ex = await this.send(label, {
      ...req,
      headers: [...(cookie ? [['Cookie', cookie] as const] : []), ...(req.headers ?? [])],
    });
    if (ex.response) {
      this.jar.storeAll(req.url, headerValues(ex.response, 'set-cookie'));
      this.pages.push(ex);
    }
    return ex;
  }

  /** Like {@link page}, one request per key per run. */
  pageOnce(key: string, label: string, url: URL): Promise<Exchange> {
    let p = this.memo.get(key);
    if (!p) {
      p = this.page(label, { url });
      this.memo.set(key, p);
    }
    return p;
  }

  /** The baseline GET of the https URL (shared; the session's first page). */
  baselineHttps(): Promise<Exchange> {
    return this.pageOnce('GET https', `GET ${this.url.href}`, this.url);
  }

  /** The baseline GET of the http URL (shared). */
  baselineHttp(): Promise<Exchange> {
    return this.pageOnce('GET http', `GET ${this.httpUrl.href}`, this.httpUrl);
  }

  /**
   * The browsing session, in order: the https root page, then `--cookie-path` and
   * `--csrf-path` over https (each once per run), all through the one jar, as a user who
   * opens the site and then the form would. Shared by cookie-flags and csrf-origin.
   */
  session(): Promise<Session> {
    this.sessionMemo ??= (async () => {
      const root = await this.baselineHttps();
      const cookiePath = this.options.cookiePath;
      const cookiePage = cookiePath
        ? await this.pageOnce(
            `GET https ${cookiePath}`,
            `GET ${this.at('https', cookiePath).href} (cookies)`,
            this.at('https', cookiePath),
          )
        : undefined;
      const csrfPath = this.options.csrfPath;
      const csrfPage = csrfPath
        ? await this.pageOnce(
            `GET https ${csrfPath}`,
            `GET ${this.at('https', csrfPath).href} (the form)`,
            this.at('https', csrfPath),
          )
        : undefined;
      return { root, cookiePage, csrfPage };
    })();
    return this.sessionMemo;
  }

  /**
   * The `X-Proxytrust-Probe` line that marks a request to `url` as a probe's own (so a probe
   * reports why the app's CSRF check refused it), or none without a probe secret.
   */
  probeMark(url: URL): [string, string][] {
    const secret = this.options.probeSecret;
    return secret ? [[PROBE_HEADER, signProbe(secret, url.pathname)]] : [];
  }

  /** The probe without extra headers over `scheme` (shared by the probe checks). */
  probeBaseline(scheme: 'https' | 'http'): Promise<ProbeOutcome> {
    let p = this.probeMemo.get(scheme);
    if (!p) {
      p = this.probe(scheme, `probe over ${scheme}`);
      this.probeMemo.set(scheme, p);
    }
    return p;
  }

  /**
   * Ask the probe what the app believed, over https or http, with extra header lines.
   * Requires `probeSecret`.
   */
  async probe(
    scheme: 'https' | 'http',
    label: string,
    headers: readonly (readonly [string, string])[] = [],
  ): Promise<ProbeOutcome> {
    const secret = this.options.probeSecret ?? '';
    const url = this.at(scheme, this.probePath);
    const exchange = await this.send(label, {
      url,
      headers: [...headers, [PROBE_HEADER, signProbe(secret, url.pathname)]],
    });
    const res = exchange.response;
    if (!res) return { exchange, problem: `probe request failed: ${exchange.error?.message}` };
    if (res.status >= 300 && res.status < 400) {
      return { exchange, redirected: true, problem: `probe was redirected (${res.status})` };
    }
    if (res.status !== 200) {
      return {
        exchange,
        problem: `probe answered ${res.status}: does the app run a probe (proxytrust's middleware, or a shipped probe) with this secret at ${this.probePath}?`,
      };
    }
    const parsed = parseProbeAnswer(res.body.toString('utf8'));
    if (!parsed.answer) return { exchange, problem: parsed.problem ?? 'no probe answer' };
    return {
      exchange,
      answer: parsed.answer,
      ...(parsed.dropped.length > 0 ? { dropped: parsed.dropped } : {}),
    };
  }
}

function indent(text: string): string {
  return text
    .replace(/\r\n\r\n$/, '')
    .split('\r\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

/** The status line and every header line of a response. */
export function responseHead(res: RawResponse): string[] {
  return [
    `HTTP/${res.httpVersion} ${res.status} ${res.reason}`.trimEnd(),
    ...res.headers.map(([k, v]) => `${k}: ${v}`),
  ];
}

const MATTER = new Set(['location', 'strict-transport-security', 'set-cookie']);

/**
 * Evidence from an exchange: the request as sent, the status line, the header lines that
 * matter (Location, HSTS, Set-Cookie, plus `also`), and extra notes such as body excerpts.
 */
export function evidence(
  ex: Exchange,
  also: readonly string[] = [],
  notes: readonly string[] = [],
): Evidence {
  const request = ex.sent
    .replace(/\r\n\r\n$/, '')
    .replace(/\r\n/g, '\n')
    .replace(/sig=[0-9a-f]{64}/g, 'sig=<hmac>');
  if (!ex.response) return { label: ex.label, request, error: ex.error?.message ?? 'no response' };
  const res = ex.response;
  const want = new Set([...MATTER, ...also.map((a) => a.toLowerCase())]);
  const lines = [`HTTP/${res.httpVersion} ${res.status} ${res.reason}`.trimEnd()];
  for (const [k, v] of res.headers) if (want.has(k.toLowerCase())) lines.push(`${k}: ${v}`);
  return {
    label: ex.label,
    request,
    response: [...lines, ...notes.filter((n) => !lines.includes(n))],
  };
}

/** True for a 3xx with a Location. */
export function isRedirect(res: RawResponse | undefined): boolean {
  return (
    !!res && res.status >= 300 && res.status < 400 && headerValue(res, 'location') !== undefined
  );
}

/**
 * True for a redirect of an https request to the very same URL (host, path and query) on
 * https: whoever answered believes the https request is plain http (a redirect loop).
 */
export function selfRedirect(ex: Exchange): boolean {
  if (!ex.response || !isRedirect(ex.response) || ex.url.protocol !== 'https:') return false;
  const to = redirectTarget(ex.response, ex.url);
  return (
    to?.protocol === 'https:' &&
    to.host.toLowerCase() === ex.url.host.toLowerCase() &&
    to.pathname === ex.url.pathname &&
    to.search === ex.url.search
  );
}

/** The absolute target of a redirect, or undefined when the Location does not parse. */
export function redirectTarget(res: RawResponse, base: URL): URL | undefined {
  const loc = headerValue(res, 'location');
  if (loc === undefined) return undefined;
  try {
    return new URL(loc, base);
  } catch {
    return undefined;
  }
}

/**
 * Where a canary appears in a response: header lines and body excerpts. Empty when nowhere.
 */
export function findReflections(res: RawResponse, token: string): string[] {
  const out: string[] = [];
  const t = token.toLowerCase();
  for (const [k, v] of res.headers) {
    if (v.toLowerCase().includes(t)) out.push(`${k}: ${v}`);
  }
  const body = res.body.toString('latin1');
  const lower = body.toLowerCase();
  let i = lower.indexOf(t);
  let n = 0;
  while (i >= 0 && n < 3) {
    const from = Math.max(0, i - 40);
    out.push(`body: …${body.slice(from, i + t.length + 40).replace(/\s+/g, ' ')}…`);
    i = lower.indexOf(t, i + t.length);
    n++;
  }
  return out;
}
