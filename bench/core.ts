/**
 * Core benchmark: resolve scheme, host and client IP for the reference request, side by
 * side in one process with proxy-addr (Express's client IP) plus Express's own protocol
 * and hostname logic for the same request. Prints per-call times and ratios.
 *
 * Run: npm run bench
 */
import { bench, do_not_optimize, group, run, summary } from 'mitata';
import proxyaddr from 'proxy-addr';

// The built package (npm run bench builds first), so the figures are what users run.
const core: typeof import('../src/core/index.js') = await import(
  new URL('../dist/core/index.js', import.meta.url).href
);
const { compilePolicy, resolve } = core;

const TRUST = ['loopback', '10.0.0.0/8', '172.16.0.0/12'];
// The reference request sends X-Forwarded-Host and Express reads it, so the policy names it:
// both sides do the same work.
const HEADERS = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'] as const;
const policy = compilePolicy({ trustedProxies: TRUST, headers: HEADERS });
const expressTrust = proxyaddr.compile(TRUST);

interface Case {
  name: string;
  peer: string;
  headers: Record<string, string>;
}

function chain(n: number, v6: boolean): string {
  const hops: string[] = [v6 ? '2001:db8::7' : '203.0.113.7'];
  for (let i = 1; i < n; i++)
    hops.push(v6 ? `fd00::${i.toString(16)}` : `10.0.${i >> 8}.${i & 255}`);
  return hops.join(', ');
}

const cases: Case[] = [
  {
    name: 'reference: 3-hop IPv4 chain',
    peer: '127.0.0.1',
    headers: {
      host: 'app.internal',
      'x-forwarded-for': '203.0.113.7, 10.1.2.3, 172.16.5.4',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'app.example.com',
    },
  },
  {
    name: '20-hop IPv4 chain',
    peer: '127.0.0.1',
    headers: {
      host: 'app.internal',
      'x-forwarded-for': chain(20, false),
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'app.example.com',
    },
  },
  {
    name: '3-hop IPv6 chain',
    peer: '::1',
    headers: {
      host: 'app.internal',
      'x-forwarded-for': chain(3, true),
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'app.example.com',
    },
  },
];
const policyV6 = compilePolicy({ trustedProxies: [...TRUST, 'fd00::/8'], headers: HEADERS });
const expressTrustV6 = proxyaddr.compile([...TRUST, 'fd00::/8']);

/**
 * Express 5's req.protocol, req.hostname and req.ip for the same request: the socket peer
 * is checked once with the compiled trust function, then the leftmost X-Forwarded-Proto /
 * X-Forwarded-Host are read (this is express/lib/request.js), and the IP is proxy-addr.
 */
function expressLike(peer: string, headers: Record<string, string>, trust: typeof expressTrust) {
  const req = { connection: { remoteAddress: peer }, socket: { remoteAddress: peer }, headers };
  const trusted = trust(peer, 0);
  let protocol = 'http';
  if (trusted) {
    const h = headers['x-forwarded-proto'] || protocol;
    const idx = h.indexOf(',');
    protocol = idx !== -1 ? h.substring(0, idx).trim() : h.trim();
  }
  let host = headers['x-forwarded-host'];
  if (!host || !trusted) host = headers.host;
  else if (host.indexOf(',') !== -1) host = host.substring(0, host.indexOf(',')).trimEnd();
  const offset = host && host[0] === '[' ? host.indexOf(']') + 1 : 0;
  const index = host ? host.indexOf(':', offset) : -1;
  const hostname = host && index !== -1 ? host.substring(0, index) : host;
  // biome-ignore lint/suspicious/noExplicitAny: proxy-addr takes a Node request
  const ip = proxyaddr(req as any, trust);
  return { protocol, hostname, ip };
}

// Sanity: both agree on the answers before being timed.
for (const c of cases) {
  const isV6 = c.peer === '::1';
  const v = resolve(isV6 ? policyV6 : policy, { peer: c.peer, headers: c.headers });
  const e = expressLike(c.peer, c.headers, isV6 ? expressTrustV6 : expressTrust);
  if (v.clientIp !== e.ip || v.scheme !== e.protocol || v.hostname !== e.hostname) {
    throw new Error(`disagreement on ${c.name}: ${JSON.stringify({ v, e })}`);
  }
}

for (const c of cases) {
  const isV6 = c.peer === '::1';
  const pol = isV6 ? policyV6 : policy;
  const tr = isV6 ? expressTrustV6 : expressTrust;
  const rawHeaders = Object.entries(c.headers).flat();
  group(c.name, () => {
    summary(() => {
      bench('proxytrust resolve (headers object)', () => {
        do_not_optimize(resolve(pol, { peer: c.peer, headers: c.headers }));
      }).baseline(true);
      bench('proxytrust resolve (rawHeaders)', () => {
        do_not_optimize(resolve(pol, { peer: c.peer, headers: rawHeaders }));
      });
      bench('express protocol+hostname + proxy-addr ip', () => {
        do_not_optimize(expressLike(c.peer, c.headers, tr));
      });
      bench('proxy-addr ip only', () => {
        const req = {
          connection: { remoteAddress: c.peer },
          socket: { remoteAddress: c.peer },
          headers: c.headers,
        };
        // biome-ignore lint/suspicious/noExplicitAny: proxy-addr takes a Node request
        do_not_optimize(proxyaddr(req as any, tr));
      });
    });
  });
}

await run();

/**
 * The goal's figure: resolve against Express's protocol + hostname + proxy-addr ip, as a
 * ratio, the median of 3 runs in this process, for the headers object and rawHeaders.
 */
function perCall(fn: () => unknown, n: number): number {
  for (let i = 0; i < n / 10; i++) do_not_optimize(fn());
  const t = process.hrtime.bigint();
  for (let i = 0; i < n; i++) do_not_optimize(fn());
  return Number(process.hrtime.bigint() - t) / n;
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)]!;
console.log('\nratio to Express protocol+hostname + proxy-addr ip (median of 3 runs):');
for (const c of cases) {
  const isV6 = c.peer === '::1';
  const pol = isV6 ? policyV6 : policy;
  const tr = isV6 ? expressTrustV6 : expressTrust;
  const rawHeaders = Object.entries(c.headers).flat();
  const N = 200_000;
  const obj: number[] = [];
  const raw: number[] = [];
  const exp: number[] = [];
  for (let k = 0; k < 3; k++) {
    exp.push(perCall(() => expressLike(c.peer, c.headers, tr), N));
    obj.push(perCall(() => resolve(pol, { peer: c.peer, headers: c.headers }), N));
    raw.push(perCall(() => resolve(pol, { peer: c.peer, headers: rawHeaders }), N));
  }
  const e = median(exp);
  console.log(
    `  ${c.name}: express ${e.toFixed(0)} ns; headers object ${median(obj).toFixed(0)} ns (${(e / median(obj)).toFixed(1)}x); rawHeaders ${median(raw).toFixed(0)} ns (${(e / median(raw)).toFixed(1)}x)`,
  );
}
