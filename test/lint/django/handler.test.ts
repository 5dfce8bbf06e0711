/**
 * Django settings as a kind: detection, the Django version from the repository around the
 * file (or --django-version), and the hop model the cross-file rules read.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { djangoHandler, headerOfMetaKey } from '../../../src/lint/django/handler.js';
import { inferDjangoVersion, versionAtLeast } from '../../../src/lint/django/version.js';
import { lint, lintText } from '../../../src/lint/engine.js';

const parse = (text: string, opts = {}) =>
  djangoHandler.parse('settings.py', text, { noIncludes: true, ...opts });
const model = (text: string) => djangoHandler.model!(parse(text).input)[0]!;

describe('django settings: detection', () => {
  test('by content and name', () => {
    const d = djangoHandler.detect;
    assert.equal(d('app/settings.py', "ALLOWED_HOSTS = []\nINSTALLED_APPS = ['x']\n"), 3);
    assert.equal(d('conf/anything.py', 'MIDDLEWARE = []\nSECURE_SSL_REDIRECT = True\n'), 3);
    assert.equal(d('config/settings/production.py', 'SECURE_SSL_REDIRECT = True\n'), 2);
    assert.equal(d('app/utils.py', 'ALLOWED_HOSTS = []\n'), 0);
    assert.equal(d('app/settings.py.j2', 'ALLOWED_HOSTS = []\nMIDDLEWARE = []\n'), 3);
    assert.equal(d('settings.yaml', 'ALLOWED_HOSTS = []\nMIDDLEWARE = []\n'), 0);
    assert.equal(d('gunicorn.conf.py', "bind = '0.0.0.0:80'\n"), 0);
  });
});

describe('django settings: the version', () => {
  const repo = () => {
    const root = mkdtempSync(join(tmpdir(), 'proxytrust-django-'));
    mkdirSync(join(root, '.git'));
    mkdirSync(join(root, 'src', 'proj', 'settings'), { recursive: true });
    return root;
  };
  test('from requirements.txt, pyproject.toml, Pipfile, walking up to the repository root', () => {
    const root = repo();
    try {
      const file = join(root, 'src', 'proj', 'settings', 'production.py');
      writeFileSync(file, "CSRF_TRUSTED_ORIGINS = ['https://a.example']\n");
      assert.equal(inferDjangoVersion(file), undefined);
      writeFileSync(join(root, 'requirements.txt'), 'requests==2.31\nDjango==3.2.19  # LTS\n');
      const v = inferDjangoVersion(file)!;
      assert.equal(v.version, '3.2');
      assert.equal(versionAtLeast(v, '4.0'), false);
      assert.match(v.from, /requirements\.txt:2: Django==3\.2\.19/);
      // the nearest pin wins
      writeFileSync(
        join(root, 'src', 'pyproject.toml'),
        '[tool.poetry.dependencies]\npython = "^3.11"\ndjango = "^4.2"\n',
      );
      assert.equal(inferDjangoVersion(file)!.version, '4.2');
      assert.equal(versionAtLeast(inferDjangoVersion(file), '4.0'), true);
      rmSync(join(root, 'src', 'pyproject.toml'));
      writeFileSync(join(root, 'src', 'Pipfile'), '[packages]\ndjango = ">=3.2"\n');
      // a lower bound below 4.0 says nothing either way
      assert.equal(versionAtLeast(inferDjangoVersion(file), '4.0'), undefined);
      writeFileSync(join(root, 'src', 'Pipfile'), '[packages]\ndjango = ">=3.2,<4.0"\n');
      assert.equal(versionAtLeast(inferDjangoVersion(file), '4.0'), false);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('lint reads the pin: CSRF_TRUSTED_ORIGINS entries judged by the version found', () => {
    const root = repo();
    try {
      const file = join(root, 'src', 'proj', 'settings', 'production.py');
      writeFileSync(file, "CSRF_TRUSTED_ORIGINS = ['https://a.example', 'b.example']\n");
      const rules = () =>
        lint([file]).results.flatMap((r) =>
          r.findings.map((f) => `${f.rule}:${f.message.includes("'b.example'") ? 'b' : 'a'}`),
        );
      // no pin: 4.0 or later assumed, the entry without a scheme is flagged
      assert.deepEqual(rules(), ['django/csrf-origins-without-scheme:b']);
      writeFileSync(join(root, 'requirements.txt'), 'Django~=3.2.0\n');
      assert.deepEqual(rules(), ['django/csrf-origins-without-scheme:a']);
      // --django-version wins over the repository
      const given = lint([file], { djangoVersion: '4.1' }).results.flatMap((r) => r.findings);
      assert.equal(given.length, 1);
      assert.match(given[0]!.message, /'b\.example'/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('django settings: the hop model', () => {
  test('META keys as header names', () => {
    assert.equal(headerOfMetaKey('HTTP_X_FORWARDED_PROTO'), 'x-forwarded-proto');
    assert.equal(headerOfMetaKey('HTTP_CF_VISITOR'), 'cf-visitor');
    assert.equal(headerOfMetaKey('X_FORWARDED_PROTO'), undefined);
    assert.equal(headerOfMetaKey('http_x_forwarded_proto'), undefined);
  });

  test('a proxied production settings file', () => {
    const m = model(
      [
        "ALLOWED_HOSTS = ['example.com']",
        "SECURE_PROXY_SSL_HEADER = ('HTTP_X_FORWARDED_PROTO', 'https')",
        'USE_X_FORWARDED_HOST = True',
        'USE_X_FORWARDED_PORT = False',
        'SECURE_HSTS_SECONDS = 3600',
        "MIDDLEWARE = ['django.middleware.security.SecurityMiddleware']",
      ].join('\n'),
    );
    assert.equal(m.role, 'app');
    assert.equal(m.kind, 'django');
    assert.deepEqual(
      m.believes.map((b) => [b.name, b.purpose, b.value, b.at.line]),
      [
        ['x-forwarded-proto', 'scheme', 'https', 2],
        ['x-forwarded-host', 'host', undefined, 3],
      ],
    );
    // Django has no proxy list: it believes them from whoever reaches it; the client is REMOTE_ADDR
    assert.equal(m.trust?.all, true);
    assert.ok(!m.believes.some((b) => b.purpose === 'client'));
    assert.equal(m.hsts?.line, 5);
    assert.deepEqual(m.listens, []);
  });

  test('no HSTS without SecurityMiddleware, none at 0; environment values are unknowns, not beliefs', () => {
    assert.equal(model("SECURE_HSTS_SECONDS = 60\nMIDDLEWARE = ['x.Y']\n").hsts, undefined);
    assert.equal(model('SECURE_HSTS_SECONDS = 0\n').hsts, undefined);
    assert.equal(model('SECURE_HSTS_SECONDS = 60\n').hsts?.line, 1);
    const m = model(
      "import os\nSECURE_PROXY_SSL_HEADER = os.environ.get('SSL_HEADER')\nUSE_X_FORWARDED_HOST = env.bool('FWD_HOST', default=True)\nfrom .base import *\n",
    );
    assert.deepEqual(m.believes, []);
    assert.equal(m.trust, undefined);
    assert.equal(m.unknowns?.length, 3);
  });

  test('a wrong SECURE_PROXY_SSL_HEADER name is believed by nobody', () => {
    const m = model("SECURE_PROXY_SSL_HEADER = ('X-Forwarded-Proto', 'https')\n");
    assert.deepEqual(m.believes, []);
  });

  test('notes say what was not read; malformed settings are a parse error, never a crash', () => {
    const p = parse("from .base import *\nCSRF_TRUSTED_ORIGINS = ['https://a.example']\n");
    assert.ok(p.notes.some((n) => /from \.base import \*/.test(n)));
    assert.ok(p.notes.some((n) => /Django version is unknown/.test(n)));
    const r = lintText("ALLOWED_HOSTS = ['*'\nMIDDLEWARE = 'x\n", 'django');
    assert.ok(r.findings.some((f) => f.rule === 'lint/parse-error'));
  });
});
