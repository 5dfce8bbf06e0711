/**
 * The JUnit XML report: one `<testsuite>` per target, one `<testcase>` per check. `fail`
 * is a `<failure>`, `error` an `<error>`, `skip` a `<skipped>`; `warn` passes with the
 * warning in `<system-out>` (JUnit has no warning state).
 */
import type { AuditReport, CheckResult, Evidence, TargetReport } from '../types.js';

/** Escape text for XML content and attributes; drop characters XML 1.0 cannot carry. */
export function xmlEscape(text: string): string {
  return text
    .replace(/[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

const secs = (ms: number) => (ms / 1000).toFixed(3);

function evidenceText(evidence: readonly Evidence[]): string {
  return evidence
    .map((e) =>
      [
        `${e.label}:`,
        ...e.request.split('\n').map((l) => `  > ${l}`),
        ...(e.error ? [`  ! ${e.error}`] : []),
        ...(e.response ?? []).map((l) => `  < ${l}`),
      ].join('\n'),
    )
    .join('\n');
}

function testcase(t: TargetReport, r: CheckResult): string {
  const classname = `proxytrust.audit.${new URL(t.url).host}`;
  const open = `    <testcase name="${xmlEscape(r.id)}" classname="${xmlEscape(classname)}" time="${secs(r.durationMs)}"`;
  const body = `${r.summary}\n${r.fix ? `fix: ${r.fix}\n` : ''}${evidenceText(r.evidence)}`;
  switch (r.status) {
    case 'fail':
      return `${open}>\n      <failure message="${xmlEscape(r.summary)}" type="${r.severity}">${xmlEscape(body)}</failure>\n    </testcase>`;
    case 'error':
      return `${open}>\n      <error message="${xmlEscape(r.summary)}" type="${t.failure?.kind ?? 'error'}">${xmlEscape(body)}</error>\n    </testcase>`;
    case 'skip':
      return `${open}>\n      <skipped message="${xmlEscape(r.reason ?? r.summary)}"/>\n    </testcase>`;
    default:
      return `${open}>\n      <system-out>${xmlEscape(`${r.status.toUpperCase()}: ${body}`)}</system-out>\n    </testcase>`;
  }
}

/** The JUnit XML document. */
export function renderJunit(report: AuditReport): string {
  const s = report.summary;
  const suites = report.targets.map((t) => {
    const ts = t.summary;
    return [
      `  <testsuite name="${xmlEscape(t.url)}" tests="${t.results.length}" failures="${ts.fail}" errors="${ts.error}" skipped="${ts.skip}" time="${secs(t.durationMs)}" timestamp="${t.startedAt.replace(/\.\d+Z$/, '')}">`,
      '    <properties>',
      `      <property name="httpUrl" value="${xmlEscape(t.httpUrl)}"/>`,
      `      <property name="reachable" value="${t.reachable}"/>`,
      ...(t.failure ? [`      <property name="failure" value="${t.failure.kind}"/>`] : []),
      `      <property name="canary" value="${xmlEscape(t.canary.host)}"/>`,
      '    </properties>',
      ...t.results.map((r) => testcase(t, r)),
      '  </testsuite>',
    ].join('\n');
  });
  const tests = report.targets.reduce((n, t) => n + t.results.length, 0);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="proxytrust audit" tests="${tests}" failures="${s.fail}" errors="${s.error}" skipped="${s.skip}" time="${secs(report.durationMs)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
