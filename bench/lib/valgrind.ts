/**
 * Counting instructions with valgrind (cachegrind without cache simulation), for the
 * benches that need a figure the machine's load does not move. V8 runs with
 * `--single-threaded`, so that compilation and GC happen on the counted thread, and with
 * `--predictable --no-memory-reducer`, so that nothing in V8 depends on the clock. Without
 * those two, a program under valgrind (some 50 times slower) runs V8's timed heuristics
 * (the memory reducer's GCs among them) far more often per unit of work than it would
 * natively: an HTTP server's count per request then moved by up to 20% between builds and
 * by 7% between runs of one build. With them, and 40,000 requests counted
 * (bench/http-instructions.ts), repeat runs of one server agree within about 1%.
 */
import { spawnSync } from 'node:child_process';

/** valgrind's arguments before the program: its own, then node's. */
export const VALGRIND_NODE: readonly string[] = [
  '--tool=cachegrind',
  '--cache-sim=no',
  '--cachegrind-out-file=/dev/null',
  '--smc-check=all-non-file',
  process.execPath,
  '--single-threaded',
  '--predictable',
  '--no-memory-reducer',
];

/** Exit with a clear message when valgrind is not installed. */
export function requireValgrind(bench: string): void {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error(`${bench} needs valgrind: run \`npm run setup\` (or apt-get install valgrind)`);
    process.exit(1);
  }
}

/** The total instruction count in valgrind's report, or undefined when there is none. */
export function instructionRefs(stderr: string): number | undefined {
  const m = /I\s+refs:\s+([\d,]+)/.exec(stderr);
  return m ? Number(m[1]!.replaceAll(',', '')) : undefined;
}
