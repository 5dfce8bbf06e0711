/**
 * The lint engine: finds the inputs (files, directories, standard input), tells their kind
 * by name and content, parses them, runs the rules of their kind, applies suppressions and
 * returns the report. A file that cannot be parsed is a `lint/parse-error` finding; a file
 * that cannot be read is a {@link LintReadError} (the CLI's exit status 3).
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TOOL_VERSION } from '../audit/types.js';
import { crossLint } from './cross/index.js';
import type { KindOptions } from './kinds.js';
import type { HopModel } from './model.js';
import type { Node } from './nginx/tree.js';
import {
  findRule,
  HANDLERS,
  handlerOf,
  parseError,
  rulesFor,
  suppressionWithoutReason,
} from './registry.js';
import type { Hit, Rule } from './rule.js';
import { render } from './rules/helpers.js';
import { configSuppression, type IgnoreEntry, inlineSuppressions } from './suppress.js';
import { stripTemplateExt } from './template.js';
import {
  type FileResult,
  type Finding,
  LINT_KINDS,
  type LintKind,
  type LintReport,
  type LintSeverity,
  summarizeLint,
} from './types.js';

/** A file that could not be read (exit status 3). */
export class LintReadError extends Error {
  override readonly name = 'LintReadError';
}

/** Options of a lint run. */
export interface LintOptions {
  /** Declared kind (required for standard input; otherwise recognised per file). */
  readonly kind?: LintKind;
  /** Where relative nginx includes resolve (default: the main file's directory). */
  readonly confRoot?: string;
  /** The context of nginx fragments (default: inferred from what they hold). */
  readonly context?: 'http' | 'server' | 'location';
  readonly failOn?: LintSeverity;
  readonly ignore?: readonly IgnoreEntry[];
  /** Standard input's text, for the path `-`. */
  readonly stdin?: string;
  /**
   * Declared chains (`--chain`): each lists files from the client-facing hop to the app.
   * Files named here are linted too. Without one, chains are inferred from the files.
   */
  readonly chains?: readonly (readonly string[])[];
  /** The Django version, where the repository does not show it (`--django-version`). */
  readonly djangoVersion?: string;
}

/**
 * Files of another language, or documents, by the ending of their name: only the kinds
 * listed may read them. A TypeScript test or a Markdown page that quotes an nginx block is
 * neither nginx nor YAML; an Express source is still read as one, and a settings.py as
 * Django settings.
 */
const ONLY: readonly (readonly [RegExp, readonly LintKind[]])[] = [
  [/\.[cm]?[jt]sx?$/i, ['express']],
  [/\.py$/i, ['django', 'appserver']],
  [/\.(md|markdown|rst|adoc|html?|css|svg|xml|csv|log|map|lock)$/i, []],
];

/** The kind of a file by name and content, or undefined when it is none lint reads. */
export function detectKind(name: string, text: string): LintKind | undefined {
  const bare = stripTemplateExt(basename(name));
  const only = ONLY.find(([re]) => re.test(bare))?.[1];
  let best: LintKind | undefined;
  let score = 0;
  for (const h of HANDLERS) {
    if (only && !only.includes(h.kind)) continue;
    const c = h.detect(name, text);
    if (c > score) {
      score = c;
      best = h.kind;
      // unmistakable, and a later handler cannot win a tie: the rest need not read the text
      if (c === 3) break;
    }
  }
  return best;
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (!SKIP_DIRS.has(name)) out.push(...walk(p));
    } else if (st.isFile()) out.push(p);
  }
  return out;
}

function read(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new LintReadError(
      `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
}

/** One input (a file, a main configuration with its includes, or standard input). */
interface Input {
  readonly path: string;
  readonly kind: LintKind;
  readonly text: string;
  /** Explicit (named on the command line) rather than found in a directory. */
  readonly explicit: boolean;
}

function collect(paths: readonly string[], opts: LintOptions): Input[] {
  const inputs: Input[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    if (p === '-') {
      if (!opts.kind)
        throw new LintReadError(`standard input needs --kind (${LINT_KINDS.join(', ')})`);
      inputs.push({ path: '-', kind: opts.kind, text: opts.stdin ?? '', explicit: true });
      continue;
    }
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(p);
    } catch (e) {
      throw new LintReadError(
        `cannot read ${p}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    if (st.isDirectory()) {
      for (const f of walk(p)) {
        if (seen.has(f)) continue;
        let text: string;
        try {
          text = read(f);
        } catch {
          continue;
        }
        if (text.includes('\u0000')) continue;
        const kind = opts.kind ?? detectKind(f, text);
        if (kind) {
          seen.add(f);
          inputs.push({ path: f, kind, text, explicit: false });
        }
      }
    } else {
      if (seen.has(p)) continue;
      seen.add(p);
      const text = read(p);
      const kind =
        opts.kind ?? detectKind(p, text) ?? (/\.(ya?ml)$/i.test(p) ? 'ingress-nginx' : 'nginx');
      inputs.push({ path: p, kind, text, explicit: true });
    }
  }
  return inputs;
}

/** The `file:line: text` evidence line of a directive. */
function evidenceLine(e: Node | string): string {
  return typeof e === 'string' ? e : `${e.file}:${e.line}: ${render(e)}`;
}

function finding(rule: Pick<Rule, 'id' | 'severity' | 'fix'>, hit: Hit): Finding {
  return {
    rule: rule.id,
    severity: rule.severity,
    file: hit.at.file,
    line: hit.at.line,
    column: hit.at.col,
    message: hit.message,
    evidence: hit.evidence.map(evidenceLine),
    fix: hit.fix ?? rule.fix,
  };
}

/** One input linted on its own, before suppressions. */
interface Linted extends Omit<FileResult, 'suppressed' | 'findings'> {
  findings: Finding[];
  readonly texts: ReadonlyMap<string, string>;
  readonly models: readonly HopModel[];
}

/** Parse one input with its kind's handler and run the kind's rules. */
function lintInput(input: Input, opts: KindOptions): Linted {
  const handler = handlerOf(input.kind);
  const parsed = handler.parse(input.path, input.text, opts);
  const findings = parsed.problems.map((p) =>
    finding(parseError, {
      at: { file: p.file, line: p.line, col: p.col },
      message: p.message,
      evidence: [],
    }),
  );
  for (const rule of rulesFor(input.kind)) {
    const check = rule.check as (i: unknown) => Hit[];
    for (const hit of check(parsed.input)) findings.push(finding(rule, hit));
  }
  return {
    path: input.path,
    kind: input.kind,
    files: parsed.files,
    findings,
    notes: [...parsed.notes],
    texts: parsed.texts,
    models: handler.model?.(parsed.input) ?? [],
  };
}

/** Apply inline and config suppressions; a reasonless inline one becomes a finding. */
function suppress(r: Linted, ignore: readonly IgnoreEntry[]): FileResult {
  const findings: Finding[] = [];
  const suppressed: (Finding & { reason: string })[] = [];
  const inline = new Map<string, ReturnType<typeof inlineSuppressions>>();
  for (const [file, text] of r.texts) {
    const list = inlineSuppressions(text);
    inline.set(file, list);
    for (const s of list) {
      if (s.reason === '' || s.rules.length === 0) {
        findings.push(
          finding(suppressionWithoutReason, {
            at: { file, line: s.line, col: s.col },
            message:
              s.rules.length === 0
                ? 'a suppression names no rule'
                : `the suppression of ${s.rules.join(', ')} gives no reason (write " -- why"), so it is ignored`,
            evidence: [`${file}:${s.line}: ${text.split('\n')[s.line - 1]!.trim()}`],
          }),
        );
      } else {
        for (const id of s.rules) {
          if (!findRule(id))
            findings.push(
              finding(suppressionWithoutReason, {
                at: { file, line: s.line, col: s.col },
                message: `the suppression names an unknown rule "${id}"`,
                evidence: [],
              }),
            );
        }
      }
    }
  }
  for (const f of r.findings) {
    const s = (inline.get(f.file) ?? []).find(
      (x) =>
        x.reason !== '' && x.rules.includes(f.rule) && (x.covers === f.line || x.line === f.line),
    );
    if (s) {
      suppressed.push({ ...f, reason: s.reason });
      continue;
    }
    const c = configSuppression(f, ignore);
    if (c) {
      suppressed.push({ ...f, reason: c.reason });
      continue;
    }
    findings.push(f);
  }
  const order = (a: Finding, b: Finding) =>
    a.file < b.file
      ? -1
      : a.file > b.file
        ? 1
        : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : 1);
  return {
    path: r.path,
    kind: r.kind,
    files: r.files,
    findings: findings.sort(order),
    suppressed,
    notes: r.notes,
  };
}

const kindOptions = (opts: LintOptions): KindOptions => ({
  ...(opts.confRoot ? { confRoot: opts.confRoot } : {}),
  ...(opts.context ? { context: opts.context } : {}),
  ...(opts.djangoVersion ? { djangoVersion: opts.djangoVersion } : {}),
});

/**
 * Lint the given paths (files, directories, `-`), then the chains they form. Throws
 * {@link LintReadError} when a path cannot be read.
 */
export function lint(paths: readonly string[], opts: LintOptions = {}): LintReport {
  const started = Date.now();
  const declared = opts.chains ?? [];
  const named = new Set(paths);
  const extra = declared.flat().filter((f) => !named.has(f) && f !== '-');
  const inputs = collect([...paths, ...new Set(extra)], opts);
  return report(inputs, declared, kindOptions(opts), opts, started);
}

/**
 * Lint texts as the files of one deployment, reading nothing from disk (cross-file
 * examples, tests): each file's kind by its name and content unless `kind` is given.
 */
export function lintTexts(
  files: readonly { readonly name: string; readonly text: string; readonly kind?: LintKind }[],
  opts: { chains?: readonly (readonly string[])[]; djangoVersion?: string } = {},
): LintReport {
  const started = Date.now();
  const inputs: Input[] = [];
  for (const f of files) {
    const kind = f.kind ?? detectKind(f.name, f.text);
    if (kind) inputs.push({ path: f.name, kind, text: f.text, explicit: true });
  }
  return report(
    inputs,
    opts.chains ?? [],
    { noIncludes: true, ...(opts.djangoVersion ? { djangoVersion: opts.djangoVersion } : {}) },
    {},
    started,
  );
}

function report(
  inputs: readonly Input[],
  declared: readonly (readonly string[])[],
  kopts: KindOptions,
  opts: Pick<LintOptions, 'failOn' | 'ignore'>,
  started: number,
): LintReport {
  const linted = inputs.map((i) => lintInput(i, kopts));
  // in a directory, a file that another one includes is linted as part of it, not alone
  const included = new Set<string>();
  for (const r of linted) for (const f of r.files.slice(1)) included.add(f);
  const kept = linted.filter((r, k) => inputs[k]!.explicit || !included.has(r.path));
  // the chains: declared, or inferred from what the files say of their hops
  const cross = crossLint(
    kept.flatMap((r) => r.models),
    declared,
  );
  for (const { rule, hit } of cross.hits) {
    const f = finding(rule, hit);
    const owner = kept.find((r) => r.files.includes(f.file)) ?? kept[0];
    owner?.findings.push(f);
  }
  const results = kept.map((r) => suppress(r, opts.ignore ?? []));
  const all = results.flatMap((r) => r.findings);
  return {
    schema: 'proxytrust-lint/1',
    tool: { name: 'proxytrust', version: TOOL_VERSION },
    startedAt: new Date(started).toISOString(),
    durationMs: Date.now() - started,
    failOn: opts.failOn ?? 'error',
    summary: summarizeLint(results),
    results,
    ...(cross.chains.length > 0
      ? {
          chains: cross.chains.map((c) => ({
            source: c.chain.source,
            hops: c.chain.hops.map((h) => ({
              file: h.file,
              kind: h.kind,
              label: h.label,
              writes: [...new Set(h.writes.map((w) => w.name))],
              believes: [...new Set(h.believes.map((b) => b.name))],
            })),
            findings: all.filter((f) => c.hits.some((h) => sameHit(f, h))),
          })),
        }
      : {}),
    ...(cross.notes.length > 0 ? { notes: cross.notes } : {}),
  };
}

const sameHit = (f: Finding, h: { rule: Rule; hit: Hit }): boolean =>
  f.rule === h.rule.id &&
  f.file === h.hit.at.file &&
  f.line === h.hit.at.line &&
  f.message === h.hit.message;

/** Lint one text as a file of a kind (examples, tests): no other file is read. */
export function lintText(
  text: string,
  kind: LintKind,
  opts: { name?: string; context?: 'http' | 'server' | 'location'; djangoVersion?: string } = {},
): FileResult {
  const name = opts.name ?? DEFAULT_NAME[kind];
  return suppress(
    lintInput(
      { path: name, kind, text, explicit: true },
      { noIncludes: true, ...kindOptions(opts) },
    ),
    [],
  );
}

/** The file name an example of a kind gets by default. */
export const DEFAULT_NAME: Readonly<Record<LintKind, string>> = {
  nginx: 'example.conf',
  'ingress-nginx': 'example.yaml',
  haproxy: 'haproxy.cfg',
  caddy: 'Caddyfile',
  apache: 'apache2.conf',
  django: 'settings.py',
  appserver: 'gunicorn.conf.py',
  compose: 'compose.yaml',
  express: 'app.js',
};

/** The base name shown for a path. */
export const shown = (p: string): string => (p === '-' ? '(stdin)' : basename(p));
