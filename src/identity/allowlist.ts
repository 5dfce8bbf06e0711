/**
 * A socket-level source allowlist: connections from outside the listed ranges are
 * destroyed before any TLS handshake or HTTP parsing (private networking, "only my load
 * balancer may connect").
 */
import type { Server } from 'node:net';
import { compileTrustList } from '../core/address.js';
import { interceptConnections } from '../proxy-protocol/intercept.js';

/** A connection the allowlist destroyed. */
export interface SourceRefusal {
  /** The real TCP peer ('' when the socket was already gone). */
  readonly address: string;
  readonly port: number | undefined;
  /** Why, in words. */
  readonly reason: string;
}

/** Options of {@link allowSources}. */
export interface AllowSourcesOptions {
  /** Told about every connection that was destroyed. */
  readonly onRefused?: (refusal: SourceRefusal) => void;
}

/**
 * Accept TCP connections on `server` only from `sources`: trust-list entries (CIDRs,
 * bare IPs, `loopback`, `private`, `linklocal`, `uniquelocal`) or a predicate over the
 * peer address. Everything else is destroyed before any listener (TLS, HTTP, HTTP/2, the
 * PROXY protocol reader) sees it. The check uses the real TCP peer, never a PROXY
 * header's source, whichever of the two wrappers was applied first.
 *
 * @throws TypeError when a list entry is not a CIDR, an IP or a known name, or when the
 *   list is empty.
 * @returns `server`, for chaining.
 */
export function allowSources<S extends Server>(
  server: S,
  sources: readonly string[] | ((address: string) => boolean),
  options: AllowSourcesOptions = {},
): S {
  let allowed: (address: string) => boolean;
  if (typeof sources === 'function') {
    allowed = sources;
  } else {
    if (!Array.isArray(sources) || sources.length === 0) {
      throw new TypeError('allowSources needs a non-empty list of CIDRs, IPs or named ranges');
    }
    allowed = compileTrustList(sources);
  }
  const { onRefused } = options;
  interceptConnections(server, (socket, next) => {
    const address = socket.remoteAddress ?? '';
    let ok = false;
    try {
      ok = address !== '' && allowed(address) === true;
    } catch {
      ok = false; // a throwing predicate never allows
    }
    if (ok) {
      next(socket);
      return;
    }
    socket.destroy();
    if (onRefused) {
      try {
        onRefused({
          address,
          port: socket.remotePort,
          reason:
            address === ''
              ? 'the connection was gone before its source address could be read'
              : `${address} is not in the allowed sources`,
        });
      } catch {
        // a throwing observer must not take the server down
      }
    }
  });
  return server;
}
