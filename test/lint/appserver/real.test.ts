/**
 * The app-server models against the real servers (Debian's gunicorn 20.1, uvicorn, uwsgi):
 * each test lints a configuration, then runs the server with that same configuration on
 * loopback and checks that it believes exactly what the model says (and that the rules'
 * premises hold: gunicorn ignores a key not in upper case, uvicorn with `*` takes the
 * leftmost X-Forwarded-For).
 */
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { appServerHandler } from '../../../src/lint/appserver/handler.js';
import { lintText } from '../../../src/lint/engine.js';
import type { HopModel } from '../../../src/lint/model.js';
import { APP_SERVER_BINARIES, startAsgiApp } from '../../lab/app-servers.js';
import { request } from '../../lab/client.js';
import { type Lab, labTest, requireBinary } from '../../lab/harness.js';

/** A WSGI and an ASGI app that answer with what the server told them. */
const APP = `import json
def application(environ, start_response):
    body = json.dumps({'scheme': environ['wsgi.url_scheme'], 'client': environ.get('REMOTE_ADDR')}).encode()
    start_response('200 OK', [('Content-Type', 'application/json')])
    return [body]
async def asgi(scope, receive, send):
    body = json.dumps({'scheme': scope['scheme'], 'client': scope['client'][0]}).encode()
    await send({'type': 'http.response.start', 'status': 200, 'headers': [(b'content-type', b'application/json')]})
    await send({'type': 'http.response.body', 'body': body})
`;

const modelOf = (name: string, text: string): HopModel => {
  const p = appServerHandler.parse(name, text, { noIncludes: true });
  const m = appServerHandler.model!(p.input);
  assert.equal(m.length, 1, `${name}: one hop`);
  return m[0]!;
};

async function ask(port: number, headers: [string, string][], from = '127.0.0.1') {
  const r = await request({
    url: `http://app.test:${port}/`,
    connect: { host: '127.0.0.1', port },
    headers,
    localAddress: from,
  });
  return {
    status: r.status,
    ...(r.status === 200 ? (JSON.parse(r.body) as { scheme: string; client: string }) : {}),
  };
}

async function gunicorn(lab: Lab, config: string) {
  const port = await lab.freePort();
  const dir = lab.dir;
  lab.writeFile('lintapp.py', APP);
  const conf = lab.writeFile('gunicorn.conf.py', config);
  const p = lab.spawn('gunicorn', requireBinary(APP_SERVER_BINARIES.gunicorn), [
    '-c',
    conf,
    '--bind',
    `127.0.0.1:${port}`,
    '--workers',
    '1',
    '--chdir',
    dir,
    'lintapp:application',
  ]);
  await lab.waitForPort(port, { process: p, timeoutMs: 30000 });
  return port;
}

describe('app servers believe what their models say', () => {
  labTest(
    'gunicorn 20.1: default secure_scheme_headers, from 127.0.0.1 only; a disagreement is 400',
    async (lab) => {
      const m = modelOf('gunicorn.conf.py', 'workers = 1\n');
      assert.deepEqual(m.trust?.cidrs, ['127.0.0.1']);
      assert.deepEqual(m.mustAgree, ['scheme']);
      assert.equal(m.believes.length, 3);
      const port = await gunicorn(lab, 'workers = 1\n');
      for (const b of m.believes) {
        const name = b.name;
        assert.equal((await ask(port, [[name, b.value!]])).scheme, 'https', `${name}: ${b.value}`);
        // the value is compared exactly
        assert.equal((await ask(port, [[name, b.value!.toUpperCase()]])).scheme, 'http', name);
        // not from a peer outside forwarded_allow_ips
        assert.equal((await ask(port, [[name, b.value!]], '127.0.0.77')).scheme, 'http', name);
      }
      // a header gunicorn's model does not list changes nothing
      assert.equal((await ask(port, [['X-Forwarded-Scheme', 'https']])).scheme, 'http');
      // mustAgree: two scheme headers that disagree are refused
      assert.equal(
        (
          await ask(port, [
            ['X-Forwarded-Proto', 'https'],
            ['X-Forwarded-Ssl', 'off'],
          ])
        ).status,
        400,
      );
      // gunicorn takes the client from the connection, never a header
      assert.ok(!m.believes.some((b) => b.purpose === 'client'));
      assert.equal((await ask(port, [['X-Forwarded-For', '203.0.113.9']])).client, '127.0.0.1');
    },
  );

  labTest(
    'gunicorn 20.1: a secure_scheme_headers key not in upper case never matches',
    async (lab) => {
      const config =
        "secure_scheme_headers = {'X-Forwarded-Proto': 'https', 'X-FORWARDED-SSL': 'on'}\nforwarded_allow_ips = '127.0.0.1'\n";
      const m = modelOf('gunicorn.conf.py', config);
      assert.deepEqual(
        m.believes.map((b) => b.name),
        ['x-forwarded-ssl'],
      );
      assert.deepEqual(
        lintText(config, 'appserver').findings.map((f) => f.rule),
        ['appserver/gunicorn-scheme-header-case'],
      );
      const port = await gunicorn(lab, config);
      assert.equal((await ask(port, [['X-Forwarded-Proto', 'https']])).scheme, 'http');
      assert.equal((await ask(port, [['X-Forwarded-Ssl', 'on']])).scheme, 'https');
    },
  );

  labTest(
    "uvicorn --forwarded-allow-ips '*': the leftmost X-Forwarded-For, from any peer",
    async (lab) => {
      const procfile =
        "web: uvicorn lintapp:asgi --host 127.0.0.1 --port 8000 --forwarded-allow-ips '*'\n";
      const m = modelOf('Procfile', procfile);
      assert.equal(m.trust?.all, true);
      const xff = m.believes.find((b) => b.name === 'x-forwarded-for');
      assert.equal(xff?.leftmost, true);
      assert.deepEqual(
        lintText(procfile, 'appserver', { name: 'Procfile' }).findings.map((f) => f.rule),
        ['appserver/forwarded-allow-ips-all'],
      );
      lab.writeFile('lintapp.py', APP);
      const { port } = await startAsgiApp(lab, {
        pythonPath: [lab.dir],
        app: 'lintapp:asgi',
        uvicornArgs: ['--forwarded-allow-ips', '*'],
      });
      const r = await ask(
        port,
        [
          ['X-Forwarded-For', '203.0.113.9, 198.51.100.7'],
          ['X-Forwarded-Proto', 'https'],
        ],
        '127.0.0.77',
      );
      assert.equal(r.client, '203.0.113.9');
      assert.equal(r.scheme, 'https');
    },
  );

  labTest(
    'uvicorn by default: proxy headers from 127.0.0.1, the rightmost untrusted X-Forwarded-For',
    async (lab) => {
      const m = modelOf('Procfile', 'web: uvicorn lintapp:asgi --port 8000\n');
      assert.deepEqual(m.trust?.cidrs, ['127.0.0.1']);
      assert.deepEqual(
        m.believes.map((b) => [b.name, b.leftmost ?? false]),
        [
          ['x-forwarded-proto', false],
          ['x-forwarded-for', false],
        ],
      );
      lab.writeFile('lintapp.py', APP);
      const { port } = await startAsgiApp(lab, { pythonPath: [lab.dir], app: 'lintapp:asgi' });
      const headers: [string, string][] = [
        ['X-Forwarded-For', '203.0.113.9, 198.51.100.7'],
        ['X-Forwarded-Proto', 'https'],
      ];
      const trusted = await ask(port, headers);
      assert.equal(trusted.client, '198.51.100.7');
      assert.equal(trusted.scheme, 'https');
      const other = await ask(port, headers, '127.0.0.77');
      assert.equal(other.client, '127.0.0.77');
      assert.equal(other.scheme, 'http');
    },
  );

  labTest(
    'uwsgi: X-Forwarded-Proto (copied as is) and X-Forwarded-Ssl, from any peer',
    async (lab) => {
      const port = await lab.freePort();
      const ini = `[uwsgi]\nhttp-socket = 127.0.0.1:${port}\nplugin = python3\nwsgi-file = ${lab.dir}/lintapp.py\nprocesses = 1\nneed-app = true\ndie-on-term = true\n`;
      const m = modelOf('uwsgi.ini', ini);
      assert.equal(m.trust?.all, true);
      assert.deepEqual(
        m.listens.map((l) => [l.host, l.port]),
        [['127.0.0.1', port]],
      );
      lab.writeFile('lintapp.py', APP);
      const conf = lab.writeFile('uwsgi.ini', ini);
      const p = lab.spawn('uwsgi', requireBinary(APP_SERVER_BINARIES.uwsgi), ['--ini', conf]);
      await lab.waitForPort(port, { process: p, timeoutMs: 30000 });
      for (const b of m.believes)
        assert.equal((await ask(port, [[b.name, b.value!]], '127.0.0.77')).scheme, 'https', b.name);
      // any value is copied into wsgi.url_scheme
      assert.equal((await ask(port, [['X-Forwarded-Proto', 'HTTPS']])).scheme, 'HTTPS');
      assert.equal((await ask(port, [['X-Forwarded-Protocol', 'ssl']])).scheme, 'http');
    },
  );
});
