/**
 * App servers as a kind: gunicorn config files, uwsgi ini, and the gunicorn/uvicorn command
 * lines of Procfiles, Dockerfiles (shell and exec forms, ENV) and shell scripts; their hop
 * models. Malformed input never throws.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { appServerHandler } from '../../../src/lint/appserver/handler.js';
import type { HopModel } from '../../../src/lint/model.js';

const parse = (name: string, text: string) =>
  appServerHandler.parse(name, text, { noIncludes: true });
const models = (name: string, text: string): readonly HopModel[] =>
  appServerHandler.model!(parse(name, text).input);
const listens = (m: HopModel) =>
  m.listens.map((l) =>
    l.socket !== undefined
      ? `unix:${l.socket}`
      : `${l.host ?? '*'}:${l.port ?? '?'}${l.tls ? ' tls' : ''}`,
  );

describe('app servers: detection', () => {
  test('by name and content', () => {
    const d = appServerHandler.detect;
    assert.equal(d('gunicorn.conf.py', "bind = '0.0.0.0:8000'\n"), 3);
    assert.equal(d('deploy/gunicorn_config.py', 'workers = 3\n'), 3);
    assert.equal(d('conf/server.py', "forwarded_allow_ips = '*'\n"), 2);
    assert.equal(d('app/views.py', 'def index(): pass\n'), 0);
    assert.equal(d('uwsgi.ini', '[uwsgi]\nhttp = :8000\n'), 3);
    assert.equal(d('setup.ini', '[metadata]\nname = x\n'), 0);
    assert.equal(d('Procfile', 'web: gunicorn app.wsgi\n'), 3);
    assert.equal(d('Procfile', 'web: node server.js\n'), 0);
    assert.equal(d('docker/Dockerfile.prod', 'FROM python\nCMD ["gunicorn", "app.wsgi"]\n'), 3);
    assert.equal(d('dockerfile', 'FROM python\nENTRYPOINT uvicorn main:app\n'), 3);
    assert.equal(d('Dockerfile', 'FROM nginx\n'), 0);
    assert.equal(d('bin/start.sh', '#!/bin/sh\nexec gunicorn app.wsgi -b :8000\n'), 2);
  });
});

describe('app servers: command lines', () => {
  test('Procfile: gunicorn options in every spelling, env prefixes, $PORT unknown', () => {
    const [m] = models(
      'Procfile',
      'release: python manage.py migrate\nweb: FORWARDED_ALLOW_IPS="10.0.0.1,10.0.0.2" gunicorn proj.wsgi --bind=0.0.0.0:$PORT -b127.0.0.1:9000 --certfile cert.pem\n',
    );
    assert.equal(m!.label.startsWith('gunicorn'), true);
    assert.deepEqual(listens(m!), ['0.0.0.0:? tls', '127.0.0.1:9000 tls']);
    assert.deepEqual(m!.trust?.cidrs, ['10.0.0.1', '10.0.0.2']);
    assert.deepEqual(m!.mustAgree, ['scheme']);
    assert.equal(m!.listens[0]!.at.line, 2);
  });

  test('Dockerfile: exec and shell forms, ENTRYPOINT + CMD, ENV, continuation lines, stages', () => {
    const text = [
      'FROM python:3.12 AS build',
      'CMD ["gunicorn", "-b", "0.0.0.0:1111", "x"]',
      'FROM python:3.12-slim',
      'ENV FORWARDED_ALLOW_IPS=* \\',
      '    OTHER=1',
      'ENTRYPOINT ["gunicorn"]',
      'CMD ["--bind", "unix:/run/app.sock", "-k", "uvicorn.workers.UvicornWorker", "app:app"]',
    ].join('\n');
    const ms = models('Dockerfile', text);
    assert.equal(ms.length, 2);
    assert.deepEqual(listens(ms[0]!), ['0.0.0.0:1111']);
    const m = ms[1]!;
    assert.deepEqual(listens(m), ['unix:/run/app.sock']);
    assert.equal(m.trust?.all, true);
    assert.equal(m.trust?.at.line, 4);
    // uvicorn's worker reads the headers, not gunicorn: X-Forwarded-Proto and the leftmost X-Forwarded-For
    assert.deepEqual(
      m.believes.map((b) => [b.name, b.leftmost ?? false]),
      [
        ['x-forwarded-proto', false],
        ['x-forwarded-for', true],
      ],
    );
    assert.equal(m.mustAgree, undefined);
    const shell = models(
      'Dockerfile',
      'FROM python\nCMD python -m uvicorn main:app --host 0.0.0.0 \\\n  --port 8080 --no-proxy-headers\n',
    )[0]!;
    assert.deepEqual(listens(shell), ['0.0.0.0:8080']);
    assert.deepEqual(shell.believes, []);
    assert.equal(shell.trust, undefined);
  });

  test('shell scripts: exec, sh -c, && chains; quoting', () => {
    const ms = models(
      'start.sh',
      '#!/bin/bash\nset -e\npython manage.py migrate && exec gunicorn \'proj.wsgi\' \\\n  --bind "[::]:8000" --forwarded-allow-ips=\'*\'\nsh -c "uvicorn app:app --uds /tmp/u.sock"\necho gunicorn is great\n',
    );
    assert.deepEqual(ms.map(listens), [[':::8000'], ['unix:/tmp/u.sock']]);
    assert.equal(ms[0]!.trust?.all, true);
    assert.equal(ms[0]!.trust?.at.line, 4);
  });

  test('uwsgi command lines: every socket option, https with its certificate, --ini noted', () => {
    const [a, b, c] = models(
      'Procfile',
      [
        'web: uwsgi --plugin python3 --http-socket 127.0.0.1:8000 --module app.wsgi:application --need-app',
        'tls: uwsgi --https=:8443,cert.pem,key.pem -s /run/app.sock --wsgi-file app.py',
        'cfg: uwsgi --ini deploy/uwsgi.ini --http :$PORT',
      ].join('\n'),
    );
    assert.deepEqual(listens(a!), ['127.0.0.1:8000']);
    assert.deepEqual(
      a!.believes.map((x) => x.name),
      ['x-forwarded-proto', 'x-forwarded-ssl'],
    );
    assert.equal(a!.trust?.all, true);
    assert.equal(a!.trust?.inherent, true);
    assert.deepEqual(listens(b!), ['*:8443 tls', 'unix:/run/app.sock']);
    assert.deepEqual(listens(c!), ['*:?']);
    assert.match(c!.unknowns?.join('\n') ?? '', /deploy\/uwsgi\.ini/);
    assert.equal(appServerHandler.detect('Procfile', 'web: uwsgi --ini app.ini\n'), 3);
    assert.equal(
      appServerHandler.detect('Dockerfile', 'FROM python\nCMD ["uwsgi", "--http", ":8000"]\n'),
      3,
    );
  });

  test('uvicorn defaults: 127.0.0.1:8000, proxy headers from 127.0.0.1', () => {
    const m = models('Procfile', 'web: uvicorn main:app\n')[0]!;
    assert.deepEqual(listens(m), ['127.0.0.1:8000']);
    assert.deepEqual(m.trust?.cidrs, ['127.0.0.1']);
    assert.equal(m.believes.length, 2);
  });
});

describe('app servers: configuration files', () => {
  test('gunicorn config: bind list, forwarded_allow_ips from the environment, scheme headers', () => {
    const m = models(
      'gunicorn.conf.py',
      "import os\nbind = ['127.0.0.1:8001', 'unix:/run/g.sock']\nforwarded_allow_ips = os.environ.get('FWD', '127.0.0.1')\nsecure_scheme_headers = {\n    'X-FORWARDED-PROTO': 'https',\n    'x-forwarded-ssl': 'on',\n}\n",
    )[0]!;
    assert.deepEqual(listens(m), ['127.0.0.1:8001', 'unix:/run/g.sock']);
    assert.equal(m.trust?.unknown, true);
    assert.deepEqual(
      m.believes.map((b) => [b.name, b.value, b.at.line]),
      [['x-forwarded-proto', 'https', 5]],
    );
  });

  test('gunicorn config without bind: 127.0.0.1:8000, the default headers', () => {
    const m = models('gunicorn.conf.py', 'workers = 2\n')[0]!;
    assert.deepEqual(listens(m), ['127.0.0.1:8000']);
    assert.deepEqual(
      m.believes.map((b) => b.name),
      ['x-forwarded-protocol', 'x-forwarded-proto', 'x-forwarded-ssl'],
    );
  });

  test('uwsgi ini: sockets of every kind, variables unknown, other sections ignored', () => {
    const m = models(
      'uwsgi.ini',
      '[uwsgi]\n; comment\nhttp = :8000\nsocket = /run/uwsgi/app.sock\nuwsgi-socket = 127.0.0.1:3031  ; inline\nhttps = :8443,foo.crt,foo.key\nhttp-socket = $(HOST):9000\n[other]\nhttp = :1\n',
    )[0]!;
    assert.deepEqual(listens(m), [
      '*:8000',
      'unix:/run/uwsgi/app.sock',
      '127.0.0.1:3031',
      '*:8443 tls',
      '*:?',
    ]);
    assert.equal(m.trust?.all, true);
  });

  test('malformed input never throws (property)', () => {
    const chars = fc.constantFrom(
      ...'ab=[]{}()\'"\\#\n\t :,$*'.split(''),
      'gunicorn ',
      'uvicorn ',
      '--bind',
      '-b',
      '--forwarded-allow-ips=',
      'CMD [',
      'ENV ',
      'FROM x\n',
      '[uwsgi]\n',
      'web: ',
      'sh -c "',
    );
    const names = ['Procfile', 'Dockerfile', 'gunicorn.conf.py', 'uwsgi.ini', 'run.sh'];
    fc.assert(
      fc.property(
        fc.constantFrom(...names),
        fc.array(chars, { maxLength: 60 }).map((a) => a.join('')),
        (name, text) => {
          const p = parse(name, text);
          for (const m of appServerHandler.model!(p.input))
            for (const l of m.listens) assert.ok(l.at.line >= 1);
        },
      ),
      { numRuns: 1500 },
    );
  });
});
