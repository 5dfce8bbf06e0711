/**
 * HTTP benchmark: hello-world servers with and without proxytrust, side by side in one
 * session, with autocannon on loopback. Each server runs in its own child process
 * (bench/http-server.ts). The two servers of a pair are loaded alternately in short rounds
 * (A B B A A B ...) after a warm-up; two figures are reported per pair:
 *
 * - throughput: the median over rounds of (A's req/s / B's req/s), each ratio taken from
 *   two back-to-back rounds so that drift on a shared machine cancels out;
 * - server CPU per request: the server process's CPU time during a server's rounds divided
 *   by the requests it served, summed over all rounds (only one server is loaded at a time).
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
import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

interface AutocannonResult {
  requests: { average: number; total: number };
  non2xx: number;
  errors: number;
}
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

const root = fileURLToPath(new URL('..', import.meta.url));
const seconds = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 8);
const HEADERS = {
  host: 'app.example.com',
  'x-forwarded-for': '203.0.113.7',
  'x-forwarded-proto': 'https',
};

interface Server {
  readonly kind: string;
  readonly child: ChildProcess;
  readonly port: number;
}

/** Start the servers of a pair in one child process. */
function startServers(kinds: readonly string[]): Promise<Server[]> {
  const child = fork('bench/http-server.ts', [...kinds], {
    cwd: root,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready ([\d ]+)\n/.exec(out);
      if (m) {
        const ports = m[1]!.trim().split(' ').map(Number);
        resolvePromise(kinds.map((kind, i) => ({ kind, child, port: ports[i]! })));
      }
    });
    child.on('exit', (code) => reject(new Error(`${kinds.join(', ')} exited with ${code}`)));
  });
}

function ask<T>(s: Server, message: string): Promise<T> {
  return new Promise((resolvePromise) => {
    s.child.once('message', (m) => resolvePromise(m as T));
    s.child.send(message);
  });
}

interface Round {
  rps: number;
  cpuMicros: number;
  requests: number;
}

async function round(s: Server, duration: number): Promise<Round> {
  await ask(s, 'mark');
  const r = await autocannon({
    url: `http://127.0.0.1:${s.port}/`,
    connections: 32,
    pipelining: 1,
    duration,
    headers: HEADERS,
  });
  const cpu = await ask<{ cpuMicros: number; requests: number }>(s, 'report');
  if (r.non2xx > 0 || r.errors > 0) {
    throw new Error(`${s.kind}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
  }
  return { rps: r.requests.average, ...cpu };
}

const median = (v: number[]): number => {
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Measure A against B; returns [throughput ratio, CPU-per-request ratio]. */
async function pair(title: string, kindA: string, kindB: string): Promise<[number, number]> {
  const [a, b] = (await startServers([kindA, kindB])) as [Server, Server];
  try {
    await round(a, 2);
    await round(b, 2);
    const ratios: number[] = [];
    const ra: Round[] = [];
    const rb: Round[] = [];
    for (let i = 0; i < rounds; i++) {
      const aFirst = i % 2 === 0;
      const x = await round(aFirst ? a : b, seconds);
      const y = await round(aFirst ? b : a, seconds);
      const [ax, bx] = aFirst ? [x, y] : [y, x];
      ra.push(ax);
      rb.push(bx);
      ratios.push(ax.rps / bx.rps);
    }
    const cpuPer = (rs: Round[]): number =>
      rs.reduce((s, r) => s + r.cpuMicros, 0) / rs.reduce((s, r) => s + r.requests, 0);
    const tput = median(ratios);
    const cpuA = cpuPer(ra);
    const cpuB = cpuPer(rb);
    const fmt = (rs: Round[]): string =>
      median(rs.map((r) => r.rps))
        .toFixed(0)
        .padStart(7);
    console.log(`\n${title}`);
    console.log(
      `  ${kindA.padEnd(20)} ${fmt(ra)} req/s (median)  ${cpuA.toFixed(1)} us CPU/request`,
    );
    console.log(
      `  ${kindB.padEnd(20)} ${fmt(rb)} req/s (median)  ${cpuB.toFixed(1)} us CPU/request`,
    );
    console.log(
      `  throughput ratio ${tput.toFixed(3)} (median of ${rounds} paired rounds; min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`,
    );
    console.log(
      `  CPU per request ratio ${(cpuA / cpuB).toFixed(3)} (+${(cpuA - cpuB).toFixed(1)} us)`,
    );
    return [tput, cpuA / cpuB];
  } finally {
    a.child.kill('SIGTERM');
  }
}

console.log(
  `autocannon, 32 connections, ${rounds} alternating rounds of ${seconds} s per server after a 2 s warm-up (node ${process.version})`,
);
await pair('node:http hello world: full middleware vs none', 'node-proxytrust', 'node-bare');
await pair(
  'node:http: full middleware vs the same HSTS header set by hand',
  'node-proxytrust',
  'node-bare-hsts',
);
await pair('Express 5: proxytrust vs helmet + trust proxy', 'express-proxytrust', 'express-helmet');
