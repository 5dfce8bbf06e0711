/**
 * Set-Cookie helpers: is a cookie marked Secure, add Secure, what is its name. Parsing is
 * attribute-level (`Path=/secure` is not the Secure attribute), case-insensitive, and
 * never throws.
 */

/** True when the Set-Cookie line carries the `Secure` attribute (any case, any value). */
export function hasSecure(line: string): boolean {
  let i = line.indexOf(';');
  while (i >= 0) {
    let s = i + 1;
    while (s < line.length && (line.charCodeAt(s) === 0x20 || line.charCodeAt(s) === 0x09)) s++;
    let e = line.indexOf(';', s);
    const next = e;
    if (e < 0) e = line.length;
    let end = line.indexOf('=', s);
    if (end < 0 || end > e) end = e;
    while (end > s && (line.charCodeAt(end - 1) === 0x20 || line.charCodeAt(end - 1) === 0x09))
      end--;
    if (end - s === 6 && line.slice(s, end).toLowerCase() === 'secure') return true;
    i = next;
  }
  return false;
}

/** The cookie's name (before the first `=` of the first segment), trimmed. */
export function cookieName(line: string): string {
  const semi = line.indexOf(';');
  const first = semi < 0 ? line : line.slice(0, semi);
  const eq = first.indexOf('=');
  return (eq < 0 ? '' : first.slice(0, eq)).trim();
}

/**
 * Add `; Secure` to every line that lacks it. Returns undefined when nothing changed, so
 * the caller can skip writing the header back.
 */
export function addSecure(lines: readonly string[]): string[] | undefined {
  let out: string[] | undefined;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (hasSecure(line)) continue;
    if (out === undefined) out = lines.slice();
    out[i] = `${line}; Secure`;
  }
  return out;
}

/** The default pattern for session-like cookie names (warned when sent over http without Secure). */
export const SESSION_COOKIE_PATTERN = /sess|sid|auth|token|jwt|remember|login|csrf/i;
