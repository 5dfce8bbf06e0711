/**
 * The audit's request engine: raw HTTP/1.1 over TCP or TLS, sent exactly as written.
 *
 * A normal client normalises requests (merges duplicate headers, rewrites the Host, refuses
 * absolute-form targets, ties the Host to the SNI). An audit must not: it sends duplicate
 * header lines, absolute-form targets and a Host that differs from the SNI exactly as the
 * check wrote them. Every request is bounded in time (connect, first byte, total), in
 * header and body size; every failure becomes a {@link RequestError} with a clear message
 * and a `kind`. Nothing here ever waits without a timer.
 */

/**
 * The audit's request engine: raw HTTP/1.1 over TCP or TLS, sent exactly as written.
 *
 * A normal client normalises requests (merges duplicate headers, rewrites the Host, refuses
 * absolute-form targets, ties the Host to the SNI). An audit must not: it sends duplicate
 * header lines, absolute-form targets and a Host that differs from the SNI exactly as the
 * check wrote them. Every request is bounded in time (connect, first byte, total), in
 * header and body size; every failure becomes a {@link RequestError} with a clear message
 * and a `kind`. Nothing here ever waits without a timer.
 */
import net, { isIP } from 'node:net';
import tls from 'node:tls';
import { type NetworkRules, NO_RULES, route } from './network.js';

/** How long and how much one request may take. */
export interface RequestLimits {
  /** TCP connect plus TLS handshake, in ms (default 5000). */
  readonly connectMs: number;
  /** From the request written to the first response byte, in ms (default 5000). */
  readonly firstByteMs: number;
  /** The whole exchange, in ms (default 10000). */
  readonly totalMs: number;
  /** The response head (status line and headers), in bytes (default 64 KiB). */
  readonly maxHeaderBytes: number;
  /** The response body kept; the rest is not read (default 1 MiB). */
  readonly maxBodyBytes: number;
  /**
   * The chunks (and trailer lines) of a chunked body read; the rest is not read and the
   * body counts as cut (default 4096). Bounds the work per response: a body of 1-byte
   * chunks would otherwise cost a step per byte.
   */
  readonly maxChunks: number;
}

/** The default limits. */
export const DEFAULT_LIMITS: RequestLimits = Object.freeze({
  connectMs: 5000,
  firstByteMs: 5000,
  totalMs: 10000,
  maxHeaderBytes: 64 * 1024,
  maxBodyBytes: 1024 * 1024,
  maxChunks: 4096,
});

/** TLS settings for https requests. */
export interface TlsSettings {
  /** Extra trusted CA certificates (PEM), as with `--cacert`. */
  readonly ca?: string | Buffer | undefined;
  /** Skip certificate verification (`--insecure`). */
  readonly insecure?: boolean | undefined;
}

/** Everything the engine needs besides the request itself. */
export interface EngineOptions {
  readonly rules?: NetworkRules;
  readonly tls?: TlsSettings;
  readonly limits?: Partial<RequestLimits>;
  /**
   * A TLS session cache shared by the requests of one audit (keyed by address, port and
   * server name), so that repeated https requests resume instead of a full handshake.
   */
  readonly tlsSessions?: Map<string, Buffer> | undefined;
  /** The local address to connect from (curl's `--interface`), e.g. another loopback address. */
  readonly localAddress?: string | undefined;
}

/** One request, exactly as it will be written. */
export interface RawRequest {
  /** Where to connect: scheme, host and port come from here (and the SNI for https). */
  readonly url: URL;
  /** Default `GET`. */
  readonly method?: string;
  /** The request-target as written (default: the URL's path and query). */
  readonly target?: string;
  /**
   * Header lines, in order, duplicates kept. A `Host` line is added first only when none is
   * given; `Connection: close` and `User-Agent` are added when absent; `Content-Length`
   * when there is a body and none is given.
   */
  readonly headers?: readonly (readonly [string, string])[];
  readonly body?: string;
  /** The TLS server name (SNI); default the URL's host name unless it is an IP literal. */
  readonly servername?: string;
}

/** A parsed response. Header names keep their case and order. */
export interface RawResponse {
  readonly httpVersion: string;
  readonly status: number;
  readonly reason: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** True when the body was longer than maxBodyBytes and was cut. */
  readonly bodyTruncated: boolean;
  /** Where the connection went. */
  readonly remote: string;
  readonly timings: {
    readonly connectMs: number;
    readonly firstByteMs: number;
    readonly totalMs: number;
  };
}

/** What went wrong with a request. */
export type RequestErrorKind =
  | 'dns'
  | 'refused'
  | 'connect'
  | 'tls'
  | 'timeout'
  | 'reset'
  | 'protocol'
  | 'too-large';

/** A request that got no usable response; `message` says why, for people. */
export class RequestError extends Error {
  override readonly name = 'RequestError';
  constructor(
    readonly kind: RequestErrorKind,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

/** The values of a header (case-insensitive), in order. */
export function headerValues(
  res: { headers: readonly (readonly [string, string])[] },
  name: string,
): string[] {
  const n = name.toLowerCase();
  const out: string[] = [];
  for (const [k, v] of res.headers) if (k.toLowerCase() === n) out.push(v);
  return out;
}

/** The first value of a header, or undefined. */
export function headerValue(
  res: { headers: readonly (readonly [string, string])[] },
  name: string,
): string | undefined {
  return headerValues(res, name)[0];
}

/** The `host[:port]` authority of a URL, as a Host header (brackets kept for IPv6). */
export function authorityOf(url: URL): string {
  return url.host;
}

/** The URL's host name without IPv6 brackets. */
export function hostnameOf(url: URL): string {
  const h = url.hostname;
  return h.startsWith('[') ? h.slice(1, -1) : h;
}

/** The URL's port, or the scheme's default. */
export function portOf(url: URL): number {
  return url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Serialise the request head (and body) exactly as it will be sent. */
export function serializeRequest(req: RawRequest): string {
  const method = req.method ?? 'GET';
  const target = req.target ?? `${req.url.pathname}${req.url.search}`;
  if (!TOKEN.test(method)) throw new TypeError(`bad method ${JSON.stringify(method)}`);
  if (/[\s]/.test(target)) throw new TypeError(`bad request-target ${JSON.stringify(target)}`);
  const given = req.headers ?? [];
  const has = (n: string) => given.some(([k]) => k.toLowerCase() === n);
  const lines: string[] = [`${method} ${target} HTTP/1.1`];
  if (!has('host')) lines.push(`Host: ${authorityOf(req.url)}`);
  for (const [k, v] of given) {
    if (!TOKEN.test(k) || /[\r\n]/.test(v))
      throw new TypeError(`bad header line ${JSON.stringify(`${k}: ${v}`)}`);
    lines.push(`${k}: ${v}`);
  }
  if (!has('user-agent')) lines.push('User-Agent: proxytrust-audit/0.1');
  if (!has('connection')) lines.push('Connection: close');
  if (req.body !== undefined && !has('content-length') && !has('transfer-encoding')) {
    lines.push(`Content-Length: ${Buffer.byteLength(req.body)}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n${req.body ?? ''}`;
}

/** Certificate verification failures (OpenSSL's and Node's codes). */
export const CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Every TLS failure: the certificate's, and the handshake's own. */
const TLS_CODES: ReadonlySet<string> = new Set([
  ...CERTIFICATE_CODES,
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'EPROTO',
]);

function classify(
  err: NodeJS.ErrnoException,
  where: string,
  tlsPhase: boolean,
  host: string,
): RequestError {
  const code = err.code ?? '';
  if (
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EAI_NODATA' ||
    code === 'EAI_FAIL'
  ) {
    return new RequestError('dns', `DNS lookup of ${host} failed (${code})`, code);
  }
  if (code === 'ECONNREFUSED')
    return new RequestError('refused', `connection refused by ${where}`, code);
  if (code === 'ECONNRESET' || code === 'EPIPE') {
    return new RequestError(
      'reset',
      `connection to ${where} reset by the peer${tlsPhase ? ' during the TLS handshake' : ''}`,
      code,
    );
  }
  if (TLS_CODES.has(code) || code.startsWith('ERR_SSL') || code.startsWith('ERR_TLS') || tlsPhase) {
    return new RequestError(
      'tls',
      `TLS handshake with ${where} failed: ${err.message}${code ? ` (${code})` : ''}`,
      code,
    );
  }
  return new RequestError(
    'connect',
    `cannot connect to ${where}: ${err.message}${code ? ` (${code})` : ''}`,
    code,
  );
}

const contexts = new Map<string, tls.SecureContext>();

/**
 * A secure context trusting the system roots plus `ca`, built once per CA: parsing the
 * root store for every connection would cost milliseconds per request.
 */
function contextWithCa(ca: string): tls.SecureContext {
  let c = contexts.get(ca);
  if (!c) {
    if (contexts.size > 32) contexts.clear();
    c = tls.createSecureContext({ ca: [...tls.rootCertificates, ca] });
    contexts.set(ca, c);
  }
  return c;
}

interface ParseState {
  head?: { httpVersion: string; status: number; reason: string; headers: [string, string][] };
  framing?: 'none' | 'length' | 'chunked' | 'close';
  remaining: number;
  /** The body read so far: one buffer, grown by doubling up to maxBodyBytes. */
  body: Buffer;
  bodyBytes: number;
  /** Chunk-size and trailer lines read (chunked framing). */
  chunks: number;
  truncated: boolean;
  /** chunked decoder: where it is, and the bytes left in the current chunk */
  chunkState: 'size' | 'data' | 'crlf' | 'trailers';
  chunkLeft: number;
}

/**
 * Send one request and read its response within the limits. Resolves with the response or
 * rejects with a {@link RequestError}; never both, never neither (every wait has a timer).
 */
export function sendRaw(req: RawRequest, options: EngineOptions = {}): Promise<RawResponse> {
  const limits: RequestLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const rules = options.rules ?? NO_RULES;
  const secure = req.url.protocol === 'https:';
  if (!secure && req.url.protocol !== 'http:') {
    return Promise.reject(new RequestError('protocol', `unsupported scheme ${req.url.protocol}`));
  }
  let payload: string;
  try {
    payload = serializeRequest(req);
  } catch (e) {
    return Promise.reject(new RequestError('protocol', (e as Error).message));
  }
  const urlHost = hostnameOf(req.url);
  const dest = route(rules, urlHost, portOf(req.url));
  const connectHost = dest.host.startsWith('[') ? dest.host.slice(1, -1) : dest.host;
  const where = `${isIP(connectHost) === 6 ? `[${connectHost}]` : connectHost}:${dest.port}`;
  const isHead = (req.method ?? 'GET').toUpperCase() === 'HEAD';

  return new Promise<RawResponse>((resolvePromise, rejectPromise) => {
    const t0 = performance.now();
    let tConnect = 0;
    let tFirst = 0;
    let settled = false;
    let connected = false;
    let buffered: Buffer = Buffer.alloc(0);
    const st: ParseState = {
      remaining: 0,
      body: Buffer.alloc(0),
      bodyBytes: 0,
      chunks: 0,
      truncated: false,
      chunkState: 'size',
      chunkLeft: 0,
    };
    const timers: NodeJS.Timeout[] = [];
    let firstByteTimer: NodeJS.Timeout | undefined;

    let socket: net.Socket;
    const servername = req.servername ?? (isIP(urlHost) ? undefined : urlHost);
    if (secure) {
      const insecure = options.tls?.insecure === true;
      const ca = options.tls?.ca;
      const cache = options.tlsSessions;
      const key = `${connectHost}|${dest.port}|${servername ?? ''}|${insecure}`;
      const session = cache?.get(key);
      socket = tls.connect({
        ...(session ? { session } : {}),
        host: connectHost,
        port: dest.port,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
        ...(servername ? { servername } : {}),
        ...(ca ? { secureContext: contextWithCa(ca.toString()) } : {}),
        rejectUnauthorized: !insecure,
        ALPNProtocols: ['http/1.1'],
        checkServerIdentity: (_name, cert) => tls.checkServerIdentity(urlHost, cert),
      });
      if (cache) {
        socket.on('session', (s: Buffer) => {
          if (cache.size > 256) cache.clear();
          cache.set(key, s);
        });
      }
    } else {
      socket = net.connect({
        host: connectHost,
        port: dest.port,
        ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      });
    }

    const finish = (err: RequestError | undefined, res?: RawResponse) => {
      if (settled) return;
      settled = true;
      for (const t of timers) clearTimeout(t);
      if (firstByteTimer) clearTimeout(firstByteTimer);
      socket.removeAllListeners('data');
      socket.on('error', () => {});
      socket.destroy();
      if (err) rejectPromise(err);
      else resolvePromise(res!);
    };

    const complete = () => {
      const h = st.head!;
      finish(undefined, {
        httpVersion: h.httpVersion,
        status: h.status,
        reason: h.reason,
        headers: h.headers,
        body: Buffer.from(st.body.subarray(0, st.bodyBytes)),
        bodyTruncated: st.truncated,
        remote: where,
        timings: { connectMs: tConnect, firstByteMs: tFirst, totalMs: performance.now() - t0 },
      });
    };

    timers.push(
      setTimeout(() => {
        finish(
          new RequestError(
            'timeout',
            `no complete response from ${where} within ${limits.totalMs} ms (total time limit)`,
          ),
        );
      }, limits.totalMs),
    );
    timers.push(
      setTimeout(() => {
        if (!connected) {
          finish(
            new RequestError(
              'timeout',
              `${secure && socket.remoteAddress ? 'TLS handshake' : 'TCP connect'} to ${where} did not finish within ${limits.connectMs} ms`,
            ),
          );
        }
      }, limits.connectMs),
    );

    const onConnected = () => {
      connected = true;
      tConnect = performance.now() - t0;
      socket.write(payload);
      firstByteTimer = setTimeout(() => {
        finish(
          new RequestError(
            'timeout',
            `no response from ${where} within ${limits.firstByteMs} ms after the request was sent`,
          ),
        );
      }, limits.firstByteMs);
    };
    socket.once(secure ? 'secureConnect' : 'connect', onConnected);

    socket.on('error', (err: NodeJS.ErrnoException) => {
      if (st.head && st.framing === 'close') {
        complete();
        return;
      }
      finish(classify(err, where, secure && !connected, urlHost));
    });
    socket.on('close', () => {
      if (settled) return;
      if (st.head && st.framing === 'close') complete();
      else if (st.head)
        finish(
          new RequestError(
            'protocol',
            `connection to ${where} closed before the response body was complete`,
          ),
        );
      else if (!connected)
        finish(
          new RequestError(
            secure ? 'tls' : 'reset',
            `connection to ${where} closed before ${secure ? 'the TLS handshake finished' : 'it was established'}`,
          ),
        );
      else if (buffered.length === 0)
        finish(new RequestError('reset', `connection to ${where} closed without a response`));
      else
        finish(
          new RequestError(
            'protocol',
            `connection to ${where} closed in the middle of the response head`,
          ),
        );
    });

    /** Keep body bytes (copied: no reference to the socket's buffers); false when the cap is hit. */
    const pushBody = (chunk: Buffer): boolean => {
      const room = limits.maxBodyBytes - st.bodyBytes;
      const take = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (take.length > 0) {
        const need = st.bodyBytes + take.length;
        if (need > st.body.length) {
          const grown = Buffer.allocUnsafe(
            Math.min(limits.maxBodyBytes, Math.max(need, st.body.length * 2, 16 * 1024)),
          );
          st.body.copy(grown, 0, 0, st.bodyBytes);
          st.body = grown;
        }
        take.copy(st.body, st.bodyBytes);
        st.bodyBytes = need;
      }
      if (chunk.length > room) {
        st.truncated = true;
        return false;
      }
      return true;
    };

    /** Feed body bytes; returns true when the response is complete. */
    const feedBody = (data: Buffer): boolean => {
      if (st.framing === 'none') return true;
      if (st.framing === 'close') return !pushBody(data);
      if (st.framing === 'length') {
        const take = data.subarray(0, st.remaining);
        st.remaining -= take.length;
        if (!pushBody(take)) return true;
        return st.remaining === 0;
      }
      // chunked: size line, data, CRLF, ..., 0, trailers, empty line
      let buf: Buffer = buffered.length ? Buffer.concat([buffered, data]) : data;
      buffered = Buffer.alloc(0);
      for (;;) {
        if (st.chunkState === 'size' || st.chunkState === 'trailers') {
          const end = buf.indexOf('\r\n');
          if (end < 0) {
            if (buf.length > 4096)
              throw new RequestError('protocol', `bad chunked framing from ${where}`);
            buffered = buf;
            return false;
          }
          if (++st.chunks > limits.maxChunks) {
            // the work per response is bounded: stop reading, keep what came, as with the body cap
            st.truncated = true;
            return true;
          }
          const line = buf.subarray(0, end).toString('latin1');
          buf = buf.subarray(end + 2);
          if (st.chunkState === 'trailers') {
            if (line === '') return true;
            continue;
          }
          const sizeText = line.split(';')[0]!.trim();
          if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) {
            throw new RequestError(
              'protocol',
              `bad chunk size ${JSON.stringify(sizeText.slice(0, 20))} from ${where}`,
            );
          }
          st.chunkLeft = Number.parseInt(sizeText, 16);
          st.chunkState = st.chunkLeft === 0 ? 'trailers' : 'data';
          continue;
        }
        if (st.chunkState === 'data') {
          if (buf.length === 0) return false;
          const take = buf.subarray(0, st.chunkLeft);
          st.chunkLeft -= take.length;
          buf = buf.subarray(take.length);
          if (!pushBody(take)) return true;
          if (st.chunkLeft === 0) st.chunkState = 'crlf';
          continue;
        }
        // crlf after the chunk data
        if (buf.length < 2) {
          buffered = buf;
          return false;
        }
        buf = buf.subarray(2);
        st.chunkState = 'size';
      }
    };

    const parseHead = (text: string) => {
      const lines = text.split('\r\n');
      const m = /^HTTP\/(\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0] ?? '');
      if (!m)
        throw new RequestError(
          'protocol',
          `not an HTTP/1.x response from ${where}: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`,
        );
      const headers: [string, string][] = [];
      for (const line of lines.slice(1)) {
        if (/^[ \t]/.test(line) && headers.length > 0) {
          const last = headers[headers.length - 1]!;
          last[1] = `${last[1]} ${line.trim()}`;
          continue;
        }
        const c = line.indexOf(':');
        if (c <= 0)
          throw new RequestError(
            'protocol',
            `bad header line from ${where}: ${JSON.stringify(line.slice(0, 80))}`,
          );
        headers.push([line.slice(0, c).trim(), line.slice(c + 1).trim()]);
      }
      return { httpVersion: m[1]!, status: Number(m[2]), reason: m[3] ?? '', headers };
    };

    socket.on('data', (data: Buffer) => {
      if (settled) return;
      try {
        if (tFirst === 0) {
          tFirst = performance.now() - t0;
          if (firstByteTimer) clearTimeout(firstByteTimer);
        }
        if (!st.head) {
          buffered = buffered.length ? Buffer.concat([buffered, data]) : data;
          for (;;) {
            const end = buffered.indexOf('\r\n\r\n');
            if (end < 0) {
              if (buffered.length > limits.maxHeaderBytes) {
                throw new RequestError(
                  'too-large',
                  `response head from ${where} exceeds ${limits.maxHeaderBytes} bytes`,
                );
              }
              return;
            }
            if (end > limits.maxHeaderBytes) {
              throw new RequestError(
                'too-large',
                `response head from ${where} exceeds ${limits.maxHeaderBytes} bytes`,
              );
            }
            const head = parseHead(buffered.subarray(0, end).toString('latin1'));
            buffered = buffered.subarray(end + 4);
            if (head.status >= 100 && head.status < 200 && head.status !== 101) continue; // interim
            st.head = head;
            break;
          }
          const h = st.head;
          const te = headerValues(h, 'transfer-encoding').join(',').toLowerCase();
          const cl = headerValues(h, 'content-length');
          if (isHead || h.status === 204 || h.status === 304 || h.status === 101)
            st.framing = 'none';
          else if (te.includes('chunked')) st.framing = 'chunked';
          else if (cl.length > 0) {
            const distinct = new Set(cl.flatMap((v) => v.split(',').map((x) => x.trim())));
            const only = [...distinct][0]!;
            if (distinct.size !== 1 || !/^\d{1,15}$/.test(only)) {
              throw new RequestError(
                'protocol',
                `bad Content-Length from ${where}: ${cl.join(', ')}`,
              );
            }
            st.framing = 'length';
            st.remaining = Number(only);
            if (st.remaining === 0) st.framing = 'none';
          } else st.framing = 'close';
          const rest = buffered;
          buffered = Buffer.alloc(0);
          if (st.framing === 'none' || feedBody(rest)) complete();
          return;
        }
        if (feedBody(data)) complete();
      } catch (e) {
        finish(e instanceof RequestError ? e : new RequestError('protocol', (e as Error).message));
      }
    });
  });
}
