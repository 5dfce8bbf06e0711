import { isForwardedHeader, scopes } from '../nginx/tree.js';
import type { Hit, IngressRule } from '../rule.js';

const REQUEST_ONLY = (h: string) => isForwardedHeader(h) || h === 'host' || h === 'x-request-start';

/** more_set_headers (a response header) where a request header was meant. */
export const moreSetHeadersRequest: IngressRule = {
  id: 'ingress-nginx/more-set-headers-request',
  kind: 'ingress-nginx',
  severity: 'warning',
  title: 'more_set_headers used for a request header',
  description:
    'more_set_headers sets a response header, sent to the client. Setting X-Forwarded-Proto, X-Real-IP or Host with it changes nothing the app sees; the request header was meant.',
  fix: 'Use proxy_set_header (or more_set_input_headers) for request headers; for the forwarded headers the controller writes, use its ConfigMap instead of a snippet.',
  examples: {
    bad: [
      {
        text: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: app\n  annotations:\n    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers "X-Forwarded-Proto: https";\nspec: {}\n',
        name: 'ingress.yaml',
      },
    ],
    good: [
      {
        text: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: app\n  annotations:\n    nginx.ingress.kubernetes.io/configuration-snippet: |\n      more_set_headers "Request-Id: $req_id";\nspec: {}\n',
        name: 'ingress.yaml',
      },
    ],
  },
  check(input) {
    const hits: Hit[] = [];
    for (const sn of input.snippets) {
      for (const s of scopes(sn.root)) {
        for (const n of s.children) {
          if (n.name !== 'more_set_headers') continue;
          for (const a of n.args) {
            if (a.startsWith('-')) continue;
            const name = a.split(':')[0]!.trim().toLowerCase();
            if (!REQUEST_ONLY(name)) continue;
            hits.push({
              at: n,
              message: `more_set_headers sets ${a.split(':')[0]!.trim()} on the response, not on the request to the app`,
              evidence: [n],
            });
          }
        }
      }
    }
    return hits;
  },
};
