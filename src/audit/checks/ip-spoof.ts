/**
 * `ip-spoof` (probe): a forged X-Forwarded-For or Forwarded `for` does not change the client
 * IP. Only the probe can tell: the client address an app believes shows nowhere outside.
 */
import { type Check, fail, from, pass, type Verdict, warn } from '../check.js';
import type { AuditContext } from '../context.js';
import { probeName } from '../probe-answer.js';
import type { Evidence } from '../types.js';
import { needsSecret, noAnswerWarn, PROBE_FIX, probeEvidence, refusedProbe } from './probe-util.js';

const IP_PROBE_FIX = `${PROBE_FIX}: the client address an app believes cannot be seen from outside.`;

/** The check. */
export const ipSpoof: Check = {
  id: 'ip-spoof',
  title: 'client IP not spoofable',
  severity: 'high',
  needsProbe: true,
  description:
    'Through the probe: forged client addresses (X-Forwarded-For, Forwarded for=, X-Real-IP, True-Client-IP, CF-Connecting-IP; per-run TEST-NET canaries) do not change the client IP the app resolves.',
  fix: 'Overwrite X-Forwarded-For at the first proxy (nginx `proxy_set_header X-Forwarded-For $remote_addr;` at the edge, `$proxy_add_x_forwarded_for` only behind trusted hops; HAProxy `http-request del-header X-Forwarded-For` before `option forwardfor`), drop client `Forwarded`/X-Real-IP, and trust only your proxies in the app (proxytrust `trustedProxies`, Express `trust proxy` with their addresses, never `true`; uvicorn `--forwarded-allow-ips` with their addresses, never `*`; werkzeug `ProxyFix(x_for=<hops>)`).',
  run: judgeClientIp,
};

async function judgeClientIp(ctx: AuditContext): Promise<Verdict> {
  const skipped = needsSecret(ctx);
  if (skipped) return skipped;
  const { ipv4, ipv6 } = ctx.canary;
  const base = await ctx.probeBaseline('https');
  if (!base.answer)
    return noAnswerWarn(
      base,
      'the client address the app believes cannot be seen from outside',
      IP_PROBE_FIX,
    );
  const who = probeName(base.answer);
  const before = base.answer.view.clientIp;
  if (before === undefined) {
    return from(
      'probe',
      warn(
        `${who} reports no client address (view.clientIp is missing or not a string)`,
        [probeEvidence(base, ['clientIp'])],
        IP_PROBE_FIX,
      ),
    );
  }
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
  const refused: string[] = [];
  const lost: string[] = [];
  const ev: Evidence[] = [probeEvidence(base, ['clientIp'])];
  results.forEach((r, i) => {
    const line = forgeries[i]!;
    const ip = r.answer?.view.clientIp;
    if (r.answer && ip !== undefined && (isCanary(ip) || ip !== before)) {
      found.push(
        `${line[0]}: ${line[1]} made the client IP ${ip}${isCanary(ip) ? ' (the forged address)' : ` (was ${before})`}`,
      );
      ev.push(probeEvidence(r, ['clientIp']));
    } else if (refusedProbe(r)) {
      refused.push(`${line[0]} (${r.exchange.response!.status})`);
      ev.push(probeEvidence(r, []));
    } else if (!r.answer || ip === undefined) {
      lost.push(line[0]);
      ev.push(probeEvidence(r, ['clientIp']));
    }
  });
  if (found.length > 0)
    return from('probe', fail(`forged client addresses are believed: ${found.join('; ')}`, ev));
  if (lost.length > 0) {
    return from(
      'probe',
      warn(
        `the client IP stays ${before} where ${who} answered, but it gave no client address with ${lost.join(', ')}: those cannot be judged`,
        ev,
        IP_PROBE_FIX,
      ),
    );
  }
  const refusedNote = refused.length ? `; refused with ${refused.join(', ')} (not believed)` : '';
  return from(
    'probe',
    pass(
      `${who} says the client IP stays ${before} with ${forgeries.length} forged headers${refusedNote}`,
      ev,
    ),
  );
}
