/**
 * The shape of a lint rule. Each rule lives in its own file under ./rules/ and is listed
 * in ./registry.ts; its `examples` are run by its tests (bad ones must be found, good ones
 * must not).
 */
import type { IngressInput } from './ingress.js';
import type { Node, Scope, Tree } from './nginx/tree.js';
import type { LintKind, LintSeverity } from './types.js';

/** What an nginx rule reads: one combined tree. */
export interface NginxInput {
  readonly tree: Tree;
  readonly root: Scope;
}

/** Where a finding points, and what it shows. */
export interface Hit {
  /** The directive the finding points at (file, line, column). */
  readonly at: Pick<Node, 'file' | 'line' | 'col'>;
  readonly message: string;
  /** Directives (printed as `file:line: text`) or lines that show it. */
  readonly evidence: readonly (Node | string)[];
  /** Overrides the rule's fix. */
  readonly fix?: string;
}

/** A bad or good example: a file's text, and how to read it. */
export interface Example {
  readonly text: string;
  /** The file name (kind and template handling follow it); default by kind. */
  readonly name?: string;
  readonly context?: 'http' | 'server' | 'location';
}

interface RuleBase {
  /** The stable id: `<kind>/<name>`. */
  readonly id: string;
  readonly severity: LintSeverity;
  readonly title: string;
  /** What it finds and why it matters (docs, SARIF). */
  readonly description: string;
  /** The default fix, naming the exact directive or setting. */
  readonly fix: string;
  readonly examples: { readonly bad: readonly Example[]; readonly good: readonly Example[] };
}

/** An nginx rule. */
export interface NginxRule extends RuleBase {
  readonly kind: 'nginx';
  check(input: NginxInput): Hit[];
}

/** An ingress-nginx rule. */
export interface IngressRule extends RuleBase {
  readonly kind: 'ingress-nginx';
  check(input: IngressInput): Hit[];
}

/** A rule the engine itself reports (`lint/parse-error`, `lint/suppression-without-reason`). */
export interface EngineRule extends Omit<RuleBase, 'examples'> {
  readonly kind: 'lint';
  readonly examples: {
    readonly bad: readonly (Example & { kind: LintKind })[];
    readonly good: readonly (Example & { kind: LintKind })[];
  };
}

/** Any rule. */
export type Rule = NginxRule | IngressRule | EngineRule;
