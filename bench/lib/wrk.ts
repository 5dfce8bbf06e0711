/**
 * wrk (C, one thread) as a {@link Load} for bench/lib/pairs.ts. It fails on any non-2xx
 * answer or socket error. Needs Debian's `wrk` (installed by `npm run setup`).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Load } from './pairs.js';

export interface WrkOptions {
  /** Concurrent connections. */
  readonly connections: number;
  /** Request headers. Title-cased on the wire: wrk adds its own Host unless it finds exactly "Host". */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Open a new connection for every request: each request says `Connection: close`, the
   * server closes after answering, and wrk reconnects.
   */
  readonly connectionPerRequest?: boolean;
  /** Bytes sent at the start of every connection, before its request (a PROXY header). Needs `connectionPerRequest`. */
  readonly prefix?: string;
}

/**
 * The Lua script of a connection-per-request load; the prefix comes from the environment.
 * wrk checks the first request() with its HTTP parser before the load starts, and a
 * prefix (a PROXY line) would fail that check, so the first call gives the request alone.
 */
const PER_CONNECTION = `wrk.headers["Connection"] = "close"
local plain = wrk.format(nil, "/")
local prefixed = (os.getenv("PROXYTRUST_WRK_PREFIX") or "") .. plain
local checked = false
request = function()
  if not checked then
    checked = true
    return plain
  end
  return prefixed
end
`;

let script: string | undefined;

/** A wrk load with these options. */
export function wrkLoad(options: WrkOptions): Load {
  if (options.prefix !== undefined && !options.connectionPerRequest) {
    throw new TypeError('a prefix is sent per request, so it needs connectionPerRequest');
  }
  const title = (k: string) => k.replace(/(^|-)[a-z]/g, (c) => c.toUpperCase());
  return (port, duration) =>
    new Promise((resolve, reject) => {
      const args = ['-t1', `-c${options.connections}`, `-d${duration}s`];
      for (const [k, v] of Object.entries(options.headers ?? {}))
        args.push('-H', `${title(k)}: ${v}`);
      if (options.connectionPerRequest) {
        if (script === undefined) {
          const dir = mkdtempSync(join(tmpdir(), 'proxytrust-wrk-'));
          process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
          script = join(dir, 'per-connection.lua');
          writeFileSync(script, PER_CONNECTION);
        }
        args.push('-s', script);
      }
      args.push(`http://127.0.0.1:${port}/`);
      const env = { ...process.env, PROXYTRUST_WRK_PREFIX: options.prefix ?? '' };
      execFile('wrk', args, { env }, (err, out) => {
        if (err) {
          reject(
            (err as NodeJS.ErrnoException).code === 'ENOENT'
              ? new Error(
                  'wrk is not installed: run npm run setup (it installs the Debian package)',
                )
              : err,
          );
          return;
        }
        const total = /(\d+) requests in/.exec(out);
        const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
        if (!total || !rps || /Non-2xx|Socket errors/.test(out)) {
          reject(new Error(`port ${port}: wrk reported\n${out}`));
          return;
        }
        resolve({ requests: Number(total[1]), rps: Number(rps[1]) });
      });
    });
}
