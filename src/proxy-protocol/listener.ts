/**
 * The PROXY protocol listener: wraps a `net`, `http`, `https`, `http2` or `tls` server so
 * that each TCP connection's PROXY header is read, checked against a per-source policy
 * and stripped before the server (and TLS) sees the connection.
 */
import type { Server, Socket } from 'node:net';
import { compileTrustList } from '../core/address.js';
import { type DecodeOptions, decodeProxyHeader } from './decode.js';
import { type ProxyHeaderPolicy, setState } from './facts.js';
import { interceptConnections } from './intercept.js';
import {
  DEFAULT_MAX_HEADER_SIZE,
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
  /**
   * Milliseconds to receive the whole header (default 3000); then the socket is closed.
   * Deadlines are checked on a tick of `headerTimeout / 8`, so a slow sender is closed
   * after at least this long and at most about an eighth more.
   */
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
  /** The decoder's options, made once. */
  decode: DecodeOptions;
  headerTimeout: number;
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
    if (typeof src === 'function') {
      // The caller's predicate may change its mind over time: ask it every time.
      choose = (s) => (src(s.address) ? listed : others);
    } else {
      // A list is fixed, and the senders are a few proxies that connect again and again:
      // remember the answer for the last address.
      const isListed = compileTrustList(src);
      let lastAddress = '';
      let lastPolicy: ProxyHeaderPolicy = others;
      choose = (s) => {
        const address = s.address;
        if (address !== lastAddress) {
          lastPolicy = isListed(address) ? listed : others;
          lastAddress = address;
        }
        return lastPolicy;
      };
    }
  }
  if (guess) {
    warn(
      'PROXY protocol header presence is guessed (policy "use"): a client that reaches this port directly can send its own header and forge its address',
      'PROXYTRUST_PROXY_PROTOCOL_GUESS',
    );
  }
  const maxHeaderSize = positive(
    'maxHeaderSize',
    options.maxHeaderSize,
    DEFAULT_MAX_HEADER_SIZE,
    16,
  );
  return {
    choose,
    decode: { maxHeaderSize },
    headerTimeout: positive('headerTimeout', options.headerTimeout, DEFAULT_HEADER_TIMEOUT_MS, 1),
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
  const deadlines = new Deadlines(c.headerTimeout);
  interceptConnections(server, (socket, next) => handle(socket, next, c, deadlines));
  return server;
}

const PENDING = Symbol('proxytrust.proxy-protocol.pending');
type Held = Socket & { [PENDING]?: Pending };

function refuseWith(
  socket: Socket,
  c: Compiled,
  source: ProxySource,
  policy: ProxyHeaderPolicy,
  code: ProxyProtocolErrorCode,
  message: string,
): void {
  socket.destroy();
  if (c.onRefused) {
    const error = new ProxyProtocolError(code, message);
    try {
      c.onRefused({ code, error, source, policy });
    } catch {
      // a throwing observer must not take the server down
    }
  }
}

/**
 * The header deadlines of one wrapped server, kept by one timer for all its connections
 * instead of a timer each. Every connection of a server has the same timeout, so the
 * deadlines come in the order the connections do: a FIFO. The timer ticks every
 * `timeout / 8` ms while any header is pending and stops when none is; a connection
 * whose header is not complete `ticks` ticks after it arrived is closed, which is between
 * the timeout and an eighth more (plus the event loop's delay).
 */
class Deadlines {
  readonly #period: number;
  /** Ticks from a connection's arrival to its deadline: at least the timeout, whatever the phase. */
  readonly #ticks: number;
  #queue: Pending[] = [];
  #head = 0;
  #tick = 0;
  #timer: ReturnType<typeof setInterval> | undefined = undefined;

  constructor(timeout: number) {
    this.#period = Math.max(1, timeout / 8);
    // A connection can arrive just before a tick, so it gets one tick more than the timeout.
    this.#ticks = Math.ceil(timeout / this.#period) + 1;
  }

  /** The deadline (a tick number) of a connection that arrives now. */
  add(p: Pending): number {
    this.#queue.push(p);
    if (this.#timer === undefined) {
      this.#timer = setInterval(sweep, this.#period, this);
      this.#timer.unref();
    }
    return this.#tick + this.#ticks;
  }

  /** One tick: close the connections past their deadline; stop when none is pending. */
  sweep(): void {
    const tick = ++this.#tick;
    const q = this.#queue;
    let i = this.#head;
    while (i < q.length) {
      const p = q[i]!;
      if (p.socket !== undefined) {
        if (p.deadline > tick) break;
        p.expire();
      }
      i++;
    }
    if (i === q.length) {
      q.length = 0;
      i = 0;
      clearInterval(this.#timer);
      this.#timer = undefined;
    } else if (i >= 1024 && i * 2 >= q.length) {
      q.splice(0, i);
      i = 0;
    }
    this.#head = i;
  }
}

function sweep(d: Deadlines): void {
  d.sweep();
}

/**
 * One connection whose header is being read. The socket's listeners are shared module
 * functions that find this record on the socket, so a connection costs one object and a
 * place in its server's {@link Deadlines}, not a set of closures and a timer.
 */
class Pending {
  /** The socket while its header is pending; undefined once released. */
  socket: Socket | undefined;
  readonly c: Compiled;
  readonly source: ProxySource;
  readonly policy: ProxyHeaderPolicy;
  readonly next: (socket: Socket) => void;
  /** The tick of {@link Deadlines} by which the header must be complete. */
  readonly deadline: number;
  /** Every byte read so far while the header is incomplete (rare: it spans chunks). */
  buffered: Buffer | undefined = undefined;

  constructor(
    socket: Socket,
    c: Compiled,
    source: ProxySource,
    policy: ProxyHeaderPolicy,
    next: (socket: Socket) => void,
    deadlines: Deadlines,
  ) {
    this.socket = socket;
    this.c = c;
    this.source = source;
    this.policy = policy;
    this.next = next;
    this.deadline = deadlines.add(this);
  }

  where(): string {
    const { address, port } = this.source;
    return `${address}${port === undefined ? '' : `:${port}`}`;
  }

  /**
   * Stop reading the header: remove the listeners, and drop the socket and any buffered
   * bytes, so that the record's place in the deadline queue (kept until a tick passes it)
   * holds neither.
   */
  release(): void {
    const socket = this.socket as Held;
    this.socket = undefined;
    this.buffered = undefined;
    socket[PENDING] = undefined;
    socket.removeListener('readable', onReadable);
    socket.removeListener('end', onEnd);
    socket.removeListener('error', onError);
    socket.removeListener('close', onClose);
  }

  fail(code: ProxyProtocolErrorCode, message: string): void {
    const socket = this.socket as Socket;
    this.release();
    refuseWith(socket, this.c, this.source, this.policy, code, message);
  }

  /** The deadline passed with the header still incomplete. */
  expire(): void {
    if (this.socket === undefined) return;
    this.fail(
      'TIMEOUT',
      `no complete PROXY header from ${this.where()} within ${this.c.headerTimeout} ms (${this.buffered?.length ?? 0} byte(s) received)`,
    );
  }

  /** Judge `bytes` (everything read so far). True when the header phase is over. */
  judge(bytes: Buffer): boolean {
    const socket = this.socket as Socket;
    const r = decodeProxyHeader(bytes, this.c.decode);
    const policy = this.policy;
    if (r.status === 'incomplete') {
      const first = bytes[0];
      if (
        policy === 'reject' &&
        ((first === 0x50 && bytes.length >= 6) || (first === 0x0d && bytes.length >= 12))
      ) {
        this.fail(
          'HEADER_REJECTED',
          `${this.where()} is not a listed PROXY sender but sent a PROXY header`,
        );
        return true;
      }
      return false;
    }
    if (r.status === 'invalid') {
      if (r.error.code !== 'NO_SIGNATURE') {
        this.fail(r.error.code, `PROXY header from ${this.where()} refused: ${r.error.message}`);
        return true;
      }
      if (policy === 'require') {
        this.fail(
          'HEADER_REQUIRED',
          `${this.where()} must send a PROXY header first but did not (${r.error.message})`,
        );
        return true;
      }
      // no header: pass the bytes through untouched
      this.release();
      setState(socket, { policy, header: undefined, senderTerminatesTls: false });
      if (bytes.length > 0) socket.unshift(bytes);
      this.next(socket);
      return true;
    }
    if (policy === 'reject') {
      this.fail(
        'HEADER_REJECTED',
        `${this.where()} is not a listed PROXY sender but sent a v${r.header.version} header`,
      );
      return true;
    }
    this.release();
    setState(socket, {
      policy,
      header: policy === 'ignore' ? undefined : r.header,
      senderTerminatesTls: this.c.senderTerminatesTls,
    });
    if (r.length < bytes.length) socket.unshift(bytes.subarray(r.length));
    this.next(socket);
    return true;
  }
}

function onReadable(this: Held): void {
  let p = this[PENDING];
  let chunk = p ? (this.read() as Buffer | null) : null;
  while (p !== undefined && chunk !== null) {
    // The header almost always arrives whole in the first chunk: judge that chunk as is.
    const all = p.buffered === undefined ? chunk : Buffer.concat([p.buffered, chunk]);
    if (p.judge(all)) return;
    p.buffered = all;
    p = this[PENDING];
    chunk = p ? (this.read() as Buffer | null) : null;
  }
}

function onEnd(this: Held): void {
  const p = this[PENDING];
  if (!p) return;
  const had = p.buffered?.length ?? 0;
  p.fail(
    'TRUNCATED',
    `PROXY header from ${p.where()}: ${
      had === 0
        ? 'the connection ended before any PROXY header byte'
        : `the connection ended after ${had} byte(s) of an incomplete PROXY header`
    }`,
  );
}

function onError(this: Held): void {
  const p = this[PENDING];
  if (p) p.fail('TRUNCATED', `the connection from ${p.where()} failed before its PROXY header`);
}

function onClose(this: Held): void {
  const p = this[PENDING];
  if (p) p.fail('TRUNCATED', `the connection from ${p.where()} closed before its PROXY header`);
}

function handle(
  socket: Socket,
  next: (socket: Socket) => void,
  c: Compiled,
  deadlines: Deadlines,
): void {
  const address = socket.remoteAddress ?? '';
  const source: ProxySource = { address, port: socket.remotePort };
  if (address === '') {
    // Reset before it could be accepted: no source, so no policy can apply.
    refuseWith(
      socket,
      c,
      source,
      'reject',
      'TRUNCATED',
      'the connection was gone before its source address could be read',
    );
    return;
  }
  let policy: ProxyHeaderPolicy;
  try {
    policy = c.choose(source);
  } catch {
    policy = 'invalid' as ProxyHeaderPolicy;
  }
  if (!POLICIES.includes(policy) || (policy === 'use' && !c.guess)) {
    refuseWith(
      socket,
      c,
      source,
      'reject',
      'BAD_POLICY',
      policy === 'use'
        ? `the policy chose 'use' for ${address} without guessHeaderPresence`
        : `the policy returned ${JSON.stringify(policy)} for ${address}`,
    );
    return;
  }
  if (policy === 'skip') {
    setState(socket, { policy, header: undefined, senderTerminatesTls: false });
    next(socket);
    return;
  }
  const held = socket as Held;
  held[PENDING] = new Pending(socket, c, source, policy, next, deadlines);
  held.on('readable', onReadable);
  held.on('end', onEnd);
  held.on('error', onError);
  held.on('close', onClose);
}
