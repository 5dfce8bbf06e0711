/** `ip-spoof` (probe): a forged X-Forwarded-For or Forwarded `for` does not change the client IP. */
import { type Check, error, fail, from, pass, type Verdict } from '../check.js';
import type { AuditContext } from '../context.js';
import type { Evidence } from '../types.js';
import { needsSecret, probeEvidence } from './probe-util.js';

/** The check. */
export const ipSpoof: Check = {
  id: 'ip-spoof',
  title: 'client IP not spoofable',
  severity: 'high',
  needsProbe: true,
  description:
    'Through the probe: forged client addresses (X-Forwarded-For, Forwarded for=, X-Real-IP, True-Client-IP, CF-Connecting-IP; per-run TEST-NET canaries) do not change the client IP the app resolves.',
  fix: 'Overwrite X-Forwarded-For at the first proxy (nginx `proxy_set_header X-Forwarded-For $remote_addr;` at the edge, `$proxy_add_x_forwarded_for` only behind trusted hops; HAProxy `http-request del-header X-Forwarded-For` before `option forwardfor`), drop client `Forwarded`/X-Real-IP, and list only your proxies in proxytrust `trustedProxies` (never everything, never a hop count).',
  async run(ctx) {
    return from('probe', await judgeClientIp(ctx));
  },
};

async function judgeClientIp(ctx: AuditContext): Promise<Verdict> {
  const skipped = needsSecret(ctx);
  if (skipped) return skipped;
  const { ipv4, ipv6 } = ctx.canary;
  const base = await ctx.probeBaseline('https');
  if (!base.answer)
    return error(`no probe answer over https: ${base.problem}`, [probeEvidence(base, [])]);
  const before = base.answer.view.clientIp;
  const forgeries: (readonly [string, string])[] = [
    ['X-Forwarded-For', ipv4],
    ['Forwarded', `for="[${ipv6}]"`],
    ['X-Real-IP', ipv4],
    ['True-Client-IP', ipv4],
    ['CF-Connecting-IP', ipv4],
  ];
  const isCanary = (ip: unknown) => ip === ipv4 || ip === ipv6;
  const results = await Promise.all(
    forgeries.map((line) => ctx.probe('https', `probe with ${line[0]}: ${line[1]}`, [line])),
  );
  const found: string[] = [];
  const ev: Evidence[] = [probeEvidence(base, ['clientIp'])];
  results.forEach((r, i) => {
    const ip = r.answer?.view.clientIp;
    const line = forgeries[i]!;
    if (r.answer && (isCanary(ip) || ip !== before)) {
      found.push(`${line[0]}: ${line[1]} made the client IP ${ip}`);
      ev.push(probeEvidence(r, ['clientIp']));
    }
  });
  if (found.length > 0)
    return fail(`forged client addresses are believed: ${found.join('; ')}`, ev);
  const lost = results.find((r) => !r.answer);
  if (lost) return error(`probe failed: ${lost.problem}`, [...ev, probeEvidence(lost, [])]);
  return pass(`client IP stays ${before} with ${forgeries.length} forged headers`, ev);
}
