/**
 * HTTP benchmark: hello-world servers with and without proxytrust, side by side in one
 * session, loaded by wrk on loopback. bench/lib/pairs.ts says how a pair is measured
 * (alternating rounds; a throughput ratio with a bootstrap interval, and a
 * server-CPU-per-request ratio).
 *
 * wrk (C, one thread, pinned to the other CPU) keeps the server's CPU busy, so the
 * throughput ratio is the cost ratio. autocannon, a Node process itself, saturated its own
 * CPU first: the server idled about a third of the time and the ratio hid its extra work.
 * Set PROXYTRUST_BENCH_LOAD=autocannon to measure with autocannon anyway.
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
 * Both servers of a pair run in one process by default. Pass a number of process pairs to
 * run each server in its own process instead, on that many fresh pairs (bench/lib/pairs.ts
 * says what each method can and cannot see). On this project's 2-core machines a process's
 * own speed moved by about 10%, so 8 pairs were not enough to settle a few percent.
 *
 * Run: node --import tsx bench/http.ts [seconds per round, default 1]
 *   [rounds, default 32] [pairs of processes, default 0: one process]
 */
import { createRequire } from 'node:module';
import { type Load, pair } from './lib/pairs.js';
import { wrkLoad } from './lib/wrk.js';

interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;

const seconds = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 32);
const processes = Number(process.argv[4] ?? 0);
const CONNECTIONS = 32;
const HEADERS = {
  host: 'app.example.com',
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-proto': 'https',
};

/** wrk, one thread, 32 connections. */
const wrk: Load = wrkLoad({ connections: CONNECTIONS, headers: HEADERS });

/** autocannon, 32 connections (PROXYTRUST_BENCH_LOAD=autocannon). */
const cannon: Load = async (port, duration) => {
  const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;
  const r = await autocannon({
    url: `http://127.0.0.1:${port}/`,
    connections: CONNECTIONS,
    pipelining: 1,
    duration,
    headers: HEADERS,
  });
  if (r.non2xx > 0 || r.errors > 0) {
    throw new Error(`port ${port}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  }
  return { requests: r.requests.total, rps: r.requests.average };
};
const useCannon = process.env.PROXYTRUST_BENCH_LOAD === 'autocannon';
const load = useCannon ? cannon : wrk;
const side = (kind: string) => ({ kind, load });
const opts = { rounds, seconds, processes };

console.log(
  `${useCannon ? 'autocannon' : 'wrk (1 thread)'}, ${CONNECTIONS} connections, ${rounds} alternating rounds of ${seconds} s per server after a 2 s warm-up, ${processes > 0 ? `${processes} fresh pairs of processes` : 'both servers in one process'} (node ${process.version})`,
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
