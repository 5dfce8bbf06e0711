/** Chains inferred from what the files say: linked only where the files show the link. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { crossLint } from '../../../src/lint/cross/index.js';
import { inferChains, isLoopback, reaches } from '../../../src/lint/cross/infer.js';
import type { HopModel } from '../../../src/lint/model.js';

const at = (file: string, line = 1) => ({ file, line, col: 1 });
const hop = (o: Partial<HopModel> & Pick<HopModel, 'file' | 'role'>): HopModel => ({
  kind: o.role === 'proxy' ? 'nginx' : 'appserver',
  label: o.file,
  listens: [],
  targets: [],
  writes: [],
  believes: [],
  ...o,
});

const edge = hop({
  file: 'edge.conf',
  role: 'proxy',
  listens: [{ port: 443, tls: true, at: at('edge.conf') }],
  targets: [{ host: '127.0.0.1', port: 8000, at: at('edge.conf', 5) }],
});
const gunicorn = hop({
  file: 'gunicorn.conf.py',
  role: 'app',
  listens: [{ host: '0.0.0.0', port: 8000, at: at('gunicorn.conf.py') }],
});
const settings = hop({ file: 'settings.py', role: 'app', kind: 'django' });

describe('chain inference', () => {
  test('a proxy target linked to an app server bind, then its one settings file', () => {
    const notes: string[] = [];
    const chains = inferChains([edge, gunicorn, settings], notes);
    assert.deepEqual(
      chains.map((c) => c.hops.map((h) => h.file)),
      [['edge.conf', 'gunicorn.conf.py', 'settings.py']],
    );
    assert.deepEqual(notes, []);
  });

  test('a target nobody listens on is a note, never a guess', () => {
    const notes: string[] = [];
    const other = { ...edge, targets: [{ host: '127.0.0.1', port: 9999, at: at('edge.conf') }] };
    assert.deepEqual(inferChains([other, gunicorn, settings], notes), []);
    assert.match(notes.join('\n'), /127\.0\.0\.1:9999.*--chain/);
  });

  test('an app with no proxy in the files is said so', () => {
    const notes: string[] = [];
    assert.deepEqual(inferChains([gunicorn], notes), []);
    assert.match(notes.join('\n'), /no proxy in these files/);
  });

  test('two app servers and one settings file: the settings are not attached by guess', () => {
    const uwsgi = hop({
      file: 'uwsgi.ini',
      role: 'app',
      listens: [{ host: '127.0.0.1', port: 3031, at: at('uwsgi.ini') }],
    });
    const chains = inferChains([edge, gunicorn, uwsgi, settings], []);
    assert.deepEqual(
      chains.map((c) => c.hops.map((h) => h.file)),
      [['edge.conf', 'gunicorn.conf.py']],
    );
  });

  test('a repository with several deployments: each proxy links its own app and settings', () => {
    const at2 = (file: string) => at(file);
    const deploy = (dir: string) => [
      hop({
        file: `${dir}/nginx.conf`,
        role: 'proxy',
        listens: [{ port: 443, tls: true, at: at2(`${dir}/nginx.conf`) }],
        targets: [{ host: '127.0.0.1', port: 8000, at: at2(`${dir}/nginx.conf`) }],
      }),
      hop({
        file: `${dir}/gunicorn.conf.py`,
        role: 'app',
        listens: [{ host: '127.0.0.1', port: 8000, at: at2(`${dir}/gunicorn.conf.py`) }],
      }),
      hop({ file: `${dir}/app/settings.py`, role: 'app', kind: 'django' }),
    ];
    const notes: string[] = [];
    const chains = inferChains([...deploy('shop'), ...deploy('blog')], notes);
    assert.deepEqual(
      chains.map((c) => c.hops.map((h) => h.file)),
      [
        ['shop/nginx.conf', 'shop/gunicorn.conf.py', 'shop/app/settings.py'],
        ['blog/nginx.conf', 'blog/gunicorn.conf.py', 'blog/app/settings.py'],
      ],
    );
    assert.deepEqual(notes, []);
    // a proxy that two apps answer from equally far: said, not guessed
    const lone = hop({
      file: 'edge/nginx.conf',
      role: 'proxy',
      targets: [{ host: '127.0.0.1', port: 8000, at: at2('edge/nginx.conf') }],
    });
    const apps = [deploy('shop')[1]!, deploy('blog')[1]!];
    const n2: string[] = [];
    assert.deepEqual(inferChains([lone, ...apps], n2), []);
    assert.match(
      n2.join('\n'),
      /edge\/nginx\.conf: .*127\.0\.0\.1:8000, where hops in several files listen at the same distance/,
    );
  });

  test('links: ports, loopback, wildcard binds, compose names, sockets', () => {
    const l = (host: string | undefined, port?: number) => ({
      ...(host !== undefined ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
      at: at('x'),
    });
    const app = hop({ file: 'a', role: 'app', names: ['web'] });
    assert.ok(reaches(l('127.0.0.1', 8000), l('0.0.0.0', 8000), app));
    assert.ok(reaches(l('localhost', 8000), l('127.0.0.1', 8000), app));
    assert.ok(!reaches(l('127.0.0.1', 8001), l('127.0.0.1', 8000), app));
    assert.ok(!reaches(l('10.0.0.5', 8000), l('0.0.0.0', 8000), app));
    assert.ok(reaches(l('web', 8000), l('0.0.0.0', 8000), app));
    assert.ok(reaches(l('web'), l('0.0.0.0', 8000), app));
    assert.ok(!reaches(l('api'), l('0.0.0.0', 8000), app));
    assert.ok(
      reaches({ socket: '/run/a.sock', at: at('x') }, { socket: '/run/a.sock', at: at('y') }, app),
    );
    assert.ok(isLoopback('127.0.0.5') && isLoopback('[::1]') && !isLoopback('10.0.0.1'));
  });

  test('a declared chain takes the hop of each file that the one before reaches', () => {
    const plain = hop({
      file: 'edge.conf',
      role: 'proxy',
      listens: [{ port: 80, at: at('edge.conf', 20) }],
      targets: [{ host: '127.0.0.1', port: 8000, at: at('edge.conf', 25) }],
    });
    const r = crossLint([edge, plain, gunicorn], [['edge.conf', 'gunicorn.conf.py']]);
    assert.equal(r.chains.length, 2);
    for (const c of r.chains) {
      assert.equal(c.chain.source, 'declared');
      assert.equal(c.chain.hops[1], gunicorn);
    }
  });
});
