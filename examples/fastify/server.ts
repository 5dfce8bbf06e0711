/**
 * proxytrust with Fastify 5. Run: node --import tsx examples/fastify/server.ts
 * In your app: import { proxytrust, absoluteUrl } from 'proxytrust/fastify';
 * Leave Fastify's `trustProxy` off: request.protocol, request.host, request.hostname,
 * request.port and request.ip come from the resolved view.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { absoluteUrl, proxytrust } from '../../src/adapters/fastify.js';
import { exampleOptions, port } from '../shared.js';

const app = Fastify();
await app.register(proxytrust, exampleOptions<IncomingMessage>());

app.get('/healthz', async () => 'ok\n');
// A webhook authenticated by its own signature: no CSRF origin check on this route.
app.post('/webhooks/payments', { config: { proxytrust: { csrf: false } } }, async () => 'ok\n');
app.post('/comments', async () => 'comment saved\n');
app.get('/', async (request, reply) => {
  reply.header('set-cookie', 'sessionid=abc123; Path=/; HttpOnly'); // gets Secure over https
  return `hello ${request.ip} over ${request.protocol} at ${request.host}; next: ${absoluteUrl(request, '/page/2')}\n`;
});

await app.listen({ port, host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${(app.server.address() as AddressInfo).port}`);
