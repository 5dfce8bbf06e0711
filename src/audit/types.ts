/**
 * The audit's vocabulary: check ids, statuses, severities, results and reports. The JSON
 * report (docs/audit.md) is these types serialised; a field never changes meaning once
 * released.
 */

/** The stable check ids. The lab's ground truth and CI configurations refer to them. */
export const CHECK_IDS = [
  'https-redirect',
  'redirect-loop',
  'proto-spoof',
  'host-header',
  'forwarded-host-spoof',
  'hsts',
  'cookie-flags',
  'csrf-origin',
  'health-exempt',
  'scheme-detection',
  'ip-spoof',
  'forwarded-duplicates',
] as const;

/** One stable check id. */
export type CheckId = (typeof CHECK_IDS)[number];

/**
 * How a check ended: `pass` (the contract holds), `fail` (it is broken, with proof), `warn`
 * (works but is weak), `skip` (not run; `reason` says why), `error` (could not reach a
 * verdict: the target did not answer in bounds).
 */
export type Status = 'pass' | 'fail' | 'warn' | 'skip' | 'error';

/** How much a failure of the check matters. */
export type Severity = 'critical' | 'high' | 'medium' | 'low';

/** One request sent and what came back: the lines that matter. */
export interface Evidence {
  /** What this exchange was for, in a few words. */
  readonly label: string;
  /** The request head exactly as sent (the body, if any, after a blank line). */
  readonly request: string;
  /** The status line and the response header lines that matter (and body excerpts). */
  readonly response?: readonly string[];
  /** Set when the request got no response. */
  readonly error?: string;
}

/** One check's verdict. */
export interface CheckResult {
  readonly id: CheckId;
  readonly title: string;
  readonly status: Status;
  readonly severity: Severity;
  /** One line, for people. */
  readonly summary: string;
  /**
   * For pass, fail and warn: whether the verdict came from the app's own answer through
   * the probe (`probe`), from signs seen outside (`outside`), or both (`probe+outside`).
   * The summary ends with the same, in words.
   */
  readonly basis?: 'probe' | 'outside' | 'probe+outside';
  /** For `skip` (and `error`): why. */
  readonly reason?: string;
  /** For `fail`, `warn` and `error`: the fix, naming the exact proxy or app setting. */
  readonly fix?: string;
  readonly evidence: readonly Evidence[];
  readonly durationMs: number;
}

/** Counts of statuses. */
export interface Summary {
  readonly pass: number;
  readonly fail: number;
  readonly warn: number;
  readonly skip: number;
  readonly error: number;
}

/** The audit of one target. */
export interface TargetReport {
  /** The https URL audited. */
  readonly url: string;
  /** The plain-http entry point used. */
  readonly httpUrl: string;
  /**
   * False when no check could run: the https URL gave no usable response. `failure` says
   * what kind of failure that was (only `unreachable` gives exit status 3).
   */
  readonly reachable: boolean;
  /** Why no check could run (the same text as `failure.message`, with its label). */
  readonly unreachableReason?: string;
  /** When `reachable` is false: what went wrong, classified. */
  readonly failure?: TargetFailure;
  /** The per-run canary host and addresses that spoofing checks used. */
  readonly canary: { readonly host: string; readonly ipv4: string; readonly ipv6: string };
  readonly startedAt: string;
  readonly durationMs: number;
  readonly summary: Summary;
  readonly results: readonly CheckResult[];
  /**
   * The chain as the probe showed it (client, each proxy, the app), when a probe check ran
   * and the probe answered over https. Absent otherwise.
   */
  readonly chain?: AuditChain;
}

/** One hop of the chain, from the client inwards. */
export interface ChainHop {
  /**
   * `client`, a `proxy`, the `app`, or (without a probe) the audited `entry` point, which
   * may be a proxy or the app itself.
   */
  readonly role: 'client' | 'proxy' | 'app' | 'entry';
  /** For people: `proxy 2`, `app (django probe)`. */
  readonly label: string;
  /**
   * The address the next hop saw for this one: an X-Forwarded-For member, a Forwarded
   * `for=`, the app's TCP peer; for `entry`, the audited host and port.
   */
  readonly address?: string;
  /** What this hop added towards the next, as the probe shows it (`X-Forwarded-For: +10.0.0.2`). */
  readonly wrote: readonly string[];
  /** For the app: what it believed (`scheme https`, `client IP 203.0.113.7`, ...). */
  readonly believed?: readonly string[];
}

/**
 * The chain of a target (docs/audit.md, "The chain"). `source` is `probe` when read from the
 * probe's answer, `outside` when only the entry point is known.
 */
export interface AuditChain {
  readonly source: 'probe' | 'outside';
  readonly hops: readonly ChainHop[];
  /** The forwarded header lines that reached the app: lower-case name -> values, in order. */
  readonly arrived: Readonly<Record<string, readonly string[]>>;
  /** Forwarded headers that reached the app duplicated (several lines, or a list where one value belongs). */
  readonly duplicates: readonly string[];
  /** What the chain cannot show, for people. */
  readonly notes: readonly string[];
}

/**
 * Why a target could not be audited at all. `unreachable`: no answer (DNS, refused,
 * connect, reset, time limit). `certificate`: the certificate did not verify (untrusted,
 * expired, wrong name). `tls`: another TLS failure (no TLS on the port, handshake refused).
 * `protocol`: an answer that is not HTTP/1.x, or is malformed or oversized.
 */
export type FailureKind = 'unreachable' | 'certificate' | 'tls' | 'protocol';

/** A classified failure to audit a target. */
export interface TargetFailure {
  readonly kind: FailureKind;
  /** The engine's message, for people. */
  readonly message: string;
}

/** How each failure kind is named in every report format. */
export const FAILURE_LABEL: Readonly<Record<FailureKind, string>> = Object.freeze({
  unreachable: 'target unreachable',
  certificate: 'bad certificate',
  tls: 'TLS error',
  protocol: 'protocol error',
});

/** The whole report: one or more targets. */
export interface AuditReport {
  /** `proxytrust-audit/1`: the JSON schema's version. */
  readonly schema: 'proxytrust-audit/1';
  readonly tool: { readonly name: 'proxytrust'; readonly version: string };
  readonly startedAt: string;
  readonly durationMs: number;
  /**
   * Totals: `pass` to `error` count check results over every target; `targets`,
   * `unreachable` and `broken` count targets (`broken`: no check could run because of a
   * bad certificate, a TLS or a protocol error).
   */
  readonly summary: Summary & {
    readonly targets: number;
    readonly unreachable: number;
    readonly broken: number;
  };
  readonly targets: readonly TargetReport[];
}

/** The tool's version, as reported. */
export const TOOL_VERSION = '0.2.0';

/** Count statuses. */
export function summarize(results: readonly { status: Status }[]): Summary {
  const s = { pass: 0, fail: 0, warn: 0, skip: 0, error: 0 };
  for (const r of results) s[r.status]++;
  return s;
}

/**
 * The exit status for a report: 1 when a check failed or could not reach a verdict
 * (error), or a target answered with a bad certificate, a TLS or a protocol error; 3 when
 * a target was unreachable and nothing else failed; else 0. (2 is the CLI's, for a usage
 * error.)
 */
export function exitCodeFor(report: AuditReport): 0 | 1 | 3 {
  const reachable = report.targets.filter((t) => t.reachable);
  if (reachable.some((t) => t.summary.fail > 0 || t.summary.error > 0)) return 1;
  if (report.targets.some((t) => !t.reachable && t.failure && t.failure.kind !== 'unreachable'))
    return 1;
  if (report.targets.some((t) => !t.reachable)) return 3;
  return 0;
}
