import { unknownValue } from '../ingress.js';
import type { Hit, IngressRule } from '../rule.js';

const ALL = /(^|[\s,])(0\.0\.0\.0\/0|::\/0)($|[\s,])/;

/** use-forwarded-headers with the default proxy-real-ip-cidr (0.0.0.0/0). */
export const forwardedHeadersTrustAll: IngressRule = {
  id: 'ingress-nginx/forwarded-headers-trust-all',
  kind: 'ingress-nginx',
  severity: 'error',
  title: 'use-forwarded-headers trusts every client',
  description:
    'use-forwarded-headers: "true" (or enable-real-ip) makes the controller believe X-Forwarded-* from the addresses in proxy-real-ip-cidr, whose default is 0.0.0.0/0: every client sets its own scheme, host and address.',
  fix: "Set proxy-real-ip-cidr to your load balancer's ranges in the controller ConfigMap (controller.config in the Helm chart), or turn use-forwarded-headers off (use-proxy-protocol behind an NLB).",
  examples: {
    bad: [
      {
        text: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\ndata:\n  use-forwarded-headers: "true"\n',
        name: 'configmap.yaml',
      },
    ],
    good: [
      {
        text: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ingress-nginx-controller\ndata:\n  use-forwarded-headers: "true"\n  proxy-real-ip-cidr: "10.0.0.0/16"\n',
        name: 'configmap.yaml',
      },
    ],
  },
  check(input) {
    const hits: Hit[] = [];
    for (const cm of input.configMaps) {
      for (const key of ['use-forwarded-headers', 'enable-real-ip']) {
        const on = cm.get(key);
        if (!on || unknownValue(on) || on.value.trim().toLowerCase() !== 'true') continue;
        const cidr = cm.get('proxy-real-ip-cidr');
        if (unknownValue(cidr)) continue;
        if (cidr && !ALL.test(cidr.value)) continue;
        hits.push({
          at: { file: input.file, line: on.keyLine, col: on.keyCol },
          message: cidr
            ? `${key} is on and proxy-real-ip-cidr includes ${ALL.exec(cidr.value)![2]}: every client is believed`
            : `${key} is on with the default proxy-real-ip-cidr (0.0.0.0/0): every client is believed`,
          evidence: [
            `${input.file}:${on.keyLine}: ${key}: "${on.value}"`,
            ...(cidr ? [`${input.file}:${cidr.keyLine}: proxy-real-ip-cidr: "${cidr.value}"`] : []),
          ],
        });
        break;
      }
    }
    return hits;
  },
};
