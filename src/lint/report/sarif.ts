/**
 * The SARIF 2.1.0 report: one run, every lint rule as a rule, one result per finding
 * (level error/warning/note), suppressed findings with their justification.
 */
import { type SarifLevel, sarifLog, sarifRule } from '../../report/sarif.js';
import { RULES } from '../registry.js';
import type { Finding, LintReport, LintSeverity } from '../types.js';

const LEVEL: Record<LintSeverity, SarifLevel> = {
  error: 'error',
  warning: 'warning',
  info: 'note',
};
/** Each rule's index in the run's rules, looked up once per finding. */
const RULE_INDEX = new Map(RULES.map((r, i) => [r.id, i]));

const SECURITY_SEVERITY: Record<LintSeverity, string> = {
  error: '7.5',
  warning: '5.0',
  info: '3.0',
};

const uri = (file: string) => (file === '-' ? 'stdin' : file.replace(/\\/g, '/'));

function result(f: Finding, suppression?: string) {
  return {
    ruleId: f.rule,
    ruleIndex: RULE_INDEX.get(f.rule) ?? -1,
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
  return sarifLog(
    'proxytrust lint',
    report.tool.version,
    RULES.map((r) =>
      sarifRule(r, LEVEL[r.severity], SECURITY_SEVERITY[r.severity], ['security', 'proxy', r.kind]),
    ),
    { executionSuccessful: true, startTimeUtc: report.startedAt },
    report.results.flatMap((r) => [
      ...r.findings.map((f) => result(f)),
      ...r.suppressed.map((f) => result(f, f.reason)),
    ]),
  );
}

/** The SARIF log, serialised. */
export function renderLintSarif(report: LintReport): string {
  return `${JSON.stringify(toLintSarif(report), null, 2)}\n`;
}
