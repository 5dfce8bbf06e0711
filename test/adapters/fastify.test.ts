import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import { proxytrust } from '../../src/adapters/fastify.js';
import { behaviourSuite } from './behaviour.js';
import { fastifyServer } from './servers.js';

behaviourSuite('Fastify 5', fastifyServer, { perRouteCsrf: true });

describe("Fastify's own register options", () => {
  test('prefix, logLevel and logSerializers pass the key check through a real register', async () => {
    const app = Fastify();
    // Fastify's register hands these to the plugin together with the plugin's own options.
    await app.register(proxytrust, {
      prefix: '/api',
      logLevel: 'warn',
      logSerializers: { req: () => 'r' },
      trustedProxies: ['loopback'],
    });
    app.get('/who', async (request) => ({ ip: request.ip, secure: request.proxytrust?.secure }));
    try {
      const r = await app.inject({
        url: '/who',
        headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https' },
        remoteAddress: '127.0.0.1',
      });
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json(), { ip: '203.0.113.7', secure: true });
    } finally {
      await app.close();
    }
  });
  test('options given as a function are checked too', async () => {
    const app = Fastify();
    await assert.rejects(
      async () => {
        await app.register(
          proxytrust,
          () => ({ prefix: '/x', trustedProxy: ['loopback'] }) as never,
        );
      },
      {
        name: 'TypeError',
        message: /unknown option "trustedProxy"; did you mean "trustedProxies"/,
      },
    );
  });
});
