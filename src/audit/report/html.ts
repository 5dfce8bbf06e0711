/**
 * The HTML report (`--format html`): one self-contained page with no script, for a review,
 * a ticket or a compliance record. A header with the verdict and counts; for a fleet, a
 * targets x checks grid linking into each target's section; per target the chain drawn
 * (client -> proxies -> app, from the probe when there is one) with the hop that owns each
 * failing check's fix marked; per check the verdict, summary, basis and fix, with the
 * evidence exchanges folded. Everything from a target is escaped (src/report/html.ts).
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
import { chainFromOutside, fixOwnerHop } from '../chain.js';
import type {
  AuditChain,
  AuditReport,
  CheckId,
  CheckResult,
  Evidence,
  Status,
  Summary,
  TargetReport,
} from '../types.js';
import { fleetLine, summaryLine, targetVerdict } from './text.js';

const ORDER: readonly Status[] = ['fail', 'error', 'warn', 'pass', 'skip'];

const BASIS: Record<NonNullable<CheckResult['basis']>, string> = {
  probe: 'seen by the probe (the app’s own answer)',
  outside: 'seen from outside',
  'probe+outside': 'seen by the probe and from outside',
};

/** The anchor of a target's section, and of one check in it (ids the report makes, never text). */
const targetAnchor = (i: number) => `t${i + 1}`;
const checkAnchor = (i: number, id: CheckId) => `t${i + 1}-${id}`;

/** A verdict word's colour class. */
function verdictClass(t: TargetReport): string {
  if (!t.reachable) return 'v-error';
  if (t.summary.fail + t.summary.error > 0) return 'v-fail';
  return t.summary.warn > 0 ? 'v-warn' : 'v-pass';
}

function counts(s: Summary): string {
  return countChips(ORDER.map((st) => [s[st], st, `t-${st}`] as const));
}

function evidenceBlock(e: Evidence): string {
  const lines = [
    ...e.request.split('\n').map((l) => `> ${l}`),
    ...(e.error ? [`! ${e.error}`] : []),
    ...(e.response ?? []).map((l) => `< ${l}`),
  ];
  return fold(html(e.label), `<pre>${lines.map(html).join('\n')}</pre>`);
}

function checkItem(r: CheckResult, i: number): string {
  const parts = [
    `<div class="item s-${r.status}" id="${checkAnchor(i, r.id)}">`,
    `<div class="head">${badge(r.status)} <span class="id mono">${html(r.id)}</span> <span>${html(r.title)}</span> <span class="muted small">${html(r.severity)}${r.basis ? ` · ${html(BASIS[r.basis])}` : ''} · ${r.durationMs} ms</span></div>`,
    `<div class="summary">${html(r.summary)}</div>`,
  ];
  if (r.reason && r.reason !== r.summary && r.status !== 'skip')
    parts.push(`<div class="muted">${html(r.reason)}</div>`);
  if (r.fix) parts.push(`<div class="fix">${html(r.fix)}</div>`);
  if (r.evidence.length > 0)
    parts.push(
      fold(
        `Evidence: ${plural(r.evidence.length, 'exchange')}`,
        r.evidence.map(evidenceBlock).join(''),
      ),
    );
  parts.push('</div>');
  return parts.join('');
}

/** The drawn hops of a chain, with the marks of the failing and warning checks. */
export function drawnHops(chain: AuditChain, results: readonly CheckResult[]): DrawnHop[] {
  const marks = chain.hops.map(() => [] as string[]);
  for (const r of results) {
    if (r.status !== 'fail' && r.status !== 'warn') continue;
    const at = fixOwnerHop(chain, r.id);
    if (at !== undefined) marks[at]!.push(r.id);
  }
  return chain.hops.map((h, i) => {
    const lines: { text: string; bad?: boolean }[] = [];
    if (h.address !== undefined) lines.push({ text: `address ${h.address}` });
    if (h.role === 'entry') lines.push({ text: 'a proxy, or the app itself' });
    for (const w of h.wrote) lines.push({ text: w });
    if (h.role === 'app') {
      for (const b of h.believed ?? []) lines.push({ text: `believes ${b}` });
      if (chain.source === 'probe') {
        const names = Object.keys(chain.arrived);
        if (names.length === 0) lines.push({ text: 'received no forwarded header' });
        for (const name of names) {
          const dup = chain.duplicates.includes(name);
          for (const v of chain.arrived[name]!)
            lines.push({ text: `${dup ? '⚠ ' : ''}${name}: ${v}`, ...(dup ? { bad: true } : {}) });
        }
      } else lines.push({ text: 'not seen without a probe' });
    }
    return { title: h.label, lines, ...(marks[i]!.length > 0 ? { marks: marks[i]! } : {}) };
  });
}

function chainFigure(t: TargetReport): string {
  const chain = t.chain ?? chainFromOutside(t.url);
  const caption =
    chain.source === 'probe'
      ? 'The chain as the probe saw it over https: each proxy’s address and what it added, the forwarded headers that reached the app, and what the app believed. A red frame marks the hop that owns a failing check’s fix.'
      : 'The chain as seen from outside: only the entry point is known. A red frame marks the hop that owns a failing check’s fix.';
  const notes = chain.notes.map((n) => `<li>${html(n)}</li>`).join('');
  return `${drawChain(drawnHops(chain, t.results), caption)}${notes ? `<ul class="muted small">${notes}</ul>` : ''}`;
}

function targetSection(t: TargetReport, i: number, fleet: boolean): string {
  const verdict = targetVerdict(t);
  const out = [
    `<section id="${targetAnchor(i)}">`,
    fleet ? `<h2>${badge(verdict, verdictClass(t).slice(2))} ${html(t.url)}</h2>` : '',
    `<p class="muted small">https: <span class="mono">${html(t.url)}</span> · http entry: <span class="mono">${html(t.httpUrl)}</span> · canary <span class="mono">${html(t.canary.host)}</span> · started ${html(t.startedAt)} · ${t.durationMs} ms</p>`,
  ];
  if (!t.reachable) {
    out.push(
      `<div class="item s-error"><div class="head">${badge('error')} <b>${html(verdict)}</b></div><div>${html(t.unreachableReason ?? 'no response')}</div><div class="muted">${plural(t.results.length, 'check')} not run.</div></div>`,
    );
    const ev = t.results[0]?.evidence ?? [];
    if (ev.length > 0) out.push(fold('Evidence', ev.map(evidenceBlock).join('')));
    out.push('</section>');
    return out.join('\n');
  }
  if (fleet) out.push(counts(t.summary));
  out.push('<h3>Chain</h3>', chainFigure(t), '<h3>Checks</h3>');
  const sorted = [...t.results].sort((a, b) => ORDER.indexOf(a.status) - ORDER.indexOf(b.status));
  for (const r of sorted) out.push(checkItem(r, i));
  out.push('</section>');
  return out.join('\n');
}

function fleetGrid(report: AuditReport): string {
  const ids = [...new Set(report.targets.flatMap((t) => t.results.map((r) => r.id)))];
  const glyph: Record<Status, string> = { pass: '✓', fail: '✗', warn: '!', skip: '–', error: '?' };
  const head = `<tr><th class="t">target</th><th class="t">verdict</th>${ids.map((id) => `<th><span class="mono">${html(id)}</span></th>`).join('')}</tr>`;
  const rows = report.targets.map((t, i) => {
    const v = `<td class="t">${badge(targetVerdict(t), verdictClass(t).slice(2))}</td>`;
    const name = `<td class="t"><a href="#${targetAnchor(i)}" class="mono">${html(t.url)}</a></td>`;
    if (!t.reachable)
      return `<tr>${name}${v}<td colspan="${ids.length}" class="t t-error">${html(t.unreachableReason ?? 'no response')}</td></tr>`;
    const cells = ids.map((id) => {
      const r = t.results.find((x) => x.id === id);
      if (!r) return '<td class="muted">·</td>';
      return `<td><a class="t-${r.status}" href="#${checkAnchor(i, id)}" title="${html(`${id}: ${r.status}`)}">${glyph[r.status]}</a></td>`;
    });
    return `<tr>${name}${v}${cells.join('')}</tr>`;
  });
  return `<table class="grid"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table><p class="muted small">✓ pass · ✗ fail · ! warn · ? error · – skipped. Each cell links to the check in its target’s section.</p>`;
}

/** The verdict of the whole report: its word and colour class. */
function overall(report: AuditReport): { word: string; cls: string } {
  const ts = report.targets;
  if (ts.length === 1) {
    const t = ts[0]!;
    const w = targetVerdict(t);
    return { word: w === 'OK' && t.summary.warn > 0 ? 'OK, WARNINGS' : w, cls: verdictClass(t) };
  }
  if (ts.some((t) => t.reachable && t.summary.fail + t.summary.error > 0))
    return { word: 'FAIL', cls: 'v-fail' };
  if (ts.some((t) => !t.reachable)) return { word: 'NOT ALL AUDITED', cls: 'v-error' };
  if (ts.some((t) => t.summary.warn > 0)) return { word: 'OK, WARNINGS', cls: 'v-warn' };
  return { word: 'OK', cls: 'v-pass' };
}

/** The whole report as one HTML page. */
export function renderHtml(report: AuditReport): string {
  const fleet = report.targets.length > 1;
  const v = overall(report);
  const title = fleet
    ? `proxytrust audit: ${report.targets.length} targets`
    : `proxytrust audit ${report.targets[0]?.url ?? ''}`;
  const header = reportHeader(
    v.word,
    v.cls,
    title,
    `${html(fleet ? `${fleetLine(report)} · ` : '')}checks: ${html(summaryLine(report.summary))} · ${html(report.startedAt)} · ${report.durationMs} ms · proxytrust ${html(report.tool.version)}`,
    counts(report.summary),
  );
  const body = [header];
  if (fleet) body.push('<h2>Targets and checks</h2>', fleetGrid(report));
  report.targets.forEach((t, i) => {
    body.push(targetSection(t, i, fleet));
  });
  body.push(reportFooter(report.tool.version, report.schema));
  return page(title, body.join('\n'));
}
