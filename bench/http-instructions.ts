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
 * A third section (`shared`, not part of the default run) counts the bare and the full
 * server side by side in ONE process, warmed in turns: how far a shared V8 isolate moves
 * the comparison (docs/http-layer.md, Cost).
 *
 * Needs valgrind (`npm run setup` installs it).
 * A fourth (`proxy-keepalive`) counts pp-listener against pp-plain per request over one
 * keep-alive connection, the PROXY line sent once when it opens: the listener's cost once
 * the header is read (none is expected; the handler reads connectionFacts instead of
 * remoteAddress).
 *
 * A fifth (`parts`, not part of the default run) splits the full middleware's cost against
 * the same response: the core's resolve alone, and bench/lib/floor.ts, the least any
 * resolver can do for this request (docs/http-layer.md, Cost).
 *
 * Run: node --import tsx bench/http-instructions.ts
 *   [http|proxy|proxy-keepalive|shared|parts, default http and proxy]
 *   [N1, default 2000] [N2, default 42000; proxy 8000]
 *   [warm-up, default 5000; proxy and proxy-keepalive 6000]
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { instructionRefs, requireValgrind, VALGRIND_NODE } from './lib/valgrind.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const mode = ['http', 'proxy', 'proxy-keepalive', 'shared', 'parts'].includes(args[0] ?? '')
  ? args.shift()
  : 'both';
/** N1, N2 and the warm-up of a section: the arguments, else the section's defaults. */
function counts(n2Default: number, warmDefault: number): [number, number, number] {
  const n1 = Number(args[0] ?? 2_000);
  const n2 = Number(args[1] ?? n2Default);
  const warm = Number(args[2] ?? warmDefault);
  if (!(n2 > n1 && n1 >= 0 && warm >= 0)) {
    console.error(
      'usage: bench/http-instructions.ts [http|proxy|proxy-keepalive|shared] [N1] [N2] [warm-up], with N2 > N1 >= 0',
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
  /** Bytes written once when a keep-alive connection opens (a PROXY line). */
  readonly preamble?: Buffer;
}

const CLIENTS: Record<string, Client> = {
  'node-bare': { bytes: REQUEST, body: 'hello', perConnection: false },
  'node-bare-hsts': { bytes: REQUEST, body: 'hello', perConnection: false },
  'node-bare-hsts-lc': { bytes: REQUEST, body: 'hello', perConnection: false },
  'node-core-resolve': { bytes: REQUEST, body: 'hello', perConnection: false },
  'node-floor': { bytes: REQUEST, body: 'hello', perConnection: false },
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
      socket.on('connect', () => {
        if (client.perConnection) socket.write(client.bytes);
        else {
          if (client.preamble) socket.write(client.preamble);
          next();
        }
      });
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

/**
 * Servers of the given kinds in one process under valgrind: warm them (in five turns each,
 * taking turns, when there are several), send `n` requests to `kinds[target]`, stop the
 * process, return its total.
 */
function count(
  kinds: readonly string[],
  target: number,
  n: number,
  warm: number,
  clients: Record<string, Client> = CLIENTS,
): Promise<number> {
  const child = spawn(
    'valgrind',
    [...VALGRIND_NODE, '--import', 'tsx', 'bench/lib/http-server.ts', ...kinds],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const kind = kinds[target]!;
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
      if (refs === undefined)
        reject(new Error(`${kinds.join(', ')}: exited ${code}\n${err.slice(-2000)}`));
      else resolve(refs);
    });
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /ready ([\d ]+)\n/.exec(out);
      if (!m || started) return;
      started = true;
      const ports = m[1]!.trim().split(' ').map(Number);
      const client = clients[kind]!;
      let warmed = Promise.resolve();
      if (ports.length === 1) warmed = load(ports[0]!, warm, client);
      else {
        for (let turn = 0; turn < 5; turn++) {
          ports.forEach((port, i) => {
            warmed = warmed.then(() => load(port, Math.round(warm / 5), clients[kinds[i]!]!));
          });
        }
      }
      warmed
        .then(() => load(ports[target]!, n, client))
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
async function perRequest(
  kind: string,
  [n1, n2, warm]: [number, number, number],
  kinds: readonly string[] = [kind],
  clients: Record<string, Client> = CLIENTS,
): Promise<number> {
  const target = kinds.indexOf(kind);
  const [a, b] = await Promise.all([
    count(kinds, target, n1, warm, clients),
    count(kinds, target, n2, warm, clients),
  ]);
  return (b - a) / (n2 - n1);
}

if (mode === 'http' || mode === 'both') {
  const c = counts(42_000, 5_000);
  console.log(
    `server instructions per request (user space), valgrind cachegrind, (run(N=${c[1]}) - run(N=${c[0]})) / ${c[1] - c[0]} after ${c[2]} warm-up requests, one keep-alive connection; node ${process.version}`,
  );
  const bare = await perRequest('node-bare', c);
  const hsts = await perRequest('node-bare-hsts', c);
  const hstsLc = await perRequest('node-bare-hsts-lc', c);
  const full = await perRequest('node-proxytrust', c);
  console.log(`node:http hello world, bare:                    ${bare.toFixed(0)}`);
  console.log(`the same, setting the HSTS header by hand:      ${hsts.toFixed(0)}`);
  console.log(`the same, in lower case after Content-Type:     ${hstsLc.toFixed(0)}`);
  console.log(
    `the same behind the full middleware:            ${full.toFixed(0)} (${(full / bare).toFixed(3)}x bare, ${(full / hsts).toFixed(3)}x by hand, ${(full / hstsLc).toFixed(3)}x lower case)`,
  );
}
if (mode === 'proxy' || mode === 'both') {
  const c = counts(8_000, 6_000);
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
if (mode === 'parts') {
  const c = counts(42_000, 5_000);
  console.log(
    `server instructions per request (user space), as in the http section: where the full middleware's cost lies, against the same response (HSTS in lower case after Content-Type); node ${process.version}`,
  );
  const base = await perRequest('node-bare-hsts-lc', c);
  const floor = await perRequest('node-floor', c);
  const core = await perRequest('node-core-resolve', c);
  const full = await perRequest('node-proxytrust', c);
  const over = (x: number) => `+${(x - base).toFixed(0)}, ${(x / base).toFixed(3)}x`;
  console.log(`the response alone (HSTS in lower case):        ${base.toFixed(0)}`);
  console.log(
    `+ the least any resolver does (floor.ts):      ${floor.toFixed(0)} (${over(floor)})`,
  );
  console.log(`+ the core's resolve, view kept on the request: ${core.toFixed(0)} (${over(core)})`);
  console.log(`behind the full middleware:                     ${full.toFixed(0)} (${over(full)})`);
}
if (mode === 'shared') {
  const c = counts(42_000, 5_000);
  console.log(
    `server instructions per request (user space), as above, with the bare and the full server in ONE process (one V8 isolate), both warmed in turns, then one counted; node ${process.version}`,
  );
  const both = ['node-bare', 'node-proxytrust'];
  const bare = await perRequest('node-bare', c, both);
  const full = await perRequest('node-proxytrust', c, both);
  console.log(`node:http hello world, bare, beside the full:   ${bare.toFixed(0)}`);
  console.log(
    `the full middleware, beside the bare:           ${full.toFixed(0)} (${(full / bare).toFixed(3)}x bare)`,
  );
}
if (mode === 'proxy-keepalive') {
  const c = counts(42_000, 6_000);
  console.log(
    `server instructions per request (user space), as for http, over one keep-alive connection per run; the listener's connection starts with a v1 PROXY line; node ${process.version}`,
  );
  const keepAlive: Record<string, Client> = {
    'pp-plain': { bytes: PROXY_REQUEST, body: '127.0.0.1', perConnection: false },
    'pp-listener': {
      preamble: PROXY_LINE,
      bytes: PROXY_REQUEST,
      body: '203.0.113.7',
      perConnection: false,
    },
  };
  const plain = await perRequest('pp-plain', c, ['pp-plain'], keepAlive);
  const listener = await perRequest('pp-listener', c, ['pp-listener'], keepAlive);
  console.log(`node:http, plain:                               ${plain.toFixed(0)}`);
  console.log(
    `the same behind the PROXY listener:             ${listener.toFixed(0)} (${(listener / plain).toFixed(3)}x plain)`,
  );
}
