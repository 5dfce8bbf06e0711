/**
 * The lab's vocabulary: a scenario is data (its hops in order, each hop's configuration,
 * the app and its settings, and the ground truth), so a test can start any scenario by
 * name and the audit can use the same scenarios as reference targets.
 */

import type { CheckId } from '../../src/audit/types.js';
import type { PolicyOptions } from '../../src/core/index.js';
import type { FrameworkSetting } from './framework-apps.js';

/** The audit's check ids (the audit owns them). The ground truth says which must pass and which must fail. */
export { CHECK_IDS as AUDIT_CHECK_IDS } from '../../src/audit/types.js';
/** One audit check id. */
export type AuditCheckId = CheckId;

/** The name every scenario serves (certificates, Host, allowed hosts). */
export const APP_HOST = 'app.example.com';
/**
 * The address the lab's own test client connects from: "the internet". Any other loopback
 * address works as a client too, except the proxies' upstream addresses below.
 */
export const CLIENT_ADDRESS = '127.0.0.77';
/**
 * Where each proxy hop connects to its upstream from (nginx `proxy_bind`, HAProxy
 * `source`, Apache `ProxySourceAddress`), so that a hop's address differs from any client's. Caddy 2.6 cannot bind its
 * upstream source, so a Caddy hop reaches its upstream over IPv6 loopback and is `::1`.
 */
export const HOP_ADDRESSES = {
  edge: '127.0.0.10',
  inner: '127.0.0.11',
  caddy: '::1',
} as const;

/** The ports and files a hop's configuration is rendered with. */
export interface HopContext {
  /** The lab dir (configs, pid files, temp paths). */
  readonly dir: string;
  /** This hop's name (unique in the scenario). */
  readonly name: string;
  /** Plain-http listening port on 127.0.0.1 (0 when the hop has none). */
  readonly httpPort: number;
  /** TLS listening port on 127.0.0.1 (0 when the hop does not terminate TLS). */
  readonly httpsPort: number;
  /** The upstream this hop forwards to. */
  readonly upstream: { readonly host: string; readonly port: number; readonly tls: false };
  /** This hop's certificate for APP_HOST (when it terminates TLS). */
  readonly certPath: string;
  readonly keyPath: string;
  /** cert + key (HAProxy `crt`). */
  readonly pemPath: string;
}

export type HopKind = 'nginx' | 'haproxy' | 'caddy' | 'apache';

/** One proxy in the chain. */
export interface HopSpec {
  readonly kind: HopKind;
  /** Unique in the scenario: `edge`, `inner`, ... */
  readonly name: string;
  /** What this hop does with forwarded headers, in a sentence (docs). */
  readonly behaviour: string;
  /** Does the client-facing hop terminate TLS (listen on an https port)? Inner hops: false. */
  readonly tls: boolean;
  /** Does the hop listen for plain http too (client-facing hops)? */
  readonly plainHttp: boolean;
  /** The configuration file, rendered. */
  config(ctx: HopContext): string;
}

/** The Node app with proxytrust, and its policy. */
export interface NodeAppSpec {
  readonly kind: 'node';
  /** The proxytrust policy (allowedHosts defaults to [APP_HOST]). */
  readonly policy: PolicyOptions;
  /** Listen on ::1 instead of 127.0.0.1 (behind Caddy, see HOP_ADDRESSES). */
  readonly ipv6?: boolean;
}

/** Django settings a reference target runs with (passed to gunicorn as environment). */
export interface DjangoSettings {
  readonly ALLOWED_HOSTS: readonly string[];
  /** e.g. ['HTTP_X_FORWARDED_PROTO', 'https'], or null when missing. */
  readonly SECURE_PROXY_SSL_HEADER: readonly [string, string] | null;
  readonly USE_X_FORWARDED_HOST: boolean;
  readonly USE_X_FORWARDED_PORT: boolean;
  readonly SECURE_SSL_REDIRECT: boolean;
  readonly SECURE_REDIRECT_EXEMPT: readonly string[];
  readonly SECURE_HSTS_SECONDS: number;
  readonly SESSION_COOKIE_SECURE: boolean;
  readonly CSRF_COOKIE_SECURE: boolean;
  /** The form view is `@csrf_exempt` (the usual "fix" for CSRF failures behind a proxy). */
  readonly CSRF_EXEMPT_FORM: boolean;
  /** Django 3.2: host names (`app.example.com`); Django 4.0+ wants `https://app.example.com`. */
  readonly CSRF_TRUSTED_ORIGINS?: readonly string[];
}

/** A real Django app under gunicorn (the default), uwsgi or Apache httpd with mod_wsgi. */
export interface DjangoAppSpec {
  readonly kind: 'django';
  readonly settings: DjangoSettings;
  /** The WSGI server (test/lab/app-servers.ts). Default `gunicorn`. */
  readonly server?: 'gunicorn' | 'uwsgi' | 'mod_wsgi';
  /**
   * gunicorn's `forwarded_allow_ips` (default `127.0.0.1`, gunicorn's own default, which the
   * lab's proxies at 127.0.0.10/.11 do not match). With a matching address (or `*`),
   * gunicorn itself sets `wsgi.url_scheme` from X-Forwarded-Proto/-Ssl/-Protocol and
   * answers 400 when they contradict. gunicorn only.
   */
  readonly forwardedAllowIps?: string;
  /** Run the Django probe (probes/django/proxytrust_probe.py, first in MIDDLEWARE). */
  readonly probe?: boolean;
  /** Listen on ::1 instead of 127.0.0.1 (behind Caddy, see HOP_ADDRESSES). */
  readonly ipv6?: boolean;
}

/**
 * A site without proxytrust's middleware that answers through one of the shipped probes
 * (test/lab/probe-apps.ts): Flask under gunicorn or uwsgi with the WSGI probe, Starlette
 * under uvicorn with the ASGI probe, or Express/Fastify/Koa with the standalone Node probe,
 * each trusting its proxy by its own setting.
 */
export type ProbeAppSpec =
  | {
      readonly kind: 'wsgi';
      readonly server: 'gunicorn' | 'uwsgi';
      /** Wrap the app in werkzeug's ProxyFix(x_for=1, x_proto=1, x_host=1). */
      readonly proxyFix: boolean;
    }
  | {
      readonly kind: 'asgi';
      /** uvicorn's arguments (`--proxy-headers`, `--forwarded-allow-ips ...`). */
      readonly uvicornArgs: readonly string[];
    }
  | ({ readonly kind: 'framework' } & FrameworkSetting);

export type AppSpec = NodeAppSpec | DjangoAppSpec | ProbeAppSpec;

/** What the lab observes of a probe app's framework (GET /__app/), honest and forged. */
export interface ProbeAppObservations {
  /** The scheme the framework believes for an https request. */
  readonly httpsScheme: 'http' | 'https';
  /** The client address the framework believes: the client's, or the proxy's. */
  readonly clientIp: 'client' | 'proxy';
  /** True when a client's forged X-Forwarded-For (leftmost) becomes the client address. */
  readonly forgedXffBelieved: boolean;
  /** True when a client's forged X-Forwarded-Host becomes the framework's host (then refused: 400). */
  readonly forgedXfhBelieved?: boolean;
}

/** The fields of a resolved view the lab compares. */
export interface ViewFacts {
  readonly scheme: 'http' | 'https';
  /** `hostname[:port]` as the client asked for it (the port omitted when default). */
  readonly host: string | undefined;
  readonly port: number;
  readonly clientIp: string | undefined;
}

/** The client-sent forwarded headers the lab tries (each must change nothing, unless listed). */
export const SPOOF_ATTEMPTS = [
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-for',
  'forwarded',
  'vendor',
] as const;
export type SpoofAttempt = (typeof SPOOF_ATTEMPTS)[number];

/** The values a spoof attempt forges. */
export const SPOOFED = {
  host: 'evil.example',
  ip: '203.0.113.66',
  port: 8443,
} as const;

/** The entry the client reached the chain through. */
export type Via = 'https' | 'http';

/**
 * A spoof that a wrong proxy lets through: the client's forged value reaches the app as if
 * a trusted hop had written it, so no app can tell (the proxy must be fixed). The test
 * asserts that exactly these fields change, so a scenario that stops leaking is noticed.
 */
export interface Leak {
  readonly via: Via;
  readonly attempt: SpoofAttempt;
  /** The fields of the resolved view that the forged header changes, and to what. */
  readonly resolves?: Partial<ViewFacts>;
  /**
   * Instead: the status the app answers (the probe included), e.g. 400 when the forged
   * host is believed but not allowed, so it is refused rather than reflected.
   */
  readonly refused?: number;
  /** Why (docs). */
  readonly because: string;
}

/**
 * What a correct app behind this chain must conclude, and what the audit must find.
 *
 * The truth itself is the same for every scenario, so it is not repeated here: a request
 * through the https entry asked for `https://app.example.com:<httpsPort>`, one through the
 * http entry for `http://app.example.com:<httpPort>`, and the client's address is the one
 * it connected from (see `ScenarioHandle.truth`).
 */
export interface GroundTruth {
  /**
   * For the Node app with proxytrust: what it must resolve for an honest request, when
   * that differs from the truth because the chain destroyed the information (explained).
   */
  readonly resolvedDiffers?: {
    readonly via: Via;
    readonly resolves: Partial<ViewFacts>;
    readonly because: string;
  }[];
  /**
   * The warning codes proxytrust must report on an honest request through each entry
   * (empty when the chain is clean), the same for both entries or per entry. E.g.
   * DUPLICATED_VALUES for `https, https`.
   */
  readonly honestWarnings?:
    | readonly string[]
    | { readonly https?: readonly string[]; readonly http?: readonly string[] };
  /** Spoofs that the chain lets through (wrong proxy configurations). Empty when right. */
  readonly leaks: readonly Leak[];
  /** Expected statuses of plain requests (behaviour a black-box audit sees). */
  readonly behaviour: {
    /** GET / over plain http: a redirect status (to https) or 200. */
    readonly httpRoot?: number;
    /** GET /healthz over plain http. */
    readonly httpHealth?: number;
    /** GET / over https. */
    readonly httpsRoot?: number;
  };
  /** For Django targets: what the lab observes from outside (and Django's own belief). */
  readonly django?: DjangoObservations;
  /** For probe apps: what their framework believes (checked by test/lab/probe-apps.test.ts). */
  readonly probeApp?: ProbeAppObservations;
  /**
   * Which audit checks must pass and which must fail against this scenario. A check in
   * neither list is not asserted (explained in `notes`).
   */
  readonly audit: {
    readonly pass: readonly AuditCheckId[];
    readonly fail: readonly AuditCheckId[];
    /** Checks that must end `warn` (the deployment is safe, with a weakness named). */
    readonly warn?: readonly AuditCheckId[];
    /** The audit's options for this scenario, when not the defaults (`/form/`, `/healthz`). */
    readonly options?: { readonly csrfPath?: string; readonly cookiePath?: string };
  };
  /** Notes for the audit and the docs. */
  readonly notes?: readonly string[];
}

/** What a Django target must show to a client (checked by the lab, relied on by the audit). */
export interface DjangoObservations {
  /** GET /__django/ over https: Django's scheme, or 'redirect-loop' (301 to the same URL). */
  readonly httpsScheme: 'https' | 'http' | 'redirect-loop';
  /**
   * GET / over https with `Host: evil.example`: 400 (Django), 403 (an edge that refuses
   * hosts it does not serve, as CloudFront does), or 200 with the host reflected.
   */
  readonly foreignHost?: 400 | 403 | 200;
  /** What Django's `get_host()` says for an honest request (default APP_HOST). */
  readonly djangoHost?: string;
  /** Strict-Transport-Security on an https page. */
  readonly hsts?: boolean;
  /** Secure on the session and CSRF cookies set over https. */
  readonly secureCookies?: boolean;
  /** POST /form/ over https with a foreign Origin and Referer and no token: 403 or 200. */
  readonly foreignPost?: 403 | 200;
  /**
   * POST /form/ over https from the site's own origin (Origin and Referer), with the
   * `csrftoken` cookie and the `csrfmiddlewaretoken` field its GET issued: 200 when Django
   * accepts its own origin, 403 when it does not.
   */
  readonly ownPost?: 403 | 200;
  /**
   * Spoof attempts over https that the app server refuses (gunicorn's 400 "Contradictory
   * scheme headers" when it trusts the proxy and a client's X-Forwarded-Ssl passes through).
   */
  readonly refusedSpoofs?: readonly { readonly attempt: SpoofAttempt; readonly status: number }[];
  /** A header a client sends over plain http, and the status of GET / with it (a leak: 200). */
  readonly httpSpoof?: { readonly header: string; readonly value: string; readonly status: number };
}

/** One lab scenario. */
export interface Scenario {
  /** Unique, kebab-case; tests and the audit start scenarios by this name. */
  readonly name: string;
  /** The catalogue item (1..8), 'django', or 'probe-apps' (test/lab/probe-scenarios.ts). */
  readonly catalogue: number | 'django' | 'probe-apps';
  /** Is the chain configured correctly (a reference "right"), or deliberately wrong? */
  readonly correct: boolean;
  /** One line for the docs table. */
  readonly summary: string;
  /** The hops from the client inwards; the last forwards to the app. */
  readonly hops: readonly HopSpec[];
  readonly app: AppSpec;
  readonly groundTruth: GroundTruth;
}
