/**
 * The HTML report of `proxytrust lint --format html`: one self-contained page with no
 * script. A header with the verdict against `--fail-on` and the counts; the chains of files
 * the cross-file rules checked, drawn (client -> each hop -> app, what each hop writes and
 * believes, the hop whose file holds a finding marked); then per input its findings (rule,
 * severity, file:line:col, message, evidence, fix), notes, and the suppressed ones folded.
 * Everything read from the files is escaped (src/report/html.ts).
 */
import {
  badge,
  countChips,
  type DrawnHop,
  drawChain,
  fold,
  html,
  page,
  plural,
  reportFooter,
  reportHeader,
} from '../../report/html.js';
import {
  atLeast,
  type FileResult,
  type Finding,
  type LintChain,
  type LintReport,
  type LintSeverity,
  lintExitCode,
} from '../types.js';

/** Lint's severities in the audit's colours: an error is a failure (red), not an audit error. */
const TONE: Record<LintSeverity, string> = { error: 'fail', warning: 'warn', info: 'info' };

function findingItem(f: Finding, reason?: string): string {
  const parts = [
    `<div class="item s-${TONE[f.severity]}">`,
    `<div class="head">${reason === undefined ? badge(f.severity, TONE[f.severity]) : badge('suppressed')} <span class="id mono">${html(f.rule)}</span> <span class="mono small">${html(`${f.file}:${f.line}:${f.column}`)}</span>${reason === undefined ? '' : ` <span class="muted small">${html(f.severity)}</span>`}</div>`,
    `<div>${html(f.message)}</div>`,
  ];
  if (reason !== undefined) parts.push(`<div class="muted">suppressed: ${html(reason)}</div>`);
  if (f.evidence.length > 0) parts.push(`<pre>${f.evidence.map(html).join('\n')}</pre>`);
  parts.push(`<div class="fix">${html(f.fix)}</div>`, '</div>');
  return parts.join('');
}

function fileSection(r: FileResult, i: number): string {
  const out = [
    `<section id="f${i + 1}"><h3><span class="mono">${html(r.path)}</span> <span class="muted small">${html(r.kind)}${r.files.length > 1 ? ` · ${plural(r.files.length, 'file')}` : ''}</span></h3>`,
  ];
  if (r.files.length > 1)
    out.push(fold('Files read', `<pre>${r.files.map(html).join('\n')}</pre>`));
  if (r.findings.length === 0) out.push('<p class="t-pass">No findings.</p>');
  for (const f of r.findings) out.push(findingItem(f));
  if (r.notes.length > 0)
    out.push(`<ul class="muted small">${r.notes.map((n) => `<li>${html(n)}</li>`).join('')}</ul>`);
  if (r.suppressed.length > 0)
    out.push(
      fold(
        `Suppressed: ${plural(r.suppressed.length, 'finding')}`,
        r.suppressed.map((s) => findingItem(s, s.reason)).join(''),
      ),
    );
  out.push('</section>');
  return out.join('\n');
}

/** The drawn hops of a lint chain: a hop is marked when one of the chain's findings is in its file. */
export function lintDrawnHops(chain: LintChain): DrawnHop[] {
  const client: DrawnHop = { title: 'client', lines: [] };
  return [
    client,
    ...chain.hops.map((h) => {
      const marks = [
        ...new Set(chain.findings.filter((f) => f.file === h.file).map((f) => f.rule)),
      ];
      const lines = [
        { text: `${h.kind} · ${h.file}` },
        ...h.writes.map((w) => ({ text: `writes ${w}` })),
        ...h.believes.map((b) => ({ text: `believes ${b}` })),
      ];
      return { title: h.label, lines, ...(marks.length > 0 ? { marks } : {}) };
    }),
  ];
}

function chainSection(c: LintChain, i: number): string {
  const caption = `Chain ${i + 1} (${c.source}): ${c.hops.map((h) => h.label).join(' -> ')}. A red frame marks the file that holds a cross-file finding.`;
  const findings =
    c.findings.length === 0
      ? '<p class="t-pass small">The cross-file rules found nothing on this chain.</p>'
      : c.findings.map((f) => findingItem(f)).join('');
  return `<section id="c${i + 1}">${drawChain(lintDrawnHops(c), caption)}${findings}</section>`;
}

/** The whole lint report as one HTML page. */
export function renderLintHtml(report: LintReport): string {
  const s = report.summary;
  const failed = lintExitCode(report) === 1;
  const worst = (['error', 'warning', 'info'] as const).find((sev) => s[sev] > 0);
  // below --fail-on: OK, said with what is left (as the audit's "OK, WARNINGS")
  const word = failed
    ? 'FAIL'
    : worst
      ? `OK, ${worst === 'info' ? 'NOTES' : `${worst.toUpperCase()}S`}`
      : 'OK';
  const cls = failed ? 'v-fail' : worst ? 'v-warn' : 'v-pass';
  const title = `proxytrust lint: ${plural(s.files, 'input')}`;
  const body = [
    reportHeader(
      word,
      cls,
      title,
      `fails on ${html(report.failOn)} and above · ${html(report.startedAt)} · ${report.durationMs} ms · proxytrust ${html(report.tool.version)}`,
      countChips([
        [s.error, 'error', 't-fail'],
        [s.warning, 'warning', 't-warn'],
        [s.info, 'info', 't-skip'],
        [s.suppressed, 'suppressed', 't-skip'],
      ]),
    ),
  ];
  const chains = report.chains ?? [];
  if (chains.length > 0) {
    body.push('<h2>Chains</h2>');
    chains.forEach((c, i) => {
      body.push(chainSection(c, i));
    });
  }
  for (const n of report.notes ?? []) body.push(`<p class="muted small">${html(n)}</p>`);
  body.push('<h2>Files</h2>');
  const ranked = report.results
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        Number(b.r.findings.some((f) => atLeast(f.severity, report.failOn))) -
          Number(a.r.findings.some((f) => atLeast(f.severity, report.failOn))) ||
        b.r.findings.length - a.r.findings.length ||
        a.i - b.i,
    );
  for (const { r, i } of ranked) body.push(fileSection(r, i));
  body.push(reportFooter(report.tool.version, report.schema));
  return page(title, body.join('\n'));
}
