/**
 * `host-header`: a foreign Host gets a 4xx and is never reflected.
 *
 * Outside, the check sends the run's canary as Host and reads the response. With the probe
 * it also asks the app what host it believes for that Host: the canary (the app takes any
 * Host as its own), or a refusal (`view.host: null` with `errors.host`, Django's
 * `DisallowedHost`). That tells a page served for any Host but never built from it from one
 * that uses it.
 */
import { type Basis, type Check, error, fail, from, pass, type Verdict, warn } from '../check.js';
import {
  type AuditContext,
  type Exchange,
  evidence,
  findReflections,
  isRedirect,
  type ProbeOutcome,
  redirectTarget,
} from '../context.js';
import { headerValues } from '../engine.js';
import { probeName } from '../probe-answer.js';
import type { Evidence } from '../types.js';
import { probeEvidence } from './probe-util.js';

/** What the probe says the app did with a foreign Host. */
interface HostBelief {
  /** `believed`: the app takes it as its host; `refused`: it raised (errors.host); `other`: neither. */
  readonly kind: 'believed' | 'refused' | 'other' | 'none';
  readonly text: string;
  /** Which probe answered (`the WSGI probe`), when one did. */
  readonly who?: string;
  /** The host the app believed, when it said one. */
  readonly host?: string;
  readonly evidence?: Evidence;
}

/** The first sentence of an exception text (Django's DisallowedHost goes on with advice), at most 160 characters. */
function firstSentence(text: string): string {
  const i = text.indexOf('. ');
  const one = i > 0 ? text.slice(0, i) : text;
  return one.length > 160 ? `${one.slice(0, 157)}...` : one;
}

/** Read the probe's answer to a request with a foreign Host (or a forged host header). */
export function hostBelief(p: ProbeOutcome | undefined, canary: string): HostBelief {
  if (!p) return { kind: 'none', text: '' };
  if (!p.answer) {
    const status = p.exchange.response?.status;
    return {
      kind: 'none',
      text:
        status !== undefined && status >= 400
          ? `the probe request with it got ${status} (it does not reach the probe)`
          : `the probe gave no answer (${p.problem})`,
      evidence: probeEvidence(p, []),
    };
  }
  const who = probeName(p.answer);
  const ev = probeEvidence(p, ['host']);
  const err = p.answer.errors?.host;
  const host = p.answer.view.host;
  if (err !== undefined || host === null) {
    return {
      kind: 'refused',
      text: `${who} says the app refuses it as its host${err ? ` (${firstSentence(err)})` : ' (view.host null)'}`,
      evidence: ev,
    };
  }
  if (typeof host === 'string' && host.toLowerCase().includes(canary.toLowerCase())) {
    return {
      kind: 'believed',
      text: `${who} says the app takes it as its host (view.host ${host})`,
      who,
      host,
      evidence: ev,
    };
  }
  return {
    kind: 'other',
    text: `${who} says the app believes the host ${JSON.stringify(host ?? null)}`,
    evidence: ev,
  };
}

/** The check. */
export const hostHeader: Check = {
  id: 'host-header',
  title: 'foreign Host rejected',
  severity: 'high',
  needsProbe: false,
  description:
    'An https request with a foreign Host (a per-run canary, SNI unchanged) gets a 4xx (or an empty catch-all page that serves nothing), and the canary appears nowhere in the response; with the probe, what host the app believed for it (or the DisallowedHost it raised).',
  fix: 'Reject hosts you do not serve: proxytrust `allowedHosts`, Django `ALLOWED_HOSTS` (never `*`), Flask `TRUSTED_HOSTS`, Starlette `TrustedHostMiddleware`; at the proxy a catch-all that refuses them (nginx `server { listen 443 ssl default_server; return 444; }`, HAProxy `http-request deny deny_status 400 unless { req.hdr(host) -i app.example.com }`).',
  async run(ctx) {
    const host = ctx.canary.host;
    const [ex, p] = await Promise.all([
      ctx.send(`GET ${ctx.url.href} with Host: ${host}`, {
        url: ctx.url,
        headers: [['Host', host]],
      }),
      ctx.options.probeSecret
        ? ctx.probe('https', `probe over https with Host: ${host}`, [['Host', host]])
        : Promise.resolve(undefined),
    ]);
    return judgeHost(ctx, ex, hostBelief(p, host));
  },
};

function judgeHost(ctx: AuditContext, ex: Exchange, b: HostBelief): Verdict {
  const host = ctx.canary.host;
  const res = ex.response;
  if (!res) return error(`request failed: ${ex.error?.message}`, [evidence(ex)]);
  const probeEv = b.evidence ? [b.evidence] : [];
  const note = b.text ? `; ${b.text}` : '';
  // The probe adds to the verdict only where it says something about the app's belief.
  const with_ = (v: Verdict, used: boolean): Verdict =>
    from((used ? 'probe+outside' : 'outside') as Basis, {
      ...v,
      evidence: [...v.evidence, ...probeEv],
    });
  const reflected = findReflections(res, host);
  const inHeaders = reflected.some((r) => !r.startsWith('body: '));
  if (reflected.length > 0 && (res.status < 400 || inHeaders)) {
    return with_(
      fail(`the foreign Host ${host} is reflected in the response${note}`, [
        evidence(ex, [], reflected),
      ]),
      b.kind === 'believed',
    );
  }
  if (reflected.length > 0) {
    // A refusal whose error page quotes the host (Django with DEBUG on, a server
    // signature): the host is refused, not used; the page is not the app's content.
    return with_(
      warn(
        `a foreign Host gets ${res.status} (refused), but the error page quotes it${note}`,
        [evidence(ex, [], reflected)],
        'Turn off debug pages and server signatures in production (Django `DEBUG = False`, Apache `ServerSignature Off`): the error page echoes the Host.',
      ),
      b.kind === 'refused',
    );
  }
  if (res.status >= 400 && res.status < 500) {
    // A framework without a host list of its own takes any Host (the probe's view.host),
    // and the app's own check after the probe refuses it: the refusal is what counts.
    const why =
      b.kind === 'believed'
        ? `; ${b.text.replace('the app takes', 'the framework takes')}, and the app's own check refuses it`
        : note;
    return with_(
      pass(`a foreign Host gets ${res.status}, not reflected${why}`, [evidence(ex)]),
      b.kind === 'refused',
    );
  }
  // A catch-all that redirects unknown hosts to the audited one (nginx `return 301
  // https://app.example.com$request_uri;` in the default server) serves nothing for them.
  const to = isRedirect(res) ? redirectTarget(res, ex.url) : undefined;
  if (to && ctx.isAuditedHost(to)) {
    return with_(
      pass(
        `a foreign Host gets ${res.status} to ${to.origin} (the audited host), not reflected${note}`,
        [evidence(ex)],
      ),
      false,
    );
  }
  if (res.status >= 500) {
    return with_(
      warn(
        `a foreign Host gets ${res.status}: refused, but as a server error rather than a 4xx${note}`,
        [evidence(ex)],
        "Refuse unknown hosts with a 400 before the app: a catch-all server at the proxy (nginx `server { listen 443 ssl default_server; return 444; }`), or the app's allowed hosts (Django `ALLOWED_HOSTS` answers 400).",
      ),
      b.kind !== 'none',
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
    return with_(
      pass(
        `a foreign Host gets an empty ${res.status} (a catch-all that serves nothing), not reflected${note}`,
        [evidence(ex, ['content-length'])],
      ),
      false,
    );
  }
  if (b.kind === 'refused') {
    // Served, but the app refuses the host wherever it reads it (Django raises
    // DisallowedHost only when get_host() is called): the page is not built from it.
    return with_(
      warn(
        `a foreign Host gets ${res.status}, not a 4xx, but ${b.text}: served, not used`,
        [evidence(ex)],
        'Refuse unknown hosts before any view runs: Django `CommonMiddleware` (it calls `get_host()` on every request, so `ALLOWED_HOSTS` answers 400), or a catch-all server at the proxy (nginx `server { listen 443 ssl default_server; return 444; }`).',
      ),
      true,
    );
  }
  return with_(
    fail(`a foreign Host gets ${res.status}, not a 4xx${note}`, [evidence(ex)]),
    b.kind === 'believed',
  );
}
