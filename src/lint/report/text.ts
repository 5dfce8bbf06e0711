/** The text report, for people: one line per finding (`file:line:col severity rule message`), the fix and evidence under it. */
import { escapeControls } from '../../audit/report/escape.js';
import { paint } from '../../audit/report/text.js';
import type { LintReport, LintSeverity } from '../types.js';

/** Text from the files (paths, lines, values) is made safe for a terminal. */
const e = (t: string): string => escapeControls(t);

const CODES: Record<LintSeverity, string> = { error: '31', warning: '33', info: '36' };

/** The whole text report. */
export function renderLintText(report: LintReport, opts: { color?: boolean } = {}): string {
  const color = opts.color === true;
  const lines: string[] = [
    paint(
      color,
      '1',
      `proxytrust lint · ${report.summary.files} input(s) · fail on ${report.failOn}`,
    ),
  ];
  for (const r of report.results) {
    if (r.findings.length === 0 && r.notes.length === 0) continue;
    lines.push(
      '',
      paint(
        color,
        '1',
        `${e(r.path)} (${r.kind}${r.files.length > 1 ? `, ${r.files.length} files` : ''})`,
      ),
    );
    for (const f of r.findings) {
      const sev = paint(color, CODES[f.severity], f.severity.toUpperCase().padEnd(7));
      lines.push(`  ${e(f.file)}:${f.line}:${f.column} ${sev} ${f.rule}: ${e(f.message)}`);
      for (const ev of f.evidence) lines.push(`      ${e(ev)}`);
      lines.push(`    fix: ${e(f.fix)}`);
    }
    for (const n of r.notes) lines.push(`  note: ${e(n)}`);
    for (const s of r.suppressed)
      lines.push(
        paint(color, '2', `  suppressed ${e(s.file)}:${s.line} ${s.rule} -- ${e(s.reason)}`),
      );
  }
  for (const c of report.chains ?? []) {
    lines.push(
      '',
      paint(
        color,
        '1',
        `chain (${c.source}): client -> ${c.hops.map((h) => `${e(h.label)} [${e(h.file)}]`).join(' -> ')}`,
      ),
    );
    if (c.findings.length === 0) lines.push('  the cross-file rules found nothing on it');
    for (const f of c.findings) lines.push(`  ${f.rule} at ${e(f.file)}:${f.line}`);
  }
  for (const n of report.notes ?? []) lines.push('', `note: ${e(n)}`);
  const s = report.summary;
  lines.push(
    '',
    `${s.error} error(s), ${s.warning} warning(s), ${s.info} info, ${s.suppressed} suppressed in ${s.files} input(s)`,
  );
  return lines.join('\n');
}
