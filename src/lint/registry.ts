/**
 * Every kind of file lint reads (its handler), and every lint rule, in report order. One
 * file per rule under ./rules/; one handler per kind, in the kind's folder.
 */
import { apacheHandler } from './apache/handler.js';
import { appServerHandler } from './appserver/handler.js';
import { caddyHandler } from './caddy/handler.js';
import { composeHandler } from './compose/handler.js';
import { djangoHandler } from './django/handler.js';
import { expressHandler } from './express/handler.js';
import { haproxyHandler } from './haproxy/handler.js';
import { ingressHandler } from './ingress.js';
import type { KindHandler } from './kinds.js';
import { nginxHandler } from './nginx/handler.js';
import type {
  ApacheRule,
  AppServerRule,
  CaddyRule,
  CrossRule,
  DjangoRule,
  EngineRule,
  ExpressRule,
  FileRule,
  HaproxyRule,
  IngressRule,
  NginxRule,
  Rule,
} from './rule.js';
import { apacheClientIpHeadersNotCleared } from './rules/apache-client-ip-headers-not-cleared.js';
import { apacheRemoteipTrustAll } from './rules/apache-remoteip-trust-all.js';
import { apacheSslVhostWithoutScheme } from './rules/apache-ssl-vhost-without-scheme.js';
import { appserverForwardedAllowIpsAll } from './rules/appserver-forwarded-allow-ips-all.js';
import { appserverGunicornSchemeHeaderCase } from './rules/appserver-gunicorn-scheme-header-case.js';
import { caddyHeaderUpClientCopy } from './rules/caddy-header-up-client-copy.js';
import { caddyTrustedProxiesAll } from './rules/caddy-trusted-proxies-all.js';
import { clientHeaderRelayed } from './rules/client-header-relayed.js';
import { configmapKeyAsAnnotation } from './rules/configmap-key-as-annotation.js';
import { hstsTwice } from './rules/cross-hsts-twice.js';
import { leftmostXffBehindAppend } from './rules/cross-leftmost-xff-behind-append.js';
import { schemeHeaderMismatch } from './rules/cross-scheme-header-mismatch.js';
import { trustWiderThanProxies } from './rules/cross-trust-wider-than-proxies.js';
import { unwrittenHeaderBelieved } from './rules/cross-unwritten-header-believed.js';
import { djangoAllowedHostsWildcard } from './rules/django-allowed-hosts-wildcard.js';
import { djangoCsrfOriginsWithoutScheme } from './rules/django-csrf-origins-without-scheme.js';
import { djangoHstsWithoutHttps } from './rules/django-hsts-without-https.js';
import { djangoProxySslHeaderName } from './rules/django-proxy-ssl-header-name.js';
import { djangoProxySslHeaderValue } from './rules/django-proxy-ssl-header-value.js';
import { djangoRedirectWithoutHealthExempt } from './rules/django-redirect-without-health-exempt.js';
import { djangoSslRedirectWithoutScheme } from './rules/django-ssl-redirect-without-scheme.js';
import { duplicateProxySetHeader } from './rules/duplicate-proxy-set-header.js';
import { expressTrustProxyTrue } from './rules/express-trust-proxy-true.js';
import { forwardedHeaderPassthrough } from './rules/forwarded-header-passthrough.js';
import { forwardedHeadersTrustAll } from './rules/forwarded-headers-trust-all.js';
import { haproxyAddHeaderForwarded } from './rules/haproxy-add-header-forwarded.js';
import { haproxyForwardedNotCleared } from './rules/haproxy-forwarded-not-cleared.js';
import { haproxyForwardforAtEdge } from './rules/haproxy-forwardfor-at-edge.js';
import { haproxySchemeHeaderNotForced } from './rules/haproxy-scheme-header-not-forced.js';
import { hostWithoutDefaultServer } from './rules/host-without-default-server.js';
import { moreSetHeadersRequest } from './rules/more-set-headers-request.js';
import { proxySetHeaderInheritance } from './rules/proxy-set-header-inheritance.js';
import { realIpDefaultHeader } from './rules/real-ip-default-header.js';
import { realIpTrustAll } from './rules/real-ip-trust-all.js';
import { schemeHeaderOnlyInTls } from './rules/scheme-header-only-in-tls.js';
import { snippetDuplicateHeader } from './rules/snippet-duplicate-header.js';
import { tlsProxyWithoutScheme } from './rules/tls-proxy-without-scheme.js';
import { xffAppendAtEdge } from './rules/xff-append-at-edge.js';
import type { LintKind } from './types.js';

/** A file that cannot be parsed: a finding, never a crash. */
export const parseError: EngineRule = {
  id: 'lint/parse-error',
  kind: 'lint',
  severity: 'error',
  title: 'The file cannot be parsed',
  description:
    'The file is not valid nginx (or YAML), an include cannot be read, or includes form a cycle; nothing in it was checked past the error.',
  fix: 'Fix the syntax at the line shown (nginx -t says the same), or declare the kind with --kind.',
  examples: {
    bad: [{ kind: 'nginx', text: 'server {\n  listen 80\n}\n' }],
    good: [{ kind: 'nginx', text: 'server {\n  listen 80;\n}\n' }],
  },
};

/** An inline suppression without a reason: it is ignored, and reported. */
export const suppressionWithoutReason: EngineRule = {
  id: 'lint/suppression-without-reason',
  kind: 'lint',
  severity: 'warning',
  title: 'A suppression without a reason',
  description:
    'A `# proxytrust-lint: ignore <rule>` comment must say why after ` -- `; without a reason it suppresses nothing.',
  fix: 'Write the reason: # proxytrust-lint: ignore <rule> -- <why this is safe here>',
  examples: {
    bad: [
      {
        kind: 'nginx',
        text: 'server {\n  listen 80;\n  # proxytrust-lint: ignore nginx/xff-append-at-edge\n  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n  location / { proxy_pass http://app; }\n}\n',
      },
    ],
    good: [
      {
        kind: 'nginx',
        text: 'server {\n  listen 80;\n  # proxytrust-lint: ignore nginx/xff-append-at-edge -- inner hop behind our LB\n  proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n  location / { proxy_pass http://app; }\n}\n',
      },
    ],
  },
};

/** The nginx rules. */
export const NGINX_RULES: readonly NginxRule[] = [
  duplicateProxySetHeader,
  proxySetHeaderInheritance,
  clientHeaderRelayed,
  tlsProxyWithoutScheme,
  schemeHeaderOnlyInTls,
  xffAppendAtEdge,
  forwardedHeaderPassthrough,
  realIpTrustAll,
  realIpDefaultHeader,
  hostWithoutDefaultServer,
];

/** The ingress-nginx rules. */
export const INGRESS_RULES: readonly IngressRule[] = [
  forwardedHeadersTrustAll,
  snippetDuplicateHeader,
  moreSetHeadersRequest,
  configmapKeyAsAnnotation,
];

/** The Caddy rules. */
export const CADDY_RULES: readonly CaddyRule[] = [caddyTrustedProxiesAll, caddyHeaderUpClientCopy];

/** The Apache httpd rules. */
export const APACHE_RULES: readonly ApacheRule[] = [
  apacheClientIpHeadersNotCleared,
  apacheRemoteipTrustAll,
  apacheSslVhostWithoutScheme,
];

/** The HAProxy rules. */
export const HAPROXY_RULES: readonly HaproxyRule[] = [
  haproxyAddHeaderForwarded,
  haproxySchemeHeaderNotForced,
  haproxyForwardforAtEdge,
  haproxyForwardedNotCleared,
];

/** The Express rules. */
export const EXPRESS_RULES: readonly ExpressRule[] = [expressTrustProxyTrue];

/** The Django settings rules. */
export const DJANGO_RULES: readonly DjangoRule[] = [
  djangoAllowedHostsWildcard,
  djangoProxySslHeaderName,
  djangoProxySslHeaderValue,
  djangoSslRedirectWithoutScheme,
  djangoRedirectWithoutHealthExempt,
  djangoHstsWithoutHttps,
  djangoCsrfOriginsWithoutScheme,
];

/** The app-server rules (gunicorn, uvicorn, uwsgi; also read compose commands). */
export const APPSERVER_RULES: readonly AppServerRule[] = [
  appserverForwardedAllowIpsAll,
  appserverGunicornSchemeHeaderCase,
];

/**
 * The handlers, one per kind. On a tie of certainty (see ./kinds.ts) the first listed
 * wins: nginx before the kinds that also read `.conf` files by content alone.
 */
export const HANDLERS: readonly KindHandler<unknown>[] = [
  nginxHandler,
  // compose before ingress-nginx: both read YAML
  composeHandler as KindHandler<unknown>,
  ingressHandler,
  caddyHandler,
  apacheHandler,
  haproxyHandler,
  expressHandler,
  djangoHandler as KindHandler<unknown>,
  appServerHandler as KindHandler<unknown>,
];

/** The cross-file rules (./cross/): each reads one chain of hops. */
export const CROSS_RULES: readonly CrossRule[] = [
  unwrittenHeaderBelieved,
  leftmostXffBehindAppend,
  schemeHeaderMismatch,
  trustWiderThanProxies,
  hstsTwice,
];

/** Every rule over one file, in report order. */
export const FILE_RULES: readonly FileRule<LintKind, never>[] = [
  ...NGINX_RULES,
  ...INGRESS_RULES,
  ...CADDY_RULES,
  ...APACHE_RULES,
  ...HAPROXY_RULES,
  ...EXPRESS_RULES,
  ...(DJANGO_RULES as readonly FileRule<LintKind, never>[]),
  ...(APPSERVER_RULES as readonly FileRule<LintKind, never>[]),
];

/** Every rule, in report order. */
export const RULES: readonly Rule[] = [
  parseError,
  suppressionWithoutReason,
  ...FILE_RULES,
  ...CROSS_RULES,
];

/** The rules that read files of a kind. */
export function rulesFor(kind: LintKind): readonly FileRule<LintKind, never>[] {
  return FILE_RULES.filter((r) => r.kind === kind || r.alsoKinds?.includes(kind));
}

/** The handler of a kind. */
export function handlerOf(kind: LintKind): KindHandler<unknown> {
  const h = HANDLERS.find((x) => x.kind === kind);
  if (!h) throw new Error(`lint has no handler for the kind "${kind}"`);
  return h;
}

/** The rule with this id, or undefined. */
export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.id === id);
}
