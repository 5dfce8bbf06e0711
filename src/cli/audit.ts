/**
 * `proxytrust audit`: prove against a live deployment that the chain keeps the trust
 * contract. Exit status: 0 nothing failed, 1 a check failed (or could not reach a verdict),
 * 2 usage error, 3 a target was unreachable.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { TargetOptions } from '../audit/context.js';
import { parseConnectToRule, parseResolveRule, RuleSyntaxError } from '../audit/network.js';
import { isCheckId } from '../audit/registry.js';
import { escapeControls } from '../audit/report/escape.js';
import { renderHtml } from '../audit/report/html.js';
import { renderJson } from '../audit/report/json.js';
import { renderJunit } from '../audit/report/junit.js';
import { renderSarif } from '../audit/report/sarif.js';
import { fleetLine, renderText, summaryLine, targetVerdict } from '../audit/report/text.js';
import { auditFleet } from '../audit/run.js';
import {
  type AuditReport,
  CHECK_IDS,
  type CheckId,
  exitCodeFor,
  type TargetReport,
} from '../audit/types.js';
import { loadProjectConfig, parseProjectConfig } from '../config/project.js';
import { AUDIT_HELP } from './help.js';
import { didYouMean, parseCommandLine, UsageError } from './usage.js';

export { AUDIT_HELP };

/** The report formats of `audit --format`. */
export const AUDIT_FORMATS = ['text', 'json', 'junit', 'sarif', 'html'] as const;

/** One report format. */
export type AuditFormat = (typeof AUDIT_FORMATS)[number];

/** Where the CLI writes. */
export interface CliIo {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  /** Whether standard output is a terminal (colours). */
  readonly stdoutTty?: boolean;
  /** Whether standard error is a terminal (the fleet progress bar). */
  readonly stderrTty?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

function ids(values: readonly string[] | undefined, flag: string): CheckId[] | undefined {
  if (!values) return undefined;
  const list = values
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);
  for (const id of list) {
    if (!isCheckId(id))
      throw new UsageError(`unknown check "${id}" in ${flag} (checks: ${CHECK_IDS.join(', ')})`);
  }
  return list as CheckId[];
}

function int(value: string | undefined, flag: string, min: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min)
    throw new UsageError(`${flag} needs an integer >= ${min}, not "${value}"`);
  return Number(value);
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

function checkUrl(text: string, scheme: 'https' | 'http', flag: string): string {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    throw new UsageError(`${flag}: "${text}" is not a URL`);
  }
  if (u.protocol !== `${scheme}:`)
    throw new UsageError(`${flag}: "${text}" is not an ${scheme}:// URL`);
  return u.href;
}

function checkPath(p: string | undefined, flag: string): string | undefined {
  if (p !== undefined && !p.startsWith('/'))
    throw new UsageError(`${flag} must start with "/": "${p}"`);
  return p;
}

function checkSecret(s: string | undefined): string | undefined {
  if (s !== undefined && s.length < 16)
    throw new UsageError('the probe secret must be at least 16 characters');
  return s;
}

/** `only` and `skip` that leave no check to run are a usage error, not a silent pass. */
function checkSelection(
  only: readonly CheckId[] | undefined,
  skip: readonly CheckId[] | undefined,
  where: string,
): void {
  const left = CHECK_IDS.filter((c) => (!only || only.includes(c)) && !skip?.includes(c));
  if (left.length === 0) {
    throw new UsageError(
      `${where}: the check selection is empty (--only ${only?.join(',') ?? '(all)'} minus --skip ${skip?.join(',') ?? '(none)'}): nothing would run`,
    );
  }
}

/** Shared per-target settings, from the command line. */
interface Defaults extends Omit<TargetOptions, 'url'> {}

/** A target from a JSON targets file: its URL and per-target overrides. */
interface TargetSpec {
  url: string;
  httpUrl?: string;
  resolve?: string[];
  connectTo?: string[];
  cacert?: string;
  insecure?: boolean;
  interface?: string;
  health?: string[];
  csrfPath?: string;
  cookiePath?: string;
  probeSecret?: string;
  probeSecretEnv?: string;
  probePath?: string;
  hstsMinAge?: number;
  only?: string[];
  skip?: string[];
  timeout?: number;
}

const SPEC_KEYS = new Set([
  'url',
  'httpUrl',
  'resolve',
  'connectTo',
  'cacert',
  'insecure',
  'interface',
  'health',
  'csrfPath',
  'cookiePath',
  'probeSecret',
  'probeSecretEnv',
  'probePath',
  'hstsMinAge',
  'only',
  'skip',
  'timeout',
]);

function rules(resolve: readonly string[] = [], connectTo: readonly string[] = []) {
  try {
    return { resolve: resolve.map(parseResolveRule), connectTo: connectTo.map(parseConnectToRule) };
  } catch (e) {
    if (e instanceof RuleSyntaxError) throw new UsageError(e.message);
    throw e;
  }
}

function fromSpec(spec: unknown, i: number, defaults: Defaults, env: CliIo['env']): TargetOptions {
  const where = `targets entry ${i + 1}`;
  if (typeof spec === 'string') return { ...defaults, url: checkUrl(spec, 'https', where) };
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new UsageError(`${where}: expected a URL or an object with "url"`);
  }
  const s = spec as TargetSpec;
  for (const k of Object.keys(s))
    if (!SPEC_KEYS.has(k))
      throw new UsageError(`${where}: unknown key "${k}"${didYouMean(k, SPEC_KEYS)}`);
  if (typeof s.url !== 'string') throw new UsageError(`${where}: "url" is required`);
  const strings = (v: unknown, key: string): string[] | undefined => {
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw new UsageError(`${where}: "${key}" must be an array of strings`);
    }
    return v as string[];
  };
  if (s.probeSecretEnv !== undefined && s.probeSecret !== undefined)
    throw new UsageError(`${where}: give "probeSecret" or "probeSecretEnv", not both`);
  let secret = s.probeSecret;
  if (s.probeSecretEnv !== undefined) {
    if (typeof s.probeSecretEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.probeSecretEnv))
      throw new UsageError(`${where}: "probeSecretEnv" must name an environment variable`);
    secret = env?.[s.probeSecretEnv];
    if (secret === undefined || secret === '')
      throw new UsageError(
        `${where}: "probeSecretEnv" names the environment variable ${s.probeSecretEnv}, which is not set`,
      );
  }
  const r =
    s.resolve || s.connectTo
      ? rules(strings(s.resolve, 'resolve'), strings(s.connectTo, 'connectTo'))
      : undefined;
  const only = ids(strings(s.only, 'only'), `${where} "only"`);
  const skip = ids(strings(s.skip, 'skip'), `${where} "skip"`);
  checkSelection(only ?? defaults.only, skip ?? defaults.skip, where);
  const health = strings(s.health, 'health');
  return {
    ...defaults,
    url: checkUrl(s.url, 'https', `${where} "url"`),
    ...(s.httpUrl ? { httpUrl: checkUrl(s.httpUrl, 'http', `${where} "httpUrl"`) } : {}),
    ...(r ? { rules: r } : {}),
    ...(s.cacert ? { ca: readText(s.cacert, 'CA file') } : {}),
    ...(s.insecure !== undefined ? { insecure: s.insecure === true } : {}),
    ...(s.interface ? { localAddress: s.interface } : {}),
    ...(health ? { health: health.map((p) => checkPath(p, `${where} "health"`)!) } : {}),
    ...(s.csrfPath ? { csrfPath: checkPath(s.csrfPath, `${where} "csrfPath"`) } : {}),
    ...(s.cookiePath ? { cookiePath: checkPath(s.cookiePath, `${where} "cookiePath"`) } : {}),
    ...(secret !== undefined ? { probeSecret: checkSecret(secret) } : {}),
    ...(s.probePath ? { probePath: checkPath(s.probePath, `${where} "probePath"`) } : {}),
    ...(s.hstsMinAge !== undefined
      ? { hstsMinAge: int(String(s.hstsMinAge), `${where} "hstsMinAge"`, 0) }
      : {}),
    ...(only ? { only } : {}),
    ...(skip ? { skip } : {}),
    ...(s.timeout !== undefined
      ? { timeoutMs: int(String(s.timeout), `${where} "timeout"`, 1) }
      : {}),
  };
}

/** Parse a targets file: JSON (an array, or `{ "targets": [...] }`) or one URL per line (`#` comments). */
export function parseTargetsFile(
  text: string,
  defaults: Defaults,
  env: CliIo['env'] = {},
): TargetOptions[] {
  const trimmed = text.trim();
  let specs: unknown[];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (e) {
      throw new UsageError(`targets file is not valid JSON: ${(e as Error).message}`);
    }
    const list = Array.isArray(doc) ? doc : parseProjectConfig(trimmed, 'the targets file').targets;
    if (!Array.isArray(list))
      throw new UsageError('targets JSON must be an array or { "targets": [...] }');
    specs = [...list];
  } else {
    specs = trimmed
      .split(/\r?\n/)
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean);
  }
  return targetsFromSpecs(specs, defaults, env, 'the targets file');
}

/** Validate target entries (a targets file's, or proxytrust.json's "targets"). */
export function targetsFromSpecs(
  specs: readonly unknown[],
  defaults: Defaults,
  env: CliIo['env'],
  where: string,
): TargetOptions[] {
  if (specs.length === 0) throw new UsageError(`${where} lists no target`);
  return specs.map((s, i) => fromSpec(s, i, defaults, env));
}

/** Parse the command line into targets and output settings. */
export function parseAuditArgs(argv: string[], env: CliIo['env'] = {}) {
  const parsed = parse(argv);
  const v = parsed.values;
  if (v.help) return { help: true as const };
  const format = v.format ?? 'text';
  if (!(AUDIT_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be ${AUDIT_FORMATS.join(', ')}, not "${format}"`);
  }
  // an empty variable is unset (CI systems export empty values for missing secrets)
  const secret = checkSecret(v['probe-secret'] ?? (env.PROXYTRUST_PROBE_SECRET || undefined));
  const only = ids(v.only, '--only');
  const skip = ids(v.skip, '--skip');
  checkSelection(only, skip, 'audit');
  const defaults: Defaults = {
    rules: rules(v.resolve, v['connect-to']),
    ...(v.cacert ? { ca: readText(v.cacert, 'CA file') } : {}),
    insecure: v.insecure === true,
    ...(v.interface ? { localAddress: v.interface } : {}),
    health: (v.health ?? []).map((p) => checkPath(p, '--health')!),
    csrfPath: checkPath(v['csrf-path'], '--csrf-path'),
    cookiePath: checkPath(v['cookie-path'], '--cookie-path'),
    probeSecret: secret,
    probePath: checkPath(v['probe-path'], '--probe-path'),
    hstsMinAge: int(v['hsts-min-age'], '--hsts-min-age', 0),
    only,
    skip,
    timeoutMs: int(v.timeout, '--timeout', 1),
  };
  let targets: TargetOptions[];
  if (v.config !== undefined && (v.targets || parsed.positionals.length > 0))
    throw new UsageError('give a URL, --targets FILE or --config FILE, not two of them');
  if (!v.targets && parsed.positionals.length === 0) {
    // no URL: the project's proxytrust.json (or --config FILE)
    if (v['http-url'])
      throw new UsageError('--http-url applies to one target: put "httpUrl" in the config file');
    const config = loadProjectConfig(v.config);
    if (!config.targets)
      throw new UsageError(`${config.path} has no "targets": give a URL or add "targets"`);
    targets = targetsFromSpecs(config.targets, defaults, env, config.path);
  } else if (v.targets) {
    if (parsed.positionals.length > 0)
      throw new UsageError('give either a URL or --targets, not both');
    if (v['http-url'])
      throw new UsageError('--http-url applies to one target: put "httpUrl" in the targets JSON');
    targets = parseTargetsFile(readText(v.targets, 'targets file'), defaults, env);
  } else {
    if (parsed.positionals.length !== 1) {
      throw new UsageError(
        'give exactly one https URL (or --targets FILE, or --config FILE); see proxytrust audit --help',
      );
    }
    targets = [
      {
        ...defaults,
        url: checkUrl(parsed.positionals[0]!, 'https', 'the URL'),
        ...(v['http-url'] ? { httpUrl: checkUrl(v['http-url'], 'http', '--http-url') } : {}),
      },
    ];
  }
  return {
    targets,
    format: format as AuditFormat,
    output: v.output,
    verbose: v.verbose === true,
    noColor: v['no-color'] === true,
    concurrency: int(v.concurrency, '--concurrency', 1) ?? 8,
    help: false as const,
  };
}

function parse(argv: string[]) {
  return parseCommandLine('audit', argv, AUDIT_OPTIONS, true);
}

const AUDIT_OPTIONS = {
  'http-url': { type: 'string' },
  resolve: { type: 'string', multiple: true },
  'connect-to': { type: 'string', multiple: true },
  interface: { type: 'string' },
  cacert: { type: 'string' },
  insecure: { type: 'boolean' },
  health: { type: 'string', multiple: true },
  'csrf-path': { type: 'string' },
  'cookie-path': { type: 'string' },
  'probe-secret': { type: 'string' },
  'probe-path': { type: 'string' },
  'hsts-min-age': { type: 'string' },
  only: { type: 'string', multiple: true },
  skip: { type: 'string', multiple: true },
  format: { type: 'string' },
  output: { type: 'string' },
  timeout: { type: 'string' },
  targets: { type: 'string' },
  config: { type: 'string' },
  concurrency: { type: 'string' },
  verbose: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Render a report in a format. */
export function renderReport(
  report: AuditReport,
  format: AuditFormat,
  opts: { color?: boolean; verbose?: boolean } = {},
): string {
  switch (format) {
    case 'html':
      return renderHtml(report);
    case 'json':
      return renderJson(report);
    case 'junit':
      return renderJunit(report);
    case 'sarif':
      return renderSarif(report);
    default:
      return `${renderText(report, opts)}\n`;
  }
}

/** Run `proxytrust audit`; resolves with the exit status. Usage errors are thrown as {@link UsageError}. */
export async function runAudit(argv: string[], io: CliIo): Promise<number> {
  const env = io.env ?? process.env;
  const args = parseAuditArgs(argv, env);
  if (args.help) {
    io.out(AUDIT_HELP);
    return 0;
  }
  const log = args.verbose ? (t: string) => io.err(escapeControls(t, true)) : undefined;
  const targets = args.targets.map((t) => ({ ...t, ...(log ? { log } : {}) }));
  const fleet = targets.length > 1;
  // one line per target as it finishes, on a TTY or not: a CI log shows progress
  const progress = fleet
    ? (done: number, total: number, t: TargetReport) => {
        const what = t.reachable
          ? summaryLine(t.summary)
          : escapeControls(t.unreachableReason ?? '');
        io.err(
          `[${String(done).padStart(String(total).length)}/${total}] ${targetVerdict(t)} ${escapeControls(t.url)} (${what}; ${t.durationMs} ms)`,
        );
      }
    : undefined;
  const report = await auditFleet(targets, args.concurrency, progress);
  const color = !args.output && io.stdoutTty === true && !args.noColor && !env.NO_COLOR;
  const text = renderReport(report, args.format, { color, verbose: args.verbose });
  if (args.output) {
    try {
      writeFileSync(args.output, text);
    } catch (e) {
      throw new UsageError(`cannot write ${args.output}: ${(e as Error).message}`);
    }
    io.err(
      `proxytrust audit: ${fleetLine(report)}; checks: ${summaryLine(report.summary)}; report in ${escapeControls(args.output)}`,
    );
  } else {
    io.out(text.replace(/\n$/, ''));
  }
  return exitCodeFor(report);
}

/**
 * The `audit` command as `main` calls it: writes to `out`/`err`, resolves with the exit
 * status (usage errors print one line and give 2).
 */
export async function auditCommand(
  argv: string[],
  out: (s: string) => void,
  err: (s: string) => void,
): Promise<number> {
  try {
    return await runAudit(argv, {
      out,
      err,
      stdoutTty: process.stdout.isTTY === true,
      stderrTty: process.stderr.isTTY === true,
    });
  } catch (e) {
    if (e instanceof UsageError) {
      err(`proxytrust: ${escapeControls(e.message)}`);
      return 2;
    }
    err(`proxytrust: internal error: ${escapeControls((e as Error)?.stack ?? String(e), true)}`);
    return 70;
  }
}
