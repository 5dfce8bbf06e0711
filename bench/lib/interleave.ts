/**
 * Ratios that survive a noisy machine: the contenders run in short alternating batches
 * (A B C, then C B A, ...), and each round gives one ratio per contender against the
 * first, taken from batches a few milliseconds apart. The median over rounds is reported,
 * so a slow stretch of the machine moves every contender of a round together and cancels
 * out. (mitata measures one function after another, seconds apart: on a shared VM its
 * per-function figures can swing by 1.5x between runs.)
 *
 * Each contender gets its own compiled loop, so no call site is shared between them.
 */

export interface Contender {
  readonly name: string;
  readonly fn: () => unknown;
}

export interface Interleaved {
  /** Median nanoseconds per call, per contender. */
  readonly ns: readonly number[];
  /**
   * Per contender, the median over rounds of (its time / the first contender's time):
   * how many times slower than the first it is; below 1 is faster.
   */
  readonly vsFirst: readonly number[];
  readonly rounds: number;
}

type Loop = (fn: () => unknown, n: number) => unknown;

function makeLoop(): Loop {
  // A fresh function per contender: its own call site and type feedback.
  return new Function('fn', 'n', 'let s; for (let i = 0; i < n; i++) s = fn(); return s;') as Loop;
}

let sink: unknown;

function timeBatch(loop: Loop, fn: () => unknown, n: number): number {
  const t0 = process.hrtime.bigint();
  sink = loop(fn, n);
  return Number(process.hrtime.bigint() - t0) / n;
}

const median = (v: readonly number[]): number => {
  const s = [...v].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/** Run the contenders interleaved; `batchMs` is the target length of one batch. */
export function interleave(
  contenders: readonly Contender[],
  { rounds = 40, batchMs = 10 }: { rounds?: number; batchMs?: number } = {},
): Interleaved {
  const loops = contenders.map(() => makeLoop());
  // warm up and calibrate: calls per batch so that a batch lasts about batchMs
  const perBatch = contenders.map((c, i) => {
    let n = 1000;
    for (;;) {
      const ns = timeBatch(loops[i]!, c.fn, n) * n;
      if (ns > batchMs * 1e6 * 0.5 || n > 1e8)
        return Math.max(1, Math.round((n * batchMs * 1e6) / ns));
      n *= 4;
    }
  });
  const times: number[][] = contenders.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = contenders.map((_, i) => i);
    if (r % 2) order.reverse();
    for (const i of order) times[i]!.push(timeBatch(loops[i]!, contenders[i]!.fn, perBatch[i]!));
  }
  if (sink === Symbol.for('never')) console.log(sink);
  return {
    ns: times.map(median),
    vsFirst: times.map((t) => median(t.map((x, r) => x / times[0]![r]!))),
    rounds,
  };
}
