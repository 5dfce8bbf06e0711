/**
 * proxytrust with Koa 3. Run: node --import tsx examples/koa/server.ts
 * In your app: import { proxytrust, absoluteUrl } from 'proxytrust/koa';
 * Leave `app.proxy` false: ctx.protocol, ctx.secure, ctx.host, ctx.hostname, ctx.href and
 * ctx.ip come from the resolved view.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import { absoluteUrl, proxytrust } from '../../src/adapters/koa.js';
import { exampleOptions, port } from '../shared.js';

const app = new Koa();
app.use(proxytrust(exampleOptions<IncomingMessage>()));
app.use((ctx) => {
  if (ctx.path === '/healthz') {
    ctx.body = 'ok\n';
  } else if (ctx.method === 'POST' && ctx.path === '/comments') {
    ctx.body = 'comment saved\n';
  } else if (ctx.path === '/') {
    ctx.cookies.set('sessionid', 'abc123', { httpOnly: true }); // gets Secure over https
    ctx.body = `hello ${ctx.ip} over ${ctx.protocol} at ${ctx.host}; next: ${absoluteUrl(ctx, '/page/2')}\n`;
  }
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
