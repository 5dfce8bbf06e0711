import { clientVars, scopes, varsIn } from '../nginx/tree.js';
import type { Hit, NginxRule } from '../rule.js';

const RELAY = new Set([
  'proxy_set_header',
  'grpc_set_header',
  'uwsgi_param',
  'fastcgi_param',
  'scgi_param',
]);

/** A value that may name a client forwarded-header variable (every one is `$http_x_*` or `$http_forwarded`). */
const CLIENT_VAR_HINT = /http_(?:x_|forwarded)/i;

/** The client's own forwarded header relayed as if the proxy had written it. */
export const clientHeaderRelayed: NginxRule = {
  id: 'nginx/client-header-relayed',
  kind: 'nginx',
  severity: 'error',
  title: "The client's forwarded header relayed",
  description:
    'A header or parameter built from $http_x_forwarded_proto, $http_x_forwarded_host or $http_x_forwarded_for (directly, or through map or set) passes on whatever the client claims: a client sends X-Forwarded-Proto: https over plain http, or a forged host or address, and the app believes it.',
  fix: 'Build the value from what nginx itself knows: proxy_set_header X-Forwarded-Proto $scheme; X-Forwarded-Host $host; X-Forwarded-For $remote_addr (or $proxy_add_x_forwarded_for behind a set_real_ip_from you trust).',
  examples: {
    bad: [
      {
        text: 'location / {\n  proxy_set_header X-Forwarded-Proto $http_x_forwarded_proto;\n  proxy_pass http://app;\n}\n',
      },
      {
        text: 'map $http_x_forwarded_proto $fwd_proto {\n  default $http_x_forwarded_proto;\n  "" $scheme;\n}\nserver {\n  location / {\n    proxy_set_header X-Forwarded-Proto $fwd_proto;\n    proxy_pass http://app;\n  }\n}\n',
      },
    ],
    good: [
      {
        text: 'location / {\n  proxy_set_header X-Forwarded-Proto $scheme;\n  proxy_pass http://app;\n}\n',
      },
    ],
  },
  check({ root }) {
    const tainted = clientVars(root);
    // without map/set-derived variables, only a value naming $http_x_* or $http_forwarded can be tainted
    const direct = [...tainted.keys()].every((v) => CLIENT_VAR_HINT.test(v));
    const hits: Hit[] = [];
    for (const s of scopes(root)) {
      for (const n of s.children) {
        if (!RELAY.has(n.name) || n.args.length < 2) continue;
        if (direct && !n.args.some((a) => CLIENT_VAR_HINT.test(a))) continue;
        if (/^(x-original-|http_x_original_)/i.test(n.args[0]!)) continue;
        const v = n.args
          .slice(1)
          .flatMap(varsIn)
          .find((x) => tainted.has(x));
        if (!v) continue;
        const via = tainted.get(v)!;
        hits.push({
          at: n,
          message: `${n.args[0]} is built from ${v === via ? v : `${v} (from ${via} through map/set)`}: the client's own claim is passed on`,
          evidence: [n],
        });
      }
    }
    return hits;
  },
};
