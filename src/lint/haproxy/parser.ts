/**
 * HAProxy configuration read the way HAProxy 2.x reads it: one statement a line (there is
 * no line continuation: a trailing backslash is a word of its own, which `haproxy -c`
 * refuses), words split on blanks, `#` starting a comment outside quotes, double quotes
 * (with backslash escapes and `$VAR`/`${VAR}` expansion), single quotes (literal), and
 * backslash escapes outside quotes. A line whose first word names a section (`global`,
 * `defaults [name] [from x]`, `frontend`, `backend`, `listen`, ...) starts one; the lines
 * after it belong to it. Template markers (`{{ }}`, `{% %}`) become unknown values.
 */
import { detemplate, isUnknown } from '../template.js';

/** One statement: its words after quoting and escapes, and where it starts. */
export interface HLine {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  readonly words: readonly string[];
  /** The text as written (without the comment), for evidence. */
  readonly text: string;
  /** A word came from the environment (`$VAR`, `${VAR}`) or a template: its value is unknown. */
  readonly unknown: boolean;
}

/** The proxy sections, and the others (whose lines lint does not read). */
export type SectionType = 'global' | 'defaults' | 'frontend' | 'backend' | 'listen' | 'other';

/** One section and its lines. */
export interface Section {
  readonly type: SectionType;
  /** The section keyword as written (`userlist`, `resolvers`, ... for `other`). */
  readonly keyword: string;
  readonly name?: string;
  /** `from <defaults>` on the section line. */
  readonly from?: string;
  readonly header: HLine;
  readonly lines: HLine[];
}

/** A syntax problem (unterminated quote, a trailing backslash). */
export interface HProblem {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

/** A whole file. */
export interface HFile {
  readonly file: string;
  /** Lines before the first section (HAProxy refuses them; kept for fragments). */
  readonly loose: HLine[];
  readonly sections: Section[];
  readonly problems: HProblem[];
  /** The file held template markers. */
  readonly templated: boolean;
}

const SECTIONS: Readonly<Record<string, SectionType>> = {
  global: 'global',
  defaults: 'defaults',
  frontend: 'frontend',
  backend: 'backend',
  listen: 'listen',
  userlist: 'other',
  peers: 'other',
  resolvers: 'other',
  mailers: 'other',
  program: 'other',
  'http-errors': 'other',
  ring: 'other',
  cache: 'other',
  'fcgi-app': 'other',
  'log-forward': 'other',
  traces: 'other',
  crt_store: 'other',
  'crt-store': 'other',
  acme: 'other',
};

const ESCAPES: Readonly<Record<string, string>> = { r: '\r', n: '\n', t: '\t' };

/** Split one line into words (see the module comment). */
export function splitLine(src: string): {
  words: string[];
  cols: number[];
  end: number;
  unknown: boolean;
  problem?: string;
} {
  const words: string[] = [];
  const cols: number[] = [];
  let unknown = isUnknown(src);
  let i = 0;
  let cur: string | undefined;
  let start = 0;
  let quote: '"' | "'" | undefined;
  let problem: string | undefined;
  const flush = () => {
    if (cur !== undefined) {
      words.push(cur);
      cols.push(start + 1);
    }
    cur = undefined;
  };
  const add = (s: string) => {
    if (cur === undefined) {
      cur = '';
      start = i;
    }
    cur += s;
  };
  while (i < src.length) {
    const c = src[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else cur += c;
      i++;
      continue;
    }
    if (!quote && (c === ' ' || c === '\t')) {
      flush();
      i++;
      continue;
    }
    if (!quote && c === '#') break;
    if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) {
        if (!quote) problem = 'a trailing backslash: HAProxy does not continue lines';
        add('\\');
        i++;
        continue;
      }
      if (n === 'x' && /^[0-9a-fA-F]{2}$/.test(src.slice(i + 2, i + 4))) {
        add(String.fromCharCode(Number.parseInt(src.slice(i + 2, i + 4), 16)));
        i += 4;
        continue;
      }
      if (ESCAPES[n]) add(ESCAPES[n]!);
      else if (n === '\\' || n === ' ' || n === '#' || n === '"' || n === "'" || n === '$') add(n);
      else add(`\\${n}`);
      i += 2;
      continue;
    }
    if (c === '"') {
      if (cur === undefined) {
        cur = '';
        start = i;
      }
      quote = quote ? undefined : '"';
      i++;
      continue;
    }
    if (c === "'" && !quote) {
      if (cur === undefined) {
        cur = '';
        start = i;
      }
      quote = "'";
      i++;
      continue;
    }
    if (c === '$' && /^(\{[A-Za-z_][\w.-]*(?:[-:][^}]*)?\}|[A-Za-z_]\w*)/.test(src.slice(i + 1)))
      unknown = true;
    add(c);
    i++;
  }
  if (quote) problem = `an unterminated ${quote === '"' ? 'double' : 'single'} quote`;
  flush();
  return { words, cols, end: i, unknown, ...(problem ? { problem } : {}) };
}

/** Parse a file's text into sections. Never throws. */
export function parseHaproxy(file: string, input: string): HFile {
  const { text, templated } = detemplate(input);
  const loose: HLine[] = [];
  const sections: Section[] = [];
  const problems: HProblem[] = [];
  const lines = text.split(/\r?\n/);
  let current: Section | undefined;
  for (let n = 0; n < lines.length; n++) {
    const src = lines[n]!;
    const s = splitLine(src);
    if (s.problem) problems.push({ line: n + 1, col: src.length || 1, message: s.problem });
    if (s.words.length === 0) continue;
    const hl: HLine = {
      file,
      line: n + 1,
      col: s.cols[0]!,
      words: s.words,
      text: src.slice(s.cols[0]! - 1, s.end).trimEnd(),
      unknown: s.unknown,
    };
    const type = SECTIONS[s.words[0]!];
    if (type) {
      const w = s.words;
      const fromAt = w.indexOf('from', 1);
      const name = w[1] !== undefined && w[1] !== 'from' ? w[1] : undefined;
      current = {
        type,
        keyword: w[0]!,
        ...(name !== undefined ? { name } : {}),
        ...(fromAt > 0 && w[fromAt + 1] ? { from: w[fromAt + 1] } : {}),
        header: hl,
        lines: [],
      };
      sections.push(current);
      continue;
    }
    (current ? current.lines : loose).push(hl);
  }
  return { file, loose, sections, problems, templated };
}
