import { childScope, headerName, memo, own, type Scope, scopes, varsIn } from '../nginx/tree.js';
import type { Hit, NginxRule } from '../rule.js';
import { listenPort, serverNode, takesEffect } from './helpers.js';

const CLIENT_HOST = new Set(['$host', '$http_host', '$http_x_forwarded_host']);

function ports(srv: Scope): string[] {
  return memo(srv, 'listenPorts', () => {
    const l = own(srv, 'listen');
    return [...new Set(l.length === 0 ? ['80'] : l.map((n) => listenPort(n.args[0] ?? '80')))];
  });
}

/** A default server that rejects: returns 444 or 4xx, or rejects the TLS handshake. */
function rejecting(srv: Scope): boolean {
  const walk = [...scopes(srv)];
  if (walk.some((s) => own(s, 'ssl_reject_handshake').some((n) => n.args[0] === 'on'))) return true;
  const top = own(srv, 'return').concat(
    own(srv, 'location').flatMap((l) => (l.block ?? []).filter((n) => n.name === 'return')),
  );
  return top.length > 0 && top.every((n) => /^(444|4\d\d)$/.test(n.args[0] ?? ''));
}

/** Host built from client input, with no default server that rejects unknown names. */
export const hostWithoutDefaultServer: NginxRule = {
  id: 'nginx/host-without-default-server',
  kind: 'nginx',
  severity: 'warning',
  title: 'Host from client input with no rejecting default_server',
  description:
    "proxy_set_header Host (or X-Forwarded-Host) built from $host or $http_host hands the app the client's Host. Unless a default_server on the same port rejects unknown names (return 444, or ssl_reject_handshake on), any Host reaches the app: poisoned password-reset links and cache keys.",
  fix: "Add a rejecting default server for the port: server { listen 80 default_server; listen 443 ssl default_server; ssl_reject_handshake on; return 444; } (and keep the app's allowed-hosts list).",
  examples: {
    bad: [
      {
        text: 'server {\n  listen 80;\n  server_name a.example;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}\n',
      },
    ],
    good: [
      {
        text: 'server {\n  listen 80 default_server;\n  return 444;\n}\nserver {\n  listen 80;\n  server_name a.example;\n  location / {\n    proxy_set_header Host $host;\n    proxy_pass http://app;\n  }\n}\n',
      },
    ],
  },
  check({ root }) {
    const servers: Scope[] = [];
    for (const s of scopes(root))
      for (const n of s.children)
        if (n.name === 'server' && n.block) servers.push(childScope(s, n));
    const guarded = new Set<string>();
    for (const srv of servers) {
      for (const l of own(srv, 'listen')) {
        if ((l.args.includes('default_server') || l.args.includes('default')) && rejecting(srv))
          guarded.add(listenPort(l.args[0] ?? '80'));
      }
    }
    const hits: Hit[] = [];
    for (const s of scopes(root)) {
      const srv = serverNode(s);
      if (!srv) continue;
      for (const n of own(s, 'proxy_set_header')) {
        const h = headerName(n);
        if (h !== 'host' && h !== 'x-forwarded-host') continue;
        if (!varsIn(n.args[1] ?? '').some((v) => CLIENT_HOST.has(v))) continue;
        if (!takesEffect(s)) break;
        const open = ports(srv).filter((p) => !guarded.has(p));
        if (open.length === 0) continue;
        hits.push({
          at: n,
          message: `${n.args[0]} is the client's Host, and no default_server rejects unknown names on port ${open.join(', ')}`,
          evidence: [n],
        });
      }
    }
    return hits;
  },
};
