/**
 * proxytrust with Hono 4 on Node (@hono/node-server). Run: node --import tsx examples/hono/server.ts
 * In your app: import { proxytrust, getView, absoluteUrl } from 'proxytrust/hono';
 * On Bun, Deno and Cloudflare Workers see docs/frameworks.md for where the peer comes from.
 */
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { absoluteUrl, getView, proxytrust } from '../../src/adapters/hono.js';
import { exampleOptions, port } from '../shared.js';

const app = new Hono();
app.use(proxytrust(exampleOptions<Context>()));
app.get('/healthz', (c) => c.text('ok\n'));
app.post('/comments', (c) => c.text('comment saved\n'));
app.get('/', (c) => {
  const view = getView(c)!;
  c.header('Set-Cookie', 'sessionid=abc123; Path=/; HttpOnly'); // gets Secure over https
  return c.text(
    `hello ${view.clientIp} over ${view.scheme} at ${view.host}; next: ${absoluteUrl(c, '/page/2')}\n`,
  );
});

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, (info) => {
  console.log(`listening on http://127.0.0.1:${info.port}`);
});
