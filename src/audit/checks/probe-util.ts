/**
 * Shared by the checks that read the probe: the skip when there is no secret, the probe's
 * evidence, and the app's belief about the scheme of a plain request.
 */
import { from, skip, type Verdict, warn } from '../check.js';
import type { AuditContext, ProbeOutcome } from '../context.js';
import { evidence } from '../context.js';
import { probeName } from '../probe-answer.js';
import type { Evidence } from '../types.js';

/** The skip verdict when no probe secret was given, else undefined. */
export function needsSecret(ctx: AuditContext): Verdict | undefined {
  return ctx.options.probeSecret
    ? undefined
    : skip("needs --probe-secret (or PROXYTRUST_PROBE_SECRET): the app's probe secret");
}

/** Evidence for a probe exchange, with the view fields that matter (and fields it dropped). */
export function probeEvidence(
  p: ProbeOutcome,
  fields: readonly string[],
  extra: readonly string[] = [],
): Evidence {
  const view = p.answer?.view as Record<string, unknown> | undefined;
  const notes = view ? fields.map((f) => `probe view.${f}: ${JSON.stringify(view[f])}`) : [];
  if (p.answer?.errors) {
    for (const [k, e] of Object.entries(p.answer.errors)) notes.push(`probe errors.${k}: ${e}`);
  }
  if (p.answer) notes.push(`answered by ${probeName(p.answer)}`);
  if (p.dropped?.length)
    notes.push(`probe fields of the wrong type, ignored: ${p.dropped.join(', ')}`);
  if (p.problem) notes.push(`probe: ${p.problem}`);
  return evidence(p.exchange, [], [...notes, ...extra]);
}

/** Why there is no probe answer, for a summary: `the probe did not answer (probe answered 404: ...)`. */
export function noAnswer(p: ProbeOutcome): string {
  return `the probe gave no answer (${p.problem ?? 'unknown'})`;
}

/** The fix when the probe gave no answer. */
export const PROBE_FIX =
  'Check the probe secret and path (--probe-secret, --probe-path), and that the probe is installed first in the app (docs/probes.md)';

/** The warning, from outside, when the probe gave no answer: `<why there is none>: <what>`. */
export function noAnswerWarn(p: ProbeOutcome, what: string, fix = `${PROBE_FIX}.`): Verdict {
  return from('outside', warn(`${noAnswer(p)}: ${what}`, [probeEvidence(p, [])], fix));
}

/** True when the app (or a proxy) refused the probe request: no answer, a 4xx or 5xx. */
export const refusedProbe = (p: ProbeOutcome): boolean =>
  !p.answer && (p.exchange.response?.status ?? 0) >= 400;

/** What the app believes about the scheme of a plain request over `scheme`, through the probe. */
export interface SchemeBelief {
  /** The probe's outcome (undefined without a probe secret). */
  readonly outcome?: ProbeOutcome;
  /** `http` or `https` when the probe said so. */
  readonly scheme?: 'http' | 'https';
  /** The probe's evidence, when it was asked. */
  readonly evidence?: Evidence;
}

/** Ask the probe (shared per run) what scheme the app believes for a plain request over `scheme`. */
export async function schemeBelief(
  ctx: AuditContext,
  scheme: 'https' | 'http',
): Promise<SchemeBelief> {
  if (!ctx.options.probeSecret) return {};
  const outcome = await ctx.probeBaseline(scheme);
  const believed = outcome.answer?.view.scheme;
  return {
    outcome,
    ...(believed ? { scheme: believed } : {}),
    evidence: probeEvidence(outcome, ['scheme', 'secure']),
  };
}

/**
 * A sentence explaining an outside failure from what the app believes over `over`, or
 * undefined when the probe said nothing: `the probe says the app believes this https
 * request is http`.
 */
export function beliefNote(b: SchemeBelief, over: 'https' | 'http'): string | undefined {
  if (!b.scheme || !b.outcome?.answer) return undefined;
  const who = probeName(b.outcome.answer);
  return b.scheme === over
    ? `${who} says the app believes ${over} correctly, so the cause is elsewhere (a proxy, or the app's own setting)`
    : `${who} says the app believes ${over} requests are ${b.scheme}`;
}

/**
 * An outside verdict, explained by the app's belief when it is not a pass: with a probe
 * answer over `over`, the summary says what the app believes and the basis is
 * `probe+outside`; otherwise the verdict stands on outside signs alone.
 */
export async function explainByBelief(
  ctx: AuditContext,
  over: 'https' | 'http',
  v: Verdict,
): Promise<Verdict> {
  if (v.status !== 'fail' && v.status !== 'warn') return from('outside', v);
  const b = await schemeBelief(ctx, over);
  const note = beliefNote(b, over);
  if (!note || !b.evidence) return from('outside', v);
  return from('probe+outside', {
    ...v,
    summary: `${v.summary}; ${note}`,
    evidence: [...v.evidence, b.evidence],
  });
}
