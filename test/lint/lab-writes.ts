/**
 * A proxy's hop model checked against the real proxy: what lint says a hop writes
 * (`set`, `append`, `clear`, `if-absent`, or nothing: passed through) is compared with what
 * an echo app behind the running proxy receives, with and without forged headers.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { lintText } from '../../src/lint/engine.js';
import type { KindHandler } from '../../src/lint/kinds.js';
import type { HopModel } from '../../src/lint/model.js';
import type { LintKind } from '../../src/lint/types.js';
import { type Echo, values } from '../lab/echo.js';
import type { Lab } from '../lab/harness.js';
import { rawExchange, requestText } from '../lab/raw.js';
import { type HopPorts, startHops } from '../lab/start.js';
import type { HopSpec } from '../lab/types.js';
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

/** One variant of a lab hop, running: its ports, its rendered configuration and lint's model of it. */
export interface RunningVariant {
  readonly ports: HopPorts;
  /** The configuration as the lab rendered it. */
  readonly text: string;
  readonly hops: readonly HopModel[];
}

/**
 * Start `spec` as variant `name` in front of `app`, and model the configuration the lab
 * rendered for it with `handler`, which must parse it without a problem.
 */
export async function startModelled(
  lab: Lab,
  spec: HopSpec,
  app: { readonly host: string; readonly port: number },
  name: string,
  handler: KindHandler<unknown>,
  what: string,
): Promise<RunningVariant> {
  const [ports] = await startHops(lab, [spec], app, { prefix: name });
  const file = ports!.configPath;
  const text = readFileSync(file, 'utf8');
  const parsed = handler.parse(file, text, { noIncludes: true });
  assert.deepEqual(parsed.problems, [], `${name}: ${what} parses`);
  return { ports: ports!, text, hops: handler.model!(parsed.input) };
}

/** Every variant started at once, by name. */
export async function startVariants<K extends string, R>(
  names: readonly K[],
  start: (name: K) => Promise<R>,
): Promise<Record<K, R>> {
  const started = await Promise.all(names.map(start));
  return Object.fromEntries(names.map((n, i) => [n, started[i]!])) as Record<K, R>;
}

/** {@link assertWrites} for each named variant: one forged and one honest request through it. */
export async function assertVariantWrites<K extends string>(
  by: Record<K, { readonly port: number; readonly hop: HopModel }>,
  names: readonly K[],
): Promise<void> {
  for (const name of names) {
    const { port, hop } = by[name];
    const forged = await send(port, forgedLines());
    const honest = await send(port, []);
    assertWrites(hop, forged, honest, name);
  }
}

/** What lint finds in `text`, as `rule:the line it points at`, sorted. */
export const findingLines = (text: string, kind: LintKind): string[] =>
  lintText(text, kind)
    .findings.map((f) => `${f.rule}:${text.split('\n')[f.line - 1]!.trim()}`)
    .sort();
