/**
 * Escaping of text that reaches a terminal. Anything a target sends (reason phrase,
 * Location, Set-Cookie, HSTS values, bodies, error text) may carry ANSI sequences (set the
 * window title, clear the screen, fake colours), C1 controls that some terminals read as
 * CSI, or bidi overrides that reorder what the reader sees. Every text output of the CLI
 * goes through {@link escapeControls}; JSON, JUnit and SARIF escape by their own syntax.
 */

/**
 * C0 controls, DEL, C1 controls, the bidi embedding/override/isolate/mark characters, and
 * the Unicode line and paragraph separators.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_BUT_NEWLINE =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const NAMED: Record<string, string> = { '\t': '\\t', '\n': '\\n', '\r': '\\r' };

function visible(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const cp = ch.codePointAt(0)!;
  return cp < 0x100
    ? `\\x${cp.toString(16).padStart(2, '0')}`
    : `\\u${cp.toString(16).padStart(4, '0')}`;
}

/**
 * Make text safe for a terminal: every control character (C0, DEL, C1; so every escape
 * sequence loses its ESC or CSI) and every bidi control becomes a visible `\xHH` or
 * `\uHHHH` (tab, CR and LF as `\t`, `\r`, `\n`). With `keepNewlines`, LF stays a line break
 * (for multi-line text the CLI itself composed). Idempotent: the result has nothing left to
 * escape.
 */
export function escapeControls(text: string, keepNewlines = false): string {
  return text.replace(keepNewlines ? UNSAFE_BUT_NEWLINE : UNSAFE, visible);
}

/** True when the text holds a character that {@link escapeControls} would escape (LF excepted). */
export function hasUnsafeCharacters(text: string): boolean {
  return new RegExp(UNSAFE_BUT_NEWLINE.source).test(text);
}
