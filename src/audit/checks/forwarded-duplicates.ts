/**
 * `forwarded-duplicates` (probe): the app receives no duplicated or contradictory forwarded
 * values (`X-Forwarded-Proto: https, https` from a header set twice), and the verdict names
 * the header and how many lines arrived.
 */
import { type Check, fail, from, pass, type Verdict } from '../check.js';
import type { AuditContext } from '../context.js';
import { duplicatedForwarded, probeName } from '../probe-answer.js';
import { needsSecret, noAnswerWarn, probeEvidence } from './probe-util.js';

/** The check. */
export const forwardedDuplicates: Check = {
  id: 'forwarded-duplicates',
  title: 'no duplicated forwarded headers',
  severity: 'medium',
  needsProbe: true,
  description:
    'Through the probe: each single-valued forwarded header (X-Forwarded-Proto, -Host, -Port, ...) reaches the app on one line, and no forwarded header carries duplicated (`https, https`) or contradictory values. X-Forwarded-For and Forwarded may arrive on several lines (one per proxy).',
  fix: 'Set each forwarded header in exactly one place: remove the duplicate (for example an nginx `proxy_set_header X-Forwarded-Proto` snippet on top of the ingress default, or HAProxy `option forwardfor` together with an explicit `http-request add-header X-Forwarded-For`).',
  async run(ctx) {
    return from('probe', await judgeDuplicates(ctx));
  },
};

async function judgeDuplicates(ctx: AuditContext): Promise<Verdict> {
  const skipped = needsSecret(ctx);
  if (skipped) return skipped;
  const p = await ctx.probeBaseline('https');
  if (!p.answer)
    return noAnswerWarn(p, 'the header lines that reach the app cannot be seen from outside');
  const who = probeName(p.answer);
  const lines = Object.entries(p.answer.forwarded).flatMap(([name, values]) =>
    values.map((v) => `forwarded ${name}: ${v}`),
  );
  const found = duplicatedForwarded(p.answer).map((d) => d.text);
  const shown = probeEvidence(p, []);
  const ev = [{ ...shown, response: [...(shown.response ?? []), ...lines] }];
  if (found.length > 0)
    return fail(`${who} says duplicated forwarded values reach the app: ${found.join('; ')}`, ev);
  const n = Object.keys(p.answer.forwarded).length;
  return pass(
    `${who} says ${n} forwarded header(s) reach the app, each on one line, no duplicates`,
    ev,
  );
}
