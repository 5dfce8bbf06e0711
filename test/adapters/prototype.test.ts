/**
 * The Express, Fastify and Koa adapters teach the framework's request prototype to read
 * the view, once. Apps in the same process without proxytrust must keep their own
 * behaviour, and Express sub-apps must see the view.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { proxytrust as expressProxytrust } from '../../src/adapters/express.js';
import { proxytrust as fastifyProxytrust } from '../../src/adapters/fastify.js';
import { proxytrust as koaProxytrust } from '../../src/adapters/koa.js';
import { rawRequest } from './raw-http.js';

const HEADERS: [string, string][] = [
  ['Host', 'app.example.com'],
  ['X-Forwarded-Proto', 'https'],
  ['X-Forwarded-For', '203.0.113.7'],
];

async function listen(server: Server): Promise<number> {
  if (!server.listening) await new Promise((r) => server.on('listening', r));
  return (server.address() as AddressInfo).port;
}

async function body(port: number): Promise<unknown> {
  const r = await rawRequest(port, { target: '/', headers: HEADERS });
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body);
}

describe('framework prototypes', () => {
  test('Express: a sub-app sees the view; an app without proxytrust keeps Express semantics', async () => {
    const withPt = express();
    withPt.use(expressProxytrust({ trustedProxies: ['loopback'] }));
    const sub = express();
    sub.get('/', (req, res) => {
      res.json([req.protocol, req.ip, req.hostname]);
    });
    withPt.use('/', sub);
    const plain = express();
    plain.get('/', (req, res) => {
      res.json([req.protocol, req.ip, req.hostname]);
    });
    const trusting = express();
    trusting.set('trust proxy', 'loopback');
    trusting.get('/', (req, res) => {
      res.json([req.protocol, req.ip]);
    });
    const servers = [withPt, plain, trusting].map((a) => a.listen(0, '127.0.0.1'));
    try {
      const [a, b, c] = await Promise.all(servers.map(listen));
      assert.deepEqual(await body(a!), ['https', '203.0.113.7', 'app.example.com']);
      assert.deepEqual(await body(b!), ['http', '127.0.0.1', 'app.example.com']);
      assert.deepEqual(await body(c!), ['https', '203.0.113.7']);
    } finally {
      for (const s of servers) s.close();
    }
  });
  test('Express: req.ips lists the trusted chain farthest first, like Express', async () => {
    const app = express();
    app.use(expressProxytrust({ trustedProxies: ['loopback', '10.0.0.0/8'] }));
    app.get('/', (req, res) => {
      res.json([req.ip, req.ips]);
    });
    const server = app.listen(0, '127.0.0.1');
    try {
      const r = await rawRequest(await listen(server), {
        target: '/',
        headers: [
          ['Host', 'app.example.com'],
          ['X-Forwarded-For', '6.6.6.6, 198.51.100.1, 10.0.0.2'],
        ],
      });
      assert.deepEqual(JSON.parse(r.body), ['198.51.100.1', ['198.51.100.1', '10.0.0.2']]);
      const direct = await rawRequest((server.address() as AddressInfo).port, {
        from: '127.0.0.2',
        target: '/',
        headers: [['Host', 'app.example.com']],
      });
      assert.deepEqual(JSON.parse(direct.body), ['127.0.0.2', []]);
    } finally {
      server.close();
    }
  });
  test('Fastify: an instance without the plugin keeps Fastify semantics', async () => {
    const withPt = Fastify();
    await withPt.register(fastifyProxytrust, { trustedProxies: ['loopback'] });
    withPt.get('/', async (r) => [r.protocol, r.ip, r.host]);
    const plain = Fastify();
    plain.get('/', async (r) => [r.protocol, r.ip, r.host]);
    await withPt.listen({ port: 0, host: '127.0.0.1' });
    await plain.listen({ port: 0, host: '127.0.0.1' });
    try {
      assert.deepEqual(await body((withPt.server.address() as AddressInfo).port), [
        'https',
        '203.0.113.7',
        'app.example.com',
      ]);
      assert.deepEqual(await body((plain.server.address() as AddressInfo).port), [
        'http',
        '127.0.0.1',
        'app.example.com',
      ]);
    } finally {
      await withPt.close();
      await plain.close();
    }
  });
  test('Koa: an app without the middleware keeps Koa semantics; ctx.ip stays settable', async () => {
    const withPt = new Koa();
    withPt.use(koaProxytrust({ trustedProxies: ['loopback'] }));
    withPt.use((ctx) => {
      const seen = [ctx.protocol, ctx.ip, ctx.host];
      ctx.request.ip = '192.0.2.99';
      ctx.body = [...seen, ctx.ip];
    });
    const plain = new Koa();
    plain.use((ctx) => {
      ctx.body = [ctx.protocol, ctx.ip, ctx.host];
    });
    const servers = [withPt, plain].map((a) => a.listen(0, '127.0.0.1'));
    try {
      const [a, b] = await Promise.all(servers.map(listen));
      assert.deepEqual(await body(a!), ['https', '203.0.113.7', 'app.example.com', '192.0.2.99']);
      assert.deepEqual(await body(b!), ['http', '127.0.0.1', 'app.example.com']);
    } finally {
      for (const s of servers) s.close();
    }
  });
});
