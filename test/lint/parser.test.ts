/**
 * The nginx parser against crossplane's own fixture configurations and expected trees
 * (test/lint/fixtures/crossplane, from nginxinc/crossplane), against the configurations
 * Debian's nginx ships (/etc/nginx), and against hostile input (never a throw).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { lex } from '../../src/lint/nginx/lexer.js';
import {
  type Directive,
  memoryFs,
  parseConfig,
  parseDump,
  parseText,
  toCrossplane,
} from '../../src/lint/nginx/parser.js';

const FIX = fileURLToPath(new URL('./fixtures/crossplane/', import.meta.url));

interface Case {
  config: string;
  comments: boolean;
  expected: {
    errors: { file?: string; error: string }[];
    config: { file: string; errors: { error: string }[] }[];
  };
}

/** Crossplane's paths are relative to the fixture directory here; its error texts are Python's. */
function normalise(payload: unknown): unknown {
  return JSON.parse(
    JSON.stringify(payload, (k, v) => {
      if (k === 'file' && typeof v === 'string') return v.startsWith(FIX) ? v.slice(FIX.length) : v;
      if (k === 'error') return '*';
      return v;
    }),
  );
}

describe('nginx parser: crossplane fixtures', () => {
  const cases = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Record<
    string,
    Case
  >;
  for (const [name, c] of Object.entries(cases)) {
    test(`${name}: the same tree as crossplane's`, () => {
      const got = parseConfig(join(FIX, c.config), { comments: c.comments });
      assert.deepEqual(normalise(toCrossplane(got)), c.expected);
    });
  }

  test('includes-regular: the missing include is named, with its line', () => {
    const got = parseConfig(join(FIX, 'includes-regular/nginx.conf'));
    assert.match(got.errors[0]!.error, /bar\.conf/);
    assert.equal(got.errors[0]!.line, 5);
  });

  // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx's own ${var} syntax, not a template
  test('messy: parses without errors; quotes, escapes, ${var} and comments as nginx reads them', () => {
    const got = parseConfig(join(FIX, 'messy/nginx.conf'));
    assert.deepEqual(got.errors, []);
    const http = got.config[0]!.parsed.find((d) => d.directive === 'http')!;
    const servers = http.block!.filter((d) => d.directive === 'server');
    assert.equal(servers.length, 3);
    const ret = servers[0]!.block!.find((d) => d.directive === 'return')!;
    assert.deepEqual(ret.args, [
      '200',
      "Ser\" ' ' ver\\\\ \\ $server_addr:\\$server_port\\n\\nTime: $time_local\\n\\n",
    ]);
    const locs = servers[1]!.block!.filter((d) => d.directive === 'location');
    assert.deepEqual(locs[0]!.args, ['~', '/hello/world;']);
    assert.deepEqual(locs[1]!.args, ['/foo']);
    assert.deepEqual(locs[2]!.args, ['/bar']);
    assert.deepEqual(locs[3]!.args, ['/\\{\\;\\}\\ #\\ ab"c"###s']);
    const iff = servers[1]!.block!.find((d) => d.directive === 'if')!;
    assert.deepEqual(iff.args, ['$request_method', '=', 'P\\{O\\)\\###\\;"S"T']);
    const tf = locs[4]!.block![0]!;
    // biome-ignore lint/suspicious/noTemplateCurlyInString: nginx's own ${var} syntax, not a template
    assert.deepEqual(tf.args, ['/abc/${uri}', '/abc/${uri}.html', '=404']);
    assert.deepEqual(locs[5]!.args, ['/sta;\n                    tus']);
  });

  test('quote-behavior, quoted-right-brace, empty-value-map, directive-with-space, russian-text, map', () => {
    const q = parseConfig(join(FIX, 'quote-behavior/nginx.conf')).config[0]!.parsed;
    assert.deepEqual(
      q.map((d) => [d.directive, ...d.args]),
      [
        ['outer-quote', 'left', '-quote', 'right-"quote"', 'inner"-"quote'],
        ['', '', 'left-empty', 'right-empty""', 'inner""empty', 'right-empty-single"'],
      ],
    );
    const lf = parseConfig(join(FIX, 'quoted-right-brace/nginx.conf')).config[0]!.parsed[1]!
      .block![0]!;
    assert.equal(lf.directive, 'log_format');
    assert.equal(lf.args.length, 14);
    assert.equal(lf.args[13], '}');
    const m = parseConfig(join(FIX, 'empty-value-map/nginx.conf')).config[0]!.parsed[1]!.block![0]!;
    assert.deepEqual(
      m.block!.map((d) => [d.directive, ...d.args]),
      [
        ['', '$arg'],
        ['*.example.com', ''],
      ],
    );
    const ds = parseConfig(join(FIX, 'directive-with-space/nginx.conf')).config[0]!.parsed[1]!
      .block![0]!;
    assert.deepEqual(ds.block![1]!.directive, '~Opera Mini');
    const ru = parseConfig(join(FIX, 'russian-text/nginx.conf')).config[0]!.parsed[0]!;
    assert.deepEqual(ru.args, ['русский текст']);
    const map = parseConfig(join(FIX, 'map/nginx.conf')).config[0]!.parsed[1]!.block![1]!;
    assert.deepEqual(
      map.block!.map((d) => d.directive),
      ['hostnames', 'default', '*.example.com'],
    );
  });
});

describe('nginx parser: the configurations Debian ships', () => {
  const etc = '/etc/nginx';
  test('every file under /etc/nginx parses without errors, includes resolved', {
    skip: !existsSync(etc) && !process.env.CI,
  }, () => {
    const main = parseConfig(join(etc, 'nginx.conf'));
    assert.deepEqual(main.errors, []);
    const files = main.config.map((c) => c.file);
    assert.ok(files.includes(join(etc, 'mime.types')), files.join(' '));
    const walk = (dir: string): string[] =>
      readdirSync(dir).flatMap((n) => {
        const p = join(dir, n);
        return statSync(p).isDirectory() ? walk(p) : [p];
      });
    const all = walk(etc).filter((f) => !/\.(pem|key|crt)$/.test(f));
    assert.ok(all.some((f) => f.endsWith('proxy_params')));
    assert.ok(all.some((f) => f.includes('/snippets/')));
    for (const f of all) {
      const r = parseConfig(f, { single: true });
      assert.deepEqual(r.errors, [], f);
    }
    const pp = parseConfig(join(etc, 'proxy_params'), { single: true }).config[0]!.parsed;
    assert.deepEqual(
      pp.map((d) => d.args[0]),
      ['Host', 'X-Real-IP', 'X-Forwarded-For', 'X-Forwarded-Proto'],
    );
  });
});

describe('nginx parser: includes, dumps, errors', () => {
  test('relative includes resolve against the main file directory; confRoot overrides', () => {
    const files = new Map([
      ['/etc/n/nginx.conf', 'http { include conf.d/*.conf; }'],
      ['/etc/n/conf.d/a.conf', 'server { include snip/x.conf; }'],
      ['/etc/n/conf.d/.hidden.conf', 'bad;'],
      ['/etc/n/snip/x.conf', 'proxy_set_header A b;'],
      ['/other/snip/x.conf', 'proxy_set_header C d;'],
    ]);
    const p = parseConfig('/etc/n/nginx.conf', { fs: memoryFs(files) });
    assert.deepEqual(p.errors, []);
    assert.deepEqual(
      p.config.map((c) => c.file),
      ['/etc/n/nginx.conf', '/etc/n/conf.d/a.conf', '/etc/n/snip/x.conf'],
    );
    const q = parseConfig('/etc/n/conf.d/a.conf', { fs: memoryFs(files), confRoot: '/other' });
    assert.deepEqual(
      q.config.map((c) => c.file),
      ['/etc/n/conf.d/a.conf', '/other/snip/x.conf'],
    );
  });

  test('an include cycle is listed once (the combined tree reports it)', () => {
    const files = new Map([
      ['/a/nginx.conf', 'include b.conf;'],
      ['/a/b.conf', 'include nginx.conf;'],
    ]);
    const p = parseConfig('/a/nginx.conf', { fs: memoryFs(files) });
    assert.deepEqual((p.config[1]!.parsed[0] as Directive).includes, [0]);
  });

  test('nginx -T dump: files split at the markers, includes among them', () => {
    const dump = [
      'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok',
      '# configuration file /etc/nginx/nginx.conf:',
      'http {',
      '    include /etc/nginx/sites-enabled/*;',
      '}',
      '',
      '# configuration file /etc/nginx/sites-enabled/default:',
      'server { listen 80; }',
      '',
    ].join('\n');
    const p = parseDump(dump);
    assert.deepEqual(p.errors, []);
    assert.deepEqual(
      p.config.map((c) => c.file),
      ['/etc/nginx/nginx.conf', '/etc/nginx/sites-enabled/default'],
    );
    assert.equal(p.config[1]!.parsed[0]!.line, 1);
  });

  test('errors: unexpected }, unterminated quote, end of file inside a block', () => {
    assert.match(parseText('}').errors[0]!.error, /unexpected "}"/);
    assert.match(parseText('a "b;').errors[0]!.error, /closing quote/);
    assert.match(parseText('http {').errors[0]!.error, /expecting "}"/);
    assert.match(parseText('a b').errors[0]!.error, /expecting ";"/);
  });

  test('columns: the directive name, 1-based', () => {
    const p = parseText('http {\n  server { listen 80; }\n}');
    const s = p.parsed[0]!.block![0]!;
    assert.equal(s.col, 3);
    assert.equal(s.block![0]!.col, 12);
  });

  test('property: no input throws, and lines stay within the text', () => {
    const alphabet = fc.constantFrom(
      'a',
      ' ',
      '\n',
      '{',
      '}',
      ';',
      '"',
      "'",
      '\\',
      '#',
      '$',
      '(',
      ')',
      'x',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 200 }).map((a) => a.join('')),
        (text) => {
          const lines = text.split('\n').length;
          lex(text);
          const r = parseText(text, { comments: true });
          const check = (list: Directive[]) => {
            for (const d of list) {
              assert.ok(d.line >= 1 && d.line <= lines);
              if (d.block) check(d.block);
            }
          };
          check(r.parsed);
        },
      ),
      { numRuns: 500 },
    );
  });
});
