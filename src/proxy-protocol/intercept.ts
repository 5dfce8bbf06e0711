/**
 * Intercept a server's `connection` events before any listener (HTTP, TLS, HTTP/2 or a
 * plain net handler) sees the socket. Used by the PROXY protocol listener and by the
 * identity module's source allowlist; the two compose in either order. @internal
 */
import type { Server, Socket } from 'node:net';

/**
 * Decide about one raw socket; call `next(socket)` to hand it on, or destroy it. `next`
 * is one function per server, so it costs nothing per connection.
 */
export type ConnectionInterceptor = (socket: Socket, next: (socket: Socket) => void) => void;

/**
 * Patch `server.emit` so that every `connection` event goes through `interceptor` first.
 * Listeners added later are covered too. Every other event passes straight through.
 * Returns a function that removes the patch.
 */
export function interceptConnections(
  server: Server,
  interceptor: ConnectionInterceptor,
): () => void {
  const previous = server.emit as (this: Server, ...args: unknown[]) => boolean;
  const next = (socket: Socket): void => {
    previous.call(server, 'connection', socket);
  };
  const patched = function (this: Server, event: string | symbol, socket?: unknown): boolean {
    if (event !== 'connection') {
      // biome-ignore lint/complexity/noArguments: forwards any number of arguments without a rest array
      return previous.apply(this, arguments as unknown as unknown[]);
    }
    interceptor(socket as Socket, next);
    return true;
  } as Server['emit'];
  server.emit = patched;
  return () => {
    if (server.emit === patched) server.emit = previous as Server['emit'];
  };
}
