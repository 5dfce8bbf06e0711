/** The Apache httpd parser: directives, sections, continuations, quoting, includes. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { apacheHandler } from '../../../src/lint/apache/handler.js';
import { type ApNode, parseApache, splitArgs } from '../../../src/lint/apache/parser.js';
import { detectKind, lint, lintText } from '../../../src/lint/engine.js';
import { memoryFs } from '../../../src/lint/nginx/parser.js';

const shape = (nodes: readonly ApNode[]): unknown[] =>
  nodes.map((n) =>
    n.block ? [n.name, n.args, n.line, n.col, shape(n.block)] : [n.name, n.args, n.line, n.col],
  );

describe('Apache parser', () => {
  test('arguments: white space, double and single quotes, an escaped quote', () => {
    assert.deepEqual(splitArgs(`set "X-Forwarded-Proto" 'a b' "c \\"d\\"" e\\f`), [
      'set',
      'X-Forwarded-Proto',
      'a b',
      'c "d"',
      'e\\f',
    ]);
  });

  test('sections nest; comments and blank lines are skipped; continuations join lines', () => {
    const p = parseApache(
      'site.conf',
      `# a comment
<VirtualHost *:443>
    ServerName a.example.com
    <IfModule mod_headers.c>
        RequestHeader set X-Forwarded-Proto \\
            "https"
    </IfModule>
    <Location /static>
        ProxyPass !
    </Location>
    ProxyPass / http://127.0.0.1:8000/
</VirtualHost>
`,
    );
    assert.deepEqual(p.problems, []);
    assert.deepEqual(shape(p.input.nodes), [
      [
        'VirtualHost',
        ['*:443'],
        2,
        1,
        [
          ['ServerName', ['a.example.com'], 3, 5],
          [
            'IfModule',
            ['mod_headers.c'],
            4,
            5,
            [['RequestHeader', ['set', 'X-Forwarded-Proto', 'https'], 5, 9]],
          ],
          ['Location', ['/static'], 8, 5, [['ProxyPass', ['!'], 9, 9]]],
          ['ProxyPass', ['/', 'http://127.0.0.1:8000/'], 11, 5],
        ],
      ],
    ]);
  });

  test('an unclosed or mismatched section is a problem with its line', () => {
    const open = parseApache('a.conf', '<VirtualHost *:80>\n  ProxyPass / http://a/\n');
    assert.deepEqual(
      open.problems.map((q) => [q.line, q.message]),
      [[1, '<VirtualHost> is never closed']],
    );
    const wrong = parseApache('a.conf', '<VirtualHost *:80>\n</Location>\n</VirtualHost>\n');
    assert.deepEqual(
      wrong.problems.map((q) => q.line),
      [2],
    );
    const r = lintText('<Location />\n', 'apache');
    assert.ok(r.findings.some((f) => f.rule === 'lint/parse-error' && f.line === 1));
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: Apache's own ${VAR} syntax, not a template
  test('Define variables are substituted; an undefined ${VAR} stays as written', () => {
    const p = parseApache(
      'a.conf',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Apache's own ${VAR} syntax, not a template
      'Define APP 127.0.0.1:8000\nProxyPass / http://${APP}/\nErrorLog ${APACHE_LOG_DIR}/e.log\n',
    );
    assert.deepEqual(
      p.input.nodes.map((n) => n.args.join(' ')),
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Apache's own ${VAR} syntax, not a template
      ['APP 127.0.0.1:8000', '/ http://127.0.0.1:8000/', '${APACHE_LOG_DIR}/e.log'],
    );
  });

  test('Include and IncludeOptional: globs, relative to ServerRoot or --conf-root, cycles', () => {
    const fs = memoryFs(
      new Map([
        ['/etc/apache2/apache2.conf', ''],
        [
          '/etc/apache2/sites-enabled/a.conf',
          '<VirtualHost *:80>\n  Include snippets/proxy.conf\n</VirtualHost>\n',
        ],
        ['/etc/apache2/sites-enabled/b.conf', 'Listen 8080\n'],
        ['/etc/apache2/snippets/proxy.conf', 'ProxyPass / http://app:8000/\n'],
        ['/etc/apache2/loop.conf', 'Include loop.conf\n'],
      ]),
    );
    const main =
      'ServerRoot /etc/apache2\nIncludeOptional sites-enabled/*.conf\nIncludeOptional conf-enabled/*.conf\n';
    const p = parseApache('/etc/apache2/apache2.conf', main, { fs });
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.notes, []);
    assert.deepEqual(p.files, [
      '/etc/apache2/apache2.conf',
      '/etc/apache2/sites-enabled/a.conf',
      '/etc/apache2/snippets/proxy.conf',
      '/etc/apache2/sites-enabled/b.conf',
    ]);
    const vhost = p.input.nodes.find((n) => n.key === 'virtualhost')!;
    assert.deepEqual(
      vhost.block?.map((n) => [n.name, n.file, n.line]),
      [['ProxyPass', '/etc/apache2/snippets/proxy.conf', 1]],
    );
    // --conf-root wins over ServerRoot
    const rooted = parseApache('/x/main.conf', 'Include snippets/proxy.conf\n', {
      fs,
      confRoot: '/etc/apache2',
    });
    assert.equal(rooted.input.nodes[0]!.name, 'ProxyPass');
    const loop = parseApache('/etc/apache2/loop.conf', 'Include loop.conf\n', { fs });
    assert.ok(loop.problems.some((q) => /include cycle/.test(q.message)));
    const missing = parseApache('/etc/apache2/apache2.conf', 'Include nothere.conf\n', { fs });
    assert.match(missing.notes[0]!, /include not found/);
    const none = parseApache('/etc/apache2/apache2.conf', 'Include x.conf\n', { noIncludes: true });
    assert.match(none.notes[0]!, /was not read/);
  });

  test('inline suppressions: a # comment with a reason, on the line before', () => {
    const r = lintText(
      '<VirtualHost *:80>\n  # proxytrust-lint: ignore apache/client-ip-headers-not-cleared -- the app reads neither\n  ProxyPass / http://a:1/\n</VirtualHost>\n',
      'apache',
    );
    assert.deepEqual(r.findings, []);
    assert.deepEqual(
      r.suppressed.map((f) => [f.rule, f.line]),
      [['apache/client-ip-headers-not-cleared', 3]],
    );
  });

  test('detection: unmistakable Apache content wins over nginx on a *.conf', () => {
    assert.equal(
      detectKind(
        'sites-available/app.conf',
        '<VirtualHost *:80>\n  ProxyPass / http://a/\n</VirtualHost>\n',
      ),
      'apache',
    );
    assert.equal(
      detectKind('conf.d/proxy.conf', 'RequestHeader set X-Forwarded-Proto https\n'),
      'apache',
    );
    assert.equal(detectKind('etc/httpd/httpd.conf', 'ServerName a\n'), 'apache');
    assert.notEqual(detectKind('README.md', '<VirtualHost *:80>\n</VirtualHost>\n'), 'apache');
    assert.equal(
      detectKind(
        'sites-available/app.conf',
        'server {\n  listen 80;\n  location / { proxy_pass http://a; }\n}\n',
      ),
      'nginx',
    );
  });

  test('property: arbitrary Apache-ish text never throws', () => {
    const chars = fc.constantFrom(
      '<VirtualHost *:443>',
      '</VirtualHost>',
      '<Location />',
      '</Location>',
      '<If "%{HTTPS} == \'on\'">',
      '</If>',
      'RequestHeader',
      'set',
      'unset',
      'X-Forwarded-Proto',
      'ProxyPass',
      '/',
      'http://127.0.0.1:8000/',
      'RemoteIPHeader',
      'RemoteIPTrustedProxy 0.0.0.0/0',
      'SSLEngine on',
      'Include',
      // biome-ignore lint/suspicious/noTemplateCurlyInString: Apache's own ${VAR} syntax, not a template
      '${X}',
      '"',
      "'",
      '\\',
      ' ',
      '\n',
      '#',
    );
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 80 }).map((a) => a.join('')),
        (text) => {
          const r = lintText(text, 'apache');
          for (const f of r.findings) assert.ok(f.line >= 1 && f.column >= 1);
          apacheHandler.model!(apacheHandler.parse('a.conf', text, { noIncludes: true }).input);
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('Apache parser: the configuration Debian ships (/etc/apache2, installed with apache2)', () => {
  test('every file reads as Apache without a problem; apache2.conf with its includes has no finding', () => {
    const etc = '/etc/apache2';
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const p = join(dir, n);
        return statSync(p).isDirectory() ? walk(p) : [p];
      });
    const all = walk(etc).filter((f) => /\.(conf|load)$/.test(f));
    assert.ok(all.length > 100, `${all.length} files`);
    for (const f of all) {
      const text = readFileSync(f, 'utf8');
      assert.equal(detectKind(f, text), 'apache', f);
      assert.deepEqual(apacheHandler.parse(f, text, { noIncludes: true }).problems, [], f);
    }
    const r = lint([join(etc, 'apache2.conf')]);
    assert.ok(r.results[0]!.files.length > 20, r.results[0]!.files.join(' '));
    assert.deepEqual(r.results[0]!.findings, []);
    assert.deepEqual(r.results[0]!.notes, []);
  });
});
