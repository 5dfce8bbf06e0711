/**
 * PROXY protocol decode cost in machine instructions, counted by valgrind (cachegrind,
 * no cache simulation): a figure that does not move with the machine's load, where the
 * timed ratios of bench/proxy-protocol.ts swing by 1.5x between runs on a shared VM.
 *
 * The inputs are bench/proxy-protocol.ts's (bench/lib/pp-inputs.ts). Each contender runs
 * in its own process (bench/lib/instructions-child.mjs, plain JavaScript over the built
 * package, the input passed in hex) under valgrind, twice: with N1 and with N2 calls
 * after the same warm-up. The difference of the two totals divided by N2 - N1 is the cost
 * of one call, with start-up, module loading and JIT warm-up cancelled out. V8 runs with
 * `--single-threaded` so that compilation and GC happen on the counted thread at the same
 * points in both runs (repeat runs agree within about 1%).
 *
 * Every contender decodes a socket's first chunk (the header, then an HTTP request) and
 * hands over the client's address as text: proxy-protocol-js gives v2 addresses as byte
 * arrays, so its figure includes the `join('.')` a caller needs.
 *
 * Instructions are not time (a cache miss or a native call costs more than its count),
 * so this complements the timed bench rather than replacing it.
 *
 * Needs valgrind (Debian's `valgrind`, installed by `npm run setup`).
 * Run: node --import tsx bench/instructions.ts [N1, default 10000] [N2, default 110000]
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { proxyInputs, SOURCE } from './lib/pp-inputs.js';
import { instructionRefs, requireValgrind, VALGRIND_NODE } from './lib/valgrind.js';

const child = fileURLToPath(new URL('./lib/instructions-child.mjs', import.meta.url));
const n1 = Number(process.argv[2] ?? 10_000);
const n2 = Number(process.argv[3] ?? 110_000);
if (!(n2 > n1 && n1 >= 0)) {
  console.error('usage: bench/instructions.ts [N1] [N2], with N2 > N1 >= 0');
  process.exit(2);
}
requireValgrind('bench/instructions.ts');

const inputs = proxyInputs(
  await import(new URL('../dist/proxy-protocol/index.js', import.meta.url).href),
);

/** Total instructions of one child run. */
function count(contender: string, which: keyof typeof inputs, n: number): Promise<number> {
  const args = [
    ...VALGRIND_NODE,
    child,
    contender,
    inputs[which].toString('hex'),
    String(n),
    SOURCE,
  ];
  return new Promise((resolve, reject) => {
    execFile('valgrind', args, { maxBuffer: 1 << 20 }, (err, _out, stderr) => {
      const refs = instructionRefs(stderr);
      if (err || refs === undefined) {
        reject(
          new Error(`${contender} ${which}: ${err?.message ?? 'no count'}\n${stderr.slice(-2000)}`),
        );
        return;
      }
      resolve(refs);
    });
  });
}

/** Instructions per call: the two runs side by side (one per core). */
async function perCall(contender: string, which: keyof typeof inputs): Promise<number> {
  const [a, b] = await Promise.all([count(contender, which, n1), count(contender, which, n2)]);
  return (b - a) / (n2 - n1);
}

const cases: [keyof typeof inputs, string][] = [
  ['v1', 'v1'],
  ['v2bare', 'v2, no TLVs'],
  ['v2tlvs', 'v2 + TLVs (ALPN, AUTHORITY, UNIQUE_ID, SSL with 5 sub-TLVs)'],
  ['v2crc32c', 'the same + CRC32C (proxytrust verifies it; the others do not read TLVs)'],
];
const contenders = ['proxytrust', 'proxy-protocol-js', '@balena'];
console.log(
  `instructions per decode (the client's address as text), valgrind cachegrind, (run(N=${n2}) - run(N=${n1})) / ${n2 - n1}; node ${process.version}`,
);
for (const [which, title] of cases) {
  const counts: number[] = [];
  for (const c of contenders) counts.push(await perCall(c, which));
  const [ours, ...others] = counts as [number, ...number[]];
  const vs = others
    .map((x, i) => `${contenders[i + 1]} ${x.toFixed(0)} (${(x / ours).toFixed(2)}x ours)`)
    .join(', ');
  console.log(`${title}: proxytrust ${ours.toFixed(0)}; ${vs}`);
}
