/** The JSON report: the {@link LintReport} document (schema `proxytrust-lint/1`, docs/lint.md). */
import type { LintReport } from '../types.js';

/** Serialise the report, two-space indented, with a final newline. */
export function renderLintJson(report: LintReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
