/**
 * The SARIF 2.1.0 report: one run, every lint rule as a rule, one result per finding
 * (level error/warning/note), suppressed findings with their justification.
 */
import { RULES } from '../registry.js';
import type { Finding, LintReport, LintSeverity } from '../types.js';

const LEVEL: Record<LintSeverity, 'error' | 'warning' | 'note'> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};
const SECURITY_SEVERITY: Record<LintSeverity, string> = {
  error: '7.5',
  warning: '5.0',
  info: '3.0',
};

const uri = (file: string) => (file === '-' ? 'stdin' : file.replace(/\\/g, '/'));

function result(f: Finding, suppression?: string) {
  return {
    ruleId: f.rule,
    ruleIndex: RULES.findIndex((r) => r.id === f.rule),
    level: LEVEL[f.severity],
    message: { text: `${f.message}\nFix: ${f.fix}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: uri(f.file) },
          region: { startLine: f.line, startColumn: f.column },
        },
      },
    ],
    partialFingerprints: { 'proxytrust/lint': `${uri(f.file)}#${f.rule}#${f.line}` },
    properties: { severity: f.severity, evidence: f.evidence },
    ...(suppression !== undefined
      ? { suppressions: [{ kind: 'inSource' as const, justification: suppression }] }
      : {}),
  };
}

/** The SARIF log, as an object. */
export function toLintSarif(report: LintReport) {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0' as const,
    runs: [
      {
        tool: {
          driver: {
            name: 'proxytrust lint',
            semanticVersion: report.tool.version,
            rules: RULES.map((r) => ({
              id: r.id,
              name: r.title,
              shortDescription: { text: r.title },
              fullDescription: { text: r.description },
              help: { text: r.fix },
              defaultConfiguration: { level: LEVEL[r.severity] },
              properties: {
                tags: ['security', 'proxy', r.kind],
                'security-severity': SECURITY_SEVERITY[r.severity],
              },
            })),
          },
        },
        invocations: [{ executionSuccessful: true, startTimeUtc: report.startedAt }],
        results: report.results.flatMap((r) => [
          ...r.findings.map((f) => result(f)),
          ...r.suppressed.map((f) => result(f, f.reason)),
        ]),
      },
    ],
  };
}

/** The SARIF log, serialised. */
export function renderLintSarif(report: LintReport): string {
  return `${JSON.stringify(toLintSarif(report), null, 2)}\n`;
}
