/**
 * The Python reader: every string form, comments, continuation lines, brackets across
 * lines, top-level assignments and the environment patterns whose value is unknown.
 * Malformed input never throws.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { type PyValue, readModule, strings, tokenize } from '../../../src/lint/django/python.js';

const plain = (v: PyValue): unknown => {
  switch (v.t) {
    case 'str':
    case 'num':
    case 'bool':
      return v.v;
    case 'bytes':
      return `b:${v.v}`;
    case 'none':
      return null;
    case 'list':
    case 'tuple':
    case 'set':
      return v.items.map(plain);
    case 'dict':
      return Object.fromEntries(v.entries.map(([k, x]) => [String(plain(k)), plain(x)]));
    case 'unknown':
      return {
        unknown: v.why,
        ...(v.env ? { env: v.env } : {}),
        ...(v.default ? { default: plain(v.default) } : {}),
      };
  }
};

describe('python tokenizer', () => {
  test('strings of every form', () => {
    const src = [
      `A = 'it\\'s'`,
      `B = "tab\\tend"`,
      `C = r'\\d+\\.'`,
      `D = b'bytes'`,
      `E = f'{x}-y'`,
      `F = '''one\n'two'\nthree'''`,
      `G = """a "quoted" line"""`,
      `H = 'a' "b" 'c'`,
      `I = u'\\u00e9'`,
      `J = Rb'\\x00'`,
    ].join('\n');
    const m = readModule(src);
    assert.deepEqual(m.problems, []);
    const got = Object.fromEntries([...m.assigned].map(([k, a]) => [k, plain(a.value)]));
    assert.deepEqual(got, {
      A: "it's",
      B: 'tab\tend',
      C: '\\d+\\.',
      D: 'b:bytes',
      E: { unknown: 'f-string' },
      F: "one\n'two'\nthree",
      G: 'a "quoted" line',
      H: 'abc',
      I: 'é',
      J: 'b:\\x00',
    });
  });

  test('comments, continuation lines and brackets across lines; lines and columns', () => {
    const src = [
      '# a comment with = and "quotes',
      'ALLOWED_HOSTS = [  # trailing comment ]',
      "    'a.example',",
      "    # 'commented.example',",
      "    'b.example',",
      ']',
      'X = 1 + \\',
      '    2',
      '  # indented comment',
      "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')",
    ].join('\n');
    const m = readModule(src);
    assert.deepEqual(strings(m.assigned.get('ALLOWED_HOSTS')!.value), ['a.example', 'b.example']);
    assert.equal(plain(m.assigned.get('X')!.value), 3);
    const h = m.assigned.get('SECURE_PROXY_SSL_HEADER')!;
    assert.deepEqual([h.line, h.col], [10, 1]);
    const v = h.value;
    assert.ok(v.t === 'tuple');
    assert.deepEqual([v.items[1]!.at.line, v.items[1]!.at.col], [10, 54]);
    const hosts = m.assigned.get('ALLOWED_HOSTS')!.value;
    assert.ok(hosts.t === 'list');
    assert.equal(hosts.items[1]!.at.line, 5);
  });

  test('CRLF line ends keep line numbers', () => {
    const m = readModule("A = 1\r\nB = '''x\r\ny'''\r\nC = 3\r\n");
    assert.equal(m.assigned.get('C')!.line, 4);
  });

  test('unterminated strings and brackets are problems, not crashes', () => {
    assert.deepEqual(
      tokenize("A = 'open\nB = 2\n").problems.map((p) => [p.line, p.message]),
      [[1, 'unterminated string']],
    );
    const m = readModule('A = [1, 2\nB = 3\n');
    assert.equal(m.problems.length, 1);
    assert.match(m.problems[0]!.message, /unclosed bracket/);
  });
});

describe('python assignments', () => {
  test('literals, +=, concatenation, chained and annotated assignments, names', () => {
    const src = [
      'DEBUG = False',
      'N = -5',
      'NOTHING = None',
      "APPS = ['a']",
      "APPS += ['b', 'c']",
      "T = ('x',) + ('y',)",
      "D = {'K': 'v', 'n': 1, **OTHER}",
      "E = {'K': 'v', 'n': [1, 2.5]}",
      'A = B = 7',
      'TYPED: int = 9',
      "S = 'pre' + 'fix'",
      'COPY = APPS',
      "SETV = {'x', 'y'}",
      'HEX = 0x1F',
      'BIG = 31_536_000',
    ].join('\n');
    const got = Object.fromEntries(
      [...readModule(src).assigned].map(([k, a]) => [k, plain(a.value)]),
    );
    assert.deepEqual(got, {
      DEBUG: false,
      N: -5,
      NOTHING: null,
      APPS: ['a', 'b', 'c'],
      T: ['x', 'y'],
      D: { unknown: 'expression' },
      E: { K: 'v', n: [1, 2.5] },
      A: 7,
      B: 7,
      TYPED: 9,
      S: 'prefix',
      COPY: ['a', 'b', 'c'],
      SETV: ['x', 'y'],
      HEX: 31,
      BIG: 31536000,
    });
  });

  test('environment reads are unknown, their defaults recorded as defaults', () => {
    const src = [
      'import os',
      'import environ',
      'from decouple import config',
      'env = environ.Env()',
      "A = os.environ['HOSTS']",
      "B = os.environ.get('SSL', 'on')",
      "C = os.getenv('PORT', 8000)",
      "D = env('DJANGO_HOSTS', default=['*'])",
      "E = env.bool('REDIRECT', default=True)",
      "F = env.list('ORIGINS', default=['https://a.example'])",
      "G = config('HSTS', default=0, cast=int)",
      "H = env.bool('X', False)",
      "I = os.environ.get('HOSTS', 'a,b').split(',')",
      "J = bool(os.environ.get('FLAG'))",
      "K = int('3')",
      "L = [h.strip() for h in os.environ.get('HOSTS', '*').split(',') if h]",
      "M = 'a, b'.split(',')",
    ].join('\n');
    const got = Object.fromEntries(
      [...readModule(src).assigned].map(([k, a]) => [k, plain(a.value)]),
    );
    assert.deepEqual(got.A, { unknown: 'environment', env: 'HOSTS' });
    assert.deepEqual(got.B, { unknown: 'environment', env: 'SSL', default: 'on' });
    assert.deepEqual(got.C, { unknown: 'environment', env: 'PORT', default: 8000 });
    assert.deepEqual(got.D, { unknown: 'environment', env: 'DJANGO_HOSTS', default: ['*'] });
    assert.deepEqual(got.E, { unknown: 'environment', env: 'REDIRECT', default: true });
    assert.deepEqual(got.F, {
      unknown: 'environment',
      env: 'ORIGINS',
      default: ['https://a.example'],
    });
    assert.deepEqual(got.G, { unknown: 'environment', env: 'HSTS', default: 0 });
    assert.deepEqual(got.H, { unknown: 'environment', env: 'X', default: false });
    assert.deepEqual(got.I, { unknown: 'environment', env: 'HOSTS', default: ['a', 'b'] });
    assert.deepEqual(got.J, { unknown: 'environment', env: 'FLAG' });
    assert.equal((got.K as { unknown: string }).unknown, 'expression');
    assert.deepEqual(got.L, { unknown: 'environment', env: 'HOSTS', default: ['*'] });
    assert.deepEqual(got.M, ['a', ' b']);
  });

  test('assignments in blocks are conditional; star imports are listed; other statements ignored', () => {
    const src = [
      'from .base import *  # noqa',
      'SECURE_SSL_REDIRECT = False',
      'if not DEBUG:',
      '    SECURE_SSL_REDIRECT = True',
      '    ONLY_HERE = 1',
      'def f():',
      '    X = 2',
      'class C:',
      '    Y = 3',
      'print(SECURE_SSL_REDIRECT == True)',
      'Z = [x for x in range(3)]',
      'W = 1 if DEBUG else 2',
      'V = lambda: 3',
    ].join('\n');
    const m = readModule(src);
    assert.deepEqual(m.starImports, ['.base']);
    assert.deepEqual(plain(m.assigned.get('SECURE_SSL_REDIRECT')!.value), {
      unknown: 'conditional',
      default: false,
    });
    assert.deepEqual(plain(m.assigned.get('ONLY_HERE')!.value), {
      unknown: 'conditional',
      default: 1,
    });
    assert.equal(m.assigned.get('Z')!.value.t, 'unknown');
    assert.equal(m.assigned.get('W')!.value.t, 'unknown');
    assert.equal(m.assigned.get('V')!.value.t, 'unknown');
  });

  test('malformed input never throws (property)', () => {
    const chars = fc.constantFrom(
      ...'A=[]{}()\'"\\#\n\r\t ,:+*-.fbr0123x_'.split(''),
      "'''",
      '"""',
      'os.environ',
      'env(',
      'SECURE_PROXY_SSL_HEADER = (',
      ' if ',
      ' for ',
      'lambda',
      '**',
    );
    fc.assert(
      fc.property(
        fc.array(chars, { maxLength: 80 }).map((a) => a.join('')),
        (text) => {
          const m = readModule(text);
          for (const a of m.assigned.values()) assert.ok(a.line >= 1 && a.col >= 1);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
