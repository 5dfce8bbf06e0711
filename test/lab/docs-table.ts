/**
 * Regenerate the generated parts of docs/lab.md: the scenario catalogue (from the data in
 * scenarios.ts) and the table of what the naive app believed against what proxytrust
 * resolved (from the records the last lab run wrote, see check.ts RESULTS_DIR).
 *
 *     node scripts/test.mjs test/lab && node --import tsx test/lab/docs-table.ts
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECK_IDS } from '../../src/audit/types.js';
import { RESULTS_DIR, type RecordedRow, type ScenarioRecord } from './check.js';
import { scenarios } from './scenarios.js';
import type { AppSpec } from './types.js';

const docPath = fileURLToPath(new URL('../../docs/lab.md', import.meta.url));

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function appText(app: AppSpec): string {
  switch (app.kind) {
    case 'node':
      return `Node + proxytrust, trusts ${[app.policy.trustedProxies].flat().join(', ')}`;
    case 'django':
      return `Django 3.2 under ${app.server ?? 'gunicorn'}${app.probe ? ', with the Django probe' : ''}`;
    case 'wsgi':
      return `Flask under ${app.server}${app.proxyFix ? ' with ProxyFix(x_for=1, x_proto=1, x_host=1)' : ', no ProxyFix'}, WSGI probe`;
    case 'asgi':
      return `Starlette under uvicorn ${app.uvicornArgs.join(' ')}, ASGI probe`;
    case 'framework':
      return app.framework === 'koa'
        ? `Koa, app.proxy = ${app.proxy}${app.maxIpsCount !== undefined ? `, maxIpsCount = ${app.maxIpsCount}` : ''}, Node probe`
        : `${app.framework === 'express' ? 'Express, trust proxy' : 'Fastify, trustProxy'} = ${JSON.stringify(app.trustProxy)}, Node probe`;
  }
}

function catalogue(): string {
  const lines = [
    '| scenario | item | right? | chain | app | audit must fail |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const s of scenarios) {
    const chain = s.hops.map((h) => `${h.kind} (${h.behaviour})`).join(' -> ');
    const app = appText(s.app);
    lines.push(
      `| \`${s.name}\` | ${s.catalogue} | ${s.correct ? 'right' : 'wrong'} | ${cell(`${s.summary}. ${chain}`)} | ${cell(app)} | ${s.groundTruth.audit.fail.map((c) => `\`${c}\``).join(', ') || 'none'} |`,
    );
  }
  return lines.join('\n');
}

function view(v: RecordedRow['proxytrust']): string {
  if ('refused' in v) return `refused (${v.refused})`;
  return `${v.scheme}://${v.host ?? '?'} from ${v.clientIp}`;
}

const PICKS: [RecordedRow['via'], RecordedRow['attempt'], string][] = [
  ['https', 'honest', 'honest, https'],
  ['http', 'x-forwarded-proto', 'http + `X-Forwarded-Proto: https`'],
  ['https', 'x-forwarded-host', 'https + `X-Forwarded-Host: evil.example`'],
  ['https', 'x-forwarded-for', 'https + `X-Forwarded-For: 203.0.113.66, 127.0.0.10`'],
  ['direct', 'forwarded', 'straight to the app + `Forwarded`'],
];

function beliefs(): string {
  const lines = [
    '| scenario | request | truth | naive Express (`trust proxy = true`) | proxytrust |',
    '| --- | --- | --- | --- | --- |',
  ];
  let found = 0;
  for (const s of scenarios) {
    const file = join(RESULTS_DIR, `${s.name}.json`);
    if (!existsSync(file)) continue;
    found++;
    const rec = JSON.parse(readFileSync(file, 'utf8')) as ScenarioRecord;
    for (const [via, attempt, label] of PICKS) {
      const r = rec.rows.find((x) => x.via === via && x.attempt === attempt);
      if (!r) continue;
      const naive = `${r.naive.protocol}://${r.naive.host ?? '?'} from ${r.naive.ip ?? '?'}`;
      const truth = view(r.truth);
      const mark = (v: string) => (v === truth ? v : `**${v}**`);
      lines.push(
        `| \`${s.name}\` | ${label} | ${truth} | ${mark(naive)} | ${mark(view(r.proxytrust))} |`,
      );
    }
  }
  if (found === 0) throw new Error(`no lab records in ${RESULTS_DIR}: run the lab first`);
  return lines.join('\n');
}

interface MatrixRow {
  readonly scenario: string;
  readonly correct: boolean;
  readonly probe: boolean;
  readonly cells: Record<string, { expected: string; got: string; summary: string }>;
}

const SHORT: Record<string, string> = {
  pass: 'pass',
  fail: '**FAIL**',
  warn: 'warn',
  skip: 'skip',
  error: '**ERROR**',
};

/**
 * The confusion matrix: scenario x check, what the audit gave, from the records the last run
 * of test/audit/lab-verdicts.test.ts wrote. A cell that differs from the ground truth shows
 * both ("want pass, got fail"); `-` in the ground truth means not asserted (explained in the
 * scenario's notes).
 */
export function matrix(): string {
  const dir = join(RESULTS_DIR, 'audit-matrix');
  if (!existsSync(dir))
    throw new Error(`no audit matrix in ${dir}: run test/audit/lab-verdicts.test.ts`);
  const rows = new Map<string, MatrixRow>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
    const r = JSON.parse(readFileSync(join(dir, f), 'utf8')) as MatrixRow;
    rows.set(r.scenario, r);
  }
  let asserted = 0;
  let falseFailures = 0;
  let missedFailures = 0;
  let other = 0;
  let count = 0;
  const lines = [
    `| scenario | right? | probe | ${CHECK_IDS.join(' | ')} |`,
    `| --- | --- | --- | ${CHECK_IDS.map(() => '---').join(' | ')} |`,
  ];
  for (const s of scenarios) {
    const r = rows.get(s.name);
    if (!r) continue;
    count++;
    const cells = CHECK_IDS.map((id) => {
      const c = r.cells[id];
      if (!c) return ' ';
      if (c.got === 'fail' && c.expected !== 'fail' && (c.expected !== '-' || r.correct))
        falseFailures++;
      if (c.expected === 'fail' && c.got !== 'fail') missedFailures++;
      if (c.expected === '-') return `${SHORT[c.got] ?? c.got} (-)`;
      asserted++;
      if (c.expected !== c.got) {
        if (c.expected !== 'fail' && c.got !== 'fail') other++;
        return `want ${c.expected}, got ${c.got}`;
      }
      return SHORT[c.got] ?? c.got;
    });
    lines.push(
      `| \`${s.name}\` | ${r.correct ? 'right' : 'wrong'} | ${r.probe ? 'yes' : 'no'} | ${cells.join(' | ')} |`,
    );
  }
  if (count === 0) throw new Error(`no audit matrix rows in ${dir}`);
  lines.push(
    '',
    `Totals: ${count} scenarios x ${CHECK_IDS.length} checks = ${count * CHECK_IDS.length} verdicts, ${asserted} of them asserted by the ground truth; **${falseFailures} false failures, ${missedFailures} missed failures**, ${other} other disagreements. \`(-)\` marks a verdict the ground truth does not assert (see the scenario's notes); a right scenario still may not fail there.`,
  );
  return lines.join('\n');
}

function replaceBetween(doc: string, marker: string, body: string): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`docs/lab.md lacks the ${marker} markers`);
  return `${doc.slice(0, i + start.length)}\n${body}\n${doc.slice(j)}`;
}

let doc = readFileSync(docPath, 'utf8');
doc = replaceBetween(doc, 'lab-scenarios', catalogue());
doc = replaceBetween(doc, 'lab-beliefs', beliefs());
doc = replaceBetween(doc, 'audit-matrix', matrix());
writeFileSync(docPath, doc);
process.stdout.write(`docs/lab.md: ${scenarios.length} scenarios\n`);
