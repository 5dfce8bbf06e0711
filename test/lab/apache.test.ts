/**
 * Apache httpd (Debian's apache2 with mod_proxy, mod_proxy_http, mod_headers, mod_ssl) as a
 * lab proxy: it proxies over http and https, and what it writes and passes through is
 * observed, not assumed. An echo server stands in for the app and answers the exact header
 * lines it received and the address it was reached from.
 */
import assert from 'node:assert/strict';
import { type Echo, startEcho, values } from './echo.js';
import { labTest } from './harness.js';
import { apache } from './proxies.js';
import { rawExchange, requestText } from './raw.js';
import { labCa, startHops } from './start.js';
import { APP_HOST, CLIENT_ADDRESS, HOP_ADDRESSES } from './types.js';

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
    const hardened = apache({
      name: 'hardened',
      behaviour: 'as recommended, and the client Connection list cleared early',
      headers: ['RequestHeader unset Connection early'],
      tlsHeaders: ['RequestHeader set X-Forwarded-Proto https'],
      plainHeaders: ['RequestHeader set X-Forwarded-Proto http'],
    });
    const [[stockPorts], [recPorts], [hardPorts]] = await Promise.all([
      startHops(lab, [stock], app, { prefix: 'stock' }),
      startHops(lab, [recommended], app, { prefix: 'recommended' }),
      startHops(lab, [hardened], app, { prefix: 'hardened' }),
    ]);
    const ca = (await labCa()).cert;
    const send = async (
      port: number,
      secure: boolean,
      headers: [string, string][],
      connection = 'close',
    ) => {
      const reply = await rawExchange(
        { port, ...(secure ? { tls: { servername: APP_HOST, ca } } : {}) },
        requestText('/echo?q=1', [['Host', APP_HOST], ...headers, ['Connection', connection]]),
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

      // A client that lists X-Forwarded-Proto in Connection makes mod_proxy drop the line
      // RequestHeader set (hop-by-hop stripping, after mod_headers ran). mod_proxy's own
      // X-Forwarded-For is added after the stripping and survives.
      const listed = 'close, X-Forwarded-Proto, X-Forwarded-For';
      const recStripped = await send(secure ? recPorts!.https : recPorts!.http, secure, [], listed);
      assert.deepEqual(values(recStripped, 'x-forwarded-proto'), [], `${entry}: stripped`);
      assert.deepEqual(values(recStripped, 'x-forwarded-for'), [CLIENT_ADDRESS]);
      // `RequestHeader unset Connection early` clears the list before mod_proxy reads it.
      const hard = await send(secure ? hardPorts!.https : hardPorts!.http, secure, [], listed);
      assert.deepEqual(values(hard, 'x-forwarded-proto'), [entry], `${entry}: kept`);
      assert.deepEqual(values(hard, 'x-forwarded-for'), [CLIENT_ADDRESS]);
    }
  },
);
