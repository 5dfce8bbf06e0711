import { ANNOTATION_PREFIX } from '../ingress.js';
import type { Hit, IngressRule } from '../rule.js';

/** Keys only the controller ConfigMap reads; as annotations they do nothing. */
export const CONFIGMAP_ONLY = new Set([
  'use-forwarded-headers',
  'compute-full-forwarded-for',
  'proxy-real-ip-cidr',
  'forwarded-for-header',
  'enable-real-ip',
  'use-proxy-protocol',
  'proxy-add-original-uri-header',
  'proxy-set-headers',
  'add-headers',
  'hsts',
  'hsts-max-age',
  'hsts-include-subdomains',
  'hsts-preload',
  'http-snippet',
  'location-snippet',
  'allow-snippet-annotations',
  'ssl-protocols',
  'use-http2',
  'use-gzip',
  'log-format-upstream',
  'worker-processes',
  'max-worker-connections',
  'keep-alive',
  'large-client-header-buffers',
  'client-header-buffer-size',
]);

/** A ConfigMap key written as an Ingress annotation. */
export const configmapKeyAsAnnotation: IngressRule = {
  id: 'ingress-nginx/configmap-key-as-annotation',
  kind: 'ingress-nginx',
  severity: 'warning',
  title: 'A ConfigMap key used as an annotation',
  description:
    'Keys such as use-forwarded-headers, compute-full-forwarded-for, proxy-real-ip-cidr and forwarded-for-header exist only in the controller ConfigMap; as nginx.ingress.kubernetes.io/ annotations the controller ignores them, and the setting the author meant never applies.',
  fix: 'Move the key to the controller ConfigMap (controller.config in the Helm chart) and delete the annotation.',
  examples: {
    bad: [
      {
        text: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: app\n  annotations:\n    nginx.ingress.kubernetes.io/use-forwarded-headers: "true"\nspec: {}\n',
        name: 'ingress.yaml',
      },
    ],
    good: [
      {
        text: 'apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: app\n  annotations:\n    nginx.ingress.kubernetes.io/ssl-redirect: "true"\nspec: {}\n',
        name: 'ingress.yaml',
      },
    ],
  },
  check(input) {
    const hits: Hit[] = [];
    for (const ann of input.ingresses) {
      for (const [k, v] of ann) {
        if (
          !k.startsWith(ANNOTATION_PREFIX) ||
          !CONFIGMAP_ONLY.has(k.slice(ANNOTATION_PREFIX.length))
        )
          continue;
        hits.push({
          at: { file: input.file, line: v.keyLine, col: v.keyCol },
          message: `${k.slice(ANNOTATION_PREFIX.length)} is a controller ConfigMap key: as an annotation it does nothing`,
          evidence: [`${input.file}:${v.keyLine}: ${k}: "${v.value}"`],
        });
      }
    }
    return hits;
  },
};
