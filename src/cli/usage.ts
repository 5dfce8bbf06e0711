/**
 * Usage errors and the command-line parsing every command shares: one wording for unknown
 * options, missing values and stray arguments, with the nearest valid option.
 */
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { distance } from '../core/keys.js';

type Parsed<O extends Options, P extends boolean> = ReturnType<
  typeof parseArgs<{ options: O; allowPositionals: P; strict: true }>
>;

/** A bad command line: printed without a stack trace, exit status 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/**
 * The candidate nearest to `word` (case-insensitive), or undefined when none is close
 * enough to be a likely typo (at most a third of the word's length, at least 2 edits, or a
 * candidate that starts with the word).
 */
export function nearest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    const d = lc.startsWith(w) && w.length >= 3 ? 0.5 : distance(w, lc);
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(w.length / 3)) ? best : undefined;
}

/** ` (did you mean X?)`, or nothing. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const n = nearest(word, candidates);
  return n ? ` (did you mean ${n}?)` : '';
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * `parseArgs` with strict checking and messages in the CLI's own words: an unknown option
 * names the nearest valid one, a missing value names the option. `command` is the command
 * as typed (`audit`, `explain`) for the messages.
 */
export function parseCommandLine<O extends Options, P extends boolean>(
  command: string,
  argv: string[],
  options: O,
  allowPositionals: P,
): Parsed<O, P> {
  try {
    return parseArgs({ args: argv, options, allowPositionals, strict: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    const flags = Object.entries(options).flatMap(([name, o]) => [
      `--${name}`,
      ...(o.short ? [`-${o.short}`] : []),
    ]);
    const help = `see proxytrust ${command} --help`;
    if (err.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const m = /option '([^']*)'/.exec(err.message);
      const opt = (m?.[1] ?? '').split('=')[0]!;
      throw new UsageError(`${command}: unknown option ${opt}${didYouMean(opt, flags)}; ${help}`);
    }
    if (err.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const m = /Option '(?:-\w, )?(--[\w-]+)/.exec(err.message);
      const opt = m?.[1] ?? 'an option';
      const takesValue = m && options[opt.slice(2)]?.type === 'string';
      throw new UsageError(
        takesValue
          ? `${command}: ${opt} needs a value; ${help}`
          : `${command}: ${opt} takes no value; ${help}`,
      );
    }
    if (err.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const m = /argument '([^']*)'/.exec(err.message);
      throw new UsageError(`${command}: unexpected argument "${m?.[1] ?? ''}"; ${help}`);
    }
    throw new UsageError(`${command}: ${err.message}`);
  }
}
