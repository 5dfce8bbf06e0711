/**
 * The probe protocol (docs/probe-protocol.md) in every implementation: the spec's test
 * vector, and a differential property test that the Node verifier and each Python probe's
 * agree on every header (valid, tampered, stale, malformed), so none can drift.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { SHOWN_HEADERS } from '../../src/node/engine.js';
import { proxytrust } from '../../src/node/index.js';
import {
  DEFAULT_PROBE_PATH,
  PROBE_HEADER,
  signProbe,
  verifyProbe,
} from '../../src/node/probe-auth.js';
import { requireBinary } from '../lab/harness.js';
import { assertProbeShape, PROBES, type ProbeDoc, PYTHON, ROOT } from './util.js';

const MODULES = [
  { name: 'django', dir: PROBES.django, module: 'proxytrust_probe' },
  { name: 'wsgi', dir: PROBES.wsgi, module: 'proxytrust_wsgi_probe' },
  { name: 'asgi', dir: PROBES.asgi, module: 'proxytrust_asgi_probe' },
] as const;

/** The spec's rows, read from docs/probe-protocol.md itself. */
function specVectors(): { secret: string; t: number; path: string; sig: string }[] {
  const doc = readFileSync(join(ROOT, 'docs', 'probe-protocol.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([^`]+)` \| `(\d+)` \| `([^`]+)` \| `([0-9a-f]{64})` \|$/gm)];
  return rows.map((m) => ({ secret: m[1]!, t: Number(m[2]), path: m[3]!, sig: m[4]! }));
}

interface Case {
  secret: string;
  header: string;
  path: string;
  now: number;
}

/** Run each case through a Python probe's sign/verify in one process. */
function python(
  mod: (typeof MODULES)[number],
  cases: readonly Case[],
  signs: readonly { secret: string; path: string; t: number }[] = [],
): { verify: boolean[]; sign: string[]; shown: string[] } {
  const code = `
import json, sys
sys.path.insert(0, ${JSON.stringify(mod.dir)})
try:
    import django
    from django.conf import settings
    settings.configure()
except ImportError:
    pass
import ${mod.module} as p
data = json.load(sys.stdin)
print(json.dumps({
  "verify": [p.verify(c["secret"], c["header"], c["path"], c["now"]) for c in data["cases"]],
  "sign": [p.sign(s["secret"], s["path"], s["t"]) for s in data["signs"]],
  "shown": sorted(p.SHOWN_HEADERS),
}))
`;
  const out = execFileSync(requireBinary(PYTHON), ['-c', code], {
    input: JSON.stringify({ cases, signs }),
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

test('the spec test vector holds in every implementation', () => {
  const vectors = specVectors();
  assert.ok(vectors.length >= 2, 'docs/probe-protocol.md has its test vector rows');
  for (const v of vectors) {
    const header = `t=${v.t}, sig=${v.sig}`;
    assert.equal(signProbe(v.secret, v.path, v.t * 1000), header, 'node signProbe');
    assert.equal(verifyProbe(v.secret, header, v.path, v.t * 1000), true, 'node verifyProbe');
  }
  for (const mod of MODULES) {
    const r = python(
      mod,
      vectors.map((v) => ({
        secret: v.secret,
        header: `t=${v.t}, sig=${v.sig}`,
        path: v.path,
        now: v.t,
      })),
      vectors.map((v) => ({ secret: v.secret, path: v.path, t: v.t })),
    );
    assert.deepEqual(
      r.verify,
      vectors.map(() => true),
      `${mod.name} verify`,
    );
    assert.deepEqual(
      r.sign,
      vectors.map((v) => `t=${v.t}, sig=${v.sig}`),
      `${mod.name} sign`,
    );
  }
});

test('every probe reports the same forwarded headers as the node layer', () => {
  const node = [...SHOWN_HEADERS].sort();
  for (const mod of MODULES) assert.deepEqual(python(mod, []).shown, node, mod.name);
});

test('Node and every Python probe agree on valid, tampered, stale and malformed headers', () => {
  const secret = 'proxytrust-differential-secret';
  const t0 = 1_700_000_000;
  const valid = (path: string, t: number) => signProbe(secret, path, t * 1000);
  const caseArb = fc.oneof(
    // a valid header, checked at a time near or far from t
    fc
      .record({
        path: fc.constantFrom(DEFAULT_PROBE_PATH, '/form/', '/a b', '/é'),
        dt: fc.integer({ min: -40, max: 40 }),
      })
      .map(({ path, dt }) => ({ secret, header: valid(path, t0), path, now: t0 + dt })),
    // valid for another path or another secret
    fc.constantFrom(
      { secret, header: valid('/other', t0), path: DEFAULT_PROBE_PATH, now: t0 },
      {
        secret: `${secret}x`,
        header: valid(DEFAULT_PROBE_PATH, t0),
        path: DEFAULT_PROBE_PATH,
        now: t0,
      },
    ),
    // a valid header with one character changed, inserted or removed
    fc
      .record({
        pos: fc.nat(120),
        ch: fc.constantFrom('0', 'f', 'A', ' ', ',', '=', '\t', 'x', ''),
        del: fc.boolean(),
      })
      .map(({ pos, ch, del }) => {
        const h = valid(DEFAULT_PROBE_PATH, t0);
        const i = pos % (h.length + 1);
        return {
          secret,
          header: h.slice(0, i) + ch + h.slice(del ? i + 1 : i),
          path: DEFAULT_PROBE_PATH,
          now: t0,
        };
      }),
    // whitespace around and inside
    fc.constantFrom('  ', '\t', ' \t ').map((w) => ({
      secret,
      header: `${w}${valid(DEFAULT_PROBE_PATH, t0).replace(', ', `,${w}`)}${w}`,
      path: DEFAULT_PROBE_PATH,
      now: t0,
    })),
    // anything at all
    fc
      .string({ maxLength: 260 })
      .map((header) => ({ secret, header, path: DEFAULT_PROBE_PATH, now: t0 })),
  );
  const cases = fc.sample(caseArb, { numRuns: 400, seed: 19 });
  const want = cases.map((c) => verifyProbe(c.secret, c.header, c.path, c.now * 1000));
  assert.ok(want.some(Boolean) && want.some((w) => !w), 'the sample has both outcomes');
  for (const mod of MODULES) {
    const got = python(mod, cases).verify;
    const diff = cases.filter((_, i) => got[i] !== want[i]);
    assert.deepEqual(diff, [], `${mod.name} disagrees with node on these headers`);
  }
});

test("proxytrust's own middleware answers the same shape, with probe: 'proxytrust'", async (t) => {
  const secret = 'proxytrust-middleware-secret';
  const mw = proxytrust({ trustedProxies: ['loopback'], probe: { secret } });
  const server = http.createServer((req, res) =>
    mw(req, res, () => {
      res.statusCode = 404;
      res.end('not found\n');
    }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as AddressInfo;
  const res = await fetch(`http://127.0.0.1:${port}${DEFAULT_PROBE_PATH}`, {
    headers: {
      [PROBE_HEADER]: signProbe(secret, DEFAULT_PROBE_PATH),
      'x-forwarded-proto': 'https',
    },
  });
  assert.equal(res.status, 200);
  const doc = (await res.json()) as ProbeDoc;
  assertProbeShape(doc, 'proxytrust');
  assert.equal(doc.view.scheme, 'https');
  assert.deepEqual(doc.forwarded['x-forwarded-proto'], ['https']);
});

test('Python probes: unset secret is off, a short secret or a bad path is a startup error', () => {
  const code = `
import json, os, sys
for d in sys.argv[1:]:
    sys.path.insert(0, d)
from django.conf import settings
settings.configure()
from django.core.exceptions import ImproperlyConfigured, MiddlewareNotUsed
import proxytrust_probe, proxytrust_wsgi_probe, proxytrust_asgi_probe

def outcome(make, secret, path=None):
    os.environ.pop("PROXYTRUST_PROBE_SECRET", None)
    os.environ.pop("PROXYTRUST_PROBE_PATH", None)
    if secret is not None:
        os.environ["PROXYTRUST_PROBE_SECRET"] = secret
    if path is not None:
        os.environ["PROXYTRUST_PROBE_PATH"] = path
    try:
        m = make()
    except Exception as e:
        return type(e).__name__
    return "off" if getattr(m, "secret", None) is None else "on"

out = {}
for name, make in [
    ("django", lambda: proxytrust_probe.ProxytrustProbeMiddleware(lambda r: None)),
    ("wsgi", lambda: proxytrust_wsgi_probe.ProxytrustWsgiProbe(lambda e, s: [])),
    ("asgi", lambda: proxytrust_asgi_probe.ProxytrustAsgiProbe(None)),
]:
    out[name] = [
        outcome(make, None),
        outcome(make, "short"),
        outcome(make, "x" * 16),
        outcome(make, "x" * 16, "no-slash"),
    ]
print(json.dumps(out))
`;
  const out = JSON.parse(
    execFileSync(requireBinary(PYTHON), ['-c', code, PROBES.django, PROBES.wsgi, PROBES.asgi], {
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
    }),
  );
  assert.deepEqual(out, {
    django: ['MiddlewareNotUsed', 'ImproperlyConfigured', 'on', 'ImproperlyConfigured'],
    wsgi: ['off', 'ValueError', 'on', 'ValueError'],
    asgi: ['off', 'ValueError', 'on', 'ValueError'],
  });
});
