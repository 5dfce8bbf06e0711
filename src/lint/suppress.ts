/**
 * Suppressions. Inline: `# proxytrust-lint: ignore <rule>[,<rule>] -- <reason>` on the
 * line of the finding (after the directive) or on its own line just above it; the reason
 * is mandatory, and a suppression without one is itself a finding. In the config file:
 * `lint.ignore: [{ rule, paths?, reason }]`.
 */
import type { Finding } from './types.js';

/** One inline suppression. */
export interface Suppression {
  readonly rules: readonly string[];
  readonly reason: string;
  /** The comment's line, and the line it covers. */
  readonly line: number;
  readonly covers: number;
  readonly col: number;
}

const MARK = /(?:#|\/\/)\s*proxytrust-lint:\s*ignore\b(.*)$/;

/** The inline suppressions of a file's text. */
export function inlineSuppressions(text: string): Suppression[] {
  const lines = text.split('\n');
  const out: Suppression[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = MARK.exec(lines[i]!);
    if (!m) continue;
    const [rulesPart, ...rest] = m[1]!.split(/\s--\s?|^--\s?/);
    const reason = rest.join(' -- ').trim();
    const rules = (rulesPart ?? '').split(/[\s,]+/).filter(Boolean);
    const before = lines[i]!.slice(0, m.index).trim();
    let covers = i + 1;
    if (before === '') {
      let j = i + 1;
      while (j < lines.length && (lines[j]!.trim() === '' || lines[j]!.trim().startsWith('#'))) j++;
      covers = j + 1;
    }
    out.push({ rules, reason, line: i + 1, covers, col: m.index + 1 });
  }
  return out;
}

/** A config-file suppression (`lint.ignore` entry). */
export interface IgnoreEntry {
  readonly rule: string;
  readonly paths?: readonly string[];
  readonly reason: string;
}

/** A path glob (`*`, `**`, `?`) as a regular expression over `/`-separated paths. */
export function globRegex(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^(?:.*/)?${re}$`);
}

/** The config entry that suppresses a finding, if any. */
export function configSuppression(
  f: Finding,
  entries: readonly IgnoreEntry[],
): IgnoreEntry | undefined {
  const file = f.file.replace(/\\/g, '/');
  return entries.find(
    (e) => e.rule === f.rule && (!e.paths || e.paths.some((g) => globRegex(g).test(file))),
  );
}
