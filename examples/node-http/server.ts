/**
 * proxytrust with plain node:http. Run: node --import tsx examples/node-http/server.ts
 * In your app: import { proxytrust, getView, absoluteUrl } from 'proxytrust/node';
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { absoluteUrl, getView, proxytrust } from '../../src/node/index.js';
import { exampleOptions, port } from '../shared.js';

const guard = proxytrust(exampleOptions<IncomingMessage>());

const server = createServer(
  guard.wrap((req, res) => {
    const view = getView(req)!;
    if (req.url === '/healthz') {
      res.end('ok\n');
    } else if (req.method === 'POST' && req.url === '/comments') {
      res.end('comment saved\n'); // the CSRF origin check has already passed
    } else if (req.url === '/') {
      res.setHeader('Set-Cookie', 'sessionid=abc123; Path=/; HttpOnly'); // gets Secure over https
      res.end(
        `hello ${view.clientIp} over ${view.scheme} at ${view.host}; next: ${absoluteUrl(req, '/page/2')}\n`,
      );
    } else {
      res.statusCode = 404;
      res.end('not found\n');
    }
  }),
);

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
