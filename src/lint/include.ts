/**
 * Reading the files that a configuration includes (Apache `Include`/`IncludeOptional`,
 * Caddy `import`): the pattern resolved against a base, globs expanded, cycles refused, each
 * file read once into the run's files and texts, and what cannot be read said as a note.
 * The kind parses what comes back. (nginx's own `include` is its parser's, crossplane-shaped.)
 */
import { isAbsolute, join } from 'node:path';
import type { ParseProblem } from './kinds.js';
import type { Loc } from './model.js';
import { type ConfFs, expandGlob, hasGlob } from './nginx/parser.js';

/** Where the included files go, and what the run says about them. */
export interface IncludeRun {
  readonly fs: ConfFs;
  /** Every file of the run (the main one first); an included file is added once. */
  readonly files: string[];
  readonly texts: Map<string, string>;
  readonly notes: string[];
  readonly problems: ParseProblem[];
}

/**
 * The files `target` (known, not a placeholder) names from the directive at `at`, read:
 * relative to `base`, globs expanded in order. `word` names the directive in notes and
 * problems (`include`, `import`); a file on `trail` (the main file, then the files being
 * included, outermost first) is a cycle; a missing file is a note unless the directive is
 * `optional` or the pattern a glob. A generator: the caller expands each file before the
 * next one is read, so files are recorded depth first, in the order the server reads them.
 */
export function* readIncluded(
  run: IncludeRun,
  target: string,
  base: string,
  at: Loc,
  o: { readonly word: string; readonly trail: readonly string[]; readonly optional?: boolean },
): Generator<{ path: string; body: string }> {
  const pattern = isAbsolute(target) ? target : join(base, target);
  const glob = hasGlob(pattern);
  for (const p of glob ? expandGlob(pattern, run.fs) : [pattern]) {
    if (o.trail.includes(p)) {
      run.problems.push({
        file: at.file,
        line: at.line,
        col: at.col,
        message: `${o.word} cycle: ${[...o.trail, p].join(' -> ')}`,
      });
      continue;
    }
    let body: string | undefined;
    try {
      body = run.fs.read(p);
    } catch (e) {
      run.notes.push(
        `${at.file}:${at.line}: ${o.word} ${p} cannot be read (${(e as Error).message})`,
      );
      continue;
    }
    if (body === undefined) {
      if (!o.optional && !glob)
        run.notes.push(`${at.file}:${at.line}: ${o.word} not found (${p}): its content is unknown`);
      continue;
    }
    if (!run.files.includes(p)) run.files.push(p);
    run.texts.set(p, body);
    yield { path: p, body };
  }
}
