/**
 * PROXY protocol benchmark.
 *
 * 1. Decode throughput, v1 and v2 with TLVs (as HAProxy sends them), side by side with
 *    proxy-protocol-js and @balena/proxy-protocol-parser in one process (mitata).
 * 2. Loopback HTTP throughput through the listener wrapper against a plain server:
 *    keep-alive connections (the header once per connection) and a connection per
 *    request (the worst case: one header per request). Bounded request counts.
 *
 * Run: node --import tsx bench/proxy-protocol.ts
 */
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import balena from '@balena/proxy-protocol-parser';
import { bench, do_not_optimize, run, summary } from 'mitata';
import { V1BinaryProxyProtocol, V2ProxyProtocol } from 'proxy-protocol-js';
import { interleave } from './interleave.js';

// The built package (npm run bench builds first): what users run, without the transpiler's
// name-keeping wrappers around every function created per connection.
const {
  acceptProxyProtocol,
  crc32c,
  decodeProxyHeader,
  encodeProxyHeader,
  SslClientFlags,
  sslTlv,
  TlvType,
  tlv,
}: typeof import('../src/proxy-protocol/index.js') = await import(
  new URL('../dist/proxy-protocol/index.js', import.meta.url).href
);

const request = Buffer.from('GET / HTTP/1.1\r\nHost: app.example.com\r\n\r\n');
const tlvs = [
  tlv(TlvType.ALPN, 'http/1.1'),
  tlv(TlvType.AUTHORITY, 'app.example.com'),
  tlv(TlvType.UNIQUE_ID, '203.0.113.7:56324_10.0.0.5:443_1700000000_0001'),
  sslTlv({
    client: SslClientFlags.SSL | SslClientFlags.CERT_CONN | SslClientFlags.CERT_SESS,
    version: 'TLSv1.3',
    commonName: 'edge-client-7',
    cipher: 'TLS_AES_256_GCM_SHA384',
    signatureAlgorithm: 'ecdsa-with-SHA256',
    keyAlgorithm: 'EC256',
  }),
];
const v1 = Buffer.concat([Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.5 56324 443\r\n'), request]);
const ipAddresses = {
  kind: 'ip',
  sourceAddress: '203.0.113.7',
  sourcePort: 56324,
  destinationAddress: '10.0.0.5',
  destinationPort: 443,
} as const;
/** As HAProxy sends it with `proxy-v2-options ssl,cert-cn,authority,unique-id,crc32c`. */
const v2 = Buffer.concat([
  Buffer.from(encodeProxyHeader({ version: 2, addresses: ipAddresses, tlvs }, { crc32c: true })),
  request,
]);
/** The same TLVs without the CRC32C TLV. */
const v2nocrc = Buffer.concat([
  Buffer.from(encodeProxyHeader({ version: 2, addresses: ipAddresses, tlvs })),
  request,
]);
const v2HeaderLength = v2.length - request.length;

const v2bare = Buffer.concat([
  Buffer.from(
    encodeProxyHeader({
      version: 2,
      addresses: {
        kind: 'ip',
        sourceAddress: '203.0.113.7',
        sourcePort: 56324,
        destinationAddress: '10.0.0.5',
        destinationPort: 443,
      },
    }),
  ),
  request,
]);

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

// ---------------------------------------------------------------- HTTP over loopback

async function startServer(
  wrapped: boolean,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer((_req, res) => {
    res.end('ok');
  });
  server.keepAliveTimeout = 10000;
  if (wrapped) acceptProxyProtocol(server, { sources: ['loopback'] });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const MARK = '\r\n\r\nok';

/** `connections` keep-alive connections, each sending `perConnection` requests in turn. */
async function keepAlive(
  port: number,
  header: Buffer | undefined,
  connections: number,
  perConnection: number,
) {
  const one = async () => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await once(socket, 'connect');
    if (header) socket.write(header);
    let pending = '';
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('data', (c: Buffer) => {
        pending += c.toString('latin1');
        let i = pending.indexOf(MARK);
        while (i >= 0) {
          pending = pending.slice(i + MARK.length);
          done++;
          if (done === perConnection) {
            socket.destroy();
            resolve();
            return;
          }
          socket.write(request);
          i = pending.indexOf(MARK);
        }
      });
      socket.write(request);
    });
  };
  await Promise.all(Array.from({ length: connections }, one));
  return connections * perConnection;
}

/** `total` requests, each on a new connection (`parallel` at a time). */
async function perRequest(
  port: number,
  header: Buffer | undefined,
  total: number,
  parallel: number,
) {
  let left = total;
  const lane = async () => {
    while (left-- > 0) {
      const socket = net.connect(port, '127.0.0.1');
      socket.setNoDelay(true);
      await once(socket, 'connect');
      socket.write(header ? Buffer.concat([header, request]) : request);
      let got = '';
      await new Promise<void>((resolve, reject) => {
        socket.on('error', reject);
        socket.on('data', (c: Buffer) => {
          got += c.toString('latin1');
          if (got.includes(MARK)) {
            socket.destroy();
            resolve();
          }
        });
      });
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return total;
}

const header = Buffer.from('PROXY TCP4 203.0.113.7 10.0.0.5 56324 443\r\n');

async function measure(
  label: string,
  fn: (port: number, header: Buffer | undefined) => Promise<number>,
) {
  const plain = await startServer(false);
  const wrapped = await startServer(true);
  const rates: { plain: number[]; wrapped: number[] } = { plain: [], wrapped: [] };
  await fn(plain.port, undefined); // warm-up
  await fn(wrapped.port, header);
  for (let round = 0; round < 5; round++) {
    for (const kind of round % 2
      ? (['wrapped', 'plain'] as const)
      : (['plain', 'wrapped'] as const)) {
      const t0 = process.hrtime.bigint();
      const n = kind === 'plain' ? await fn(plain.port, undefined) : await fn(wrapped.port, header);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      rates[kind].push(n / s);
    }
  }
  await plain.close();
  await wrapped.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const p = median(rates.plain);
  const w = median(rates.wrapped);
  console.log(
    `${label}: plain ${p.toFixed(0)} req/s, through the PROXY listener ${w.toFixed(0)} req/s, ratio ${(w / p).toFixed(3)} (${((1 - w / p) * 100).toFixed(1)}% loss)`,
  );
  return { plain: p, wrapped: w };
}

console.log('\nloopback HTTP/1.1 (same process, median of 5 alternating rounds)');
const ka = await measure('keep-alive, 16 connections x 500 requests', (port, h) =>
  keepAlive(port, h, 16, 500),
);
const pr = await measure('a new connection per request, 8 lanes, 2000 requests', (port, h) =>
  perRequest(port, h, 2000, 8),
);

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
console.log(
  `HTTP keep-alive: ${(ka.wrapped / ka.plain).toFixed(3)} of plain; connection per request: ${(pr.wrapped / pr.plain).toFixed(3)} of plain`,
);
