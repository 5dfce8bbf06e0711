/** The Caddyfile lexer and parser: tokens, blocks, sites, snippets, imports. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { caddyHandler } from '../../../src/lint/caddy/handler.js';
import { lexCaddy } from '../../../src/lint/caddy/lexer.js';
import { parseAddress, parseCaddy } from '../../../src/lint/caddy/parser.js';
import { detectKind, lintText } from '../../../src/lint/engine.js';
import { memoryFs } from '../../../src/lint/nginx/parser.js';

const toks = (text: string) =>
  lexCaddy('Caddyfile', text).tokens.map((t) => [t.text, t.line, t.col, t.seg]);

describe('Caddyfile lexer', () => {
  test('words, quotes, backticks, comments, with lines and columns', () => {
    assert.deepEqual(toks('a "b c" `d "e"` # gone\n  f\\g "h\\"i"'), [
      ['a', 1, 1, 0],
      ['b c', 1, 3, 0],
      ['d "e"', 1, 9, 0],
      ['f\\g', 2, 3, 1],
      ['h"i', 2, 7, 1],
    ]);
    // a # inside a word is not a comment
    assert.deepEqual(
      toks('respond a#b').map((t) => t[0]),
      ['respond', 'a#b'],
    );
  });

  test('a backslash at the end of a line continues it; a quoted newline stays in the token', () => {
    const t = toks('reverse_proxy a:1 \\\n  b:2\nnext "x\ny" z');
    assert.deepEqual(
      t.map((x) => [x[0], x[1], x[3]]),
      [
        ['reverse_proxy', 1, 0],
        ['a:1', 1, 0],
        ['b:2', 2, 0],
        ['next', 3, 1],
        ['x\ny', 3, 1],
        ['z', 4, 1],
      ],
    );
  });

  test('heredocs: the closing marker’s indentation is stripped', () => {
    const t = lexCaddy(
      'f',
      'respond <<HTML\n    <p>hi</p>\n      <b/>\n    HTML 200\nnext\n',
    ).tokens;
    assert.deepEqual(
      t.map((x) => [x.text, x.line]),
      [
        ['respond', 1],
        ['<p>hi</p>\n  <b/>', 1],
        ['200', 4],
        ['next', 5],
      ],
    );
    const open = lexCaddy('f', 'respond <<END\nnever closed\n');
    assert.match(open.problems[0]!.message, /heredoc <<END is never closed/);
    assert.match(lexCaddy('f', 'a "open').problems[0]!.message, /unterminated/);
  });
});

describe('Caddyfile parser', () => {
  test('global options, site addresses (several, across lines), directives with blocks', () => {
    const p = parseCaddy(
      'Caddyfile',
      `{
  email a@b.c
  servers {
    trusted_proxies static 10.0.0.0/8
  }
}

a.example.com,
b.example.com:8443 http://c.example.com {
  reverse_proxy /api/* 127.0.0.1:8000 {
    header_up -X-Forwarded-Port
  }
}
:8080 {
  respond "ok"
}
`,
    );
    assert.deepEqual(p.problems, []);
    assert.deepEqual(
      p.input.global?.map((n) => n.name),
      ['email', 'servers'],
    );
    assert.equal(p.input.sites.length, 2);
    const [s1, s2] = p.input.sites;
    assert.deepEqual(
      s1!.addresses.map((a) => [a.scheme, a.host, a.port, a.at.line]),
      [
        [undefined, 'a.example.com', undefined, 8],
        [undefined, 'b.example.com', 8443, 9],
        ['http', 'c.example.com', undefined, 9],
      ],
    );
    const rp = s1!.directives[0]!;
    assert.deepEqual(
      [rp.name, rp.args, rp.line, rp.col],
      ['reverse_proxy', ['/api/*', '127.0.0.1:8000'], 10, 3],
    );
    assert.deepEqual(
      rp.block?.map((n) => [n.name, n.args, n.line]),
      [['header_up', ['-X-Forwarded-Port'], 11]],
    );
    assert.deepEqual(
      s2!.addresses.map((a) => [a.host, a.port]),
      [[undefined, 8080]],
    );
  });

  test('one site without braces: the first line is its addresses', () => {
    const p = parseCaddy('Caddyfile', 'example.com\n\nreverse_proxy localhost:9000\nencode gzip\n');
    assert.equal(p.input.sites.length, 1);
    assert.deepEqual(
      p.input.sites[0]!.directives.map((d) => d.name),
      ['reverse_proxy', 'encode'],
    );
  });

  test('snippets with arguments, imported into sites; a snippet cycle is an error', () => {
    const p = parseCaddy(
      'Caddyfile',
      `(proxy) {
  reverse_proxy {args[0]} {
    header_up X-Real-IP {remote_host}
    import more
  }
}
(more) {
  header_up -Forwarded
}
a.example.com {
  import proxy app:8000
}
`,
    );
    assert.deepEqual(p.problems, []);
    const rp = p.input.sites[0]!.directives[0]!;
    assert.deepEqual([rp.name, rp.args, rp.line], ['reverse_proxy', ['app:8000'], 2]);
    assert.deepEqual(
      rp.block?.map((n) => [n.name, ...n.args]),
      [
        ['header_up', 'X-Real-IP', '{remote_host}'],
        ['header_up', '-Forwarded'],
      ],
    );
    const cyc = parseCaddy(
      'Caddyfile',
      '(a) {\n  import b\n}\n(b) {\n  import a\n}\nx.com {\n  import a\n}\n',
    );
    assert.ok(
      cyc.problems.some((q) => /import cycle: a -> b -> a/.test(q.message)),
      JSON.stringify(cyc.problems),
    );
  });

  test('imports of files with globs, relative to the importing file; a file cycle is an error', () => {
    const fs = memoryFs(
      new Map([
        ['/etc/caddy/Caddyfile', 'import sites/*.caddy\n'],
        [
          '/etc/caddy/sites/a.caddy',
          'a.example.com {\n  import ../common\n  reverse_proxy a:1\n}\n',
        ],
        ['/etc/caddy/sites/b.caddy', 'b.example.com {\n  reverse_proxy b:2\n}\n'],
        ['/etc/caddy/common', 'header Strict-Transport-Security max-age=31536000\n'],
        ['/etc/caddy/loop', 'import loop\n'],
      ]),
    );
    const p = parseCaddy('/etc/caddy/Caddyfile', 'import sites/*.caddy\n', { fs });
    assert.deepEqual(p.problems, []);
    assert.deepEqual(p.files, [
      '/etc/caddy/Caddyfile',
      '/etc/caddy/sites/a.caddy',
      '/etc/caddy/common',
      '/etc/caddy/sites/b.caddy',
    ]);
    assert.deepEqual(
      p.input.sites.map((s) => [
        s.addresses[0]!.host,
        s.at.file,
        s.directives.map((d) => `${d.file}:${d.line}:${d.name}`),
      ]),
      [
        [
          'a.example.com',
          '/etc/caddy/sites/a.caddy',
          ['/etc/caddy/common:1:header', '/etc/caddy/sites/a.caddy:3:reverse_proxy'],
        ],
        ['b.example.com', '/etc/caddy/sites/b.caddy', ['/etc/caddy/sites/b.caddy:2:reverse_proxy']],
      ],
    );
    const loop = parseCaddy('/etc/caddy/loop', 'import loop\n', { fs });
    assert.ok(loop.problems.some((q) => /import cycle/.test(q.message)));
    const missing = parseCaddy('/etc/caddy/Caddyfile', 'import nothere\n', { fs });
    assert.deepEqual(missing.problems, []);
    assert.match(missing.notes[0]!, /import not found/);
    const none = parseCaddy('/etc/caddy/Caddyfile', 'import nothere\n', { noIncludes: true });
    assert.match(none.notes[0]!, /was not read/);
  });

  test('Caddy 1 files are read without error and marked, and neither judged nor modelled', () => {
    const text = 'example.com {\n  proxy / localhost:8000 {\n    transparent\n  }\n  gzip\n}\n';
    const p = caddyHandler.parse('Caddyfile', text, { noIncludes: true });
    assert.deepEqual(p.problems, []);
    assert.equal(p.input.sites[0]!.v1, true);
    assert.match(p.notes[0]!, /Caddy 1 syntax/);
    assert.deepEqual(caddyHandler.model!(p.input), []);
    assert.deepEqual(lintText(text, 'caddy').findings, []);
  });

  test('environment placeholders and templates are unknown, never guessed', () => {
    assert.equal(parseAddress('{$DOMAIN}', { file: 'f', line: 1, col: 1 }).unknown, true);
    assert.deepEqual(parseAddress('https://[::1]:8443/path', { file: 'f', line: 1, col: 1 }), {
      raw: 'https://[::1]:8443/path',
      scheme: 'https',
      host: '::1',
      port: 8443,
      at: { file: 'f', line: 1, col: 1 },
    });
  });

  test('unbalanced braces are parse errors with their line', () => {
    const open = lintText('a.com {\n  reverse_proxy x:1 {\n', 'caddy');
    assert.ok(open.findings.some((f) => f.rule === 'lint/parse-error' && f.line === 2));
    const close = lintText('a.com {\n}\n}\n', 'caddy');
    assert.ok(close.findings.some((f) => f.rule === 'lint/parse-error' && f.line === 3));
  });

  test('inline suppressions: a # comment with a reason, on the line before', () => {
    const r = lintText(
      'a.com {\n  reverse_proxy app:1 {\n    # proxytrust-lint: ignore caddy/trusted-proxies-all -- only our LB reaches this port\n    trusted_proxies 0.0.0.0/0\n  }\n}\n',
      'caddy',
    );
    assert.deepEqual(r.findings, []);
    assert.deepEqual(
      r.suppressed.map((f) => [f.rule, f.line, f.reason]),
      [['caddy/trusted-proxies-all', 4, 'only our LB reaches this port']],
    );
  });

  test('detection: by name, and by content with a reverse_proxy site block', () => {
    assert.equal(detectKind('deploy/Caddyfile', 'x.com {\n}\n'), 'caddy');
    assert.equal(detectKind('caddy/Caddyfile.prod', ''), 'caddy');
    assert.equal(detectKind('conf/site.caddy', 'x.com {\n}\n'), 'caddy');
    assert.equal(detectKind('edge.txt', 'x.com {\n  reverse_proxy app:8000\n}\n'), 'caddy');
    assert.equal(detectKind('edge.txt', 'hello {\n}\n'), undefined);
    // documentation that quotes a Caddyfile is not one
    assert.equal(detectKind('docs/proxy.md', 'x.com {\n  reverse_proxy app:8000\n}\n'), undefined);
  });

  test('property: arbitrary Caddyfile-ish text never throws', () => {
    const chars = fc.constantFrom(
      'reverse_proxy',
      'header_up',
      '-X-Forwarded-For',
      '{http.request.header.X}',
      'trusted_proxies',
      '0.0.0.0/0',
      '(snip)',
      'import',
      'snip',
      '{',
      '}',
      ' ',
      '\n',
      '"',
      '`',
      '\\',
      '<<EOF\n',
      'EOF',
      '#',
      '{$X}',
      ':80',
      'https://a.com',
      ',',
    );
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 80 }).map((a) => a.join('')),
        (text) => {
          const r = lintText(text, 'caddy');
          for (const f of r.findings) assert.ok(f.line >= 1 && f.column >= 1);
          const p = caddyHandler.parse('Caddyfile', text, { noIncludes: true });
          caddyHandler.model!(p.input);
        },
      ),
      { numRuns: 400 },
    );
  });
});
