/**
 * A proxy's hop model checked against the real proxy: what lint says a hop writes
 * (`set`, `append`, `clear`, `if-absent`, or nothing: passed through) is compared with what
 * an echo app behind the running proxy receives, with and without forged headers.
 */
import assert from 'node:assert/strict';
import type { HopModel } from '../../src/lint/model.js';
import { type Echo, values } from '../lab/echo.js';
import { rawExchange, requestText } from '../lab/raw.js';
import { APP_HOST } from '../lab/types.js';

/** One forged value per forwarded header, each different from anything a proxy writes. */
export const FORGED: Readonly<Record<string, string>> = {
  'x-forwarded-for': '6.6.6.6',
  'x-forwarded-proto': 'forged-proto',
  'x-forwarded-host': 'evil.example',
  'x-forwarded-server': 'evil-server',
  'x-forwarded-port': '6666',
  'x-forwarded-prefix': '/evil',
  'x-forwarded-ssl': 'forged-ssl',
  'x-real-ip': '5.5.5.5',
  forwarded: 'for=4.4.4.4;proto=https',
};

/** The forged headers as request lines. */
export const forgedLines = (): [string, string][] => Object.entries(FORGED);

/**
 * Assert that `hop`'s writes (on a plain-http listener) describe what the proxy did:
 * `forged` is what the app saw for a request carrying {@link FORGED}, `honest` for one
 * without. Returns the names checked.
 */
export function assertWrites(hop: HopModel, forged: Echo, honest: Echo, label: string): string[] {
  const names = new Set([...Object.keys(FORGED), ...hop.writes.map((w) => w.name)]);
  for (const name of names) {
    const w = hop.writes.find((x) => x.name === name && !x.onlyTls);
    const f = values(forged, name);
    const h = values(honest, name);
    const F = FORGED[name];
    const what = `${label}: ${name} modelled as ${w?.action ?? 'passed through'}; saw ${JSON.stringify(f)} (forged) and ${JSON.stringify(h)} (honest)`;
    if (!w) {
      if (F === undefined) continue;
      assert.deepEqual(f, [F], what);
      assert.ok(
        h.every((v) => v === ''),
        what,
      );
      continue;
    }
    switch (w.action) {
      case 'clear':
        assert.deepEqual(f, [], what);
        assert.deepEqual(h, [], what);
        break;
      case 'set':
        assert.ok(f.length > 0, what);
        if (F !== undefined) assert.ok(!f.some((v) => v.includes(F)), what);
        assert.deepEqual(f, h, what);
        break;
      case 'append':
        assert.ok(F !== undefined, `${what}: no forged value to append to`);
        assert.equal(f.join(', '), [F, ...h].join(', '), what);
        assert.ok(h.length > 0, what);
        break;
      case 'if-absent':
        assert.deepEqual(f, [F], what);
        assert.ok(h.length > 0 && !h.includes(F!), what);
        break;
    }
  }
  return [...names];
}

/** One request through a hop on `port` to the lab's echo app; what the app received. */
export async function send(port: number, headers: [string, string][]): Promise<Echo> {
  const reply = await rawExchange(
    { port },
    requestText('/', [['Host', APP_HOST], ...headers, ['Connection', 'close']]),
  );
  assert.equal(reply.status, 200, reply.body);
  return JSON.parse(reply.body) as Echo;
}
