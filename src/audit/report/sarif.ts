/**
 * The SARIF 2.1.0 report: one run, the checks as rules, one result per check and target.
 * `fail` is kind `fail` at the level of its severity, `warn` kind `fail` at level
 * `warning`, `pass` kind `pass`, `skip` kind `notApplicable`, `error` kind `open` (the
 * rule could not be evaluated) plus a tool execution notification.
 */
import { type SarifLevel, sarifLog, sarifRule } from '../../report/sarif.js';
import { CHECKS } from '../registry.js';
import type { AuditReport, CheckResult, Severity, TargetReport } from '../types.js';
import { TOOL_VERSION } from '../types.js';

const LEVEL: Record<Severity, SarifLevel> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
};

/** Each check's index in the run's rules, looked up once per result. */
const CHECK_INDEX = new Map(CHECKS.map((c, i) => [c.id as string, i]));

const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.0',
  high: '7.5',
  medium: '5.0',
  low: '3.0',
};

function result(t: TargetReport, r: CheckResult) {
  const ruleIndex = CHECK_INDEX.get(r.id) ?? -1;
  const kind =
    r.status === 'fail' || r.status === 'warn'
      ? 'fail'
      : r.status === 'pass'
        ? 'pass'
        : r.status === 'skip'
          ? 'notApplicable'
          : 'open';
  const level = r.status === 'fail' ? LEVEL[r.severity] : r.status === 'warn' ? 'warning' : 'none';
  return {
    ruleId: r.id,
    ruleIndex,
    kind,
    level,
    message: { text: `${r.summary}${r.fix ? `\nFix: ${r.fix}` : ''}` },
    locations: [{ physicalLocation: { artifactLocation: { uri: t.url } } }],
    partialFingerprints: { 'proxytrust/target-check': `${t.url}#${r.id}` },
    properties: {
      status: r.status,
      severity: r.severity,
      ...(t.failure ? { failure: t.failure.kind } : {}),
      evidence: r.evidence,
    },
  };
}

/** The SARIF log, as an object. */
export function toSarif(report: AuditReport) {
  const notifications = report.targets.flatMap((t) =>
    t.results
      .filter((r) => r.status === 'error')
      .map((r) => ({
        level: 'error' as const,
        message: { text: `${t.url} ${r.id}: ${r.summary}` },
        descriptor: { id: r.id },
      })),
  );
  return sarifLog(
    'proxytrust audit',
    TOOL_VERSION,
    CHECKS.map((c) =>
      sarifRule(c, LEVEL[c.severity], SECURITY_SEVERITY[c.severity], ['security', 'proxy'], {
        needsProbe: c.needsProbe,
      }),
    ),
    {
      executionSuccessful: report.targets.every((t) => t.reachable),
      startTimeUtc: report.startedAt,
      toolExecutionNotifications: notifications,
    },
    report.targets.flatMap((t) => t.results.map((r) => result(t, r))),
  );
}

/** The SARIF log, serialised. */
export function renderSarif(report: AuditReport): string {
  return `${JSON.stringify(toSarif(report), null, 2)}\n`;
}
