/**
 * `forwarded-duplicates` (probe): the app receives no duplicated or contradictory forwarded
 * values (`X-Forwarded-Proto: https, https` from a header set twice), and the verdict names
 * the header and how many lines arrived.
 */
import { type Check, fail, from, pass, type Verdict } from '../check.js';
import type { AuditContext } from '../context.js';
import { probeName } from '../probe-answer.js';
import { needsSecret, noAnswerWarn, probeEvidence } from './probe-util.js';

const CODES = new Set(['DUPLICATED_VALUES', 'CONTRADICTORY_VALUES', 'DUPLICATE_HEADER_LINES']);

/**
 * Headers that are lists by design, where each proxy may add its own line (HAProxy
 * `option forwardfor` adds a line; RFC 7239 allows several Forwarded lines): extra lines
 * are normal there, only duplicated or contradictory values count.
 */
export const LIST_HEADERS: ReadonlySet<string> = new Set(['x-forwarded-for', 'forwarded', 'via']);

/** Forwarded headers that carry one value: a list there is a duplicate. */
export const SINGLE_VALUED: ReadonlySet<string> = new Set([
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-forwarded-port',
  'x-forwarded-prefix',
  'x-forwarded-ssl',
  'x-forwarded-protocol',
  'cloudfront-forwarded-proto',
  'x-url-scheme',
  'front-end-https',
]);

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
  const found: string[] = [];
  const lines: string[] = [];
  for (const [name, values] of Object.entries(p.answer.forwarded)) {
    lines.push(...values.map((v) => `forwarded ${name}: ${v}`));
    if (values.length > 1 && !LIST_HEADERS.has(name))
      found.push(`${name} arrived on ${values.length} lines`);
  }
  const warnings = [...(p.answer.view.warnings ?? []), ...p.answer.warnings];
  const seen = new Set<string>();
  for (const w of warnings) {
    const key = `${w.code}|${w.header}|${w.value}`;
    if (!CODES.has(w.code) || seen.has(key)) continue;
    if (w.code === 'DUPLICATE_HEADER_LINES' && w.header && LIST_HEADERS.has(w.header)) continue;
    seen.add(key);
    const lineCount = w.header ? p.answer.forwarded[w.header]?.length : undefined;
    const desc = `${w.header ?? 'a forwarded header'}: ${w.code}${w.value ? ` (${w.value})` : ''}${lineCount ? `, ${lineCount} line(s)` : ''}`;
    if (
      !found.some((f) => f.startsWith(`${w.header} arrived`)) ||
      w.code !== 'DUPLICATE_HEADER_LINES'
    )
      found.push(desc);
  }
  // A probe without proxytrust's warnings (Django, WSGI, ...): a single-valued header whose
  // value is a list arrived twice (joined by the server) or was set twice.
  for (const [name, values] of Object.entries(p.answer.forwarded)) {
    if (!SINGLE_VALUED.has(name) || found.some((f) => f.startsWith(`${name}`))) continue;
    const listed = values.find((v) => v.includes(','));
    if (listed !== undefined) {
      found.push(
        `${name}: "${listed}" carries several values (${p.answer.headerLines === 'joined' ? 'the server joined its lines, so it arrived on several lines or with a duplicated value' : 'a duplicated value'})`,
      );
    }
  }
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
