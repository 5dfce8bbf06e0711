/**
 * The nginx configuration lexer: nginx's own token rules (ngx_conf_read_token), as
 * crossplane reads them, so the tree diffs against crossplane's JSON.
 *
 * - Words end at whitespace, `;`, `{` and `}`; `#` starts a comment only at the start of a
 *   word; a quote starts a quoted word only at the start of a word (inside a word it is an
 *   ordinary character).
 * - A backslash keeps the next character in the word (`\;` does not end it); the pair is
 *   kept as written, as crossplane does. Inside quotes, `\"` (or `\'`) is the quote itself.
 * - `${name}` is nginx's variable syntax: its braces do not start or end a block.
 */

/** One token: a word (quoted or not) or one of `{`, `}`, `;`. */
export interface Token {
  readonly value: string;
  /** 1-based line and column where the token starts. */
  readonly line: number;
  readonly col: number;
  /** True for a quoted word (so `"{"` is a word, never a block). */
  readonly quoted: boolean;
}

/** A `#` comment: the text after the `#`, where it starts. */
export interface Comment {
  readonly text: string;
  readonly line: number;
  readonly col: number;
}

/** A lexing error (an unterminated quote), with where it happened. */
export interface LexError {
  readonly message: string;
  readonly line: number;
  readonly col: number;
}

/** The tokens and comments of a text, in order; `stream` interleaves both. */
export interface Lexed {
  readonly stream: readonly (Token | (Comment & { readonly comment: true }))[];
  readonly error?: LexError;
}

/** True for nginx's whitespace (space, tab, CR, LF, and FF/VT as crossplane reads them). */
const isSpace = (c: number) => c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11;

/** Lex a configuration text. Never throws: an unterminated quote is reported as `error`. */
export function lex(text: string): Lexed {
  const stream: (Token | (Comment & { comment: true }))[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (isSpace(c)) {
      i++;
      continue;
    }
    const col = i - lineStart + 1;
    if (c === 35 /* # */) {
      let j = text.indexOf('\n', i);
      if (j < 0) j = n;
      stream.push({ comment: true, text: text.slice(i + 1, j).replace(/\r$/, ''), line, col });
      i = j;
      continue;
    }
    if (c === 123 || c === 125 || c === 59 /* { } ; */) {
      stream.push({ value: text[i]!, line, col, quoted: false });
      i++;
      continue;
    }
    if (c === 34 || c === 39 /* " ' */) {
      const startLine = line;
      let j = i + 1;
      let escaped = false;
      let closed = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92 /* \\ */ && j + 1 < n) {
          escaped = true;
          if (text.charCodeAt(j + 1) === 10) {
            line++;
            lineStart = j + 2;
          }
          j += 2;
          continue;
        }
        if (d === c) {
          closed = true;
          break;
        }
        if (d === 10) {
          line++;
          lineStart = j + 1;
        }
        j++;
      }
      if (!closed) {
        return {
          stream,
          error: {
            message: 'unexpected end of file, expecting a closing quote',
            line: startLine,
            col,
          },
        };
      }
      let value = text.slice(i + 1, j);
      if (escaped) {
        const q = text[i]!;
        value = value.replace(/\\([\s\S])/g, (m, x: string) => (x === q ? q : m));
      }
      stream.push({ value, line: startLine, col, quoted: true });
      i = j + 1;
      continue;
    }
    // an unquoted word: up to whitespace or { } ; (a backslash keeps the next character;
    // ${name} keeps its braces)
    const startLine = line;
    let j = i;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d === 92 && j + 1 < n) {
        if (text.charCodeAt(j + 1) === 10) {
          line++;
          lineStart = j + 2;
        }
        j += 2;
        continue;
      }
      if (d === 123 && j > i && text.charCodeAt(j - 1) === 36 /* $ */) {
        while (j < n && text.charCodeAt(j) !== 125 && !isSpace(text.charCodeAt(j))) j++;
        if (j < n && text.charCodeAt(j) === 125) j++;
        continue;
      }
      if (isSpace(d) || d === 123 || d === 125 || d === 59) break;
      j++;
    }
    stream.push({ value: text.slice(i, j), line: startLine, col, quoted: false });
    i = j;
  }
  return { stream };
}
