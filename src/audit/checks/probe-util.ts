/** Shared by the probe checks: the skip when there is no secret, and the probe's evidence. */
import { skip, type Verdict } from '../check.js';
import type { AuditContext, ProbeOutcome } from '../context.js';
import { evidence } from '../context.js';
import type { Evidence } from '../types.js';

/** The skip verdict when no probe secret was given, else undefined. */
export function needsSecret(ctx: AuditContext): Verdict | undefined {
  return ctx.options.probeSecret
    ? undefined
    : skip("needs --probe-secret (or PROXYTRUST_PROBE_SECRET): the app's proxytrust probe secret");
}

/** Evidence for a probe exchange, with the view fields that matter. */
export function probeEvidence(p: ProbeOutcome, fields: readonly string[]): Evidence {
  const view = p.answer?.view as Record<string, unknown> | undefined;
  const notes = view ? fields.map((f) => `probe view.${f}: ${JSON.stringify(view[f])}`) : [];
  if (p.problem) notes.push(`probe: ${p.problem}`);
  return evidence(p.exchange, [], notes);
}
