/** The text report, for people: a table per target, one line per check, the fixes under it. */
import type {
  AuditReport,
  CheckResult,
  Evidence,
  Status,
  Summary,
  TargetReport,
} from '../types.js';

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
  const out = [`${e.label}:`];
  for (const l of e.request.split('\n')) if (!BORING.test(l) && l !== '') out.push(`  > ${l}`);
  if (e.error) out.push(`  ! ${e.error}`);
  for (const l of e.response ?? []) out.push(`  < ${l}`);
  return out;
}

function details(r: CheckResult, color: boolean, verbose: boolean): string[] {
  const out: string[] = [];
  const mark = paint(color, CODES[r.status], r.status.toUpperCase());
  out.push(`${mark} ${r.id}: ${r.summary}`);
  if (r.fix) out.push(`  fix: ${r.fix}`);
  const shown = verbose ? r.evidence : r.evidence.slice(0, 2);
  for (const e of shown) out.push(...evidenceLines(e).map((l) => `    ${l}`));
  if (r.evidence.length > shown.length) {
    out.push(
      `    (${r.evidence.length - shown.length} more exchange(s): --verbose or --format json)`,
    );
  }
  return out;
}

/** One target's table and fixes. */
export function renderTarget(t: TargetReport, opts: TextOptions = {}): string {
  const color = opts.color === true;
  const lines: string[] = [];
  lines.push(paint(color, '1', `proxytrust audit ${t.url}`));
  lines.push(`  http entry: ${t.httpUrl} · canary: ${t.canary.host} · ${t.durationMs} ms`);
  if (!t.reachable) lines.push(paint(color, CODES.error, `  UNREACHABLE: ${t.unreachableReason}`));
  lines.push('');
  const w = Math.max(5, ...t.results.map((r) => r.id.length));
  lines.push(`  ${'STATUS'.padEnd(7)} ${'CHECK'.padEnd(w)}  ${'SEVERITY'.padEnd(9)} SUMMARY`);
  for (const r of t.results) {
    const st = paint(color, CODES[r.status], r.status.toUpperCase().padEnd(7));
    lines.push(`  ${st} ${r.id.padEnd(w)}  ${r.severity.padEnd(9)} ${r.summary}`);
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
    const rows = report.targets.map((t) => {
      const verdict = !t.reachable
        ? paint(color, CODES.error, 'UNREACHABLE')
        : t.summary.fail + t.summary.error > 0
          ? paint(color, CODES.fail, 'FAIL')
          : paint(color, CODES.pass, 'OK');
      return `  ${verdict.padEnd(color ? 20 : 11)} ${t.url}  ${summaryLine(t.summary)}`;
    });
    parts.push(
      [
        paint(
          color,
          '1',
          `Fleet: ${report.summary.targets} targets, ${report.summary.unreachable} unreachable, ${report.durationMs} ms`,
        ),
        ...rows,
        `Overall: ${summaryLine(report.summary)}`,
      ].join('\n'),
    );
  }
  return parts.join('\n\n');
}
