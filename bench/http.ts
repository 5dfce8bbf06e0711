/**
 * HTTP benchmark: hello-world servers with and without proxytrust, side by side in one
 * session, with autocannon on loopback. bench/lib/pairs.ts says how a pair is measured
 * (alternating rounds; a throughput ratio and a server-CPU-per-request ratio).
 *
 * Pairs:
 * - node:http + proxytrust (full middleware) vs node:http bare (goal: at most 3% loss);
 * - node:http + proxytrust vs node:http setting the same HSTS header by hand (the
 *   middleware's own work, without the cost of the extra header on the wire);
 * - Express 5 + proxytrust vs Express 5 + helmet + `trust proxy`.
 *
 * Every request looks like it came through a TLS-terminating proxy on loopback:
 * Host app.example.com, X-Forwarded-For 203.0.113.7, X-Forwarded-Proto https, so the
 * middleware walks a chain, checks the host, adds HSTS and installs the cookie hook.
 *
 * Run: node --import tsx bench/http.ts [seconds per round, default 2] [rounds, default 8]
 */
import { createRequire } from 'node:module';
import { type Load, pair } from './lib/pairs.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const seconds = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 8);
const HEADERS = {
  host: 'app.example.com',
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-proto': 'https',
};

/** autocannon, 32 connections. */
const cannon: Load = async (port, duration) => {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: 32,
    pipelining: 1,
    duration,
    headers: HEADERS,
  });
  if (r.non2xx > 0 || r.errors > 0) {
    throw new Error(`port ${port}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  }
  return { requests: r.requests.total, rps: r.requests.average };
};
const side = (kind: string) => ({ kind, load: cannon });
const opts = { rounds, seconds };

console.log(
  `autocannon, 32 connections, ${rounds} alternating rounds of ${seconds} s per server after a 2 s warm-up (node ${process.version})`,
);
await pair(
  'node:http hello world: full middleware vs none',
  side('node-proxytrust'),
  side('node-bare'),
  opts,
);
await pair(
  'node:http: full middleware vs the same HSTS header set by hand',
  side('node-proxytrust'),
  side('node-bare-hsts'),
  opts,
);
await pair(
  'Express 5: proxytrust vs helmet + trust proxy',
  side('express-proxytrust'),
  side('express-helmet'),
  opts,
);
