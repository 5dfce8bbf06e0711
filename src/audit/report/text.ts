/**
 * The text report, for people: a table per target, one line per check, the fixes under it.
 * Everything that came from a target (or a command line) is passed through
 * {@link escapeControls}: no control character or bidi override reaches the terminal.
 */
import {
  type AuditReport,
  type CheckResult,
  type Evidence,
  FAILURE_LABEL,
  type Status,
  type Summary,
  type TargetReport,
} from '../types.js';
import { escapeControls as esc } from './escape.js';

/** Options of the text report. */
export interface TextOptions {
  /** ANSI colours (only on a TTY, and not with NO_COLOR). */
  readonly color?: boolean;
  /** Every evidence line of every check, not only failures'. */
  readonly verbose?: boolean;
}

const CODES: Record<Status, string> = {
  pass: '32',
  fail: '31',
  warn: '33',
  skip: '2',
  error: '35',
};

/** Wrap text in an ANSI colour when `on`. */
export function paint(on: boolean, code: string, text: string): string {
  return on ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/**
 * The targets of a report by verdict, never mixed with check counts:
 * `3 targets: 1 OK, 1 FAIL, 1 UNREACHABLE`.
 */
export function fleetLine(report: AuditReport): string {
  const n = report.targets.length;
  const counts = new Map<string, number>();
  for (const t of report.targets) {
    const v = targetVerdict(t);
    counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const parts = [...counts].map(([v, c]) => `${c} ${v}`);
  return `${n} target${n === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** `9 pass, 1 fail, ...`, leaving zeros out except pass and fail. */
export function summaryLine(s: Summary): string {
  const parts = [`${s.pass} passed`, `${s.fail} failed`];
  if (s.warn) parts.push(`${s.warn} warning${s.warn > 1 ? 's' : ''}`);
  if (s.error) parts.push(`${s.error} error${s.error > 1 ? 's' : ''}`);
  if (s.skip) parts.push(`${s.skip} skipped`);
  return parts.join(', ');
}

const BORING = /^(user-agent|connection): /i;

function evidenceLines(e: Evidence): string[] {
  const out = [`${esc(e.label)}:`];
  for (const l of e.request.split('\n')) if (!BORING.test(l) && l !== '') out.push(`  > ${esc(l)}`);
  if (e.error) out.push(`  ! ${esc(e.error)}`);
  for (const l of e.response ?? []) out.push(`  < ${esc(l)}`);
  return out;
}

function details(r: CheckResult, color: boolean, verbose: boolean): string[] {
  const out: string[] = [];
  const mark = paint(color, CODES[r.status], r.status.toUpperCase());
  out.push(`${mark} ${r.id}: ${esc(r.summary)}`);
  if (r.fix) out.push(`  fix: ${esc(r.fix)}`);
  const shown = verbose ? r.evidence : r.evidence.slice(0, 2);
  for (const e of shown) out.push(...evidenceLines(e).map((l) => `    ${l}`));
  if (r.evidence.length > shown.length) {
    out.push(
      `    (${r.evidence.length - shown.length} more exchange(s): --verbose or --format json)`,
    );
  }
  return out;
}

/**
 * A target's verdict in one word or two: `OK`, `FAIL`, or why it could not be audited
 * (`UNREACHABLE`, `BAD CERTIFICATE`, `TLS ERROR`, `PROTOCOL ERROR`).
 */
export function targetVerdict(t: TargetReport): string {
  if (!t.reachable)
    return FAILURE_LABEL[t.failure?.kind ?? 'unreachable'].replace(/^target /, '').toUpperCase();
  return t.summary.fail + t.summary.error > 0 ? 'FAIL' : 'OK';
}

/** One target's table and fixes; a target that could not be audited is one line. */
export function renderTarget(t: TargetReport, opts: TextOptions = {}): string {
  const color = opts.color === true;
  const lines: string[] = [];
  lines.push(paint(color, '1', `proxytrust audit ${esc(t.url)}`));
  lines.push(`  http entry: ${esc(t.httpUrl)} · canary: ${t.canary.host} · ${t.durationMs} ms`);
  if (!t.reachable) {
    const n = t.results.length;
    lines.push(
      paint(
        color,
        CODES.error,
        `  ${targetVerdict(t)}: ${esc(t.unreachableReason ?? 'no response')} (${n} check${n === 1 ? '' : 's'} not run)`,
      ),
    );
    return lines.join('\n');
  }
  lines.push('');
  const w = Math.max(5, ...t.results.map((r) => r.id.length));
  lines.push(`  ${'STATUS'.padEnd(7)} ${'CHECK'.padEnd(w)}  ${'SEVERITY'.padEnd(9)} SUMMARY`);
  for (const r of t.results) {
    const st = paint(color, CODES[r.status], r.status.toUpperCase().padEnd(7));
    lines.push(`  ${st} ${r.id.padEnd(w)}  ${r.severity.padEnd(9)} ${esc(r.summary)}`);
  }
  const notable = t.results.filter(
    (r) =>
      r.status === 'fail' ||
      r.status === 'warn' ||
      (r.status === 'error' && t.reachable) ||
      opts.verbose,
  );
  if (notable.length > 0) {
    lines.push('');
    for (const r of notable) lines.push(...details(r, color, opts.verbose === true), '');
  } else lines.push('');
  lines.push(`${summaryLine(t.summary)}`);
  return lines.join('\n');
}

/** The whole text report (one target, or a fleet with a summary per target and overall). */
export function renderText(report: AuditReport, opts: TextOptions = {}): string {
  const parts = report.targets.map((t) => renderTarget(t, opts));
  if (report.targets.length > 1) {
    const color = opts.color === true;
    const w = Math.max(...report.targets.map((t) => targetVerdict(t).length));
    const rows = report.targets.map((t) => {
      const v = targetVerdict(t);
      const code = !t.reachable ? CODES.error : v === 'FAIL' ? CODES.fail : CODES.pass;
      const what = t.reachable ? summaryLine(t.summary) : `${t.results.length} checks not run`;
      return `  ${paint(color, code, v.padEnd(w))}  ${esc(t.url)}  ${what}`;
    });
    parts.push(
      [
        paint(color, '1', `Fleet: ${fleetLine(report)}, ${report.durationMs} ms`),
        ...rows,
        `Checks over all targets: ${summaryLine(report.summary)}`,
      ].join('\n'),
    );
  }
  return parts.join('\n\n');
}
