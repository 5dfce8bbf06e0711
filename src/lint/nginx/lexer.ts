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

const SPACE = new Set([' ', '\t', '\r', '\n', '\f', '\v']);

/** Lex a configuration text. Never throws: an unterminated quote is reported as `error`. */
export function lex(text: string): Lexed {
  const stream: (Token | (Comment & { comment: true }))[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  let lineStart = 0;
  let token = '';
  let tokLine = 0;
  let tokCol = 0;
  const flush = () => {
    if (token !== '') {
      stream.push({ value: token, line: tokLine, col: tokCol, quoted: false });
      token = '';
    }
  };
  while (i < n) {
    const ch = text[i]!;
    if (ch === '\n') {
      flush();
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (SPACE.has(ch)) {
      flush();
      i++;
      continue;
    }
    if (token === '') {
      tokLine = line;
      tokCol = i - lineStart + 1;
    }
    if (ch === '\\' && i + 1 < n) {
      const next = text[i + 1]!;
      token += ch + next;
      i += 2;
      if (next === '\n') {
        line++;
        lineStart = i;
      }
      continue;
    }
    if (token === '' && ch === '#') {
      let j = text.indexOf('\n', i);
      if (j < 0) j = n;
      stream.push({
        comment: true,
        text: text.slice(i + 1, j).replace(/\r$/, ''),
        line,
        col: tokCol,
      });
      i = j;
      continue;
    }
    if (token !== '' && token.endsWith('$') && ch === '{') {
      // ${var}: read to the closing brace (nginx's `variable` state)
      while (i < n && text[i] !== '}' && !SPACE.has(text[i]!)) token += text[i++];
      if (i < n && text[i] === '}') token += text[i++];
      continue;
    }
    if ((ch === '"' || ch === "'") && token === '') {
      const quote = ch;
      const startLine = line;
      const startCol = i - lineStart + 1;
      let value = '';
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i]!;
        if (c === '\\' && i + 1 < n) {
          const next = text[i + 1]!;
          value += next === quote ? quote : c + next;
          if (next === '\n') {
            line++;
            lineStart = i + 2;
          }
          i += 2;
          continue;
        }
        if (c === quote) {
          closed = true;
          i++;
          break;
        }
        if (c === '\n') {
          line++;
          lineStart = i + 1;
        }
        value += c;
        i++;
      }
      if (!closed) {
        return {
          stream,
          error: {
            message: 'unexpected end of file, expecting a closing quote',
            line: startLine,
            col: startCol,
          },
        };
      }
      stream.push({ value, line: startLine, col: startCol, quoted: true });
      continue;
    }
    if (ch === '{' || ch === '}' || ch === ';') {
      flush();
      stream.push({ value: ch, line, col: i - lineStart + 1, quoted: false });
      i++;
      continue;
    }
    token += ch;
    i++;
  }
  flush();
  return { stream };
}
