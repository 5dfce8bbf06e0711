/**
 * Server pairs measured side by side in one session, apart from the load generator in
 * this process. The two servers are loaded alternately in short rounds (A B, B A, A B,
 * ...) after a warm-up, and two figures are reported per pair:
 *
 * - throughput: the median over rounds of (A's req/s / B's req/s), each ratio taken from
 *   two back-to-back rounds so that drift on a shared machine cancels out, with a 95%
 *   bootstrap interval;
 * - server CPU per request: the server process's CPU time during a server's rounds divided
 *   by the requests it served, summed over all rounds (only one server is loaded at a
 *   time). When the load generator, not the server, is the bottleneck, throughput hides
 *   the server's extra work and this figure shows it.
 *
 * Where the servers run (bench/lib/http-server.ts):
 * - `processes: 0` (the default here; bench/http.ts passes 24, bench/proxy-protocol.ts
 *   12): both in ONE child process, so they share a core placement and a JIT, and differ
 *   only in the code under test.
 *   Node's own functions then see both servers' request and response objects, so a
 *   property that one server adds to them makes the other's calls polymorphic too, and
 *   the comparison is biased: counted under valgrind (bench/http-instructions.ts shared),
 *   the full middleware cost 1.10x to 1.12x bare's instructions beside it in one process
 *   and 1.02x in its own. Fair only for servers whose objects have the same shapes.
 * - `processes: n`: each server in its own process, as deployed, on n fresh pairs of
 *   processes one after another. A process's own speed varies (code placement, JIT
 *   decisions): by 5% to 10% on a 2-core VM, so n must be large for a small difference
 *   (with 24 pairs of 4 rounds, bare against bare gave 1.002, interval 0.975..1.019).
 *   The interval then resamples whole pairs.
 */
import { type ChildProcess, execFileSync, fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** Counted before any pinning: availableParallelism() follows this process's affinity. */
const cpus = availableParallelism();

/** Load `port` for `seconds`; report what was served. */
export type Load = (port: number, seconds: number) => Promise<{ requests: number; rps: number }>;

interface Server {
  readonly kind: string;
  readonly child: ChildProcess;
  readonly port: number;
}

/**
 * With two or more CPUs, pin this process (the load generator) to CPU 0 and the server
 * process to CPU 1 (util-linux `taskset`), so that the scheduler does not move them onto
 * one core mid-round; without taskset, run unpinned and say so.
 */
function pin(child: ChildProcess): string {
  if (cpus < 2 || child.pid === undefined) return 'unpinned (one CPU)';
  try {
    execFileSync('taskset', ['-p', '-c', '0', String(process.pid)], { stdio: 'ignore' });
    execFileSync('taskset', ['-p', '-c', '1', String(child.pid)], { stdio: 'ignore' });
    return 'load generator on CPU 0, servers on CPU 1';
  } catch {
    return 'unpinned (no taskset)';
  }
}

let pinned = '';

/** Start servers of the given kinds in one child process. */
function startServers(kinds: readonly string[]): Promise<Server[]> {
  const child = fork('bench/lib/http-server.ts', [...kinds], {
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
        pinned = pin(child);
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

async function round(s: Server, load: Load, seconds: number): Promise<Round> {
  await ask(s, 'mark');
  const r = await load(s.port, seconds);
  const cpu = await ask<{ cpuMicros: number; requests: number }>(s, 'report');
  if (cpu.requests < r.requests) {
    throw new Error(
      `${s.kind}: the client counted ${r.requests} answers, the server ${cpu.requests}`,
    );
  }
  return { rps: r.rps, ...cpu };
}

/** The median (the mean of the middle two for an even count). */
export const median = (v: readonly number[]): number => {
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * A 95% percentile-bootstrap interval for the median of the values in `groups` (2,000
 * resamples of whole groups, so rounds that shared a process are resampled together; a
 * fixed seed, so that a run's report can be reproduced from its ratios).
 */
function medianInterval(groups: readonly (readonly number[])[]): [number, number] {
  let seed = 0x9e3779b9;
  const rand = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 2 ** 32;
  };
  const meds: number[] = [];
  for (let k = 0; k < 2000; k++) {
    const sample: number[] = [];
    for (let i = 0; i < groups.length; i++) {
      sample.push(...groups[Math.floor(rand() * groups.length)]!);
    }
    meds.push(median(sample));
  }
  meds.sort((x, y) => x - y);
  return [meds[Math.floor(meds.length * 0.025)]!, meds[Math.floor(meds.length * 0.975)]!];
}

/** One side of a pair: a server kind and how to load it. */
export interface Side {
  readonly kind: string;
  readonly load: Load;
}

export interface PairResult {
  /** Median over paired rounds of A's throughput / B's. */
  readonly throughput: number;
  readonly throughputMin: number;
  readonly throughputMax: number;
  /** A 95% interval for that median: percentile bootstrap over the paired rounds. */
  readonly throughputLow: number;
  readonly throughputHigh: number;
  /** A's server CPU per request / B's. */
  readonly cpu: number;
  readonly cpuA: number;
  readonly cpuB: number;
}

/** Measure A against B and print the figures. */
export async function pair(
  title: string,
  a: Side,
  b: Side,
  { rounds, seconds, processes = 0 }: { rounds: number; seconds: number; processes?: number },
): Promise<PairResult> {
  const ratios: number[] = [];
  /** The ratios of each process (pair): the units the interval resamples. */
  const groups: number[][] = [];
  const ra: Round[] = [];
  const rb: Round[] = [];
  /** `n` alternating rounds on a started pair, after a 2 s warm-up of each. */
  const measure = async (sa: Server, sb: Server, n: number, first: number): Promise<void> => {
    await round(sa, a.load, 2);
    await round(sb, b.load, 2);
    for (let i = first; i < first + n; i++) {
      const aFirst = i % 2 === 0;
      const x = aFirst ? await round(sa, a.load, seconds) : await round(sb, b.load, seconds);
      const y = aFirst ? await round(sb, b.load, seconds) : await round(sa, a.load, seconds);
      const [ax, bx] = aFirst ? [x, y] : [y, x];
      ra.push(ax);
      rb.push(bx);
      ratios.push(ax.rps / bx.rps);
    }
  };
  if (processes <= 0) {
    const [sa, sb] = (await startServers([a.kind, b.kind])) as [Server, Server];
    try {
      await measure(sa, sb, rounds, 0);
    } finally {
      sa.child.kill('SIGTERM');
    }
    for (const r of ratios) groups.push([r]);
  } else {
    const per = Math.max(1, Math.round(rounds / processes));
    for (let k = 0; k < processes; k++) {
      // Alternate which process starts first (and so lands first in memory).
      const [s1] = (await startServers([k % 2 === 0 ? a.kind : b.kind])) as [Server];
      const [s2] = (await startServers([k % 2 === 0 ? b.kind : a.kind])) as [Server];
      const [sa, sb] = k % 2 === 0 ? [s1, s2] : [s2, s1];
      const before = ratios.length;
      try {
        await measure(sa, sb, per, k * per);
      } finally {
        sa.child.kill('SIGTERM');
        sb.child.kill('SIGTERM');
      }
      groups.push(ratios.slice(before));
    }
  }
  const cpuPer = (rs: Round[]): number =>
    rs.reduce((s, r) => s + r.cpuMicros, 0) / rs.reduce((s, r) => s + r.requests, 0);
  const [low, high] = medianInterval(groups);
  const result: PairResult = {
    throughput: median(ratios),
    throughputLow: low,
    throughputHigh: high,
    throughputMin: Math.min(...ratios),
    throughputMax: Math.max(...ratios),
    cpuA: cpuPer(ra),
    cpuB: cpuPer(rb),
    cpu: cpuPer(ra) / cpuPer(rb),
  };
  const fmt = (rs: Round[]): string =>
    median(rs.map((r) => r.rps))
      .toFixed(0)
      .padStart(7);
  console.log(`\n${title} (${pinned})`);
  console.log(
    `  ${a.kind.padEnd(20)} ${fmt(ra)} req/s (median)  ${result.cpuA.toFixed(1)} us CPU/request`,
  );
  console.log(
    `  ${b.kind.padEnd(20)} ${fmt(rb)} req/s (median)  ${result.cpuB.toFixed(1)} us CPU/request`,
  );
  console.log(
    `  throughput ratio ${result.throughput.toFixed(3)} (median of ${ratios.length} paired rounds${processes > 0 ? ` in ${processes} fresh pairs of processes` : ' in one process'}, 95% interval ${low.toFixed(3)}..${high.toFixed(3)}; min ${result.throughputMin.toFixed(3)}, max ${result.throughputMax.toFixed(3)})`,
  );
  console.log(
    `  CPU per request ratio ${result.cpu.toFixed(3)} (${result.cpuA >= result.cpuB ? '+' : ''}${(result.cpuA - result.cpuB).toFixed(1)} us)`,
  );
  return result;
}
