/**
 * `scheme-detection` (probe): the app believes https over https, and http over http.
 *
 * The verdict rests on the probe's `view.scheme`. Outside, one sign tells the same story: an
 * https page redirected to itself (someone believes it is http). When the probe and that
 * sign disagree, or the probe gives no answer, the check says so and warns, unless the sign
 * alone proves the failure.
 */
import { type Check, fail, from, pass, type Verdict, warn } from '../check.js';
import { type AuditContext, evidence, selfRedirect } from '../context.js';
import { probeName } from '../probe-answer.js';
import { needsSecret, noAnswer, PROBE_FIX, probeEvidence } from './probe-util.js';

/** The check. */
export const schemeDetection: Check = {
  id: 'scheme-detection',
  title: 'scheme detected',
  severity: 'critical',
  needsProbe: true,
  description:
    'Through the probe: the app believes https for requests that came over https, and http for requests that came over plain http. Without a probe answer, an https page redirected to itself is the only outside proof.',
  fix: 'Make the TLS-terminating proxy set the scheme from the connection (nginx `proxy_set_header X-Forwarded-Proto $scheme;`, never a hard-coded `https`; HAProxy `http-request set-header X-Forwarded-Proto https if { ssl_fc }`) and make the app trust exactly that proxy (proxytrust `trustedProxies`, Django `SECURE_PROXY_SSL_HEADER`, gunicorn `forwarded_allow_ips`, uvicorn `--forwarded-allow-ips`, Express `trust proxy`, werkzeug `ProxyFix(x_proto=1)`).',
  run: judgeScheme,
};

async function judgeScheme(ctx: AuditContext): Promise<Verdict> {
  const skipped = needsSecret(ctx);
  if (skipped) return skipped;
  const [s, p, root] = await Promise.all([
    ctx.probeBaseline('https'),
    ctx.probeBaseline('http'),
    ctx.baselineHttps(),
  ]);
  const loops = selfRedirect(root);
  const rootEv = evidence(root);
  const ev = [
    probeEvidence(s, ['scheme', 'secure', 'peer', 'peerTrusted']),
    probeEvidence(p, ['scheme']),
  ];
  if (!s.answer) {
    if (loops) {
      return from(
        'outside',
        fail(
          `${noAnswer(s)}; outside, an https page is redirected to itself: something in the chain believes https requests are http`,
          [rootEv, ...ev],
        ),
      );
    }
    return from(
      'outside',
      warn(
        `${noAnswer(s)}, so the scheme the app believes cannot be seen; outside signs show no redirect of https to itself`,
        [...ev, rootEv],
        `${PROBE_FIX}.`,
      ),
    );
  }
  const who = probeName(s.answer);
  const believed = s.answer.view.scheme;
  if (!believed) {
    return from(
      'probe',
      warn(
        `${who} does not say which scheme the app believes over https (view.scheme is null or not http/https)${loops ? '; outside, the https page is redirected to itself' : ''}`,
        [...ev, rootEv],
        'A WSGI server that copies X-Forwarded-Proto verbatim (uwsgi) can hand the app a scheme that is neither: make the proxy send exactly one value.',
      ),
    );
  }
  if (believed !== 'https') {
    return from(
      loops ? 'probe+outside' : 'probe',
      fail(
        `${who} says the app believes an https request is ${believed}${loops ? ', and the https page is redirected to itself' : ''}`,
        loops ? [...ev, rootEv] : ev,
      ),
    );
  }
  if (loops) {
    return from(
      'probe+outside',
      warn(
        `${who} says the app believes https, but the https page is redirected to itself: the probe does not see what answers the page (is it first in the same app?) or a proxy redirects`,
        [...ev, rootEv],
        'Install the probe first in the app that serves the page (docs/probes.md), then see redirect-loop.',
      ),
    );
  }
  if (p.answer?.view.scheme && p.answer.view.scheme !== 'http') {
    return from(
      'probe',
      fail(`${who} says the app believes a plain-http request is ${p.answer.view.scheme}`, ev),
    );
  }
  const httpNote = p.answer?.view.scheme
    ? ', http over http'
    : p.redirected
      ? ' (plain http is redirected before the app)'
      : p.answer
        ? ' (over plain http the probe does not say)'
        : ` (plain http not probed: ${p.problem})`;
  return from('probe', pass(`${who} says the app believes https over https${httpNote}`, ev));
}
