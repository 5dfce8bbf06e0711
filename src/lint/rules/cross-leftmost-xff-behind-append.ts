/**
 * An app that takes the leftmost X-Forwarded-For entry (Express `trust proxy` true, uvicorn
 * `--forwarded-allow-ips '*'`) behind a proxy that appends to the client's header: the
 * leftmost entry is whatever the client wrote.
 */
import { beliefs, believesFront, ev } from '../cross/chain.js';
import type { CrossRule, Hit } from '../rule.js';

const EDGE_APPENDS = {
  name: 'edge.conf',
  text: 'server {\n  listen 443 ssl;\n  location / {\n    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n    proxy_set_header X-Forwarded-Proto $scheme;\n    proxy_pass http://127.0.0.1:3000;\n  }\n}\n',
};

export const leftmostXffBehindAppend: CrossRule = {
  id: 'cross/leftmost-xff-behind-append',
  kind: 'cross',
  severity: 'error',
  title: 'The app reads the leftmost X-Forwarded-For behind a proxy that appends',
  description:
    "Express with `trust proxy` true and uvicorn with `--forwarded-allow-ips '*'` take the leftmost X-Forwarded-For entry as the client. A proxy that appends (`$proxy_add_x_forwarded_for`, HAProxy `option forwardfor`, mod_proxy) keeps the client's own header in front of the address it adds, so the leftmost entry is whatever the client wrote: any client address can be forged.",
  fix: "Make the app count hops from the right: Express `app.set('trust proxy', 1)` (or the proxies' addresses), uvicorn/gunicorn `--forwarded-allow-ips` naming the proxy; or make the edge replace the header (`proxy_set_header X-Forwarded-For $remote_addr;`).",
  examples: {
    bad: [
      {
        files: [
          EDGE_APPENDS,
          {
            name: 'app.js',
            text: "const express = require('express');\nconst app = express();\napp.set('trust proxy', true);\napp.listen(3000, '127.0.0.1');\n",
          },
        ],
        chain: ['edge.conf', 'app.js'],
      },
    ],
    good: [
      {
        files: [
          EDGE_APPENDS,
          {
            name: 'app.js',
            text: "const express = require('express');\nconst app = express();\napp.set('trust proxy', 'loopback');\napp.listen(3000, '127.0.0.1');\n",
          },
        ],
        chain: ['edge.conf', 'app.js'],
      },
    ],
  },
  check(chain) {
    const hits: Hit[] = [];
    for (const { k, hop, belief } of beliefs(chain)) {
      if (!belief.leftmost || belief.name !== 'x-forwarded-for' || !believesFront(chain, k))
        continue;
      // the first proxy from the edge that writes the header decides what the leftmost entry is
      for (let j = 0; j < k; j++) {
        const w = chain.hops[j]!.writes.find((x) => x.name === 'x-forwarded-for');
        if (!w) continue;
        if (w.action === 'append' || w.action === 'if-absent')
          hits.push({
            at: belief.at,
            message: `${hop.label} takes the leftmost X-Forwarded-For entry as the client, and ${chain.hops[j]!.label} ${w.action === 'append' ? 'appends to' : 'keeps'} the client's own header: the client chooses its address`,
            evidence: [
              ev(belief.at, `${hop.label} reads the leftmost X-Forwarded-For`),
              ev(
                w.at,
                `${chain.hops[j]!.label} ${w.action === 'append' ? 'appends to' : 'keeps'} X-Forwarded-For`,
              ),
            ],
          });
        break;
      }
    }
    return hits;
  },
};
