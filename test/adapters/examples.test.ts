/**
 * Every example under examples/ starts as documented (`node --import tsx <file>`) and
 * behaves: the view through a TLS proxy, the redirect, the exemption, the host check,
 * HSTS, Secure cookies and the CSRF check.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rawRequest } from './raw-http.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

function start(file: string): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: root,
    env: { ...process.env, PORT: '0', PROXYTRUST_DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${file} did not start within 20 s:\n${out}`));
    }, 20_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePromise({ child, port: Number(m[1]), output: () => out });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${file} exited with ${code}:\n${out}`));
    });
  });
}

for (const name of ['node-http', 'express', 'fastify', 'koa', 'hono']) {
  describe(`examples/${name}/server.ts`, () => {
    let server: Awaited<ReturnType<typeof start>> | undefined;
    after(() => {
      server?.child.kill();
    });
    test('starts and enforces the contract', async () => {
      server = await start(`examples/${name}/server.ts`);
      const { port } = server;
      const https: [string, string][] = [
        ['Host', 'app.example.com'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-For', '203.0.113.7'],
      ];
      const home = await rawRequest(port, { target: '/', headers: https });
      assert.equal(home.status, 200, home.body);
      assert.match(home.body, /hello 203\.0\.113\.7 over https at app\.example\.com/);
      assert.match(home.body, /next: https:\/\/app\.example\.com\/page\/2/);
      assert.match(
        home.header('strict-transport-security') ?? '',
        /max-age=31536000; includeSubDomains/,
      );
      assert.match(home.all('set-cookie').join('\n'), /sessionid=abc123.*; Secure/i);

      const plain = await rawRequest(port, {
        target: '/?a=1',
        headers: [['Host', 'app.example.com']],
      });
      assert.equal(plain.status, 301);
      assert.equal(plain.header('location'), 'https://app.example.com/?a=1');

      const health = await rawRequest(port, {
        target: '/healthz',
        headers: [['Host', '127.0.0.1']],
      });
      assert.equal(health.status, 200);

      const evil = await rawRequest(port, { target: '/', headers: [['Host', 'evil.example']] });
      assert.equal(evil.status, 400);

      const csrf = await rawRequest(port, {
        method: 'POST',
        target: '/comments',
        headers: [...https, ['Origin', 'https://evil.example']],
        body: 'x',
      });
      assert.equal(csrf.status, 403);
      const ok = await rawRequest(port, {
        method: 'POST',
        target: '/comments',
        headers: [...https, ['Origin', 'https://app.example.com']],
        body: 'x',
      });
      assert.equal(ok.status, 200);
      assert.match(ok.body, /comment saved/);
    });
  });
}
