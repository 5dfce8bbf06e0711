/**
 * The lint engine: includes followed back to the file that holds the line, inheritance,
 * suppressions (inline with a mandatory reason, and the config section), templates read
 * tolerantly, nginx -T dumps, include cycles and bad input as findings (never a throw).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { LintConfigError, parseLintConfig } from '../../src/lint/config.js';
import { detectKind, lint, lintText } from '../../src/lint/engine.js';
import { parseIngress } from '../../src/lint/ingress.js';
import { parseFileText } from '../../src/lint/nginx/parser.js';
import { combine, effective, rootScope, scopes } from '../../src/lint/nginx/tree.js';
import { HANDLERS } from '../../src/lint/registry.js';
import { inlineSuppressions } from '../../src/lint/suppress.js';

const dir = mkdtempSync(join(tmpdir(), 'pt-lint-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const put = (rel: string, text: string) => {
  const p = join(dir, rel);
  mkdirSync(join(p, '..'), { recursive: true });
  writeFileSync(p, text);
  return p;
};

describe('includes and inheritance', () => {
  test('a duplicate through an include points at the included file and line', () => {
    put(
      'inc/nginx.conf',
      'http {\n  server {\n    listen 80;\n    location / {\n      include snippets/fwd.conf;\n      proxy_set_header X-Forwarded-Proto https;\n      proxy_pass http://127.0.0.1:1;\n    }\n  }\n}\n',
    );
    put('inc/snippets/fwd.conf', '# shared\nproxy_set_header X-Forwarded-Proto $scheme;\n');
    const r = lint([join(dir, 'inc/nginx.conf')]);
    const f = r.results[0]!.findings.find((x) => x.rule === 'nginx/duplicate-proxy-set-header')!;
    assert.equal(f.file, join(dir, 'inc/nginx.conf'));
    assert.equal(f.line, 6);
    assert.deepEqual(f.evidence, [
      `${join(dir, 'inc/snippets/fwd.conf')}:2: proxy_set_header X-Forwarded-Proto $scheme;`,
      `${join(dir, 'inc/nginx.conf')}:6: proxy_set_header X-Forwarded-Proto https;`,
    ]);
    // the directory run lints the snippet as part of nginx.conf, not alone
    const d = lint([join(dir, 'inc')]);
    assert.deepEqual(
      d.results.map((x) => x.path),
      [join(dir, 'inc/nginx.conf')],
    );
  });

  test('effective headers: a level with any proxy_set_header inherits none', () => {
    const cf = parseFileText(
      'x.conf',
      'server { proxy_set_header A 1; location /a { proxy_set_header B 2; proxy_pass http://x; } location /b { proxy_pass http://x; } }',
    );
    const tree = combine({ status: 'ok', errors: [], config: [cf] });
    const locs = [...scopes(rootScope(tree))].filter((s) => s.kind === 'location');
    assert.deepEqual(
      effective(locs[0]!, 'proxy_set_header').lines.map((n) => n.args[0]),
      ['B'],
    );
    assert.deepEqual(
      effective(locs[1]!, 'proxy_set_header').lines.map((n) => n.args[0]),
      ['A'],
    );
  });

  test('an include cycle is a lint/parse-error finding, not a hang', () => {
    put('cyc/nginx.conf', 'include a.conf;\n');
    put('cyc/a.conf', 'include nginx.conf;\n');
    const r = lint([join(dir, 'cyc/nginx.conf')]);
    assert.ok(
      r.results[0]!.findings.some((f) => f.rule === 'lint/parse-error' && /cycle/.test(f.message)),
    );
  });

  test('a missing include is a note (its content unknown), and rules needing it stay silent', () => {
    const p = put(
      'miss/site.conf',
      'server {\n  listen 443 ssl;\n  location / {\n    include /nonexistent/proxy_params;\n    proxy_pass http://app;\n  }\n}\n',
    );
    const r = lint([p]);
    assert.match(r.results[0]!.notes.join('\n'), /include not found/);
    assert.deepEqual(
      r.results[0]!.findings.filter((f) => f.rule === 'nginx/tls-proxy-without-scheme'),
      [],
    );
  });

  test('nginx -T dump on standard input: findings point at the dumped file names', () => {
    const dump =
      '# configuration file /etc/nginx/nginx.conf:\nhttp {\n  include /etc/nginx/conf.d/*.conf;\n}\n\n# configuration file /etc/nginx/conf.d/app.conf:\nserver {\n  set_real_ip_from 0.0.0.0/0;\n}\n';
    const r = lint(['-'], { kind: 'nginx', stdin: dump });
    const f = r.results[0]!.findings.find((x) => x.rule === 'nginx/real-ip-trust-all')!;
    assert.equal(f.file, '/etc/nginx/conf.d/app.conf');
    assert.equal(f.line, 2);
  });
});

describe('suppressions', () => {
  const conf = (comment: string) =>
    `server {\n  listen 80;\n  location / {\n    ${comment}\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    proxy_pass http://app;\n  }\n}\n`;
  test('inline, with a reason: the finding moves to suppressed', () => {
    const r = lintText(
      conf('# proxytrust-lint: ignore nginx/xff-append-at-edge -- inner hop behind our LB'),
      'nginx',
    );
    assert.deepEqual(
      r.findings.filter((f) => f.rule === 'nginx/xff-append-at-edge'),
      [],
    );
    assert.equal(r.suppressed[0]!.reason, 'inner hop behind our LB');
  });
  test('inline, without a reason: ignored, and itself a finding', () => {
    const r = lintText(conf('# proxytrust-lint: ignore nginx/xff-append-at-edge'), 'nginx');
    assert.ok(r.findings.some((f) => f.rule === 'nginx/xff-append-at-edge'));
    assert.ok(r.findings.some((f) => f.rule === 'lint/suppression-without-reason' && f.line === 4));
  });
  test('config file section: rule and path glob, reason kept', () => {
    const p = put('sup/inner/site.conf', conf(''));
    const cfg = parseLintConfig({
      paths: [p],
      ignore: [
        { rule: 'nginx/xff-append-at-edge', paths: ['inner/*.conf'], reason: 'behind the LB' },
      ],
    });
    const r = lint([p], { ignore: cfg.ignore });
    assert.deepEqual(
      r.results[0]!.findings.filter((f) => f.rule === 'nginx/xff-append-at-edge'),
      [],
    );
    assert.equal(r.results[0]!.suppressed[0]!.reason, 'behind the LB');
    const other = lint([p], {
      ignore: [{ rule: 'nginx/xff-append-at-edge', paths: ['outer/*.conf'], reason: 'x' }],
    });
    assert.ok(other.results[0]!.findings.some((f) => f.rule === 'nginx/xff-append-at-edge'));
  });
});

describe('the lint section of proxytrust.json', () => {
  test('valid sections', () => {
    const c = parseLintConfig({
      paths: ['nginx/'],
      kind: 'nginx',
      failOn: 'warning',
      confRoot: '/etc/nginx',
      context: 'server',
      ignore: [],
    });
    assert.equal(c.failOn, 'warning');
  });
  test('unknown keys name the nearest valid key; reasons are mandatory; rules must exist', () => {
    assert.throws(
      () => parseLintConfig({ paths: ['a'], failon: 'error' }),
      /unknown key "failon" \(did you mean "failOn"\?\)/,
    );
    assert.throws(
      () =>
        parseLintConfig({
          paths: ['a'],
          ignore: [{ rule: 'nginx/xff-append-at-edge', reasn: 'x' }],
        }),
      /did you mean "reason"/,
    );
    assert.throws(
      () => parseLintConfig({ paths: ['a'], ignore: [{ rule: 'nginx/xff-append-at-edge' }] }),
      /reason is mandatory/,
    );
    assert.throws(
      () => parseLintConfig({ paths: ['a'], ignore: [{ rule: 'nginx/xff-append', reason: 'x' }] }),
      /did you mean "nginx\/xff-append-at-edge"/,
    );
    assert.throws(() => parseLintConfig({ paths: ['a'], failOn: 'fatal' }), LintConfigError);
    assert.throws(() => parseLintConfig({}), /"paths" is required/);
    assert.throws(() => parseLintConfig([]), LintConfigError);
  });
});

describe('templates and kinds', () => {
  test('Jinja: an unknown value is unknown; two arms of one if are never a duplicate', () => {
    const text =
      'server {\n  listen 443 ssl;\n  location / {\n{% if behind_lb %}\n    proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n{% else %}\n    proxy_set_header X-Forwarded-Proto $scheme;\n{% endif %}\n    proxy_set_header X-Forwarded-Host {{ host }};\n    proxy_pass http://{{ upstream }};\n  }\n}\n';
    const r = lintText(text, 'nginx', { name: 'site.conf.j2' });
    assert.deepEqual(
      r.findings.filter((f) => f.rule === 'nginx/duplicate-proxy-set-header'),
      [],
    );
    assert.deepEqual(
      r.findings.filter((f) => f.rule === 'lint/parse-error'),
      [],
    );
    // the relayed client header in one arm is still seen
    assert.ok(r.findings.some((f) => f.rule === 'nginx/client-header-relayed' && f.line === 5));
    // the unknown X-Forwarded-Host value is not judged as the client's Host
    assert.deepEqual(
      r.findings.filter((f) => f.rule === 'nginx/host-without-default-server'),
      [],
    );
  });
  // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx's own ${var} syntax, not a template
  test('${VAR} is nginx syntax, not a template', () => {
    const r = lintText(
      // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx's own ${var} syntax, not a template
      'location / {\n  proxy_set_header X-Forwarded-Proto ${http_x_forwarded_proto};\n  proxy_pass http://app;\n}\n',
      'nginx',
    );
    assert.ok(r.findings.some((f) => f.rule === 'nginx/client-header-relayed'));
  });
  test('Helm markers in YAML: unknown values are never guessed', () => {
    const r = lintText(
      'controller:\n  config:\n    use-forwarded-headers: "true"\n    proxy-real-ip-cidr: {{ .Values.cidr }}\n',
      'ingress-nginx',
      { name: 'values.yaml' },
    );
    assert.deepEqual(
      r.findings.filter((f) => f.rule === 'ingress-nginx/forwarded-headers-trust-all'),
      [],
    );
  });
  test('kinds by name and content', () => {
    assert.equal(
      detectKind('nginx/sites-available/default', 'server {\n listen 80;\n}\n'),
      'nginx',
    );
    assert.equal(
      detectKind('deploy/cm.yaml', 'kind: ConfigMap\ndata:\n  use-forwarded-headers: "true"\n'),
      'ingress-nginx',
    );
    assert.equal(detectKind('deploy/other.yaml', 'kind: Deployment\n'), undefined);
    assert.equal(detectKind('README.md', '# hello'), undefined);
  });

  test('a directory walk reads configurations, not the sources and documents that quote them', () => {
    const NGINX =
      'server {\n  listen 80;\n  location / {\n    proxy_pass http://127.0.0.1:8000;\n  }\n}\n';
    const INGRESS = 'kind: ConfigMap\ndata:\n  use-forwarded-headers: "true"\n';
    put('repo/deploy/nginx.conf', NGINX);
    put('repo/app/settings.py', "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')\n");
    put(
      'repo/app/server.ts',
      "import express from 'express';\nconst app = express();\napp.set('trust proxy', 'loopback');\n",
    );
    // each of these quotes a configuration, and none is one
    put('repo/README.md', `# Deploy\n\n\`\`\`nginx\n${NGINX}\`\`\`\n\n${INGRESS}`);
    put('repo/docs/notes.rst', NGINX);
    put('repo/test/proxy.test.ts', `const conf = \`\n${NGINX}\`;\nconst cm = \`\n${INGRESS}\`;\n`);
    put('repo/test/gen.py', `CONF = """\n${NGINX}"""\n`);
    put('repo/site/index.html', `<pre>${NGINX}</pre>`);
    const r = lint([join(dir, 'repo')]);
    const kinds = Object.fromEntries(
      r.results.map((x) => [x.path.slice(join(dir, 'repo').length + 1), x.kind]),
    );
    assert.deepEqual(kinds, {
      'app/server.ts': 'express',
      'app/settings.py': 'django',
      'deploy/nginx.conf': 'nginx',
    });
    assert.equal(
      r.results.flatMap((x) => x.findings).filter((f) => f.rule === 'lint/parse-error').length,
      0,
    );
    // named on the command line with --kind, a quoted file is read as asked
    assert.equal(
      lint([join(dir, 'repo/docs/notes.rst')], { kind: 'nginx' }).results[0]?.kind,
      'nginx',
    );
  });
});

describe('bad input is a finding, never a throw', () => {
  test('broken nginx and broken YAML: lint/parse-error with a line', () => {
    const n = lintText('server {\n  listen 80\n}\n', 'nginx');
    assert.ok(n.findings.some((f) => f.rule === 'lint/parse-error' && f.line === 2));
    const y = lintText('kind: Ingress\nmetadata: [\n', 'ingress-nginx');
    assert.ok(y.findings.some((f) => f.rule === 'lint/parse-error'));
  });
  test('property: arbitrary nginx-ish and YAML-ish text never throws', () => {
    const chars = fc.constantFrom(
      'server',
      'location',
      'proxy_set_header',
      'X-Forwarded-Proto',
      '$http_x_forwarded_proto',
      '{',
      '}',
      ';',
      ' ',
      '\n',
      '"',
      '{{',
      '%}',
      '#',
      'include',
      'map',
      ':',
      '- ',
      'kind: Ingress',
    );
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 80 }).map((a) => a.join('')),
        (text) => {
          lintText(text, 'nginx');
          lintText(text, 'ingress-nginx');
          parseIngress('x.yaml', text);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('kinds and chains', () => {
  const corpus = join(import.meta.dirname, 'corpus');
  const labels = JSON.parse(readFileSync(join(corpus, 'labels.json'), 'utf8')) as {
    files: Record<string, { kind: string }>;
  };
  /** The corpus's kinds of file, as lint's kinds. */
  const asKind = (k: string): string =>
    ['gunicorn', 'uvicorn', 'uwsgi'].includes(k) ? 'appserver' : k;
  const handled = new Set(HANDLERS.map((h) => h.kind as string));

  test('every corpus file of a kind lint reads is recognised as that kind, by name and content', () => {
    let n = 0;
    for (const [rel, l] of Object.entries(labels.files)) {
      if (!handled.has(asKind(l.kind))) continue;
      const text = readFileSync(join(corpus, rel), 'utf8');
      assert.equal(detectKind(join(corpus, rel), text), asKind(l.kind), rel);
      n++;
    }
    assert.ok(n >= 34, `only ${n} corpus files checked`);
  });

  test('a declared chain naming a file that describes no hop is a note, never a guess', () => {
    const a = put(
      'chain/edge.conf',
      'server {\n  listen 80;\n  location / { proxy_pass http://127.0.0.1:8000; }\n}\n',
    );
    const b = put('chain/notes.conf', '# nothing\n');
    const r = lint([a], { chains: [[a, b]] });
    assert.deepEqual(r.chains ?? [], []);
    assert.ok(
      r.notes?.some((n) => n.includes('--chain') && n.includes('was not checked')),
      JSON.stringify(r.notes),
    );
    // the declared file is linted as well
    assert.deepEqual(
      r.results.map((x) => x.path),
      [a, b],
    );
  });

  test('a JavaScript suppression comment is read like a # one', () => {
    assert.deepEqual(
      inlineSuppressions(
        "app.set('trust proxy', true); // proxytrust-lint: ignore express/trust-proxy-true -- dev only\n",
      ).map((s) => [s.rules, s.reason]),
      [[['express/trust-proxy-true'], 'dev only']],
    );
  });
});
