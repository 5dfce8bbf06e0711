/**
 * HTTP layer cost in machine instructions per request, counted by valgrind: the server
 * process's user-space instructions, a figure that the machine's load does not move, where
 * bench/http.ts's throughput ratios swing by 10% or more from round to round on a shared VM.
 *
 * Each server kind (bench/lib/http-server.ts, over the built package) runs under valgrind
 * twice (bench/lib/valgrind.ts). This process sends the same warm-up to both, then N1
 * requests to one and N2 to the other, over one keep-alive connection, one request at a
 * time (so that no two requests share an event-loop turn, whatever valgrind's speed); the
 * difference of the two totals divided by N2 - N1 is one request, with start-up, module
 * loading and JIT warm-up cancelled out. Repeat runs of the same build agree within about
 * 2% (bare node:http: 76,262 and 76,209).
 *
 * What it does not see: the kernel's share of a request (on loopback, about as much again),
 * and time rather than count (a cache miss costs more than its one instruction). What it
 * shows that a microbenchmark does not: the middleware inside Node's own request path.
 * Different builds can move a server's count by several percent through V8's inlining
 * decisions alone, so compare figures of one run.
 *
 * Needs valgrind (`npm run setup` installs it).
 * Run: node --import tsx bench/http-instructions.ts [N1, default 2000] [N2, default 12000]
 *   [warm-up, default 5000]
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { instructionRefs, requireValgrind, VALGRIND_NODE } from './lib/valgrind.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const n1 = Number(process.argv[2] ?? 2_000);
const n2 = Number(process.argv[3] ?? 12_000);
const warm = Number(process.argv[4] ?? 5_000);
if (!(n2 > n1 && n1 >= 0 && warm >= 0)) {
  console.error('usage: bench/http-instructions.ts [N1] [N2] [warm-up], with N2 > N1 >= 0');
  process.exit(2);
}
requireValgrind('bench/http-instructions.ts');

const REQUEST = Buffer.from(
  'GET / HTTP/1.1\r\nHost: app.example.com\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n\r\n',
);
const CONNECTIONS = 1;

/** `n` requests over keep-alive connections; every answer must be a 200 ending in "hello". */
async function load(port: number, n: number): Promise<void> {
  let left = n;
  const one = () =>
    new Promise<void>((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      let got = '';
      const next = () => {
        if (left <= 0) {
          socket.end();
          resolve();
          return;
        }
        left--;
        socket.write(REQUEST);
      };
      socket.on('connect', next);
      socket.on('error', reject);
      socket.on('data', (c: Buffer) => {
        got += c.toString('latin1');
        if (!got.endsWith('\r\n\r\nhello')) return;
        if (!got.startsWith('HTTP/1.1 200')) {
          reject(new Error(`port ${port}: ${got.slice(0, 200)}`));
          return;
        }
        got = '';
        next();
      });
    });
  await Promise.all(Array.from({ length: CONNECTIONS }, one));
}

/** One server under valgrind: warm it, send `n` requests, stop it, return its total. */
function count(kind: string, n: number): Promise<number> {
  const child = spawn(
    'valgrind',
    [...VALGRIND_NODE, '--import', 'tsx', 'bench/lib/http-server.ts', kind],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  let started = false;
  child.stderr.on('data', (d: Buffer) => {
    err += d.toString();
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => {
      const refs = instructionRefs(err);
      if (refs === undefined) reject(new Error(`${kind}: exited ${code}\n${err.slice(-2000)}`));
      else resolve(refs);
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready (\d+)/.exec(out);
      if (!m || started) return;
      started = true;
      const port = Number(m[1]);
      load(port, warm)
        .then(() => load(port, n))
        .then(
          () => child.kill('SIGTERM'),
          (e: unknown) => {
            child.kill('SIGKILL');
            reject(e);
          },
        );
    });
  });
}

/** Instructions per request: the two runs side by side (one per core). */
async function perRequest(kind: string): Promise<number> {
  const [a, b] = await Promise.all([count(kind, n1), count(kind, n2)]);
  return (b - a) / (n2 - n1);
}

console.log(
  `server instructions per request (user space), valgrind cachegrind, (run(N=${n2}) - run(N=${n1})) / ${n2 - n1} after ${warm} warm-up requests, ${CONNECTIONS} keep-alive connection(s); node ${process.version}`,
);
const bare = await perRequest('node-bare');
const hsts = await perRequest('node-bare-hsts');
const full = await perRequest('node-proxytrust');
console.log(`node:http hello world, bare:                    ${bare.toFixed(0)}`);
console.log(`the same, setting the HSTS header by hand:      ${hsts.toFixed(0)}`);
console.log(
  `the same behind the full middleware:            ${full.toFixed(0)} (${(full / bare).toFixed(3)}x bare, ${(full / hsts).toFixed(3)}x by hand)`,
);
