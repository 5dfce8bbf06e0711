/**
 * The shape of a check, and small builders for its verdicts. Each check lives in its own
 * file under ./checks/ and is listed in ./registry.ts.
 */
import type { AuditContext } from './context.js';
import type { CheckId, Evidence, Severity, Status } from './types.js';

/**
 * Where a verdict's evidence came from: the app's own answer through the probe, signs seen
 * from outside (redirects, headers, cookies, statuses compared like with like), or both.
 */
export type Basis = 'probe' | 'outside' | 'probe+outside';

/** What a check's `run` returns; the runner adds id, title, severity and timing. */
export interface Verdict {
  readonly status: Status;
  readonly summary: string;
  /** Where the evidence came from (said in the result, for pass, fail and warn). */
  readonly basis?: Basis;
  readonly reason?: string;
  /** Overrides the check's default fix text. */
  readonly fix?: string;
  readonly evidence: readonly Evidence[];
}

/** One check. */
export interface Check {
  readonly id: CheckId;
  readonly title: string;
  readonly severity: Severity;
  /** What it proves, for docs, `--help` and SARIF rule descriptions. */
  readonly description: string;
  /** The default fix, naming the exact proxy or app setting. */
  readonly fix: string;
  /** True when the check needs `--probe-secret`. */
  readonly needsProbe: boolean;
  run(ctx: AuditContext): Promise<Verdict>;
}

/** A passing verdict. */
export const pass = (summary: string, evidence: readonly Evidence[] = []): Verdict => ({
  status: 'pass',
  summary,
  evidence,
});

/** A failing verdict (the fix defaults to the check's). */
export const fail = (summary: string, evidence: readonly Evidence[], fix?: string): Verdict => ({
  status: 'fail',
  summary,
  evidence,
  ...(fix ? { fix } : {}),
});

/** A warning. */
export const warn = (summary: string, evidence: readonly Evidence[], fix?: string): Verdict => ({
  status: 'warn',
  summary,
  evidence,
  ...(fix ? { fix } : {}),
});

/** A skip, with the reason. */
export const skip = (reason: string, evidence: readonly Evidence[] = []): Verdict => ({
  status: 'skip',
  summary: `skipped: ${reason}`,
  reason,
  evidence,
});

/** No verdict: the target did not answer within bounds. */
export const error = (summary: string, evidence: readonly Evidence[] = []): Verdict => ({
  status: 'error',
  summary,
  reason: summary,
  evidence,
});

/**
 * The same verdict, saying where its evidence came from; a verdict that already says so
 * (a check's inner judgement, which knows better) keeps its own.
 */
export function from(basis: Basis, v: Verdict): Verdict {
  return v.status === 'skip' || v.status === 'error' || v.basis ? v : { ...v, basis };
}
