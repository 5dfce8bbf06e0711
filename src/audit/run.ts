/**
 * Running an audit: one target ({@link auditTarget}) or a fleet ({@link auditFleet}), with
 * bounded concurrency. Never throws for anything the target does; every check ends with a
 * status.
 */
import { chainFromProbe } from './chain.js';
import type { Check } from './check.js';
import { AuditContext, evidence, type TargetOptions } from './context.js';
import { CERTIFICATE_CODES, type RequestError } from './engine.js';
import { CHECKS } from './registry.js';
import {
  type AuditReport,
  type CheckResult,
  FAILURE_LABEL,
  type FailureKind,
  summarize,
  type TargetFailure,
  type TargetReport,
  TOOL_VERSION,
} from './types.js';

const BASIS_WORDS = {
  probe: '(seen by the probe)',
  outside: '(seen from outside)',
  'probe+outside': '(seen by the probe and from outside)',
} as const;

/** How long a check may run at most, in request time limits (it sends a bounded number of requests). */
const CHECK_BUDGET_REQUESTS = 24;

async function runCheck(check: Check, ctx: AuditContext, budgetMs: number): Promise<CheckResult> {
  const t0 = performance.now();
  const base = { id: check.id, title: check.title, severity: check.severity };
  let timer: NodeJS.Timeout | undefined;
  try {
    const v = await Promise.race([
      check.run(ctx),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`check did not finish within ${budgetMs} ms`)),
          budgetMs,
        );
      }),
    ]);
    const needsFix = v.status === 'fail' || v.status === 'warn';
    return {
      ...base,
      status: v.status,
      summary: v.basis ? `${v.summary} ${BASIS_WORDS[v.basis]}` : v.summary,
      ...(v.basis ? { basis: v.basis } : {}),
      ...(v.reason ? { reason: v.reason } : {}),
      ...(needsFix ? { fix: v.fix ?? check.fix } : {}),
      evidence: v.evidence,
      durationMs: Math.round(performance.now() - t0),
    };
  } catch (e) {
    const msg = `internal error in the check: ${(e as Error)?.message ?? String(e)}`;
    return {
      ...base,
      status: 'error',
      summary: msg,
      reason: msg,
      evidence: [],
      durationMs: Math.round(performance.now() - t0),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The checks selected by `only`/`skip`, in registry order. */
export function selectChecks(options: Pick<TargetOptions, 'only' | 'skip'>): Check[] {
  return CHECKS.filter(
    (c) => (!options.only || options.only.includes(c.id)) && !options.skip?.includes(c.id),
  );
}

/** Classify the error of the baseline request: why the target could not be audited. */
export function classifyFailure(error: RequestError | undefined): TargetFailure {
  const message = error?.message ?? 'no response';
  let kind: FailureKind = 'unreachable';
  if (error?.kind === 'tls')
    kind = error.code && CERTIFICATE_CODES.has(error.code) ? 'certificate' : 'tls';
  else if (error?.kind === 'protocol' || error?.kind === 'too-large') kind = 'protocol';
  return { kind, message };
}

/**
 * Audit one target. A target whose https URL gives no usable response is reported
 * `reachable: false` with every check in error and the failure classified: unreachable
 * (DNS, connection, reset, time limit), a bad certificate, another TLS error, or a
 * protocol error (not HTTP, malformed, oversized).
 */
export async function auditTarget(options: TargetOptions): Promise<TargetReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const ctx = new AuditContext(options);
  const checks = selectChecks(options);
  const pre = await ctx.baselineHttps();
  const canary = ctx.canary;
  const base = { url: ctx.url.href, httpUrl: ctx.httpUrl.href, canary, startedAt };
  if (!pre.response) {
    const failure = classifyFailure(pre.error);
    const reason = `${FAILURE_LABEL[failure.kind]}: ${failure.message}`;
    const results: CheckResult[] = checks.map((c) => ({
      id: c.id,
      title: c.title,
      severity: c.severity,
      status: 'error',
      summary: reason,
      reason,
      evidence: [evidence(pre)],
      durationMs: 0,
    }));
    return {
      ...base,
      reachable: false,
      unreachableReason: reason,
      failure,
      durationMs: Math.round(performance.now() - t0),
      summary: summarize(results),
      results,
    };
  }
  const budget = (ctx.engine.limits?.totalMs ?? 10000) * CHECK_BUDGET_REQUESTS;
  const results = await Promise.all(checks.map((c) => runCheck(c, ctx, budget)));
  // the chain, from the probe answer the probe checks already fetched (no extra request)
  const probed = options.probeSecret && checks.some((c) => c.needsProbe);
  const answer = probed ? (await ctx.probeBaseline('https')).answer : undefined;
  return {
    ...base,
    reachable: true,
    durationMs: Math.round(performance.now() - t0),
    summary: summarize(results),
    results,
    ...(answer ? { chain: chainFromProbe(answer) } : {}),
  };
}

/** Wrap target reports into the report document. */
export function makeReport(
  targets: readonly TargetReport[],
  startedAt: string,
  durationMs: number,
): AuditReport {
  const all = targets.flatMap((t) => t.results);
  return {
    schema: 'proxytrust-audit/1',
    tool: { name: 'proxytrust', version: TOOL_VERSION },
    startedAt,
    durationMs: Math.round(durationMs),
    summary: {
      ...summarize(all),
      targets: targets.length,
      unreachable: targets.filter((t) => !t.reachable && t.failure?.kind === 'unreachable').length,
      broken: targets.filter((t) => !t.reachable && t.failure?.kind !== 'unreachable').length,
    },
    targets,
  };
}

/** Audit one target and wrap it in a report. */
export async function audit(options: TargetOptions): Promise<AuditReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const t = await auditTarget(options);
  return makeReport([t], startedAt, performance.now() - t0);
}

/**
 * Audit many targets, at most `concurrency` at a time (default 8). `onProgress` is called
 * after each target with (done, total). Reports keep the input order.
 */
export async function auditFleet(
  targets: readonly TargetOptions[],
  concurrency = 8,
  onProgress?: (done: number, total: number, last: TargetReport) => void,
): Promise<AuditReport> {
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  const out: TargetReport[] = new Array(targets.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= targets.length) return;
      out[i] = await auditTarget(targets[i]!);
      done++;
      onProgress?.(done, targets.length, out[i]!);
    }
  };
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(concurrency, targets.length)) }, worker),
  );
  return makeReport(out, startedAt, performance.now() - t0);
}
