/**
 * The nginx parser: nginx's grammar (blocks, quoting and escapes, `if` with its
 * parentheses, `map` and `types` bodies as directive lists), `include` with globs and
 * cycle detection, and `nginx -T` dumps. Its output has crossplane's JSON shape
 * (`{status, errors, config: [{file, status, errors, parsed: [{directive, line, args,
 * block?, includes?}]}]}`), so it diffs against crossplane's own expected trees.
 *
 * Relative include paths resolve against the directory of the main configuration file,
 * as nginx resolves them against its prefix (`confRoot` overrides). A missing include
 * that is not a glob is an error, as `nginx -t` says; an empty glob is not.
 *
 * Zero dependencies: file access goes through a {@link ConfFs}.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, posix } from 'node:path';
import { detemplate, hasTemplateMarkers, isTemplateName } from '../template.js';
import { type Comment, lex, type Token } from './lexer.js';

/** One directive in crossplane's shape, plus where it starts (`col`) and its template branch. */
export interface Directive {
  directive: string;
  line: number;
  args: string[];
  block?: Directive[];
  /** For `include`: indexes into `config[]` of the files it pulled in. */
  includes?: number[];
  /** For `#` entries (comments kept with `comments: true`): the text after `#`. */
  comment?: string;
  /** 1-based column of the directive name (not in crossplane's shape). */
  col: number;
  /** The template branch path of the line ('' when not templated). */
  branch?: string;
}

/** A parse error, in crossplane's shape. */
export interface ParseError {
  file?: string;
  error: string;
  line: number | null;
  col?: number;
}

/** One file's parse. */
export interface ConfigFile {
  file: string;
  status: 'ok' | 'failed';
  errors: ParseError[];
  parsed: Directive[];
  /** Every `#` comment of the file (kept apart for suppressions; not in crossplane's shape). */
  comments: Comment[];
  /** True when template markers were neutralised. */
  templated: boolean;
}

/** The whole parse, in crossplane's shape (`config[0]` is the main file). */
export interface Payload {
  status: 'ok' | 'failed';
  errors: ParseError[];
  config: ConfigFile[];
}

/** File access for the parser; the default reads the disk. */
export interface ConfFs {
  /** The file's text, or undefined when it does not exist. Throws when it cannot be read. */
  read(path: string): string | undefined;
  /** The names in a directory, or undefined when it is not one. */
  list(dir: string): string[] | undefined;
}

/** The disk. */
export const diskFs: ConfFs = {
  read(path) {
    try {
      if (!statSync(path).isFile()) return undefined;
    } catch {
      return undefined;
    }
    return readFileSync(path, 'utf8');
  },
  list(dir) {
    try {
      return readdirSync(dir);
    } catch {
      return undefined;
    }
  },
};

/** An in-memory file system (an `nginx -T` dump, stdin, tests). Paths are POSIX. */
export function memoryFs(files: ReadonlyMap<string, string>): ConfFs {
  return {
    read: (p) => files.get(posix.normalize(p)),
    list(dir) {
      const d = posix.normalize(dir).replace(/\/$/, '');
      const names = new Set<string>();
      for (const f of files.keys()) {
        if (f.startsWith(`${d}/`)) names.add(f.slice(d.length + 1).split('/')[0]!);
      }
      return names.size > 0 ? [...names] : undefined;
    },
  };
}

/** A file system that remembers what it read (so each file is read once per parse). */
export interface CachedFs extends ConfFs {
  /** The texts read so far, by path. */
  readonly texts: ReadonlyMap<string, string>;
}

/** Wrap a file system so that each path is read (and each directory listed) once. */
export function cachedFs(fs: ConfFs): CachedFs {
  if ('texts' in fs) return fs as CachedFs;
  const reads = new Map<string, string | undefined>();
  const texts = new Map<string, string>();
  const lists = new Map<string, string[] | undefined>();
  return {
    texts,
    read(path) {
      if (reads.has(path)) return reads.get(path);
      const t = fs.read(path); // a throw is not cached: the caller reports it
      reads.set(path, t);
      if (t !== undefined) texts.set(path, t);
      return t;
    },
    list(dir) {
      if (!lists.has(dir)) lists.set(dir, fs.list(dir));
      return lists.get(dir);
    },
  };
}

/** Options of {@link parseConfig}. */
export interface ParseOptions {
  /** Where relative include paths resolve (default: the main file's directory). */
  readonly confRoot?: string;
  /** Keep comments as `#` entries in `parsed` (crossplane's `comments=True`). */
  readonly comments?: boolean;
  /** Do not follow includes (crossplane's `single=True`). */
  readonly single?: boolean;
  readonly fs?: ConfFs;
  /** Neutralise template markers (default: by file name and content). */
  readonly templates?: boolean;
  /** Text to parse for the main file instead of reading it (stdin). */
  readonly mainText?: string;
}

const isWord = (t: Token) => t.quoted || (t.value !== '{' && t.value !== '}' && t.value !== ';');

/** Remove the parentheses around an `if` condition (crossplane's `_prepare_if_args`). */
function ifArgs(args: string[]): string[] {
  if (args.length > 0 && args[0]!.startsWith('(') && args[args.length - 1]!.endsWith(')')) {
    args[0] = args[0]!.slice(1).trimStart();
    args[args.length - 1] = args[args.length - 1]!.slice(0, -1).trimEnd();
    const start = args[0] === '' ? 1 : 0;
    const end = args.length - (args[args.length - 1] === '' ? 1 : 0);
    return args.slice(start, Math.max(start, end));
  }
  return args;
}

/** Parse one text into directives (no includes followed). Never throws. */
export function parseText(
  text: string,
  opts: { comments?: boolean; branch?: readonly string[] } = {},
): { parsed: Directive[]; errors: ParseError[]; comments: Comment[] } {
  const { stream, error } = lex(text);
  const errors: ParseError[] = [];
  const comments: Comment[] = [];
  const branchOf = (line: number) => opts.branch?.[line] ?? '';
  let i = 0;
  const parseBlock = (depth: number, opener?: Token): Directive[] => {
    const out: Directive[] = [];
    for (;;) {
      const t = stream[i++];
      if (t === undefined) {
        if (depth > 0 && !error)
          errors.push({
            error: 'unexpected end of file, expecting "}"',
            line: opener?.line ?? null,
            col: opener?.col,
          });
        return out;
      }
      if ('comment' in t) {
        comments.push(t);
        if (opts.comments)
          out.push({ directive: '#', line: t.line, args: [], comment: t.text, col: t.col });
        continue;
      }
      if (!t.quoted && t.value === '}') {
        if (depth > 0) return out;
        errors.push({ error: 'unexpected "}"', line: t.line, col: t.col });
        continue;
      }
      if (!t.quoted && (t.value === ';' || t.value === '{')) {
        errors.push({ error: `unexpected "${t.value}"`, line: t.line, col: t.col });
        if (t.value === '{') parseBlock(depth + 1, t);
        continue;
      }
      const d: Directive = { directive: t.value, line: t.line, args: [], col: t.col };
      if (opts.branch) d.branch = branchOf(t.line);
      // comments inside a directive (kept after it, as crossplane does); allocated when met
      let pending: Directive[] | undefined;
      let done = false;
      let dropped = false;
      while (!done) {
        const a = stream[i++];
        if (a === undefined) {
          if (!error)
            errors.push({
              error: `unexpected end of file, expecting ";" or "}"`,
              line: d.line,
              col: d.col,
            });
          return out;
        }
        if ('comment' in a) {
          comments.push(a);
          if (opts.comments) {
            if (!pending) pending = [];
            pending.push({
              directive: '#',
              line: d.line,
              args: [],
              comment: a.text,
              col: a.col,
            });
          }
          continue;
        }
        if (isWord(a)) {
          d.args.push(a.value);
          continue;
        }
        if (a.value === ';') {
          done = true;
        } else if (a.value === '{') {
          if (d.directive === 'if') d.args = ifArgs(d.args);
          d.block = parseBlock(depth + 1, a);
          done = true;
        } else {
          // `}` before `;`: nginx stops here; like crossplane, drop the directive and go on
          errors.push({
            error: `directive "${d.directive}" is not terminated by ";"`,
            line: d.line,
            col: d.col,
          });
          if (pending) out.push(...pending);
          if (depth > 0) return out;
          done = true;
          dropped = true;
        }
      }
      if (d.directive === 'if' && !d.block) d.args = ifArgs(d.args);
      if (dropped) continue;
      out.push(d);
      if (pending) out.push(...pending);
    }
  };
  const parsed = parseBlock(0);
  if (error) errors.push({ error: error.message, line: error.line, col: error.col });
  return { parsed, errors, comments };
}

/** True when a path segment holds glob characters. */
export function hasGlob(p: string): boolean {
  return /[*?[]/.test(p);
}

/** A glob segment as a regular expression (`*`, `?`, `[...]`; no match on a leading dot). */
function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const j = seg.indexOf(']', i + 2);
      if (j < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, j);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Expand a glob against a file system, sorted as glob(3) sorts. */
export function expandGlob(pattern: string, fs: ConfFs): string[] {
  const abs = pattern.startsWith('/');
  const segs = pattern.split('/').filter((s, i) => s !== '' || i === 0);
  let bases = [abs ? '/' : ''];
  for (let k = abs ? 1 : 0; k < segs.length; k++) {
    const seg = segs[k]!;
    const last = k === segs.length - 1;
    const next: string[] = [];
    for (const base of bases) {
      if (!hasGlob(seg)) {
        next.push(base === '' ? seg : join(base, seg));
        continue;
      }
      const names = fs.list(base === '' ? '.' : base) ?? [];
      const re = segmentRegex(seg);
      for (const name of names) {
        if (name.startsWith('.') && !seg.startsWith('.')) continue;
        if (re.test(name)) next.push(base === '' ? name : join(base, name));
      }
    }
    bases = last ? next.filter((p) => fs.read(p) !== undefined) : next;
  }
  return bases.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** True when the text or the name says the file is a template. */
function templatedText(name: string, text: string, force: boolean | undefined): boolean {
  if (force !== undefined) return force;
  return isTemplateName(name) || hasTemplateMarkers(text);
}

/** Parse one file's text (templates neutralised when asked or detected). */
export function parseFileText(
  file: string,
  text: string,
  opts: { comments?: boolean; templates?: boolean } = {},
): ConfigFile {
  const tpl = templatedText(file, text, opts.templates);
  const dt = tpl ? detemplate(text) : undefined;
  const r = parseText(dt?.text ?? text, {
    ...(opts.comments ? { comments: true } : {}),
    ...(dt?.templated ? { branch: dt.branch } : {}),
  });
  return {
    file,
    status: r.errors.length > 0 ? 'failed' : 'ok',
    errors: r.errors,
    parsed: r.parsed,
    comments: r.comments,
    templated: dt?.templated === true,
  };
}

/**
 * Parse a main configuration file and every file it includes (each once, in the order
 * first met, as crossplane lists them). Never throws for bad input: unreadable and missing
 * files are errors in the payload.
 */
export function parseConfig(main: string, opts: ParseOptions = {}): Payload {
  const fs = cachedFs(opts.fs ?? diskFs);
  const root = opts.confRoot ?? dirname(main);
  const config: ConfigFile[] = [];
  const index = new Map<string, number>();
  const queue: string[] = [main];
  index.set(main, 0);
  const errors: ParseError[] = [];
  for (let q = 0; q < queue.length; q++) {
    const file = queue[q]!;
    let text: string | undefined;
    let readError: string | undefined;
    if (q === 0 && opts.mainText !== undefined) text = opts.mainText;
    else {
      try {
        text = fs.read(file);
        if (text === undefined) readError = `No such file or directory: '${file}'`;
      } catch (e) {
        readError = (e as Error).message;
      }
    }
    const cf: ConfigFile =
      text === undefined
        ? {
            file,
            status: 'failed',
            errors: [{ error: readError ?? 'cannot read', line: null }],
            parsed: [],
            comments: [],
            templated: false,
          }
        : parseFileText(file, text, {
            ...(opts.comments ? { comments: true } : {}),
            ...(opts.templates !== undefined ? { templates: opts.templates } : {}),
          });
    config.push(cf);
    if (opts.single) continue;
    const visit = (list: Directive[]) => {
      for (const d of list) {
        if (d.directive === 'include' && !d.block) {
          d.includes = [];
          const arg = d.args[0];
          if (d.args.length !== 1 || arg === undefined) {
            cf.errors.push({
              error: 'invalid number of arguments in "include"',
              line: d.line,
              col: d.col,
            });
            continue;
          }
          const pattern = isAbsolute(arg) ? arg : join(root, arg);
          const files = hasGlob(pattern) ? expandGlob(pattern, fs) : [pattern];
          for (const f of files) {
            if (!hasGlob(pattern)) {
              let exists = false;
              try {
                exists = fs.read(f) !== undefined;
              } catch {
                exists = true; // unreadable: reported when it is parsed
              }
              if (!exists) {
                cf.errors.push({
                  error: `No such file or directory: '${f}'`,
                  line: d.line,
                  col: d.col,
                });
                continue;
              }
            }
            let k = index.get(f);
            if (k === undefined) {
              k = queue.length;
              index.set(f, k);
              queue.push(f);
            }
            d.includes.push(k);
          }
        }
        if (d.block) visit(d.block);
      }
    };
    visit(cf.parsed);
    cf.status = cf.errors.length > 0 ? 'failed' : 'ok';
  }
  for (const cf of config) for (const e of cf.errors) errors.push({ file: cf.file, ...e });
  return { status: errors.length > 0 ? 'failed' : 'ok', errors, config };
}

/** The `# configuration file PATH:` marker of `nginx -T`. */
const DUMP_MARKER = /^# configuration file (.+):\r?$/;

/** True when a text is an `nginx -T` dump. */
export function isDump(text: string): boolean {
  return /^# configuration file .+:\r?$/m.test(text);
}

/**
 * Split an `nginx -T` dump into its files (the first is the main one). Lines before the
 * first marker (nginx -t's own messages) are dropped.
 */
export function splitDump(text: string): Map<string, string> {
  const files = new Map<string, string>();
  let current: string | undefined;
  let lines: string[] = [];
  const flush = () => {
    if (current !== undefined && !files.has(current)) files.set(current, lines.join('\n'));
  };
  for (const line of text.split('\n')) {
    const m = DUMP_MARKER.exec(line);
    if (m) {
      flush();
      current = posix.normalize(m[1]!);
      lines = [];
    } else if (current !== undefined) lines.push(line);
  }
  flush();
  return files;
}

/** Parse an `nginx -T` dump: its files, includes resolved among them. */
export function parseDump(text: string, opts: Omit<ParseOptions, 'fs' | 'mainText'> = {}): Payload {
  const files = splitDump(text);
  const main = files.keys().next().value;
  if (main === undefined) {
    return {
      status: 'failed',
      errors: [
        { file: '-', error: 'no "# configuration file" marker in the nginx -T dump', line: null },
      ],
      config: [],
    };
  }
  return parseConfig(main, { ...opts, fs: memoryFs(files) });
}

/** Strip the fields crossplane does not have (col, branch). */
export function toCrossplane(p: Payload): unknown {
  const strip = (list: Directive[]): unknown[] =>
    list.map((d) => {
      const o: Record<string, unknown> = { directive: d.directive, line: d.line, args: d.args };
      if (d.includes) o.includes = d.includes;
      if (d.comment !== undefined) o.comment = d.comment;
      if (d.block) o.block = strip(d.block);
      return o;
    });
  return {
    status: p.status,
    errors: p.errors.map((e) => ({
      ...(e.file ? { file: e.file } : {}),
      error: e.error,
      line: e.line,
    })),
    config: p.config.map((c) => ({
      file: c.file,
      status: c.status,
      errors: c.errors.map((e) => ({ error: e.error, line: e.line })),
      parsed: strip(c.parsed),
    })),
  };
}
