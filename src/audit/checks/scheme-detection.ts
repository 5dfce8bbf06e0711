/** `scheme-detection` (probe): the app believes https over https, and http over http. */
import { type Check, error, fail, from, pass, type Verdict } from '../check.js';
import type { AuditContext } from '../context.js';
import { needsSecret, probeEvidence } from './probe-util.js';

/** The check. */
export const schemeDetection: Check = {
  id: 'scheme-detection',
  title: 'scheme detected',
  severity: 'critical',
  needsProbe: true,
  description:
    'Through the probe: the app believes https for requests that came over https, and http for requests that came over plain http.',
  fix: "Make the TLS-terminating proxy set the scheme from the connection (nginx `proxy_set_header X-Forwarded-Proto $scheme;`, never a hard-coded `https`; HAProxy `http-request set-header X-Forwarded-Proto https if { ssl_fc }`) and list that proxy in the app's proxytrust `trustedProxies`.",
  async run(ctx) {
    return from('probe', await judgeScheme(ctx));
  },
};

async function judgeScheme(ctx: AuditContext): Promise<Verdict> {
  const skipped = needsSecret(ctx);
  if (skipped) return skipped;
  const [s, p] = await Promise.all([ctx.probeBaseline('https'), ctx.probeBaseline('http')]);
  const ev = [probeEvidence(s, ['scheme', 'peer', 'peerTrusted']), probeEvidence(p, ['scheme'])];
  if (!s.answer) return error(`no probe answer over https: ${s.problem}`, ev);
  if (s.answer.view.scheme !== 'https') {
    return fail(`the app believes an https request is ${s.answer.view.scheme}`, ev);
  }
  if (p.answer && p.answer.view.scheme !== 'http') {
    return fail(`the app believes a plain-http request is ${p.answer.view.scheme}`, ev);
  }
  const httpNote = p.answer
    ? ', http over http'
    : p.redirected
      ? ' (plain http is redirected before the app)'
      : ` (plain http not probed: ${p.problem})`;
  return pass(`the app believes https over https${httpNote}`, ev);
}
