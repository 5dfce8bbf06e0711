/** The JSON report: the {@link AuditReport} document (schema `proxytrust-audit/1`, docs/audit.md). */
import type { AuditReport } from '../types.js';

/** Serialise the report, two-space indented, with a final newline. */
export function renderJson(report: AuditReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
