/**
 * Express and proxytrust settings found by pattern: receivers, literal and unknown values,
 * comments ignored, positions, policy literals, detection only where a pattern is, and
 * the app hop each describes. Malformed input never throws.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { detectKind, lintText } from '../../../src/lint/engine.js';
import { expressHandler } from '../../../src/lint/express/handler.js';
import { parseExpress } from '../../../src/lint/express/parser.js';

const model = (text: string, file = 'app.js') =>
  expressHandler.model!(expressHandler.parse(file, text, {}).input);

describe('patterns', () => {
  test('set, enable and disable on any receiver, with literal or unknown values', () => {
    const src = `import express from 'express';
const app = express();
// app.set('trust proxy', true)   (a comment: not read)
/* server.enable('trust proxy') */
app.set('trust proxy', 2);
api.set("trust proxy", ['loopback', '10.0.0.0/8']);
this.app.set(\`trust proxy\`, 'loopback, 10.0.0.1');
admin.set('trust proxy', process.env.TRUST_PROXY);
other.enable('trust proxy');
other2.disable('trust proxy');
x.set('trust proxy', false)
const s = "app.set('trust proxy', true)";
`;
    const r = parseExpress('app.ts', src);
    assert.deepEqual(
      r.settings.map((s) => [s.receiver, s.how, s.value, s.at.line, s.at.col]),
      [
        ['app', 'set', { type: 'number', value: 2 }, 5, 1],
        ['api', 'set', { type: 'array', value: ['loopback', '10.0.0.0/8'] }, 6, 1],
        ['this.app', 'set', { type: 'string', value: 'loopback, 10.0.0.1' }, 7, 1],
        ['admin', 'set', { type: 'unknown', text: 'process.env.TRUST_PROXY' }, 8, 1],
        ['other', 'enable', { type: 'boolean', value: true }, 9, 1],
        ['other2', 'disable', { type: 'boolean', value: false }, 10, 1],
        ['x', 'set', { type: 'boolean', value: false }, 11, 1],
      ],
    );
  });

  test('a proxytrust policy literal and a listen call', () => {
    const r = parseExpress(
      'server.mjs',
      `const policy = compilePolicy({
  trustedProxies: ['10.0.0.0/8', "loopback"],
  headers: ['x-forwarded', 'forwarded'],
  allowedHosts: ['app.example.com'],
});
app.use(proxytrust({ trustedProxies: peers, ...base }));
app.listen(8080, '127.0.0.1');
`,
    );
    const [a, b] = r.policies;
    assert.deepEqual(a!.trustedProxies, { type: 'array', value: ['10.0.0.0/8', 'loopback'] });
    assert.deepEqual(a!.headers, { type: 'array', value: ['x-forwarded', 'forwarded'] });
    assert.equal(a!.at.line, 1);
    assert.deepEqual(b!.trustedProxies, { type: 'unknown', text: 'peers' });
    assert.equal(b!.spread, true);
    assert.deepEqual(
      r.listens.map((l) => [l.port, l.host, l.at.line]),
      [[8080, '127.0.0.1', 7]],
    );
  });

  test('malformed input never throws', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string(),
            fc.constantFrom(
              "app.set('trust proxy',",
              'compilePolicy({',
              'proxytrust({ headers: [',
              '"',
              "'",
              '`',
              '/*',
              '//',
              ')',
              '}',
              ']',
              '.listen(',
            ),
          ),
          { maxLength: 30 },
        ),
        (parts) => {
          const text = parts.join('');
          expressHandler.model!(expressHandler.parse('app.js', text, {}).input);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('the app hop', () => {
  test('trust proxy true: every peer, the leftmost X-Forwarded-For, proto and host', () => {
    const [hop] = model(
      "const app = express();\napp.set('trust proxy', true);\napp.listen(3000);\n",
    );
    assert.equal(hop!.role, 'app');
    assert.equal(hop!.trust?.all, true);
    assert.deepEqual(
      hop!.believes.map((b) => [b.name, b.purpose, b.leftmost ?? false]),
      [
        ['x-forwarded-for', 'client', true],
        ['x-forwarded-proto', 'scheme', false],
        ['x-forwarded-host', 'host', false],
      ],
    );
    assert.deepEqual(
      hop!.listens.map((l) => l.port),
      [3000],
    );
  });

  test('a number is hops, a list is CIDRs, false believes nothing, a variable is unknown', () => {
    assert.equal(model("app.set('trust proxy', 1)")[0]!.trust?.hops, 1);
    assert.equal(model("app.set('trust proxy', 1)")[0]!.believes[0]!.leftmost, undefined);
    assert.deepEqual(model("app.set('trust proxy', 'loopback, 10.0.0.1')")[0]!.trust?.cidrs, [
      'loopback',
      '10.0.0.1',
    ]);
    assert.deepEqual(model("app.set('trust proxy', false)")[0]!.believes, []);
    const u = model("app.set('trust proxy', process.env.TP)")[0]!;
    assert.equal(u.trust?.unknown, true);
    assert.equal(u.believes.length, 3);
    // the last setting of a receiver wins
    assert.equal(model("app.enable('trust proxy');\napp.set('trust proxy', 2);\n").length, 1);
  });

  test('a policy believes exactly its headers from its trusted proxies', () => {
    const [hop] = model(
      "app.use(proxytrust({ trustedProxies: ['10.0.0.0/8'], headers: ['x-forwarded-for', 'ssl-flags'] }));",
    );
    assert.deepEqual(hop!.trust?.cidrs, ['10.0.0.0/8']);
    assert.deepEqual(
      hop!.believes.map((b) => [b.name, b.purpose, b.value ?? null]),
      [
        ['x-forwarded-for', 'client', null],
        ['x-forwarded-ssl', 'scheme', 'on'],
        ['front-end-https', 'scheme', 'on'],
      ],
    );
    const [dflt] = model("compilePolicy({ trustedProxies: ['loopback'] })");
    assert.deepEqual(
      dflt!.believes.map((b) => b.name),
      ['x-forwarded-for', 'x-forwarded-proto'],
    );
    const [nobody] = model('compilePolicy({ allowedHosts: ["a.example"] })');
    assert.deepEqual(nobody!.believes, []);
    const [preset] = model("compilePolicy({ trustedProxies: ['cloudflare'] })");
    assert.ok(preset!.unknowns?.length);
  });
});

describe('detection and the rule', () => {
  test('only sources that hold a pattern', () => {
    assert.equal(detectKind('src/app.ts', "app.set('trust proxy', 1)"), 'express');
    assert.equal(detectKind('src/util.js', 'export const x = 1;\n'), undefined);
    assert.equal(detectKind('notes.md', "app.set('trust proxy', true)"), undefined);
    assert.equal(expressHandler.detect('a.js', "// app.set('trust proxy', true)\n"), 0);
  });

  test('trust-proxy-true points at the line', () => {
    const f = lintText("const app = express();\n\n  app.enable('trust proxy');\n", 'express');
    assert.deepEqual(
      f.findings.map((x) => [x.rule, x.line, x.column]),
      [['express/trust-proxy-true', 3, 3]],
    );
  });
});
