/**
 * The shape of a lint rule. Each rule lives in its own file under ./rules/ and is listed
 * in ./registry.ts; its `examples` are run by its tests (bad ones must be found, good ones
 * must not).
 */
import type { ApacheInput } from './apache/parser.js';
import type { AppServerInput } from './appserver/handler.js';
import type { CaddyInput } from './caddy/parser.js';
import type { DjangoInput } from './django/handler.js';
import type { ExpressInput } from './express/parser.js';
import type { HaproxyInput } from './haproxy/proxy.js';
import type { IngressInput } from './ingress.js';
import type { HopModel, Loc } from './model.js';
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
  readonly at: Loc;
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

/**
 * A rule over one file of a kind: `check` reads what that kind's handler parsed (see
 * ./kinds.ts). `alsoKinds` names other kinds whose handlers give the same input (the
 * app-server rules also read the commands of a compose file).
 */
export interface FileRule<K extends LintKind = LintKind, I = never> extends RuleBase {
  readonly kind: K;
  readonly alsoKinds?: readonly LintKind[];
  check(input: I): Hit[];
}

/** An nginx rule. */
export type NginxRule = FileRule<'nginx', NginxInput>;

/** An ingress-nginx rule. */
export type IngressRule = FileRule<'ingress-nginx', IngressInput>;

/** An HAProxy rule. */
export type HaproxyRule = FileRule<'haproxy', HaproxyInput>;

/** A Caddyfile rule. */
export type CaddyRule = FileRule<'caddy', CaddyInput>;

/** An Apache httpd rule. */
export type ApacheRule = FileRule<'apache', ApacheInput>;

/** A Django settings rule. */
export type DjangoRule = FileRule<'django', DjangoInput>;

/** An app server (gunicorn, uvicorn, uwsgi) rule. */
export type AppServerRule = FileRule<'appserver', AppServerInput>;

/** An Express source rule. */
export type ExpressRule = FileRule<'express', ExpressInput>;

/** A chain of hops, from the client inwards, as the cross-file rules read it. */
export interface ChainModel {
  readonly source: 'declared' | 'inferred';
  readonly hops: readonly HopModel[];
}

/** A cross-file example: the files of one deployment, and the chain if declared. */
export interface CrossExample {
  readonly files: readonly { readonly name: string; readonly text: string }[];
  /** File names from the client-facing hop to the app (`--chain`); inferred when absent. */
  readonly chain?: readonly string[];
}

/** A rule across files: it reads one chain of hops at a time. */
export interface CrossRule extends Omit<RuleBase, 'examples'> {
  readonly kind: 'cross';
  readonly examples: {
    readonly bad: readonly CrossExample[];
    readonly good: readonly CrossExample[];
  };
  check(chain: ChainModel): Hit[];
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
export type Rule = FileRule<LintKind, never> | CrossRule | EngineRule;
