/**
 * PROXY protocol benchmark.
 *
 * 1. Decode throughput, v1 and v2 with TLVs (as HAProxy sends them), side by side with
 *    proxy-protocol-js and @balena/proxy-protocol-parser in one process: mitata's table,
 *    then the ratios from interleaved batches (bench/lib/interleave.ts), which are the
 *    figures to quote.
 * 2. Loopback HTTP throughput through the listener wrapper against a plain server, each
 *    in its own process on fresh pairs of processes (12 by default; 0 puts both in one
 *    process, which bench/lib/pairs.ts shows to be biased when the two servers' objects
 *    differ, as a socket behind the listener's does), loaded from here in alternating
 *    rounds: keep-alive connections (the header once per connection) and a connection per
 *    request (the worst case: one header per request).
 *
 * Run: node --import tsx bench/proxy-protocol.ts [seconds per round, default 1]
 *   [rounds, default 48] [pairs of processes, default 12]
 */
import { once } from 'node:events';
import net from 'node:net';
import balena from '@balena/proxy-protocol-parser';
import { bench, do_not_optimize, run, summary } from 'mitata';
import { V1BinaryProxyProtocol, V2ProxyProtocol } from 'proxy-protocol-js';
import { interleave } from './lib/interleave.js';
import { type Load, pair } from './lib/pairs.js';
import { proxyInputs } from './lib/pp-inputs.js';
import { wrkLoad } from './lib/wrk.js';

// The built package (npm run bench builds first): what users run, without the transpiler's
// name-keeping wrappers around every function created per connection.
const codec: typeof import('../src/proxy-protocol/index.js') = await import(
  new URL('../dist/proxy-protocol/index.js', import.meta.url).href
);
const { crc32c, decodeProxyHeader } = codec;
const inputs = proxyInputs(codec);
const { request, v1, v2bare } = inputs;
/** As HAProxy sends it with `proxy-v2-options ssl,cert-cn,authority,unique-id,crc32c`. */
const v2 = inputs.v2crc32c;
/** The same TLVs without the CRC32C TLV. */
const v2nocrc = inputs.v2tlvs;
const v2HeaderLength = v2.length - request.length;

// sanity: every parser reads the same source address
const check = (name: string, got: string | undefined) => {
  if (got !== '203.0.113.7') throw new Error(`${name} read ${got}`);
};
const ours1 = decodeProxyHeader(v1);
const ours2 = decodeProxyHeader(v2);
check(
  'ours v1',
  ours1.status === 'complete' && ours1.header.addresses?.kind === 'ip'
    ? ours1.header.addresses.sourceAddress
    : undefined,
);
check(
  'ours v2',
  ours2.status === 'complete' && ours2.header.addresses?.kind === 'ip'
    ? ours2.header.addresses.sourceAddress
    : undefined,
);
check('balena v1', balena.decode(v1)?.remoteAddress);
check('balena v2', balena.v2_decode(v2)?.remoteAddress);
check('proxy-protocol-js v1', V1BinaryProxyProtocol.parse(v1).source.ipAddress);
const ppjs2 = V2ProxyProtocol.parse(v2).proxyAddress as unknown as {
  sourceAddress: { address: number[] };
};
check('proxy-protocol-js v2', ppjs2.sourceAddress.address.join('.'));

summary(() => {
  bench('v1: proxytrust decodeProxyHeader', () => do_not_optimize(decodeProxyHeader(v1)));
  bench('v1: proxy-protocol-js V1BinaryProxyProtocol.parse', () =>
    do_not_optimize(V1BinaryProxyProtocol.parse(v1)),
  );
  bench('v1: @balena/proxy-protocol-parser decode', () => do_not_optimize(balena.decode(v1)));
});
summary(() => {
  bench('v2: proxytrust decodeProxyHeader', () => do_not_optimize(decodeProxyHeader(v2bare)));
  bench('v2: proxy-protocol-js V2ProxyProtocol.parse', () =>
    do_not_optimize(V2ProxyProtocol.parse(v2bare)),
  );
  bench('v2: @balena/proxy-protocol-parser v2_decode', () =>
    do_not_optimize(balena.v2_decode(v2bare)),
  );
});
summary(() => {
  bench('v2+TLVs no CRC: proxytrust decodeProxyHeader (TLVs checked)', () =>
    do_not_optimize(decodeProxyHeader(v2nocrc)),
  );
  bench('v2+TLVs no CRC: proxy-protocol-js V2ProxyProtocol.parse (no TLVs)', () =>
    do_not_optimize(V2ProxyProtocol.parse(v2nocrc)),
  );
  bench('v2+TLVs no CRC: @balena/proxy-protocol-parser v2_decode (no TLVs)', () =>
    do_not_optimize(balena.v2_decode(v2nocrc)),
  );
});
summary(() => {
  bench('v2+TLVs: proxytrust decodeProxyHeader (TLVs checked, CRC32C verified)', () =>
    do_not_optimize(decodeProxyHeader(v2)),
  );
  bench('v2+TLVs: proxy-protocol-js V2ProxyProtocol.parse (no TLVs)', () =>
    do_not_optimize(V2ProxyProtocol.parse(v2)),
  );
  bench('v2+TLVs: @balena/proxy-protocol-parser v2_decode (no TLVs)', () =>
    do_not_optimize(balena.v2_decode(v2)),
  );
  bench(`CRC-32C alone over the ${v2HeaderLength}-byte header (part of the line above)`, () =>
    do_not_optimize(crc32c(v2, 0, v2HeaderLength)),
  );
  bench('v2+TLVs: proxytrust decode, then read every TLV field', () => {
    const r = decodeProxyHeader(v2);
    if (r.status === 'complete') {
      const h = r.header;
      do_not_optimize([h.alpn, h.authority, h.uniqueId, h.ssl?.commonName, h.ssl?.cipher, h.tlvs]);
    }
  });
});

await run();

// ---------------------------------------------------------------- ratios for the closing note

/** Source address as each parser hands it over (pp-js: an array of byte values). */
const ppjsSource = (b: Buffer) =>
  (V2ProxyProtocol.parse(b).proxyAddress as unknown as { sourceAddress: { address: number[] } })
    .sourceAddress.address;
const oursSource = (b: Buffer) => {
  const r = decodeProxyHeader(b);
  return r.status === 'complete' && r.header.addresses?.kind === 'ip'
    ? r.header.addresses.sourceAddress
    : undefined;
};

const groups: [string, Buffer, 'v1' | 'v2' | 'v2-source'][] = [
  ['v1', v1, 'v1'],
  ['v2, no TLVs', v2bare, 'v2'],
  ['v2 + TLVs (ALPN, AUTHORITY, UNIQUE_ID, SSL with 5 sub-TLVs), no CRC32C', v2nocrc, 'v2'],
  ['the same + CRC32C (proxytrust verifies it; the others do not read TLVs)', v2, 'v2'],
  ['v2 + TLVs, no CRC32C, then read the source address', v2nocrc, 'v2-source'],
];
console.log(
  '\nsummary: interleaved batches (median of 40 rounds; see bench/interleave.ts); "x faster" = their time / ours',
);
for (const [title, bytes, kind] of groups) {
  const r = interleave(
    kind === 'v1'
      ? [
          { name: 'proxytrust', fn: () => decodeProxyHeader(bytes) },
          { name: 'proxy-protocol-js', fn: () => V1BinaryProxyProtocol.parse(bytes) },
          { name: '@balena', fn: () => balena.decode(bytes) },
        ]
      : kind === 'v2'
        ? [
            { name: 'proxytrust', fn: () => decodeProxyHeader(bytes) },
            { name: 'proxy-protocol-js', fn: () => V2ProxyProtocol.parse(bytes) },
            { name: '@balena', fn: () => balena.v2_decode(bytes) },
          ]
        : [
            { name: 'proxytrust', fn: () => oursSource(bytes) },
            { name: 'proxy-protocol-js', fn: () => ppjsSource(bytes) },
            { name: '@balena', fn: () => balena.v2_decode(bytes)?.remoteAddress },
          ],
  );
  console.log(
    `${title}: proxytrust ${r.ns[0]!.toFixed(0)} ns; ${r.vsFirst[1]!.toFixed(2)}x faster than proxy-protocol-js (${r.ns[1]!.toFixed(0)} ns), ${r.vsFirst[2]!.toFixed(2)}x faster than @balena (${r.ns[2]!.toFixed(0)} ns)`,
  );
}
// ---------------------------------------------------------------- HTTP over loopback

const proxyLine = Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.5 56324 443\r\n');
/** An answer ends with the body, which is the client address the server believes. */
const ends = (got: string, body: string) => got.endsWith(`\r\n\r\n${body}`);

/**
 * `connections` keep-alive connections, one request at a time each, for `seconds`; with
 * `header`, each connection starts with it.
 */
function keepAlive(header: Buffer | undefined, body: string, connections: number): Load {
  return async (port, seconds) => {
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    let requests = 0;
    const one = async () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      await once(socket, 'connect');
      if (header) socket.write(header);
      let got = '';
      await new Promise<void>((resolve, reject) => {
        socket.on('error', reject);
        socket.on('data', (c: Buffer) => {
          got += c.toString('latin1');
          if (!ends(got, body)) return;
          got = '';
          requests++;
          if (performance.now() >= end) {
            socket.destroy();
            resolve();
          } else socket.write(request);
        });
        socket.write(request);
      });
    };
    await Promise.all(Array.from({ length: connections }, one));
    return { requests, rps: requests / ((performance.now() - t0) / 1000) };
  };
}

/** A new connection per request (`lanes` at a time) for `seconds`; the worst case. */
function perConnection(header: Buffer | undefined, body: string, lanes: number): Load {
  const bytes = header ? Buffer.concat([header, request]) : request;
  return async (port, seconds) => {
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    let requests = 0;
    const lane = async () => {
      while (performance.now() < end) {
        const socket = net.connect(port, '127.0.0.1');
        socket.setNoDelay(true);
        await once(socket, 'connect');
        socket.write(bytes);
        let got = '';
        await new Promise<void>((resolve, reject) => {
          socket.on('error', reject);
          socket.on('data', (c: Buffer) => {
            got += c.toString('latin1');
            if (ends(got, body)) {
              socket.destroy();
              resolve();
            }
          });
        });
        requests++;
      }
    };
    await Promise.all(Array.from({ length: lanes }, lane));
    return { requests, rps: requests / ((performance.now() - t0) / 1000) };
  };
}

const seconds = Number(process.argv[2] ?? 1);
const rounds = Number(process.argv[3] ?? 48);
const processes = Number(process.argv[4] ?? 12);
console.log(
  `\nloopback HTTP/1.1 through the PROXY listener (pp-listener) against plain node:http (pp-plain): ${processes > 0 ? `each server in its own process, ${processes} fresh pairs` : 'both servers in one child process'}, ${rounds} alternating rounds of ${seconds} s; the plain server answers with the socket's address, the wrapped one with the PROXY source`,
);
const ka = await pair(
  'keep-alive: 16 connections, the PROXY header once per connection',
  { kind: 'pp-listener', load: keepAlive(proxyLine, '203.0.113.7', 16) },
  { kind: 'pp-plain', load: keepAlive(undefined, '127.0.0.1', 16) },
  { rounds, seconds, processes },
);
const pc = await pair(
  'a new connection per request (8 at a time): a PROXY header per request',
  { kind: 'pp-listener', load: perConnection(proxyLine, '203.0.113.7', 8) },
  { kind: 'pp-plain', load: perConnection(undefined, '127.0.0.1', 8) },
  { rounds, seconds, processes },
);
// wrk (C) as the client: a Node client spends about as much CPU per connection as the
// server does, so with one CPU each it can run out before the server does.
const wrkHeaders = { host: 'app.example.com' };
const pw = await pair(
  'a new connection per request, loaded by wrk (8 connections; the server closes each)',
  {
    kind: 'pp-listener',
    load: wrkLoad({
      connections: 8,
      headers: wrkHeaders,
      connectionPerRequest: true,
      prefix: proxyLine.toString('latin1'),
    }),
  },
  {
    kind: 'pp-plain',
    load: wrkLoad({ connections: 8, headers: wrkHeaders, connectionPerRequest: true }),
  },
  { rounds, seconds, processes },
);
console.log(
  `\nHTTP through the listener, throughput of plain: keep-alive ${ka.throughput.toFixed(3)}, connection per request ${pc.throughput.toFixed(3)} (wrk: ${pw.throughput.toFixed(3)}); server CPU per request: keep-alive ${ka.cpu.toFixed(3)}x, connection per request ${pc.cpu.toFixed(3)}x (wrk: ${pw.cpu.toFixed(3)}x)`,
);
