/**
 * The Apache httpd configuration parser: one directive per line (a `\` at the end of a line
 * continues it), `#` comments at the start of a line, arguments split on white space with
 * `"..."` and `'...'` quoting (a backslash escapes the quote), sections `<Name args>` ...
 * `</Name>` nested to any depth, `Define` variables substituted in `${VAR}` (an undefined one
 * stays as written: unknown), and `Include` / `IncludeOptional` (globs; a relative path
 * resolves against `--conf-root`, else `ServerRoot`, else the including file's directory)
 * expanded where they stand. An include cycle or an unclosed section is a problem; a missing
 * include is a note (its content unknown). Never throws.
 */
import { dirname } from 'node:path';
import { readIncluded } from '../include.js';
import type { ParseProblem } from '../kinds.js';
import { type ConfFs, diskFs } from '../nginx/parser.js';
import { detemplate, hasTemplateMarkers, isUnknown } from '../template.js';

/** True when a value is unknown here: an undefined `${VAR}`, or a template's placeholder. */
export const unknownValue = (v: string): boolean => v.includes('${') || isUnknown(v);

/** One directive or section. */
export interface ApNode {
  /** As written (`ProxyPass`, `VirtualHost` for a section). */
  readonly name: string;
  /** Lower case, for matching (directive names are case-insensitive). */
  readonly key: string;
  readonly args: readonly string[];
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** A section's contents. */
  readonly block?: readonly ApNode[];
}

/** A parsed Apache configuration (includes expanded). */
export interface ApacheInput {
  readonly file: string;
  readonly nodes: readonly ApNode[];
}

/** What parsing gave. */
export interface ApacheParsed {
  readonly input: ApacheInput;
  readonly problems: ParseProblem[];
  readonly notes: string[];
  readonly files: string[];
  readonly texts: Map<string, string>;
}

/** Options of {@link parseApache}. */
export interface ApacheParseOptions {
  readonly confRoot?: string;
  readonly noIncludes?: boolean;
  readonly fs?: ConfFs;
}

/** Split arguments as Apache's ap_getword_conf does. */
export function splitArgs(s: string): string[] {
  const out: string[] = [];
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && /\s/.test(s[i]!)) i++;
    if (i >= n) break;
    const q = s[i];
    if (q === '"' || q === "'") {
      i++;
      let v = '';
      while (i < n && s[i] !== q) {
        if (s[i] === '\\' && s[i + 1] === q) {
          v += q;
          i += 2;
          continue;
        }
        v += s[i];
        i++;
      }
      i++;
      out.push(v);
      continue;
    }
    let v = '';
    while (i < n && !/\s/.test(s[i]!)) v += s[i++];
    out.push(v);
  }
  return out;
}

interface Line {
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

/** Logical lines: continuations joined, comments and blanks dropped. */
function logicalLines(text: string): Line[] {
  const raw = text.split('\n');
  const out: Line[] = [];
  for (let k = 0; k < raw.length; k++) {
    const start = k;
    let s = raw[k]!.replace(/\r$/, '');
    while (/\\$/.test(s) && k + 1 < raw.length) {
      k++;
      s = `${s.slice(0, -1)} ${raw[k]!.replace(/\r$/, '')}`;
    }
    const trimmed = s.trimStart();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    out.push({ text: trimmed.trimEnd(), line: start + 1, col: s.length - trimmed.length + 1 });
  }
  return out;
}

/** Parse one file's text into nodes (no include expanded). */
function parseText(file: string, text: string, problems: ParseProblem[]): ApNode[] {
  const src = hasTemplateMarkers(text) ? detemplate(text).text : text;
  const root: ApNode[] = [];
  const stack: { name: string; nodes: ApNode[]; at: Line }[] = [];
  const current = () => stack[stack.length - 1]?.nodes ?? root;
  for (const l of logicalLines(src)) {
    const close = /^<\/\s*([^\s>]+)\s*>?$/.exec(l.text);
    if (close) {
      const name = close[1]!.toLowerCase();
      const top = stack[stack.length - 1];
      if (!top || top.name.toLowerCase() !== name) {
        problems.push({
          file,
          line: l.line,
          col: l.col,
          message: top
            ? `</${close[1]}> closes <${top.name}> (line ${top.at.line})`
            : `</${close[1]}> without an opening section`,
        });
        // recover: close up to the matching section, if any
        const k = stack.map((s) => s.name.toLowerCase()).lastIndexOf(name);
        if (k >= 0) stack.length = k;
        continue;
      }
      stack.pop();
      continue;
    }
    const open = /^<\s*([^\s>/][^\s>]*)(.*?)>?$/.exec(l.text);
    if (open && l.text.startsWith('<')) {
      const name = open[1]!;
      const inner = open[2]!.replace(/>\s*$/, '');
      const block: ApNode[] = [];
      current().push({
        name,
        key: name.toLowerCase(),
        args: splitArgs(inner),
        file,
        line: l.line,
        col: l.col,
        block,
      });
      stack.push({ name, nodes: block, at: l });
      continue;
    }
    const words = splitArgs(l.text);
    const name = words[0] ?? '';
    current().push({
      name,
      key: name.toLowerCase(),
      args: words.slice(1),
      file,
      line: l.line,
      col: l.col,
    });
  }
  for (const s of stack)
    problems.push({
      file,
      line: s.at.line,
      col: s.at.col,
      message: `<${s.name}> is never closed`,
    });
  return root;
}

/** Parse an Apache configuration and what it includes. Never throws. */
export function parseApache(
  file: string,
  text: string,
  opts: ApacheParseOptions = {},
): ApacheParsed {
  const problems: ParseProblem[] = [];
  const notes: string[] = [];
  const files = [file];
  const texts = new Map<string, string>([[file, text]]);
  const run = { fs: opts.fs ?? diskFs, files, texts, notes, problems };
  const defines = new Map<string, string>();
  let serverRoot: string | undefined;
  const subst = (a: string) =>
    a.replace(/\$\{([\w.:-]+)\}/g, (m, v: string) => defines.get(v) ?? m);

  const expand = (nodes: readonly ApNode[], stack: readonly string[]): ApNode[] => {
    const out: ApNode[] = [];
    for (const n0 of nodes) {
      const n = { ...n0, args: n0.args.map(subst) };
      if (n.key === 'define' && n.args[0]) defines.set(n.args[0], n.args[1] ?? '');
      if (n.key === 'serverroot' && n.args[0]) serverRoot = n.args[0];
      if (n.key !== 'include' && n.key !== 'includeoptional') {
        out.push(n.block ? { ...n, block: expand(n.block, stack) } : n);
        continue;
      }
      const target = n.args[0];
      if (!target) continue;
      if (unknownValue(target)) {
        notes.push(
          `${n.file}:${n.line}: ${n.name} ${target}: an unknown path, its content is unknown`,
        );
        continue;
      }
      if (opts.noIncludes) {
        notes.push(`${n.file}:${n.line}: ${n.name} ${target} was not read: its content is unknown`);
        continue;
      }
      const base =
        opts.confRoot ?? serverRoot ?? (n.file === '-' ? process.cwd() : dirname(n.file));
      for (const { path, body } of readIncluded(run, target, base, n, {
        word: 'include',
        trail: [file, ...stack],
        optional: n.key === 'includeoptional',
      }))
        out.push(...expand(parseText(path, body, problems), [...stack, path]));
    }
    return out;
  };
  let nodes: ApNode[] = [];
  try {
    nodes = expand(parseText(file, text, problems), []);
  } catch (e) {
    problems.push({ file, line: 1, col: 1, message: `cannot parse: ${(e as Error).message}` });
  }
  return { input: { file, nodes }, problems, notes, files, texts };
}

/** `file:line: Name args` as written, for evidence. */
export function apacheLine(n: ApNode): string {
  const q = (a: string) => (a === '' || /\s/.test(a) ? `"${a.replace(/"/g, '\\"')}"` : a);
  const text = n.block
    ? `<${n.name}${n.args.map((a) => ` ${q(a)}`).join('')}>`
    : [n.name, ...n.args].map(q).join(' ');
  return `${n.file}:${n.line}: ${text}`;
}
