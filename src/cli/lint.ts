/**
 * `proxytrust lint`: check nginx and ingress-nginx configuration files before they ship.
 * Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage error,
 * 3 a file could not be read.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadProjectConfig, PROJECT_CONFIG_FILE } from '../config/project.js';
import { djangoVersion, LintConfigError, parseLintConfig } from '../lint/config.js';
import { LintReadError, lint } from '../lint/engine.js';
import { RULES } from '../lint/registry.js';
import { renderLintHtml } from '../lint/report/html.js';
import { renderLintJson } from '../lint/report/json.js';
import { renderLintJunit } from '../lint/report/junit.js';
import { renderLintSarif } from '../lint/report/sarif.js';
import { renderLintText } from '../lint/report/text.js';
import {
  LINT_KINDS,
  type LintKind,
  type LintReport,
  type LintSeverity,
  lintExitCode,
} from '../lint/types.js';
import { UsageError } from './usage.js';

export const LINT_HELP = `Usage: proxytrust lint [options] <file|directory|->...

Check the configuration files between a client and the app (nginx, ingress-nginx and the
other kinds below) for the mistakes that break or spoof forwarded headers: duplicate
scheme headers, client headers relayed, real-IP trust, headers the app believes that the
proxy in front never writes, and more (docs/lint.md).

  --kind K                 ${LINT_KINDS.join(', ')}
                           (required for standard input "-"; otherwise told by name and content)
  --chain F1,F2,...        the files of one deployment, from the client-facing proxy to the
                           app (repeatable); without it the chain is inferred from the files
  --format F               text (default), json, junit, sarif or html (one self-contained page)
  --output FILE            write the report to FILE instead of standard output
  --fail-on S              error (default), warning or info: the least severity that fails
  --conf-root DIR          where relative nginx includes resolve (default: the main file's directory)
  --context C              http, server or location: the block an nginx fragment belongs in
  --django-version V       the Django version (4.2), where requirements files do not show it
  --config FILE            read the "lint" section of a proxytrust.json
  --no-color               no colours in the text report (also NO_COLOR)
  -h, --help               this help

Rules: ${RULES.map((r) => r.id).join(', ')}

Exit status: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage error,
3 a file could not be read.`;

/** The report formats of `lint --format`. */
export const LINT_FORMATS = ['text', 'json', 'junit', 'sarif', 'html'] as const;

/** One lint report format. */
export type LintFormat = (typeof LINT_FORMATS)[number];

function oneOf<T extends string>(
  v: string | undefined,
  allowed: readonly T[],
  flag: string,
): T | undefined {
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v))
    throw new UsageError(`${flag} must be ${allowed.join(', ')}, not "${v}"`);
  return v as T;
}

/** Parse the command line (and the config file's section, which flags override). */
export function parseLintArgs(argv: string[]) {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return { help: true as const };
  // The "lint" section of proxytrust.json: the file --config names, or ./proxytrust.json
  // when no path is given (the pre-commit hook runs `proxytrust lint` with no arguments).
  let config: ReturnType<typeof parseLintConfig> | undefined;
  const configFile =
    v.config ??
    (parsed.positionals.length === 0 && existsSync(PROJECT_CONFIG_FILE)
      ? PROJECT_CONFIG_FILE
      : undefined);
  if (configFile !== undefined) {
    const project = loadProjectConfig(configFile);
    if (project.lint === undefined) throw new UsageError(`${configFile} has no "lint" section`);
    try {
      config = parseLintConfig(project.lint);
    } catch (e) {
      if (e instanceof LintConfigError) throw new UsageError(`${configFile}: ${e.message}`);
      throw e;
    }
  }
  const format = oneOf(v.format, LINT_FORMATS, '--format') ?? 'text';
  const kind = oneOf(v.kind, LINT_KINDS, '--kind') ?? config?.kind;
  const chains =
    v.chain !== undefined
      ? v.chain.map((c) => {
          const files = c.split(',').filter((f) => f !== '');
          if (files.length < 2)
            throw new UsageError(
              `--chain ${c}: name at least two files, the proxy in front then the app (--chain edge.conf,settings.py)`,
            );
          return files;
        })
      : config?.chains;
  let django = config?.djangoVersion;
  if (v['django-version'] !== undefined) {
    try {
      django = djangoVersion(v['django-version'], '--django-version');
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const failOn =
    oneOf(v['fail-on'], ['error', 'warning', 'info'] as const, '--fail-on') ??
    config?.failOn ??
    'error';
  const context =
    oneOf(v.context, ['http', 'server', 'location'] as const, '--context') ?? config?.context;
  const paths = parsed.positionals.length > 0 ? parsed.positionals : [...(config?.paths ?? [])];
  if (paths.length === 0)
    throw new UsageError(
      'give at least one file, directory or "-", or a proxytrust.json with lint.paths (see proxytrust lint --help)',
    );
  if (paths.includes('-') && !kind)
    throw new UsageError(`standard input ("-") needs --kind (${LINT_KINDS.join(', ')})`);
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('"-" may be given once');
  return {
    help: false as const,
    paths,
    format,
    output: v.output,
    noColor: v['no-color'] === true,
    options: {
      ...(kind ? { kind: kind as LintKind } : {}),
      failOn: failOn as LintSeverity,
      ...((v['conf-root'] ?? config?.confRoot)
        ? { confRoot: (v['conf-root'] ?? config?.confRoot)! }
        : {}),
      ...(context ? { context } : {}),
      ignore: config?.ignore ?? [],
      ...(chains ? { chains } : {}),
      ...(django ? { djangoVersion: django } : {}),
    },
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      kind: { type: 'string' },
      format: { type: 'string' },
      output: { type: 'string' },
      'fail-on': { type: 'string' },
      'conf-root': { type: 'string' },
      context: { type: 'string' },
      config: { type: 'string' },
      chain: { type: 'string', multiple: true },
      'django-version': { type: 'string' },
      'no-color': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** Render a lint report in a format. */
export function renderLintReport(report: LintReport, format: LintFormat, color = false): string {
  switch (format) {
    case 'html':
      return renderLintHtml(report);
    case 'json':
      return renderLintJson(report);
    case 'junit':
      return renderLintJunit(report);
    case 'sarif':
      return renderLintSarif(report);
    default:
      return `${renderLintText(report, { color })}\n`;
  }
}

/** Where the command writes and reads. */
export interface LintIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly stdin?: () => string;
  readonly stdoutTty?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Run `proxytrust lint`; returns the exit status (usage errors throw {@link UsageError}). */
export function runLint(argv: string[], io: LintIo): number {
  const args = parseLintArgs(argv);
  if (args.help) {
    io.out(LINT_HELP);
    return 0;
  }
  let report: LintReport;
  try {
    const stdin = args.paths.includes('-')
      ? (io.stdin ?? (() => readFileSync(0, 'utf8')))()
      : undefined;
    report = lint(args.paths, { ...args.options, ...(stdin !== undefined ? { stdin } : {}) });
  } catch (e) {
    if (e instanceof LintReadError) {
      io.err(`proxytrust lint: ${e.message}`);
      return 3;
    }
    throw e;
  }
  const env = io.env ?? process.env;
  const color = !args.output && io.stdoutTty === true && !args.noColor && !env.NO_COLOR;
  const text = renderLintReport(report, args.format, color);
  if (args.output) {
    try {
      writeFileSync(args.output, text);
    } catch (e) {
      io.err(`proxytrust lint: cannot write ${args.output}: ${(e as Error).message}`);
      return 3;
    }
    const s = report.summary;
    io.err(
      `proxytrust lint: ${s.error} error(s), ${s.warning} warning(s), ${s.info} info; report in ${args.output}`,
    );
  } else io.out(text.replace(/\n$/, ''));
  return lintExitCode(report);
}

/** The `lint` command as the CLI calls it. */
export function lintCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): number {
  try {
    return runLint(argv, { out, err, stdoutTty: process.stdout.isTTY === true });
  } catch (e) {
    if (e instanceof UsageError) {
      err(`proxytrust: ${e.message}`);
      return 2;
    }
    err(`proxytrust: internal error: ${(e as Error)?.stack ?? String(e)}`);
    return 70;
  }
}
