/** `hsts`: exactly one valid Strict-Transport-Security on https, max-age at least the minimum, none on http. */
import { type Check, error, fail, pass, type Verdict } from '../check.js';
import type { AuditContext } from '../context.js';
import { evidence } from '../context.js';
import { headerValues } from '../engine.js';
import { explainByBelief } from './probe-util.js';

/** A parsed Strict-Transport-Security value, or the reason it is invalid. */
export function parseHsts(
  value: string,
): { maxAge: number; includeSubDomains: boolean; preload: boolean } | { invalid: string } {
  const seen = new Set<string>();
  let maxAge: number | undefined;
  for (const raw of value.split(';')) {
    const d = raw.trim();
    if (d === '') continue;
    const eq = d.indexOf('=');
    const name = (eq < 0 ? d : d.slice(0, eq)).trim().toLowerCase();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) return { invalid: `bad directive "${d}"` };
    if (seen.has(name))
      return { invalid: `directive ${name} appears twice (the header was set twice?)` };
    seen.add(name);
    if (name === 'max-age') {
      const v = d
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (eq < 0 || !/^\d{1,12}$/.test(v)) return { invalid: `bad max-age "${d}"` };
      maxAge = Number(v);
    }
  }
  if (maxAge === undefined) return { invalid: 'no max-age directive' };
  return { maxAge, includeSubDomains: seen.has('includesubdomains'), preload: seen.has('preload') };
}

/** The check. */
export const hsts: Check = {
  id: 'hsts',
  title: 'HSTS on https only',
  severity: 'medium',
  needsProbe: false,
  description:
    'The https response carries exactly one valid Strict-Transport-Security header with max-age at least the minimum (--hsts-min-age, default 180 days); plain http carries none.',
  fix: 'Send one `Strict-Transport-Security: max-age=31536000; includeSubDomains` on https responses only, from one place: the app (proxytrust `hsts`, Django `SECURE_HSTS_SECONDS = 31536000`) or the TLS proxy (nginx `add_header Strict-Transport-Security "max-age=31536000" always;` in the 443 server only, HAProxy `http-response set-header` on the https frontend), never both.',
  async run(ctx) {
    return explainByBelief(ctx, 'https', await judgeHsts(ctx));
  },
};

async function judgeHsts(ctx: AuditContext): Promise<Verdict> {
  const ex = await ctx.baselineHttps();
  const res = ex.response;
  if (!res) return error(`https request failed: ${ex.error?.message}`, [evidence(ex)]);
  const values = headerValues(res, 'strict-transport-security');
  const ev = [evidence(ex)];
  if (values.length === 0) return fail('no Strict-Transport-Security header on https', ev);
  if (values.length > 1) {
    return fail(
      `${values.length} Strict-Transport-Security headers on https (the app and the proxy both set it)`,
      ev,
    );
  }
  const parsed = parseHsts(values[0]!);
  if ('invalid' in parsed) return fail(`invalid Strict-Transport-Security: ${parsed.invalid}`, ev);
  if (parsed.maxAge < ctx.hstsMinAge) {
    return fail(`HSTS max-age=${parsed.maxAge} is below the minimum ${ctx.hstsMinAge}`, ev);
  }
  const http = await ctx.baselineHttp();
  if (http.response && headerValues(http.response, 'strict-transport-security').length > 0) {
    return fail('Strict-Transport-Security is sent over plain http (it must be on https only)', [
      ...ev,
      evidence(http),
    ]);
  }
  return pass(
    `one valid header, max-age=${parsed.maxAge}${parsed.includeSubDomains ? '; includeSubDomains' : ''}`,
    [...ev, ...(http.response ? [evidence(http)] : [])],
  );
}
