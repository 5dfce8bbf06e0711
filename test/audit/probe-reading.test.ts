/**
 * How each check reads the probe: against scripted targets whose probe says one thing and
 * whose pages show another, whose probe does not answer (no probe, a wrong secret), or
 * answers documents of the wrong shape. Each verdict says where it came from (`basis`),
 * and no answer ever crashes a check.
 */
import assert from 'node:assert/strict';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseProbeAnswer } from '../../src/audit/probe-answer.js';
import { audit } from '../../src/audit/run.js';
import { CHECK_IDS, type CheckId, type CheckResult } from '../../src/audit/types.js';
import { SECRET, serve } from './servers.js';

/** What the scripted app's probe answers: a document, raw text, or a status (no answer). */
type ProbeReply = object | string | { status: number };
type ProbeScript = (req: IncomingMessage, https: boolean) => ProbeReply;

interface AppScript {
  /** The probe; default: answers honestly with the connection's scheme. */
  readonly probe?: ProbeScript;
  /** GET / over https: `ok` (200 + HSTS), `loop` (301 to itself), `query` (302 to `/?lang=en`). Default ok. */
  readonly httpsRoot?: 'ok' | 'loop' | 'query';
  /** A foreign Host over https: 400 (default) or a 200 page that does not quote it. */
  readonly foreignHost?: 400 | 200;
  /** The app takes X-Forwarded-Host as its host (werkzeug ProxyFix x_host, Express trust proxy). */
  readonly useXfh?: boolean;
}

const PROBE_PATH = '/.well-known/proxytrust/probe';

/** An honest probe document for a request. */
function honest(req: IncomingMessage, https: boolean): Record<string, unknown> {
  return {
    version: 1,
    probe: 'django',
    view: {
      scheme: https ? 'https' : 'http',
      secure: https,
      host: 'app.test',
      hostname: 'app.test',
      port: https ? 443 : 80,
      clientIp: '127.0.0.1',
    },
    forwarded: {},
    warnings: [],
    headerLines: 'joined',
    _req: req.url,
  };
}

function scripted(s: AppScript): { https: RequestListener; http: RequestListener } {
  const handler =
    (https: boolean): RequestListener =>
    (req: IncomingMessage, res: ServerResponse) => {
      const xfh = req.headers['x-forwarded-host'];
      const host = (s.useXfh && typeof xfh === 'string' ? xfh : (req.headers.host ?? '')).replace(
        /:\d+$/,
        '',
      );
      if (req.url?.startsWith(PROBE_PATH)) {
        const signed = typeof req.headers['x-proxytrust-probe'] === 'string';
        const reply: ProbeReply = signed ? (s.probe ?? honest)(req, https) : { status: 404 };
        if (typeof reply === 'object' && 'status' in reply && typeof reply.status === 'number') {
          res.writeHead(reply.status, { 'content-type': 'text/plain' });
          res.end('Not Found');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(typeof reply === 'string' ? reply : JSON.stringify(reply));
        return;
      }
      if (!https) {
        if (req.url === '/healthz') {
          res.writeHead(200);
          res.end('ok');
          return;
        }
        res.writeHead(301, { location: `https://app.test:${httpsPort()}${req.url}` });
        res.end();
        return;
      }
      if (host !== 'app.test') {
        res.writeHead(s.foreignHost ?? 400, { 'content-type': 'text/html' });
        res.end(s.foreignHost === 200 ? '<p>welcome</p>' : 'Bad Request');
        return;
      }
      if (s.httpsRoot === 'query' && req.url === '/') {
        res.writeHead(302, { location: `https://app.test:${httpsPort()}/?lang=en` });
        res.end();
        return;
      }
      if (s.httpsRoot === 'loop') {
        res.writeHead(301, { location: `https://app.test:${httpsPort()}${req.url}` });
        res.end();
        return;
      }
      res.writeHead(200, {
        'content-type': 'text/html',
        'strict-transport-security': 'max-age=31536000',
      });
      res.end('<p>hello</p>');
    };
  return { https: handler(true), http: handler(false) };
}

let currentHttpsPort = 0;
const httpsPort = () => currentHttpsPort;

/** Run `ids` against the scripted app, with the probe secret unless `secret` is false. */
async function run(
  s: AppScript,
  ids: readonly CheckId[],
  secret = true,
): Promise<Record<string, CheckResult>> {
  const h = scripted(s);
  const t = await serve(h.https, h.http);
  currentHttpsPort = t.httpsPort;
  try {
    const report = await audit({
      ...t.options,
      only: ids,
      ...(secret ? { probeSecret: SECRET } : {}),
    });
    return Object.fromEntries(report.targets[0]!.results.map((r) => [r.id, r]));
  } finally {
    await t.stop();
  }
}

const notes = (r: CheckResult) => r.evidence.flatMap((e) => e.response ?? []).join('\n');

describe('host-header reads what host the app believed', () => {
  test('a 200 for a foreign Host that the app refuses as its host (DisallowedHost): warn, probe+outside', async () => {
    const r = await run(
      {
        foreignHost: 200,
        probe: (req, https) => {
          const d = honest(req, https);
          if (req.headers.host?.startsWith('canary-')) {
            return {
              ...d,
              view: { ...(d.view as object), host: null, hostname: null },
              errors: { host: `DisallowedHost: Invalid HTTP_HOST header: '${req.headers.host}'` },
            };
          }
          return d;
        },
      },
      ['host-header'],
    );
    const h = r['host-header']!;
    assert.equal(h.status, 'warn', h.summary);
    assert.equal(h.basis, 'probe+outside');
    assert.match(h.summary, /refuses it as its host \(DisallowedHost/);
    assert.match(notes(h), /probe errors\.host: DisallowedHost/);
  });

  test('the same 200 when the app takes the foreign Host as its own: fail, probe+outside', async () => {
    const r = await run(
      {
        foreignHost: 200,
        probe: (req, https) => {
          const d = honest(req, https);
          return { ...d, view: { ...(d.view as object), host: req.headers.host } };
        },
      },
      ['host-header'],
    );
    assert.equal(r['host-header']!.status, 'fail');
    assert.equal(r['host-header']!.basis, 'probe+outside');
    assert.match(r['host-header']!.summary, /takes it as its host/);
  });

  test('the same 200 without a probe: fail on outside signs alone', async () => {
    const r = await run({ foreignHost: 200 }, ['host-header'], false);
    assert.equal(r['host-header']!.status, 'fail');
    assert.equal(r['host-header']!.basis, 'outside');
  });

  test('a 400 for a foreign Host, probe unreachable (wrong secret): pass on outside signs, saying so', async () => {
    const r = await run({ probe: () => ({ status: 404 }) }, ['host-header']);
    const h = r['host-header']!;
    assert.equal(h.status, 'pass');
    assert.equal(h.basis, 'outside');
    assert.match(h.summary, /(got 404|no answer)/);
  });
});

describe('scheme-detection: the probe, checked against outside signs', () => {
  test('the probe says https, but the https page redirects to itself: warn, probe+outside', async () => {
    const r = await run({ httpsRoot: 'loop' }, ['scheme-detection']);
    const s = r['scheme-detection']!;
    assert.equal(s.status, 'warn', s.summary);
    assert.equal(s.basis, 'probe+outside');
    assert.match(s.summary, /redirected to itself/);
  });

  test('the probe says http over https: fail, probe', async () => {
    const r = await run(
      {
        probe: (req) => honest(req, false),
      },
      ['scheme-detection'],
    );
    assert.equal(r['scheme-detection']!.status, 'fail');
    assert.equal(r['scheme-detection']!.basis, 'probe');
    assert.match(r['scheme-detection']!.summary, /the Django probe says/);
  });

  test('an unauthenticated probe (404) and no outside sign: warn, outside, saying what is missing', async () => {
    const r = await run({ probe: () => ({ status: 404 }) }, ['scheme-detection']);
    const s = r['scheme-detection']!;
    assert.equal(s.status, 'warn');
    assert.equal(s.basis, 'outside');
    assert.match(s.summary, /gave no answer \(probe answered 404/);
    assert.match(s.fix ?? '', /--probe-secret/);
  });

  test('an unauthenticated probe and an https page redirected to itself: fail, outside', async () => {
    const r = await run({ probe: () => ({ status: 404 }), httpsRoot: 'loop' }, [
      'scheme-detection',
    ]);
    assert.equal(r['scheme-detection']!.status, 'fail');
    assert.equal(r['scheme-detection']!.basis, 'outside');
  });

  test('a redirect to the same path with another query is no loop: no probe answer is a warn, not a fail', async () => {
    const r = await run({ probe: () => ({ status: 404 }), httpsRoot: 'query' }, [
      'scheme-detection',
    ]);
    assert.equal(r['scheme-detection']!.status, 'warn', r['scheme-detection']!.summary);
  });

  test('view.scheme of the wrong type is ignored and named: warn, never a fail on it', async () => {
    const r = await run(
      {
        probe: (req, https) => {
          const d = honest(req, https);
          return { ...d, view: { ...(d.view as object), scheme: 42 } };
        },
      },
      ['scheme-detection'],
    );
    const s = r['scheme-detection']!;
    assert.equal(s.status, 'warn');
    assert.match(notes(s), /wrong type, ignored: view\.scheme/);
  });
});

describe('ip-spoof reads the client address the app believed', () => {
  test('a probe that takes the forged X-Forwarded-For: fail, probe', async () => {
    const r = await run(
      {
        probe: (req, https) => {
          const d = honest(req, https);
          const xff = req.headers['x-forwarded-for'];
          return typeof xff === 'string'
            ? { ...d, view: { ...(d.view as object), clientIp: xff } }
            : d;
        },
      },
      ['ip-spoof'],
    );
    assert.equal(r['ip-spoof']!.status, 'fail');
    assert.equal(r['ip-spoof']!.basis, 'probe');
    assert.match(r['ip-spoof']!.summary, /X-Forwarded-For: .* \(the forged address\)/);
  });

  test('an honest probe: pass, probe', async () => {
    const r = await run({}, ['ip-spoof']);
    assert.equal(r['ip-spoof']!.status, 'pass');
    assert.equal(r['ip-spoof']!.basis, 'probe');
  });

  test('no probe answer: warn, outside (the client address is not visible from outside)', async () => {
    const r = await run({ probe: () => ({ status: 404 }) }, ['ip-spoof']);
    assert.equal(r['ip-spoof']!.status, 'warn');
    assert.equal(r['ip-spoof']!.basis, 'outside');
    assert.match(r['ip-spoof']!.summary, /cannot be seen from outside/);
  });

  test('a clientIp of the wrong type: warn, never a fail', async () => {
    const r = await run(
      {
        probe: (req, https) => {
          const d = honest(req, https);
          return { ...d, view: { ...(d.view as object), clientIp: ['1.2.3.4'] } };
        },
      },
      ['ip-spoof'],
    );
    assert.equal(r['ip-spoof']!.status, 'warn');
  });
});

describe('forwarded-duplicates, proto-spoof and forwarded-host-spoof read the probe', () => {
  test('forwarded-duplicates: a listed single-valued header fails; no answer warns', async () => {
    const dup = await run(
      {
        probe: (req, https) => ({
          ...honest(req, https),
          forwarded: { 'x-forwarded-proto': ['https,https'], 'x-forwarded-for': 7 },
        }),
      },
      ['forwarded-duplicates'],
    );
    assert.equal(dup['forwarded-duplicates']!.status, 'fail');
    assert.match(notes(dup['forwarded-duplicates']!), /ignored: forwarded\.x-forwarded-for/);
    const none = await run({ probe: () => ({ status: 404 }) }, ['forwarded-duplicates']);
    assert.equal(none['forwarded-duplicates']!.status, 'warn');
    assert.equal(none['forwarded-duplicates']!.basis, 'outside');
  });

  test('proto-spoof: the probe says the app believes a forged X-Forwarded-Proto the pages do not show: fail, probe', async () => {
    const r = await run(
      {
        probe: (req, https) => {
          const d = honest(req, https);
          const xfp = req.headers['x-forwarded-proto'];
          return typeof xfp === 'string' && (xfp === 'http' || xfp === 'https')
            ? { ...d, view: { ...(d.view as object), scheme: xfp } }
            : d;
        },
      },
      ['proto-spoof'],
    );
    const p = r['proto-spoof']!;
    assert.equal(p.status, 'fail', p.summary);
    assert.equal(p.basis, 'probe');
    assert.match(p.summary, /X-Forwarded-Proto: .* \(probe\)/);
  });

  test('proto-spoof: probe unreachable: the outside pass says it stands on outside signs', async () => {
    const r = await run({ probe: () => ({ status: 404 }) }, ['proto-spoof']);
    const p = r['proto-spoof']!;
    assert.equal(p.status, 'pass');
    assert.equal(p.basis, 'outside');
    assert.match(p.summary, /outside signs only/);
  });

  test('forwarded-host-spoof: a forged X-Forwarded-Host that reaches the app and is refused as its host: warn', async () => {
    const r = await run(
      {
        probe: (req, https) => {
          const d = honest(req, https);
          const xfh = req.headers['x-forwarded-host'];
          if (typeof xfh !== 'string') return d;
          return {
            ...d,
            view: { ...(d.view as object), host: null },
            errors: { host: `DisallowedHost: Invalid HTTP_HOST header: '${xfh}'` },
            forwarded: { host: ['app.test'], 'x-forwarded-host': [xfh] },
          };
        },
      },
      ['forwarded-host-spoof'],
    );
    const f = r['forwarded-host-spoof']!;
    assert.equal(f.status, 'warn', f.summary);
    assert.equal(f.basis, 'probe+outside');
    assert.match(
      f.summary,
      /x-forwarded-host reaches the app, which takes it as its host and refuses it/,
    );
  });
});

describe('forwarded-host-spoof: a framework that believes X-Forwarded-Host', () => {
  const believes: ProbeScript = (req, https) => {
    const d = honest(req, https);
    const xfh = req.headers['x-forwarded-host'];
    if (typeof xfh !== 'string') return d;
    return {
      ...d,
      view: { ...(d.view as object), host: xfh },
      forwarded: { host: ['app.test'], 'x-forwarded-host': [xfh] },
    };
  };

  test('and an app whose own host check refuses every such request: warn, probe+outside', async () => {
    const r = await run({ useXfh: true, probe: believes }, ['forwarded-host-spoof']);
    const f = r['forwarded-host-spoof']!;
    assert.equal(f.status, 'warn', f.summary);
    assert.equal(f.basis, 'probe+outside');
    assert.match(
      f.summary,
      /the Django probe says its framework takes it as its host \(view\.host canary-[0-9a-f]+\.invalid\); every request carrying it is refused or redirected \((400, 301|301, 400)\)/,
    );
  });

  test('and an app that serves such a request (200): fail', async () => {
    const r = await run({ useXfh: true, foreignHost: 200, probe: believes }, [
      'forwarded-host-spoof',
    ]);
    assert.equal(r['forwarded-host-spoof']!.status, 'fail');
    assert.equal(r['forwarded-host-spoof']!.basis, 'probe+outside');
  });

  test('the same app without a probe: pass, outside (the refusal hides the belief)', async () => {
    const r = await run({ useXfh: true }, ['forwarded-host-spoof'], false);
    assert.equal(r['forwarded-host-spoof']!.status, 'pass');
    assert.equal(r['forwarded-host-spoof']!.basis, 'outside');
  });
});

describe('outside failures explained by the belief', () => {
  test('redirect-loop and hsts fail on outside signs, and say the app believes https is http', async () => {
    const r = await run({ httpsRoot: 'loop', probe: (req) => honest(req, false) }, [
      'redirect-loop',
      'hsts',
    ]);
    for (const id of ['redirect-loop', 'hsts'] as const) {
      assert.equal(r[id]!.status, 'fail');
      assert.equal(r[id]!.basis, 'probe+outside');
      assert.match(r[id]!.summary, /believes https requests are http/);
    }
  });

  test('without a probe answer the same failures stand on outside signs', async () => {
    const r = await run({ httpsRoot: 'loop', probe: () => ({ status: 404 }) }, ['redirect-loop']);
    assert.equal(r['redirect-loop']!.status, 'fail');
    assert.equal(r['redirect-loop']!.basis, 'outside');
  });
});

describe('every verdict says where it came from', () => {
  for (const [label, secret, script] of [
    ['with an honest probe', true, {}],
    ['with a probe that gives no answer', true, { probe: () => ({ status: 404 }) }],
    ['without a probe secret', false, {}],
    ['with a probe, on a deployment that loops', true, { httpsRoot: 'loop' }],
  ] as const) {
    test(label, async () => {
      const r = await run(
        script as AppScript,
        CHECK_IDS.filter((id) => id !== 'csrf-origin' && id !== 'health-exempt'),
        secret,
      );
      const results = Object.values(r);
      assert.equal(results.length, CHECK_IDS.length - 2);
      for (const res of results) {
        if (res.status === 'skip' || res.status === 'error') {
          assert.equal(res.basis, undefined, res.id);
          continue;
        }
        assert.ok(res.basis, `${res.id} (${res.status}) has no basis: ${res.summary}`);
        // Only an answering probe can be a basis.
        if (!secret || 'probe' in script)
          assert.equal(res.basis, 'outside', `${res.id}: ${res.summary}`);
      }
    });
  }
});

describe('malformed probe answers', () => {
  test('parseProbeAnswer keeps only fields of the protocol type', () => {
    const p = parseProbeAnswer(
      JSON.stringify({
        version: '1',
        view: { scheme: 'HTTPS', host: 5, clientIp: '10.0.0.1', port: 70000, secure: 'yes' },
        forwarded: { 'X-Forwarded-For': ['a', 1], 'x-forwarded-proto': ['https'] },
        warnings: [{ code: 1 }, { code: 'X', message: 'm', header: 'X-A' }],
        errors: { host: 'DisallowedHost: x', port: {} },
        headerLines: 'both',
      }),
    );
    assert.ok(p.answer);
    assert.deepEqual(p.answer.view, { clientIp: '10.0.0.1' });
    assert.deepEqual(p.answer.forwarded, { 'x-forwarded-proto': ['https'] });
    assert.deepEqual(p.answer.warnings, [{ code: 'X', message: 'm', header: 'x-a' }]);
    assert.deepEqual(p.answer.errors, { host: 'DisallowedHost: x' });
    assert.equal(p.answer.headerLines, undefined);
    assert.deepEqual(
      [...p.dropped].sort(),
      [
        'errors.port',
        'forwarded.X-Forwarded-For',
        'view.host',
        'view.port',
        'view.scheme',
        'view.secure',
        'warnings[0]',
      ].sort(),
    );
    assert.equal(parseProbeAnswer('[1]').answer, undefined);
    assert.equal(parseProbeAnswer('{"view":null}').answer, undefined);
    assert.equal(parseProbeAnswer('not json').problem, 'probe answer is not JSON');
  });

  test('property: parseProbeAnswer never throws, and what it keeps has the protocol types', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc
            .record({ view: fc.jsonValue(), forwarded: fc.jsonValue(), errors: fc.jsonValue() })
            .map((o) => JSON.stringify(o)),
        ),
        (text) => {
          const p = parseProbeAnswer(text);
          if (!p.answer) return;
          const v = p.answer.view;
          assert.ok(v.scheme === undefined || v.scheme === 'http' || v.scheme === 'https');
          assert.ok(v.clientIp === undefined || typeof v.clientIp === 'string');
          assert.ok(v.host === undefined || v.host === null || typeof v.host === 'string');
          for (const lines of Object.values(p.answer.forwarded)) {
            assert.ok(lines.every((l) => typeof l === 'string'));
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('property: no probe answer, however malformed, crashes a check', async () => {
    const docs = fc.sample(
      fc.oneof(
        fc.jsonValue(),
        fc.record({ version: fc.jsonValue(), view: fc.jsonValue(), forwarded: fc.jsonValue() }),
        fc.record({
          view: fc.dictionary(
            fc.constantFrom('scheme', 'host', 'clientIp', 'secure', 'warnings', 'port'),
            fc.jsonValue(),
          ),
          forwarded: fc.dictionary(fc.string(), fc.jsonValue()),
          errors: fc.jsonValue(),
          warnings: fc.jsonValue(),
        }),
      ),
      { numRuns: 12, seed: 19 },
    );
    for (const doc of docs) {
      const r = await run({ probe: () => JSON.stringify(doc) }, CHECK_IDS);
      for (const res of Object.values(r)) {
        assert.doesNotMatch(res.summary, /internal error/, `${res.id} on ${JSON.stringify(doc)}`);
        assert.notEqual(res.status, 'error', `${res.id}: ${res.summary}`);
      }
    }
  });
});
