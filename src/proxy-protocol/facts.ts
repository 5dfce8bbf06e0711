/**
 * The connection facts that the PROXY protocol listener attaches to a socket, and the
 * accessors that the HTTP layer reads them through.
 */
import type { Socket } from 'node:net';
import type { ProxyHeader } from './types.js';

/** How the listener treated a header from one source (go-proxyproto's policies). */
export type ProxyHeaderPolicy = 'require' | 'use' | 'ignore' | 'reject' | 'skip';

/** What the listener recorded on a socket. @internal */
export interface ProxySocketState {
  readonly policy: ProxyHeaderPolicy;
  /** The header whose facts apply (require/use), or undefined. */
  readonly header: ProxyHeader | undefined;
  /** Treat an accepted header as coming from a sender that terminated TLS. */
  readonly senderTerminatesTls: boolean;
}

/** A registered symbol, so two copies of this module agree. @internal */
export const STATE: unique symbol = Symbol.for('proxytrust.proxy-protocol.state') as never;

type Carrier = { [STATE]?: ProxySocketState; _parent?: unknown; encrypted?: unknown };

/** @internal */
export function setState(socket: Socket, state: ProxySocketState): void {
  (socket as unknown as Carrier)[STATE] = state;
}

/**
 * The state recorded on `socket`, looking through a TLS socket to the TCP socket under it
 * (https, tls, and the proxy object that HTTP/2's compatibility API exposes as
 * `req.socket`). @internal
 */
export function getState(socket: unknown): ProxySocketState | undefined {
  if (socket === null || typeof socket !== 'object') return undefined;
  const c = socket as Carrier;
  const own = c[STATE];
  if (own) return own;
  const parent = c._parent;
  if (parent !== null && typeof parent === 'object') return (parent as Carrier)[STATE];
  return undefined;
}

/**
 * The PROXY header accepted on this connection, or undefined: no header, a `skip`
 * source, or an `ignore` source (whose header was stripped and not believed). Accepts
 * the TCP socket, the TLS socket over it, or an HTTP request's `req.socket`.
 */
export function getProxyHeader(socket: unknown): ProxyHeader | undefined {
  return getState(socket)?.header;
}

/** The facts the core's `resolve({ peer, encrypted, headers })` needs about a connection. */
export interface ConnectionFacts {
  /**
   * The immediate peer as far as trust goes: the PROXY source address when a PROXY
   * header with addresses was accepted, else the socket's own remote address ('' if the
   * socket is already gone).
   */
  readonly peer: string;
  /** The port that goes with `peer`, when known. */
  readonly peerPort: number | undefined;
  /**
   * The client's connection was encrypted: this socket is TLS, or an accepted PROXY
   * header's SSL TLV says the client used SSL/TLS, or the listener was told that the
   * PROXY sender terminates TLS (`senderTerminatesTls`).
   */
  readonly encrypted: boolean;
  /** The peer came from an accepted PROXY header (not LOCAL, not UNKNOWN/UNSPEC). */
  readonly proxied: boolean;
}

/**
 * The connection facts of a socket (or `req.socket`): feed them to the core as
 * `resolve(policy, { peer, encrypted, headers })`. Works on any socket; without the
 * listener it reports the socket's own facts.
 */
export function connectionFacts(
  socket: Socket | { readonly remoteAddress?: string },
): ConnectionFacts {
  const s = socket as Socket & Carrier;
  const state = getState(s);
  const tls = s.encrypted === true;
  const h = state?.header;
  if (h && h.command === 'PROXY' && h.addresses?.kind === 'ip') {
    return {
      peer: h.addresses.sourceAddress,
      peerPort: h.addresses.sourcePort,
      encrypted: tls || h.ssl?.clientSsl === true || state!.senderTerminatesTls,
      proxied: true,
    };
  }
  return {
    peer: s.remoteAddress ?? '',
    peerPort: s.remotePort,
    encrypted:
      tls ||
      (h !== undefined &&
        h.command === 'PROXY' &&
        (h.ssl?.clientSsl === true || state!.senderTerminatesTls)),
    proxied: false,
  };
}
