/**
 * The project configuration file, `proxytrust.json` (docs/config.md): one file a
 * repository commits for every command. `targets` is the audit's (the same entries as a
 * `--targets` JSON file), `lint` is lint's (handed over unvalidated: lint validates its own
 * section). Unknown top-level keys are errors that name the nearest valid key.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { didYouMean, UsageError } from '../cli/usage.js';

/** The file name looked up in the working directory. */
export const PROJECT_CONFIG_FILE = 'proxytrust.json';

/** The top-level keys of `proxytrust.json`. */
export const PROJECT_CONFIG_KEYS = ['$schema', 'targets', 'lint'] as const;

/** A parsed `proxytrust.json`: its sections, not yet validated beyond their type. */
export interface ProjectConfig {
  /** The file it came from (for messages). */
  readonly path: string;
  /** The audit targets: URLs or objects with per-target options (validated by the audit). */
  readonly targets?: readonly unknown[];
  /** Lint's section, as written (validated by lint). */
  readonly lint?: unknown;
}

/** Parse the text of a project configuration file. Throws {@link UsageError}. */
export function parseProjectConfig(text: string, path: string): ProjectConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new UsageError(`${path}: expected an object such as { "targets": [...] }`);
  }
  const o = doc as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(PROJECT_CONFIG_KEYS as readonly string[]).includes(k)) {
      throw new UsageError(
        `${path}: unknown key "${k}"${didYouMean(k, PROJECT_CONFIG_KEYS)}; keys: ${PROJECT_CONFIG_KEYS.join(', ')}`,
      );
    }
  }
  if (o.targets !== undefined && !Array.isArray(o.targets)) {
    throw new UsageError(`${path}: "targets" must be an array`);
  }
  if (
    o.lint !== undefined &&
    (typeof o.lint !== 'object' || o.lint === null || Array.isArray(o.lint))
  ) {
    throw new UsageError(`${path}: "lint" must be an object`);
  }
  if (o.$schema !== undefined && typeof o.$schema !== 'string') {
    throw new UsageError(`${path}: "$schema" must be a string`);
  }
  return {
    path,
    ...(o.targets !== undefined ? { targets: o.targets as unknown[] } : {}),
    ...(o.lint !== undefined ? { lint: o.lint } : {}),
  };
}

/**
 * Read `file`, or `proxytrust.json` in `cwd` when `file` is undefined. Throws
 * {@link UsageError} when it cannot be read or is not valid.
 */
export function loadProjectConfig(file?: string, cwd: string = process.cwd()): ProjectConfig {
  const path = resolve(cwd, file ?? PROJECT_CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT';
    throw new UsageError(
      missing && file === undefined
        ? `no ${PROJECT_CONFIG_FILE} in ${cwd}: give a URL, --targets FILE or --config FILE`
        : `cannot read ${path}: ${(e as Error).message}`,
    );
  }
  return parseProjectConfig(text, file ?? PROJECT_CONFIG_FILE);
}
