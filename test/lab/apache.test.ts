/**
 * Apache httpd (Debian's apache2 with mod_proxy, mod_proxy_http, mod_headers, mod_ssl) as a
 * lab proxy: it proxies over http and https, and what it writes and passes through is
 * observed, not assumed. An echo server stands in for the app and answers the exact header
 * lines it received and the address it was reached from.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Lab, labTest } from './harness.js';
import { apache } from './proxies.js';
import { rawExchange, requestText } from './raw.js';
import { labCa, startHops } from './start.js';
import { APP_HOST, CLIENT_ADDRESS, HOP_ADDRESSES } from './types.js';

/** What the echo server saw. */
interface Echo {
  readonly peer: string;
  readonly url: string;
  /** Header lines as received, names lower-cased. */
  readonly lines: [string, string][];
}

/** A server that answers what it received; closed at the lab's teardown. */
export async function startEcho(
  lab: Lab,
  host = '127.0.0.1',
): Promise<{ host: string; port: number }> {
  const server = http.createServer((req, res) => {
    const lines: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      lines.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
    }
    const echo: Echo = { peer: req.socket.remoteAddress ?? '', url: req.url ?? '', lines };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(echo));
  });
  await new Promise<void>((ok) => server.listen(0, host, () => ok()));
  lab.onTeardown(
    () =>
      new Promise<void>((ok) => {
        server.closeAllConnections();
        server.close(() => ok());
      }),
  );
  return { host, port: (server.address() as AddressInfo).port };
}

function values(echo: Echo, name: string): string[] {
  return echo.lines.filter(([k]) => k === name).map(([, v]) => v);
}

/** Every forwarded header a client might forge, one line each (X-Forwarded-For twice). */
const FORGED: [string, string][] = [
  ['X-Forwarded-For', '6.6.6.6'],
  ['X-Forwarded-For', '7.7.7.7'],
  ['X-Forwarded-Host', 'evil.example'],
  ['X-Forwarded-Server', 'evil-server'],
  ['X-Forwarded-Proto', 'https'],
  ['X-Forwarded-Port', '8443'],
  ['X-Forwarded-Prefix', '/evil'],
  ['Forwarded', 'for=6.6.6.6;proto=https'],
  ['X-Real-IP', '6.6.6.6'],
  ['X_Forwarded_Proto', 'https'],
];

labTest(
  'lab: Apache httpd proxies over http and https; what mod_proxy writes and passes through',
  async (lab) => {
    const app = await startEcho(lab);
    const stock = apache({ name: 'stock', behaviour: 'stock mod_proxy', headers: [] });
    const recommended = apache({
      name: 'recommended',
      behaviour: 'mod_proxy + X-Forwarded-Proto per vhost',
      headers: [],
      tlsHeaders: ['RequestHeader set X-Forwarded-Proto https'],
      plainHeaders: ['RequestHeader set X-Forwarded-Proto http'],
    });
    const [[stockPorts], [recPorts]] = await Promise.all([
      startHops(lab, [stock], app, 'apache-stock'),
      startHops(lab, [recommended], app, 'apache-recommended'),
    ]);
    const ca = (await labCa()).cert;
    const send = async (port: number, secure: boolean, headers: [string, string][]) => {
      const reply = await rawExchange(
        { port, ...(secure ? { tls: { servername: APP_HOST, ca } } : {}) },
        requestText('/echo?q=1', [['Host', APP_HOST], ...headers, ['Connection', 'close']]),
      );
      assert.equal(reply.status, 200, reply.body);
      assert.ok(
        reply.headers.some(([k, v]) => k === 'server' && v.includes('Apache')),
        'answered through Apache',
      );
      return JSON.parse(reply.body) as Echo;
    };

    for (const secure of [false, true]) {
      const entry = secure ? 'https' : 'http';
      // Honest: mod_proxy appends the client's address and Host, and its own server name.
      const honest = await send(secure ? stockPorts!.https : stockPorts!.http, secure, []);
      assert.equal(honest.peer, HOP_ADDRESSES.edge, `${entry}: ProxySourceAddress`);
      assert.equal(honest.url, '/echo?q=1');
      assert.deepEqual(values(honest, 'x-forwarded-for'), [CLIENT_ADDRESS], entry);
      assert.deepEqual(values(honest, 'x-forwarded-host'), [APP_HOST], entry);
      assert.deepEqual(values(honest, 'x-forwarded-server'), [APP_HOST], entry);
      // No scheme, port or RFC 7239 header of its own, over https too.
      for (const h of ['x-forwarded-proto', 'x-forwarded-port', 'forwarded', 'x-real-ip']) {
        assert.deepEqual(values(honest, h), [], `${entry}: stock mod_proxy writes no ${h}`);
      }
      // Host is the upstream's (ProxyPreserveHost Off, the default).
      assert.deepEqual(values(honest, 'host'), [`${app.host}:${app.port}`], entry);

      // Forged: the client's lines are joined and the proxy's entry appended; the rest
      // passes through exactly as sent.
      const forged = await send(secure ? stockPorts!.https : stockPorts!.http, secure, FORGED);
      assert.deepEqual(values(forged, 'x-forwarded-for'), [`6.6.6.6, 7.7.7.7, ${CLIENT_ADDRESS}`]);
      assert.deepEqual(values(forged, 'x-forwarded-host'), [`evil.example, ${APP_HOST}`]);
      assert.deepEqual(values(forged, 'x-forwarded-server'), [`evil-server, ${APP_HOST}`]);
      assert.deepEqual(values(forged, 'x-forwarded-proto'), ['https'], `${entry}: passed through`);
      assert.deepEqual(values(forged, 'x-forwarded-port'), ['8443']);
      assert.deepEqual(values(forged, 'x-forwarded-prefix'), ['/evil']);
      assert.deepEqual(values(forged, 'forwarded'), ['for=6.6.6.6;proto=https']);
      assert.deepEqual(values(forged, 'x-real-ip'), ['6.6.6.6']);
      // Apache passes a name with underscores on unchanged (nginx drops it by default).
      assert.deepEqual(values(forged, 'x_forwarded_proto'), ['https']);

      // Recommended: `RequestHeader set` replaces the client's X-Forwarded-Proto per vhost.
      const rec = await send(secure ? recPorts!.https : recPorts!.http, secure, FORGED);
      assert.deepEqual(values(rec, 'x-forwarded-proto'), [entry === 'https' ? 'https' : 'http']);
      const recHonest = await send(secure ? recPorts!.https : recPorts!.http, secure, []);
      assert.deepEqual(values(recHonest, 'x-forwarded-proto'), [entry]);
    }
  },
);
