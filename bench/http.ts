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
 * - node:http setting the HSTS header by hand vs node:http bare: what the extra header
 *   alone does (on Node 20 a hello world that sets two headers was 12% FASTER than one
 *   that sets one, so "bare" is not the cheapest baseline; docs/http-layer.md, Cost);
 * - node:http + proxytrust vs node:http setting the same HSTS header by hand: the
 *   middleware's own work, with the same response on the wire;
 * - the same against a server that sends exactly the middleware's response (the header in
 *   lower case, after Content-Type), and bench/lib/floor.ts against that server: how much
 *   the least any resolver does already takes (docs/http-layer.md, Cost);
 * - Express 5 + proxytrust vs Express 5 + helmet + `trust proxy`.
 *
 * Every request looks like it came through a TLS-terminating proxy on loopback:
 * Host app.example.com, X-Forwarded-For 203.0.113.7, X-Forwarded-Proto https, so the
 * middleware walks a chain, checks the host, adds HSTS and installs the cookie hook.
 *
 * Each server runs in its own process, on 24 fresh pairs of processes by default, 4 paired
 * rounds each (bench/lib/pairs.ts says what each method can and cannot see). A process's
 * own speed moves by 5% to 10% from one process to the next on this project's 2-core
 * machines, so it takes many pairs to settle a few percent: with 24, bare against bare
 * gave 1.002 (95% interval 0.975..1.019). Pass 0 pairs to run both servers of a pair in
 * ONE process instead: that is biased whenever the two servers give Node's shared code
 * objects of different shapes (the full middleware counted 1.10x to 1.12x bare's
 * instructions beside it in one process, 1.02x in its own; bench/http-instructions.ts
 * shared).
 *
 * Run: node --import tsx bench/http.ts [seconds per round, default 1]
 *   [rounds, default 96] [pairs of processes, default 24; 0: one process]
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
const rounds = Number(process.argv[3] ?? 96);
const processes = Number(process.argv[4] ?? 24);
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
  'node:http: the HSTS header set by hand vs bare (the extra header alone)',
  side('node-bare-hsts'),
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
  'node:http: full middleware vs exactly the same response by hand (HSTS in lower case, after Content-Type)',
  side('node-proxytrust'),
  side('node-bare-hsts-lc'),
  opts,
);
await pair(
  'node:http: the least any resolver does (bench/lib/floor.ts, not safe) vs the same response by hand',
  side('node-floor'),
  side('node-bare-hsts-lc'),
  opts,
);
await pair(
  'Express 5: proxytrust vs helmet + trust proxy',
  side('express-proxytrust'),
  side('express-helmet'),
  opts,
);
