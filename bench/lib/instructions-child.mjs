// One contender of bench/instructions.ts, run under valgrind: decode the input (given in
// hex by the parent, from bench/lib/pp-inputs.ts), warm the JIT up, then call the
// contender `n` times. Plain JavaScript over the built package, so that no transpiler
// runs inside the measured process.
// Usage: node bench/lib/instructions-child.mjs <contender> <input as hex> <n>
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const balena = require('@balena/proxy-protocol-parser');
const { V1BinaryProxyProtocol, V2ProxyProtocol } = require('proxy-protocol-js');
const { decodeProxyHeader } = await import(
  new URL('../../dist/proxy-protocol/index.js', import.meta.url).href
);

/** Each contender decodes the chunk and hands over the client's address as text. */
const CONTENDERS = {
  proxytrust: (b) => {
    const r = decodeProxyHeader(b);
    return r.status === 'complete' ? r.header.addresses?.sourceAddress : undefined;
  },
  'proxy-protocol-js': (b) =>
    b[0] === 0x50
      ? V1BinaryProxyProtocol.parse(b).source.ipAddress
      : V2ProxyProtocol.parse(b).proxyAddress.sourceAddress.address.join('.'),
  '@balena': (b) => (b[0] === 0x50 ? balena.decode(b) : balena.v2_decode(b))?.remoteAddress,
};

const [name, hex, count, expected] = process.argv.slice(2);
const fn = CONTENDERS[name];
const input = Buffer.from(hex ?? '', 'hex');
if (fn === undefined || input.length === 0 || !(Number(count) >= 0) || !expected) {
  console.error(
    `usage: instructions-child.mjs <${Object.keys(CONTENDERS).join('|')}> <input as hex> <n> <source address>`,
  );
  process.exit(2);
}
if (fn(input) !== expected) {
  console.error(`${name} read ${fn(input)}, not ${expected}`);
  process.exit(1);
}
let sink;
for (let i = 0; i < 20_000; i++) sink = fn(input);
for (let i = 0, n = Number(count); i < n; i++) sink = fn(input);
if (sink !== expected) process.exit(1);
