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
 * loading and JIT warm-up cancelled out.
 *
 * N2 - N1 must be large. With 10,000 requests counted (this bench's old default), repeat
 * runs of bare node:http moved between 74,870 and 79,587 a request, and every figure sat
 * some 15% above the steady state: V8 was still tiering up past 5,000 warm-up requests, and
 * the difference of two runs carried each run's own jitter. With 40,000 counted (the
 * default now, about three minutes a server kind), bare node:http gave 64,735 and 64,706.
 *
 * What it does not see: the kernel's share of a request (on loopback, about as much again),
 * and time rather than count (a cache miss costs more than its one instruction). What it
 * shows that a microbenchmark does not: the middleware inside Node's own request path.
 * Different builds can move a server's count by several percent through V8's inlining
 * decisions alone, so compare figures of one run.
 *
 * A second section counts the PROXY protocol listener (docs/proxy-protocol.md): pp-listener
 * against pp-plain, a new connection per request, one at a time, each connection starting
 * with a v1 PROXY line for the listener: the instructions per connection.
 *
 * Needs valgrind (`npm run setup` installs it).
 * Run: node --import tsx bench/http-instructions.ts [http|proxy, default both]
 *   [N1, default 2000] [N2, default 42000; proxy 8000]
 *   [warm-up, default 5000; proxy 6000]
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { instructionRefs, requireValgrind, VALGRIND_NODE } from './lib/valgrind.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const mode = args[0] === 'http' || args[0] === 'proxy' ? args.shift() : 'both';
/** N1, N2 and the warm-up of a section: the arguments, else the section's defaults. */
function counts(proxy: boolean): [number, number, number] {
  const n1 = Number(args[0] ?? 2_000);
  const n2 = Number(args[1] ?? (proxy ? 8_000 : 42_000));
  const warm = Number(args[2] ?? (proxy ? 6_000 : 5_000));
  if (!(n2 > n1 && n1 >= 0 && warm >= 0)) {
    console.error(
      'usage: bench/http-instructions.ts [http|proxy] [N1] [N2] [warm-up], with N2 > N1 >= 0',
    );
    process.exit(2);
  }
  return [n1, n2, warm];
}
requireValgrind('bench/http-instructions.ts');

const REQUEST = Buffer.from(
  'GET / HTTP/1.1\r\nHost: app.example.com\r\nX-Forwarded-For: 203.0.113.7\r\nX-Forwarded-Proto: https\r\n\r\n',
);
const PROXY_REQUEST = Buffer.from('GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n');
const PROXY_LINE = Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.5 56324 443\r\n');

/** What a server kind is sent, and the body each answer must end in. */
interface Client {
  readonly bytes: Buffer;
  readonly body: string;
  /** A new connection per request, or one keep-alive connection for all. */
  readonly perConnection: boolean;
}

const CLIENTS: Record<string, Client> = {
  'node-bare': { bytes: REQUEST, body: 'hello', perConnection: false },
  'node-bare-hsts': { bytes: REQUEST, body: 'hello', perConnection: false },
  'node-proxytrust': { bytes: REQUEST, body: 'hello', perConnection: false },
  'pp-plain': { bytes: PROXY_REQUEST, body: '127.0.0.1', perConnection: true },
  'pp-listener': {
    bytes: Buffer.concat([PROXY_LINE, PROXY_REQUEST]),
    body: '203.0.113.7',
    perConnection: true,
  },
};

/**
 * `n` requests, one at a time; every answer must be a 200 ending in the client's body.
 * Over one keep-alive connection, or a new connection for each.
 */
function load(port: number, n: number, client: Client): Promise<void> {
  if (n <= 0) return Promise.resolve();
  let left = n;
  return new Promise<void>((resolve, reject) => {
    let socket: net.Socket;
    let got = '';
    const next = () => {
      if (left <= 0) {
        socket.end();
        resolve();
        return;
      }
      left--;
      if (client.perConnection) {
        socket?.destroy();
        connect();
      } else {
        socket.write(client.bytes);
      }
    };
    const connect = () => {
      got = '';
      socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      socket.on('connect', () => (client.perConnection ? socket.write(client.bytes) : next()));
      socket.on('error', reject);
      socket.on('data', (c: Buffer) => {
        got += c.toString('latin1');
        if (!got.endsWith(`\r\n\r\n${client.body}`)) return;
        if (!got.startsWith('HTTP/1.1 200')) {
          reject(new Error(`port ${port}: ${got.slice(0, 200)}`));
          return;
        }
        got = '';
        next();
      });
    };
    if (client.perConnection) left--;
    connect();
  });
}

/** One server under valgrind: warm it, send `n` requests, stop it, return its total. */
function count(kind: string, n: number, warm: number): Promise<number> {
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
      const client = CLIENTS[kind]!;
      load(port, warm, client)
        .then(() => load(port, n, client))
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

/** Instructions per request (per connection, for the PROXY kinds): the two runs side by side (one per core). */
async function perRequest(kind: string, [n1, n2, warm]: [number, number, number]): Promise<number> {
  const [a, b] = await Promise.all([count(kind, n1, warm), count(kind, n2, warm)]);
  return (b - a) / (n2 - n1);
}

if (mode !== 'proxy') {
  const c = counts(false);
  console.log(
    `server instructions per request (user space), valgrind cachegrind, (run(N=${c[1]}) - run(N=${c[0]})) / ${c[1] - c[0]} after ${c[2]} warm-up requests, one keep-alive connection; node ${process.version}`,
  );
  const bare = await perRequest('node-bare', c);
  const hsts = await perRequest('node-bare-hsts', c);
  const full = await perRequest('node-proxytrust', c);
  console.log(`node:http hello world, bare:                    ${bare.toFixed(0)}`);
  console.log(`the same, setting the HSTS header by hand:      ${hsts.toFixed(0)}`);
  console.log(
    `the same behind the full middleware:            ${full.toFixed(0)} (${(full / bare).toFixed(3)}x bare, ${(full / hsts).toFixed(3)}x by hand)`,
  );
}
if (mode !== 'http') {
  const c = counts(true);
  console.log(
    `server instructions per connection (user space), valgrind cachegrind, (run(N=${c[1]}) - run(N=${c[0]})) / ${c[1] - c[0]} after ${c[2]} warm-up connections, a new connection per request, one at a time; node ${process.version}`,
  );
  const plain = await perRequest('pp-plain', c);
  const listener = await perRequest('pp-listener', c);
  console.log(`node:http, plain:                               ${plain.toFixed(0)}`);
  console.log(
    `the same behind the PROXY listener (v1 line):   ${listener.toFixed(0)} (${(listener / plain).toFixed(3)}x plain)`,
  );
}
