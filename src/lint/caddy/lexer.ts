/**
 * The Caddyfile lexer, after Caddy 2's own (caddyconfig/caddyfile/lexer.go): tokens are
 * separated by white space; a newline ends a line unless a `\` escapes it (line
 * continuation); `"..."` quotes (with `\"`), `` `...` `` quotes raw text, `<<MARKER` opens a
 * heredoc that ends at a line holding only `MARKER` (whose indentation is stripped from every
 * line); outside quotes a backslash is literal; `#` at the start of a token comments out the rest of the line. Environment
 * placeholders `{$VAR}` / `{$VAR:default}` are resolved when Caddy loads the file, so their
 * value is unknown here: the token keeps them as written and says so.
 */
import type { ParseProblem } from '../kinds.js';
import { isUnknown } from '../template.js';

/** One token. */
export interface CaddyToken {
  /** The value (quotes removed, escapes applied). */
  readonly text: string;
  readonly file: string;
  /** Where the token starts (1-based). */
  readonly line: number;
  readonly col: number;
  /** The logical line (continuations joined): tokens with the same `seg` form one line. */
  readonly seg: number;
  /** Quoted (`"`, `` ` ``) or a heredoc: never a brace, never a comment. */
  readonly quoted: boolean;
}

/** Tokens of one file, and what could not be read. */
export interface Lexed {
  readonly tokens: CaddyToken[];
  readonly problems: ParseProblem[];
}

/** True when a token value holds an environment placeholder (`{$VAR}`) or `{env.VAR}`. */
export const hasEnv = (v: string): boolean => /\{\$[^}]*\}|\{env\.[^}]*\}/.test(v);

/** True when a value is unknown here: a template's placeholder or an environment placeholder. */
export const unknownValue = (v: string): boolean => isUnknown(v) || hasEnv(v);

/** Split one Caddyfile's text into tokens. Never throws. */
export function lexCaddy(file: string, text: string): Lexed {
  const tokens: CaddyToken[] = [];
  const problems: ParseProblem[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  let col = 1;
  let seg = 0;
  const adv = () => {
    if (text[i] === '\n') {
      line++;
      col = 1;
    } else col++;
    i++;
  };
  while (i < n) {
    const c = text[i]!;
    if (c === '\n') {
      adv();
      seg++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\v') {
      adv();
      continue;
    }
    // a lone backslash before the newline joins the next line to this one
    if (c === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n'))) {
      adv();
      if (text[i] === '\r') adv();
      adv();
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') adv();
      continue;
    }
    const sl = line;
    const sc = col;
    if (c === '"' || c === '`') {
      adv();
      let val = '';
      let closed = false;
      while (i < n) {
        const d = text[i]!;
        if (c === '"' && d === '\\' && text[i + 1] === '"') {
          val += text[i + 1];
          adv();
          adv();
          continue;
        }
        if (d === c) {
          adv();
          closed = true;
          break;
        }
        val += d;
        adv();
      }
      if (!closed) problems.push({ file, line: sl, col: sc, message: `unterminated ${c} quote` });
      tokens.push({ text: val, file, line: sl, col: sc, seg, quoted: true });
      continue;
    }
    const here = /^<<([A-Za-z0-9_-]+)\r?\n/.exec(text.slice(i, i + 200));
    if (here) {
      const marker = here[1]!;
      const bodyStart = i + here[0].length;
      const rest = text.slice(bodyStart);
      const lines = rest.split('\n');
      // the closing marker starts a line (after indentation); tokens may follow it
      const close = new RegExp(`^(\\s*)${marker}(?=\\s|$)`);
      let end = -1;
      for (let k = 0; k < lines.length; k++) {
        if (close.test(lines[k]!.replace(/\r$/, ''))) {
          end = k;
          break;
        }
      }
      if (end < 0) {
        problems.push({ file, line: sl, col: sc, message: `heredoc <<${marker} is never closed` });
        while (i < n) adv();
        break;
      }
      const indent = close.exec(lines[end]!)![1]!;
      const body = lines
        .slice(0, end)
        .map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()))
        .join('\n');
      const consumed =
        here[0].length +
        lines.slice(0, end).reduce((a, l) => a + l.length + 1, 0) +
        indent.length +
        marker.length;
      const stop = i + consumed;
      while (i < stop) adv();
      tokens.push({ text: body, file, line: sl, col: sc, seg, quoted: true });
      continue;
    }
    let val = '';
    while (i < n) {
      const d = text[i]!;
      if (d === ' ' || d === '\t' || d === '\n' || d === '\r') break;
      // a backslash is literal, except before the newline it escapes (a continuation)
      if (d === '\\' && (text[i + 1] === '\n' || (text[i + 1] === '\r' && text[i + 2] === '\n')))
        break;
      val += d;
      adv();
    }
    if (val !== '') tokens.push({ text: val, file, line: sl, col: sc, seg, quoted: false });
    else adv();
  }
  return { tokens, problems };
}
