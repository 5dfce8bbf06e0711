/**
 * proxytrust with Express 5. Run: node --import tsx examples/express/server.ts
 * In your app: import { proxytrust, absoluteUrl } from 'proxytrust/express';
 * Leave Express's `trust proxy` unset: the adapter answers req.protocol, req.secure,
 * req.hostname, req.host, req.ip and req.ips from the resolved view.
 */
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { absoluteUrl, proxytrust } from '../../src/adapters/express.js';
import { exampleOptions, port } from '../shared.js';

const app = express();
app.use(proxytrust(exampleOptions<IncomingMessage>()));

app.get('/healthz', (_req, res) => {
  res.send('ok\n');
});
app.post('/comments', (_req, res) => {
  res.send('comment saved\n');
});
app.get('/', (req, res) => {
  res.cookie('sessionid', 'abc123', { httpOnly: true }); // gets Secure over https
  res
    .type('text')
    .send(
      `hello ${req.ip} over ${req.protocol} at ${req.host}; next: ${absoluteUrl(req, '/page/2')}\n`,
    );
});

const server = app.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
