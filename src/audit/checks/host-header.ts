/** `host-header`: a foreign Host gets a 4xx and is never reflected. */
import { type Check, error, fail, from, pass, warn } from '../check.js';
import { evidence, findReflections, isRedirect, redirectTarget } from '../context.js';
import { headerValues } from '../engine.js';

/** The check. */
export const hostHeader: Check = {
  id: 'host-header',
  title: 'foreign Host rejected',
  severity: 'high',
  needsProbe: false,
  description:
    'An https request with a foreign Host (a per-run canary, SNI unchanged) gets a 4xx (or an empty catch-all page that serves nothing), and the canary appears nowhere in the response.',
  fix: 'Reject hosts you do not serve: proxytrust `allowedHosts`, Django `ALLOWED_HOSTS` (never `*`); at the proxy a catch-all that refuses them (nginx `server { listen 443 ssl default_server; return 444; }`, HAProxy `http-request deny deny_status 400 unless { req.hdr(host) -i app.example.com }`).',
  async run(ctx) {
    const host = ctx.canary.host;
    const ex = await ctx.send(`GET ${ctx.url.href} with Host: ${host}`, {
      url: ctx.url,
      headers: [['Host', host]],
    });
    const res = ex.response;
    if (!res) return error(`request failed: ${ex.error?.message}`, [evidence(ex)]);
    const reflected = findReflections(res, host);
    const inHeaders = reflected.some((r) => !r.startsWith('body: '));
    if (reflected.length > 0 && (res.status < 400 || inHeaders)) {
      return from(
        'outside',
        fail(`the foreign Host ${host} is reflected in the response`, [
          evidence(ex, [], reflected),
        ]),
      );
    }
    if (reflected.length > 0) {
      // A refusal whose error page quotes the host (Django with DEBUG on, a server
      // signature): the host is refused, not used; the page is not the app's content.
      return from(
        'outside',
        warn(
          `a foreign Host gets ${res.status} (refused), but the error page quotes it`,
          [evidence(ex, [], reflected)],
          'Turn off debug pages and server signatures in production (Django `DEBUG = False`, Apache `ServerSignature Off`): the error page echoes the Host.',
        ),
      );
    }
    if (res.status >= 400 && res.status < 500) {
      return from(
        'outside',
        pass(`a foreign Host gets ${res.status}, not reflected`, [evidence(ex)]),
      );
    }
    // A catch-all that redirects unknown hosts to the audited one (nginx `return 301
    // https://app.example.com$request_uri;` in the default server) serves nothing for them.
    const to = isRedirect(res) ? redirectTarget(res, ex.url) : undefined;
    if (to && ctx.isAuditedHost(to)) {
      return from(
        'outside',
        pass(
          `a foreign Host gets ${res.status} to ${to.origin} (the audited host), not reflected`,
          [evidence(ex)],
        ),
      );
    }
    if (res.status >= 500) {
      return from(
        'outside',
        warn(
          `a foreign Host gets ${res.status}: refused, but as a server error rather than a 4xx`,
          [evidence(ex)],
          "Refuse unknown hosts with a 400 before the app: a catch-all server at the proxy (nginx `server { listen 443 ssl default_server; return 444; }`), or the app's allowed hosts (Django `ALLOWED_HOSTS` answers 400).",
        ),
      );
    }
    // A proxy's catch-all that answers unknown hosts with an empty page (Caddy's default)
    // serves nothing for them: no body, no cookie, no redirect.
    const empty =
      res.status >= 200 &&
      res.status < 300 &&
      res.body.length === 0 &&
      headerValues(res, 'set-cookie').length === 0 &&
      headerValues(res, 'location').length === 0;
    if (empty) {
      return from(
        'outside',
        pass(
          `a foreign Host gets an empty ${res.status} (a catch-all that serves nothing), not reflected`,
          [evidence(ex, ['content-length'])],
        ),
      );
    }
    return from('outside', fail(`a foreign Host gets ${res.status}, not a 4xx`, [evidence(ex)]));
  },
};
