/**
 * The lint's vocabulary: rule ids, severities, findings and the report. The JSON report
 * (docs/lint.md) is these types serialised; a field never changes meaning once released.
 */

/** How much a finding matters; `--fail-on` compares against it. */
export type LintSeverity = 'error' | 'warning' | 'info';

/** Severity order, most severe first. */
export const SEVERITIES: readonly LintSeverity[] = ['error', 'warning', 'info'];

/** True when `s` is at or above `threshold`. */
export const atLeast = (s: LintSeverity, threshold: LintSeverity): boolean =>
  SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(threshold);

/**
 * The kinds of file lint reads. `appserver` covers gunicorn configuration files, uwsgi ini
 * files and the gunicorn/uvicorn command lines of a `Procfile` or a Dockerfile; `compose`
 * is a Docker Compose file (its services, ports and commands).
 */
export const LINT_KINDS = [
  'nginx',
  'ingress-nginx',
  'haproxy',
  'caddy',
  'apache',
  'django',
  'appserver',
  'compose',
  'express',
] as const;

/** One kind of file lint reads. */
export type LintKind = (typeof LINT_KINDS)[number];

/** One finding. */
export interface Finding {
  /** The stable rule id (`nginx/duplicate-proxy-set-header`). */
  readonly rule: string;
  readonly severity: LintSeverity;
  /** The file that holds the line (after following includes). */
  readonly file: string;
  readonly line: number;
  readonly column: number;
  /** One sentence, for people. */
  readonly message: string;
  /** The lines that show it, as `file:line: text`. */
  readonly evidence: readonly string[];
  /** The fix, naming the exact directive or setting. */
  readonly fix: string;
}

/** One input (a file, a main configuration with its includes, or standard input). */
export interface FileResult {
  /** The path given (or `-`). */
  readonly path: string;
  readonly kind: LintKind;
  /** The files read for it (includes). */
  readonly files: readonly string[];
  readonly findings: readonly Finding[];
  /** Findings silenced by a suppression, with its reason. */
  readonly suppressed: readonly (Finding & { readonly reason: string })[];
  /** Things the lint could not see (an include it could not read, a templated value). */
  readonly notes: readonly string[];
}

/** Counts of findings by severity. */
export interface LintSummary {
  readonly error: number;
  readonly warning: number;
  readonly info: number;
  readonly suppressed: number;
  readonly files: number;
}

/** One hop of a chain of files: a proxy or the app, from the client inwards. */
export interface LintChainHop {
  /** The file that configures this hop. */
  readonly file: string;
  readonly kind: LintKind;
  /** A short label for people (`nginx :443`, `gunicorn 127.0.0.1:8000`). */
  readonly label: string;
  /** Headers this hop writes (sets, appends or clears) towards the next, lower case. */
  readonly writes: readonly string[];
  /** Headers this hop believes from the one before it, lower case. */
  readonly believes: readonly string[];
}

/** A chain of files (client -> proxies -> app) that the cross-file rules checked. */
export interface LintChain {
  /** `declared` (`--chain`) or `inferred` from the files (proxy targets, binds, compose). */
  readonly source: 'declared' | 'inferred';
  readonly hops: readonly LintChainHop[];
  /** Findings of the cross-file rules on this chain (also listed under their file). */
  readonly findings: readonly Finding[];
}

/** The whole report. */
export interface LintReport {
  /** `proxytrust-lint/1`: the JSON schema's version. */
  readonly schema: 'proxytrust-lint/1';
  readonly tool: { readonly name: 'proxytrust'; readonly version: string };
  readonly startedAt: string;
  readonly durationMs: number;
  readonly failOn: LintSeverity;
  readonly summary: LintSummary;
  readonly results: readonly FileResult[];
  /**
   * The chains of files the cross-file rules saw (absent or empty when no chain could be
   * inferred or declared: the report's notes then say so).
   */
  readonly chains?: readonly LintChain[];
  /** What the cross-file stage could not see (a chain it could not infer). */
  readonly notes?: readonly string[];
}

/** Count findings. */
export function summarizeLint(results: readonly FileResult[]): LintSummary {
  const s = { error: 0, warning: 0, info: 0, suppressed: 0, files: results.length };
  for (const r of results) {
    for (const f of r.findings) s[f.severity]++;
    s.suppressed += r.suppressed.length;
  }
  return s;
}

/** 0 when nothing is at or above `failOn`, else 1 (2 and 3 are the CLI's). */
export function lintExitCode(report: LintReport): 0 | 1 {
  return report.results.some((r) => r.findings.some((f) => atLeast(f.severity, report.failOn)))
    ? 1
    : 0;
}
