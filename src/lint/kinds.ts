/**
 * How lint reads a kind of file. Each kind has one handler (in its own folder: ./nginx/,
 * ./haproxy/, ...) that says how sure it is that a file is of its kind, parses it without
 * running or importing anything, and describes its hop for the cross-file rules. The
 * handlers and the rules of each kind are listed in ./registry.ts.
 */
import type { HopModel } from './model.js';
import type { LintKind } from './types.js';

/** A problem that stopped parsing part of a file: a `lint/parse-error` finding. */
export interface ParseProblem {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** What the engine hands a handler besides the file. */
export interface KindOptions {
  /** Where relative includes resolve (nginx `include`, Apache `Include`, Caddy `import`). */
  readonly confRoot?: string;
  /** The block an nginx fragment belongs in. */
  readonly context?: 'http' | 'server' | 'location';
  /** Do not read other files (examples, standard input without --conf-root). */
  readonly noIncludes?: boolean;
  /** The Django version (`--django-version`), when not inferred from the repository. */
  readonly djangoVersion?: string;
}

/** One parsed input. */
export interface Parsed<I> {
  /** What the rules of the kind read. */
  readonly input: I;
  readonly problems: readonly ParseProblem[];
  /** Things the lint could not see (an include it could not read, a templated value). */
  readonly notes: readonly string[];
  /** Every file read for it, the input's own first (includes follow). */
  readonly files: readonly string[];
  /** The text of each file read, for inline suppressions. */
  readonly texts: ReadonlyMap<string, string>;
}

/**
 * How sure a handler is that a file is of its kind: 0 not at all; 1 the content looks like
 * it; 2 the name says so and the content agrees; 3 unmistakable. The engine takes the
 * highest, and the first handler listed on a tie.
 */
export type Certainty = 0 | 1 | 2 | 3;

/** How lint reads one kind of file. */
export interface KindHandler<I = unknown> {
  readonly kind: LintKind;
  /** `name` is the path as found (template extensions included); `text` its content. */
  detect(name: string, text: string): Certainty;
  /** Parse one file (and what it includes). Never throws: a syntax error is a problem. */
  parse(file: string, text: string, opts: KindOptions): Parsed<I>;
  /** What the file says about its hop(s), for the cross-file rules. */
  model?(parsed: I): readonly HopModel[];
}
