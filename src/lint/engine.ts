/**
 * The lint engine: finds the inputs (files, directories, standard input), tells their kind
 * by name and content, parses them, runs the rules of their kind, applies suppressions and
 * returns the report. A file that cannot be parsed is a `lint/parse-error` finding; a file
 * that cannot be read is a {@link LintReadError} (the CLI's exit status 3).
 */

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TOOL_VERSION } from '../audit/types.js';
import { looksLikeIngress, parseIngress } from './ingress.js';
import {
  type ConfigFile,
  isDump,
  type Payload,
  parseConfig,
  parseDump,
  parseFileText,
} from './nginx/parser.js';
import { combine, type Node, rootScope } from './nginx/tree.js';
import {
  findRule,
  INGRESS_RULES,
  NGINX_RULES,
  parseError,
  suppressionWithoutReason,
} from './registry.js';
import type { Hit, Rule } from './rule.js';
import { render } from './rules/helpers.js';
import { configSuppression, type IgnoreEntry, inlineSuppressions } from './suppress.js';
import { isTemplateName, stripTemplateExt } from './template.js';
import {
  type FileResult,
  type Finding,
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
}

const NGINX_NAME =
  /(^|\/)(nginx\.conf|proxy_params|fastcgi_params|uwsgi_params|scgi_params|mime\.types)$|\.(conf|nginx|vhost)$|(^|\/)(sites-available|sites-enabled|conf\.d|snippets|nginx)\/[^/]+$/;
const YAML_NAME = /\.(ya?ml)$/i;
const NGINX_CONTENT =
  /^\s*(server|location|upstream|http|events|map)\b[^\n;]*\{|^\s*(proxy_pass|proxy_set_header|listen|server_name|include|set_real_ip_from)\s/m;

/** The kind of a file by name and content, or undefined when it is neither. */
export function detectKind(name: string, text: string): LintKind | undefined {
  const bare = stripTemplateExt(name);
  if (
    YAML_NAME.test(bare) ||
    (isTemplateName(name) && /^\s*[\w.-]+:\s/m.test(text) && !NGINX_CONTENT.test(text))
  ) {
    return looksLikeIngress(text) ? 'ingress-nginx' : undefined;
  }
  if (
    NGINX_NAME.test(bare) &&
    (NGINX_CONTENT.test(text) || /\.conf$/.test(bare) || text.trim() === '')
  )
    return 'nginx';
  if (NGINX_CONTENT.test(text) && !/^\s*[\w.-]+:\s*$/m.test(text)) return 'nginx';
  if (looksLikeIngress(text)) return 'ingress-nginx';
  return undefined;
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

/** One input, with its kind and text. */
interface Input {
  readonly path: string;
  readonly kind: LintKind;
  readonly text: string;
  /** Explicit (named on the command line) rather than found in a directory. */
  readonly explicit: boolean;
}

function collect(paths: readonly string[], opts: LintOptions): Input[] {
  const inputs: Input[] = [];
  for (const p of paths) {
    if (p === '-') {
      if (!opts.kind)
        throw new LintReadError('standard input needs --kind (nginx or ingress-nginx)');
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
        let text: string;
        try {
          text = read(f);
        } catch {
          continue;
        }
        if (text.includes('\u0000')) continue;
        const kind = opts.kind ?? detectKind(f, text);
        if (kind) inputs.push({ path: f, kind, text, explicit: false });
      }
    } else {
      const text = read(p);
      const kind =
        opts.kind ?? detectKind(p, text) ?? (YAML_NAME.test(p) ? 'ingress-nginx' : 'nginx');
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

function parseErrors(payload: Payload): { findings: Finding[]; notes: string[] } {
  const findings: Finding[] = [];
  const notes: string[] = [];
  for (const cf of payload.config) {
    for (const e of cf.errors) {
      if (/^No such file or directory/.test(e.error)) {
        notes.push(
          `${cf.file}:${e.line}: include not found (${e.error.replace(/^No such file or directory: /, '')}): its content is unknown`,
        );
        continue;
      }
      findings.push(
        finding(parseError, {
          at: { file: cf.file, line: e.line ?? 1, col: e.col ?? 1 },
          message: e.error,
          evidence: [],
        }),
      );
    }
  }
  return { findings, notes };
}

/** Lint one nginx input (a main file with its includes, a dump, or a fragment). */
function lintNginx(
  input: Input,
  opts: LintOptions,
): Omit<FileResult, 'suppressed'> & { texts: Map<string, string> } {
  let payload: Payload;
  const texts = new Map<string, string>();
  if (isDump(input.text)) {
    payload = parseDump(input.text);
  } else {
    payload = parseConfig(input.path === '-' ? '/dev/stdin' : input.path, {
      mainText: input.text,
      ...(opts.confRoot
        ? { confRoot: opts.confRoot }
        : input.path === '-'
          ? { confRoot: process.cwd() }
          : {}),
    });
    if (input.path === '-') {
      const main = payload.config[0] as ConfigFile;
      main.file = '-';
    }
  }
  for (const cf of payload.config) {
    if (cf.file === '-' || cf.file === input.path) texts.set(cf.file, input.text);
    else {
      try {
        texts.set(cf.file, readFileSync(cf.file, 'utf8'));
      } catch {
        /* a dump's files, or unreadable: suppressions read from the dump below */
      }
    }
  }
  if (isDump(input.text)) texts.set(input.path, input.text);
  const { findings, notes } = parseErrors(payload);
  const tree = combine(payload, opts.context);
  for (const c of tree.cycles) {
    findings.push(
      finding(parseError, {
        at: { file: c.file, line: c.line, col: c.col },
        message: `include cycle: ${c.chain.join(' -> ')}`,
        evidence: [],
      }),
    );
  }
  if (payload.config.some((c) => c.templated))
    notes.push('template markers were read as unknown values');
  const root = rootScope(tree);
  for (const rule of NGINX_RULES) {
    for (const hit of rule.check({ tree, root })) findings.push(finding(rule, hit));
  }
  return {
    path: input.path,
    kind: 'nginx',
    files: payload.config.map((c) => c.file),
    findings,
    notes,
    texts,
  };
}

function lintIngressInput(
  input: Input,
): Omit<FileResult, 'suppressed'> & { texts: Map<string, string> } {
  const parsed = parseIngress(input.path, input.text);
  const findings: Finding[] = parsed.errors.map((e) =>
    finding(parseError, {
      at: { file: input.path, line: e.line, col: e.col },
      message: e.message,
      evidence: [],
    }),
  );
  for (const rule of INGRESS_RULES)
    for (const hit of rule.check(parsed)) findings.push(finding(rule, hit));
  return {
    path: input.path,
    kind: 'ingress-nginx',
    files: [input.path],
    findings,
    notes: [],
    texts: new Map([[input.path, input.text]]),
  };
}

/** Apply inline and config suppressions; a reasonless inline one becomes a finding. */
function suppress(
  r: Omit<FileResult, 'suppressed'> & { texts: Map<string, string> },
  ignore: readonly IgnoreEntry[],
): FileResult {
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

/** Lint the given paths (files, directories, `-`). Throws {@link LintReadError} when a path cannot be read. */
export function lint(paths: readonly string[], opts: LintOptions = {}): LintReport {
  const started = Date.now();
  const startedAt = new Date(started).toISOString();
  const inputs = collect(paths, opts);
  // in a directory, a file that another one includes is linted as part of it, not alone
  const nginx = inputs.filter((i) => i.kind === 'nginx');
  const results: FileResult[] = [];
  const included = new Set<string>();
  const nginxResults = new Map<string, ReturnType<typeof lintNginx>>();
  for (const i of nginx) {
    const r = lintNginx(i, opts);
    nginxResults.set(i.path, r);
    for (const f of r.files.slice(1)) included.add(f);
  }
  for (const i of inputs) {
    if (i.kind === 'nginx') {
      if (!i.explicit && included.has(i.path)) continue;
      results.push(suppress(nginxResults.get(i.path)!, opts.ignore ?? []));
    } else results.push(suppress(lintIngressInput(i), opts.ignore ?? []));
  }
  return {
    schema: 'proxytrust-lint/1',
    tool: { name: 'proxytrust', version: TOOL_VERSION },
    startedAt,
    durationMs: Date.now() - started,
    failOn: opts.failOn ?? 'error',
    summary: summarizeLint(results),
    results,
  };
}

/** Lint one text as a file of a kind (examples, tests). */
export function lintText(
  text: string,
  kind: LintKind,
  opts: { name?: string; context?: 'http' | 'server' | 'location' } = {},
): FileResult {
  const name = opts.name ?? (kind === 'nginx' ? 'example.conf' : 'example.yaml');
  const input: Input = { path: name, kind, text, explicit: true };
  if (kind === 'nginx') {
    const cf = parseFileText(name, text);
    const payload: Payload = { status: cf.status, errors: cf.errors, config: [cf] };
    const { findings, notes } = parseErrors(payload);
    const tree = combine(payload, opts.context);
    const root = rootScope(tree);
    for (const rule of NGINX_RULES)
      for (const hit of rule.check({ tree, root })) findings.push(finding(rule, hit));
    return suppress(
      { path: name, kind, files: [name], findings, notes, texts: new Map([[name, text]]) },
      [],
    );
  }
  return suppress(lintIngressInput(input), []);
}

/** The base name shown for a path. */
export const shown = (p: string): string => (p === '-' ? '(stdin)' : basename(p));
