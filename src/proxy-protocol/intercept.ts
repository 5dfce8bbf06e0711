/**
 * Intercept a server's `connection` events before any listener (HTTP, TLS, HTTP/2 or a
 * plain net handler) sees the socket. Used by the PROXY protocol listener and by the
 * identity module's source allowlist; the two compose in either order. @internal
 */
import type { Server, Socket } from 'node:net';

/** Decide about one raw socket; call `proceed()` to hand it on, or destroy it. */
export type ConnectionInterceptor = (socket: Socket, proceed: () => void) => void;

/**
 * Patch `server.emit` so that every `connection` event goes through `interceptor` first.
 * Listeners added later are covered too. Returns a function that removes the patch.
 */
export function interceptConnections(
  server: Server,
  interceptor: ConnectionInterceptor,
): () => void {
  const previous = server.emit as (
    this: Server,
    event: string | symbol,
    ...args: unknown[]
  ) => boolean;
  const patched = function (this: Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event !== 'connection') return previous.call(this, event, ...args);
    const socket = args[0] as Socket;
    interceptor(socket, () => {
      previous.call(this, 'connection', socket);
    });
    return true;
  } as Server['emit'];
  server.emit = patched;
  return () => {
    if (server.emit === patched) server.emit = previous as Server['emit'];
  };
}
