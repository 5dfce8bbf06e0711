/** Small socket helpers shared by the PROXY protocol tests (loopback only). */
import { once } from 'node:events';
import net from 'node:net';
import type { TestContext } from 'node:test';

/** Listen on 127.0.0.1 at a free port; closed (with its connections) after the test. */
export async function listen(
  t: TestContext | undefined,
  server: net.Server,
  host = '127.0.0.1',
): Promise<number> {
  server.listen(0, host);
  await once(server, 'listening');
  t?.after(() => closeServer(server));
  return (server.address() as net.AddressInfo).port;
}

/** Close a server and destroy what is still connected to it. */
export async function closeServer(server: net.Server): Promise<void> {
  const s = server as net.Server & { closeAllConnections?: () => void };
  s.closeAllConnections?.();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** What a client saw: the bytes it received and how long the connection lived. */
export interface Exchange {
  readonly received: Buffer;
  readonly localPort: number;
  readonly ms: number;
}

/**
 * Connect, write `bytes` (optionally in chunks with a delay between), half-close unless
 * `keepOpen`, and resolve when the server closes the connection.
 */
export async function exchange(
  port: number,
  bytes: Uint8Array,
  opts: { keepOpen?: boolean; host?: string } = {},
): Promise<Exchange> {
  const started = Date.now();
  const socket = net.connect(port, opts.host ?? '127.0.0.1');
  await once(socket, 'connect');
  const localPort = socket.localPort!;
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.on('error', () => {});
  if (bytes.length > 0) socket.write(bytes);
  if (!opts.keepOpen) socket.end();
  await once(socket, 'close');
  return { received: Buffer.concat(chunks), localPort, ms: Date.now() - started };
}
