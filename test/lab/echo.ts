/**
 * An echo server for the lab's proxy tests: it stands in for the app and answers, as JSON,
 * the exact header lines it received and the address it was reached from.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Lab } from './harness.js';

/** What the echo server saw. */
export interface Echo {
  readonly peer: string;
  readonly url: string;
  /** Header lines as received, names lower-cased. */
  readonly lines: [string, string][];
}

/** A server that answers what it received; closed at the lab's teardown. */
export async function startEcho(
  lab: Lab,
  host = '127.0.0.1',
): Promise<{ host: string; port: number }> {
  const server = http.createServer((req, res) => {
    const lines: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      lines.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
    }
    const echo: Echo = { peer: req.socket.remoteAddress ?? '', url: req.url ?? '', lines };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(echo));
  });
  await new Promise<void>((ok) => server.listen(0, host, () => ok()));
  lab.onTeardown(
    () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  );
  return { host, port: (server.address() as AddressInfo).port };
}

/** The values of every line of header `name` (lower case), in order. */
export function values(echo: Echo, name: string): string[] {
  return echo.lines.filter(([k]) => k === name).map(([, v]) => v);
}
