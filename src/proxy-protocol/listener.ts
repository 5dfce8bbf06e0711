/**
 * The PROXY protocol listener: wraps a `net`, `http`, `https`, `http2` or `tls` server so
 * that each TCP connection's PROXY header is read, checked against a per-source policy
 * and stripped before the server (and TLS) sees the connection.
 */
import type { Server, Socket } from 'node:net';
import { compileTrustList } from '../core/address.js';
import { ProxyHeaderDecoder } from './decoder.js';
import { type ProxyHeaderPolicy, setState } from './facts.js';
import { interceptConnections } from './intercept.js';
import {
  DEFAULT_MAX_HEADER_SIZE,
  type DecodeResult,
  ProxyProtocolError,
  type ProxyProtocolErrorCode,
} from './types.js';

/** The default header timeout: the connection is closed if the header is not complete. */
export const DEFAULT_HEADER_TIMEOUT_MS = 3000;

const POLICIES: readonly ProxyHeaderPolicy[] = ['require', 'use', 'ignore', 'reject', 'skip'];

/** The real TCP peer a policy is chosen for. */
export interface ProxySource {
  readonly address: string;
  readonly port: number | undefined;
}

/** A connection the listener closed, and why. */
export interface ProxyRefusal {
  /** The stable code (`HEADER_REQUIRED`, `TIMEOUT`, `V2_BAD_CRC32C`, ...). */
  readonly code: ProxyProtocolErrorCode;
  /** The error, whose message says what was wrong. */
  readonly error: ProxyProtocolError;
  /** The real TCP peer. */
  readonly source: ProxySource;
  /** The policy that applied. */
  readonly policy: ProxyHeaderPolicy;
}

/**
 * Options of {@link acceptProxyProtocol}. Name the PROXY senders with `sources` (or take
 * full control with `policy`); there is no default sender.
 */
export interface ProxyProtocolOptions {
  /**
   * The PROXY senders: trust-list entries (CIDRs, IPs, `loopback`, `private`,
   * `linklocal`, `uniquelocal`) or a predicate over the real peer address. Connections
   * from them get `listed` (default `require`); all others get `others` (default
   * `reject`).
   */
  readonly sources?: readonly string[] | ((address: string) => boolean);
  /** Policy for the listed sources. Default `require`. */
  readonly listed?: ProxyHeaderPolicy;
  /** Policy for every other source. Default `reject`. */
  readonly others?: ProxyHeaderPolicy;
  /**
   * Full control: the policy for one connection, from its real peer. Replaces
   * `sources`/`listed`/`others`. Returning `use` without `guessHeaderPresence` refuses the
   * connection (`BAD_POLICY`).
   *
   * - `require`: a header must come first, else the connection is closed.
   * - `use`: a header is believed if present, else the connection passes as is. This
   *   GUESSES, so whoever can reach the port can forge a client address; it needs
   *   `guessHeaderPresence: true` and is warned.
   * - `ignore`: a header, if present, is checked and stripped but not believed.
   * - `reject`: a header closes the connection; plain connections pass.
   * - `skip`: nothing is read; the bytes reach the server untouched.
   */
  readonly policy?: (source: ProxySource) => ProxyHeaderPolicy;
  /**
   * Allow the `use` policy, which guesses whether a header is present. Warned once per
   * wrapped server (warning code `PROXYTRUST_PROXY_PROTOCOL_GUESS`).
   */
  readonly guessHeaderPresence?: boolean;
  /** Milliseconds to receive the whole header (default 3000); then the socket is closed. */
  readonly headerTimeout?: number;
  /** The largest header accepted, in bytes (default 16384, at least 16). */
  readonly maxHeaderSize?: number;
  /**
   * The PROXY senders terminate TLS (an HAProxy or NLB TLS listener that does not send the
   * SSL TLV): connections with an accepted PROXY header count as encrypted.
   */
  readonly senderTerminatesTls?: boolean;
  /** Told about every connection the listener closes. */
  readonly onRefused?: (refusal: ProxyRefusal) => void;
  /** Receives warnings; default `process.emitWarning`. */
  readonly onWarning?: (message: string, code: string) => void;
}

const WRAPPED = Symbol.for('proxytrust.proxy-protocol.wrapped');

function checkPolicy(name: string, p: unknown): ProxyHeaderPolicy {
  if (!POLICIES.includes(p as ProxyHeaderPolicy)) {
    throw new TypeError(`${name} must be one of ${POLICIES.join(', ')}; got ${JSON.stringify(p)}`);
  }
  return p as ProxyHeaderPolicy;
}

function positive(name: string, v: number | undefined, dflt: number, min: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) {
    throw new TypeError(`${name} must be a finite number of at least ${min}; got ${v}`);
  }
  return v;
}

/** Options checked and compiled once. @internal */
interface Compiled {
  choose: (source: ProxySource) => ProxyHeaderPolicy;
  headerTimeout: number;
  maxHeaderSize: number;
  guess: boolean;
  senderTerminatesTls: boolean;
  onRefused: ((r: ProxyRefusal) => void) | undefined;
  warn: (message: string, code: string) => void;
}

function compile(options: ProxyProtocolOptions): Compiled {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('acceptProxyProtocol needs options naming the PROXY senders (sources)');
  }
  const warn =
    options.onWarning ??
    ((message: string, code: string) =>
      process.emitWarning(message, { code, type: 'ProxytrustWarning' }));
  const guess = options.guessHeaderPresence === true;
  let choose: (source: ProxySource) => ProxyHeaderPolicy;
  if (options.policy !== undefined) {
    if (
      options.sources !== undefined ||
      options.listed !== undefined ||
      options.others !== undefined
    ) {
      throw new TypeError('give either policy, or sources with listed/others, not both');
    }
    if (typeof options.policy !== 'function') throw new TypeError('policy must be a function');
    choose = options.policy;
  } else {
    const src = options.sources;
    if (src === undefined) {
      throw new TypeError(
        'name the PROXY senders: sources: [CIDRs, IPs or named ranges] or a predicate; nothing is trusted by default',
      );
    }
    const listed = checkPolicy('listed', options.listed ?? 'require');
    const others = checkPolicy('others', options.others ?? 'reject');
    for (const [name, p] of [
      ['listed', listed],
      ['others', others],
    ] as const) {
      if (p === 'use' && !guess) {
        throw new TypeError(
          `${name}: 'use' guesses whether a PROXY header is present, so anyone who can reach the port can forge a client address; set guessHeaderPresence: true to accept that`,
        );
      }
    }
    const isListed = typeof src === 'function' ? src : compileTrustList(src);
    choose = (s) => (isListed(s.address) ? listed : others);
  }
  if (guess) {
    warn(
      'PROXY protocol header presence is guessed (policy "use"): a client that reaches this port directly can send its own header and forge its address',
      'PROXYTRUST_PROXY_PROTOCOL_GUESS',
    );
  }
  return {
    choose,
    headerTimeout: positive('headerTimeout', options.headerTimeout, DEFAULT_HEADER_TIMEOUT_MS, 1),
    maxHeaderSize: positive('maxHeaderSize', options.maxHeaderSize, DEFAULT_MAX_HEADER_SIZE, 16),
    guess,
    senderTerminatesTls: options.senderTerminatesTls === true,
    onRefused: options.onRefused,
    warn,
  };
}

/**
 * Wrap `server` (a `net.Server`, `http.Server`, `https.Server`, `tls.Server` or an
 * `http2` server) in place: every TCP connection is held until its PROXY header has been
 * read and judged, then handed to the server with the header stripped and the bytes
 * after it intact (TLS starts after the header). Listeners added later are covered too.
 * The decoded facts are attached to the socket: read them with `connectionFacts(socket)`
 * or `getProxyHeader(socket)`.
 *
 * @throws TypeError on bad options, or when `server` is already wrapped.
 * @returns `server`, for chaining.
 */
export function acceptProxyProtocol<S extends Server>(server: S, options: ProxyProtocolOptions): S {
  const c = compile(options);
  const marked = server as S & { [WRAPPED]?: true };
  if (marked[WRAPPED]) throw new TypeError('this server already accepts the PROXY protocol');
  marked[WRAPPED] = true;
  interceptConnections(server, (socket, proceed) => handle(socket, proceed, c));
  return server;
}

function handle(socket: Socket, proceed: () => void, c: Compiled): void {
  const source: ProxySource = { address: socket.remoteAddress ?? '', port: socket.remotePort };
  if (source.address === '') {
    // Reset before it could be accepted: no source, so no policy can apply.
    socket.destroy();
    const error = new ProxyProtocolError(
      'TRUNCATED',
      'the connection was gone before its source address could be read',
    );
    try {
      c.onRefused?.({ code: 'TRUNCATED', error, source, policy: 'reject' });
    } catch {
      // a throwing observer must not take the server down
    }
    return;
  }
  let policy: ProxyHeaderPolicy;
  try {
    policy = c.choose(source);
  } catch {
    policy = 'invalid' as ProxyHeaderPolicy;
  }
  const refuse = (code: ProxyProtocolErrorCode, message: string, p = policy) => {
    socket.destroy();
    const error = new ProxyProtocolError(code, message);
    if (c.onRefused) {
      try {
        c.onRefused({ code, error, source, policy: p });
      } catch {
        // a throwing observer must not take the server down
      }
    }
  };
  if (!POLICIES.includes(policy) || (policy === 'use' && !c.guess)) {
    refuse(
      'BAD_POLICY',
      policy === 'use'
        ? `the policy chose 'use' for ${source.address} without guessHeaderPresence`
        : `the policy returned ${JSON.stringify(policy)} for ${source.address}`,
      'reject',
    );
    return;
  }
  if (policy === 'skip') {
    setState(socket, { policy, header: undefined, senderTerminatesTls: false });
    proceed();
    return;
  }

  const decoder = new ProxyHeaderDecoder({ maxHeaderSize: c.maxHeaderSize });
  const seen: Uint8Array[] = []; // raw bytes, kept only until the signature is decided
  let seenBytes = 0;
  let first = -1;
  let done = false;

  const cleanup = () => {
    done = true;
    clearTimeout(timer);
    socket.removeListener('readable', onReadable);
    socket.removeListener('end', onEnd);
    socket.removeListener('error', onError);
    socket.removeListener('close', onClose);
  };
  const fail = (code: ProxyProtocolErrorCode, message: string) => {
    cleanup();
    refuse(code, message);
  };
  const where = () => `${source.address}${source.port === undefined ? '' : `:${source.port}`}`;

  const settle = (r: DecodeResult) => {
    cleanup();
    if (r.status === 'invalid') {
      if (r.error.code !== 'NO_SIGNATURE') {
        refuse(r.error.code, `PROXY header from ${where()} refused: ${r.error.message}`);
        return;
      }
      if (policy === 'require') {
        refuse(
          'HEADER_REQUIRED',
          `${where()} must send a PROXY header first but did not (${r.error.message})`,
        );
        return;
      }
      // no header: pass the bytes through untouched
      setState(socket, { policy, header: undefined, senderTerminatesTls: false });
      const all = seen.length === 1 ? seen[0]! : Buffer.concat(seen);
      seen.length = 0;
      if (all.length > 0) socket.unshift(Buffer.from(all.buffer, all.byteOffset, all.length));
      proceed();
      return;
    }
    if (r.status !== 'complete') return;
    if (policy === 'reject') {
      refuse(
        'HEADER_REJECTED',
        `${where()} is not a listed PROXY sender but sent a v${r.header.version} header`,
      );
      return;
    }
    setState(socket, {
      policy,
      header: policy === 'ignore' ? undefined : r.header,
      senderTerminatesTls: c.senderTerminatesTls,
    });
    const rest = decoder.rest;
    if (rest.length > 0) socket.unshift(Buffer.from(rest.buffer, rest.byteOffset, rest.length));
    proceed();
  };

  const onReadable = () => {
    if (done) return;
    let chunk: Buffer | null = socket.read() as Buffer | null;
    while (chunk !== null) {
      if (seenBytes < 16) {
        seen.push(chunk);
        seenBytes += chunk.length;
      }
      const r = decoder.push(chunk);
      if (r.status !== 'incomplete') {
        settle(r);
        return;
      }
      if (first < 0) first = chunk.length > 0 ? chunk[0]! : -1;
      if (
        policy === 'reject' &&
        ((first === 0x50 && decoder.buffered >= 6) || (first === 0x0d && decoder.buffered >= 12))
      ) {
        cleanup();
        refuse(
          'HEADER_REJECTED',
          `${where()} is not a listed PROXY sender but sent a PROXY header`,
        );
        return;
      }
      if (seenBytes >= 16) seen.length = 0;
      chunk = socket.read() as Buffer | null;
    }
  };
  const onEnd = () => {
    if (done) return;
    const r = decoder.end();
    if (r.status === 'invalid')
      fail(r.error.code, `PROXY header from ${where()}: ${r.error.message}`);
  };
  const onError = () => {
    if (!done) fail('TRUNCATED', `the connection from ${where()} failed before its PROXY header`);
  };
  const onClose = () => {
    if (!done) fail('TRUNCATED', `the connection from ${where()} closed before its PROXY header`);
  };
  const timer = setTimeout(() => {
    if (done) return;
    fail(
      'TIMEOUT',
      `no complete PROXY header from ${where()} within ${c.headerTimeout} ms (${decoder.buffered} byte(s) received)`,
    );
  }, c.headerTimeout);
  timer.unref();
  socket.on('readable', onReadable);
  socket.on('end', onEnd);
  socket.on('error', onError);
  socket.on('close', onClose);
}
