/** The text report, for people: one line per finding (`file:line:col severity rule message`), the fix and evidence under it. */
import { paint } from '../../audit/report/text.js';
import type { LintReport, LintSeverity } from '../types.js';

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
        `${r.path} (${r.kind}${r.files.length > 1 ? `, ${r.files.length} files` : ''})`,
      ),
    );
    for (const f of r.findings) {
      const sev = paint(color, CODES[f.severity], f.severity.toUpperCase().padEnd(7));
      lines.push(`  ${f.file}:${f.line}:${f.column} ${sev} ${f.rule}: ${f.message}`);
      for (const e of f.evidence) lines.push(`      ${e}`);
      lines.push(`    fix: ${f.fix}`);
    }
    for (const n of r.notes) lines.push(`  note: ${n}`);
    for (const s of r.suppressed)
      lines.push(paint(color, '2', `  suppressed ${s.file}:${s.line} ${s.rule} -- ${s.reason}`));
  }
  const s = report.summary;
  lines.push(
    '',
    `${s.error} error(s), ${s.warning} warning(s), ${s.info} info, ${s.suppressed} suppressed in ${s.files} input(s)`,
  );
  return lines.join('\n');
}
