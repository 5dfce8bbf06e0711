/**
 * Optional whitespace (RFC 9110 OWS: spaces and horizontal tabs) around list elements and
 * header values. One place for the scanning that every parser needs.
 */

/** The first index in [start, end) that is not OWS (or `end`). */
export function skipOws(s: string, start: number, end: number): number {
  while (start < end) {
    const c = s.charCodeAt(start);
    if (c !== 0x20 && c !== 0x09) break;
    start++;
  }
  return start;
}

/** The end of [start, end) with trailing OWS removed. */
export function trimOwsEnd(s: string, start: number, end: number): number {
  while (end > start) {
    const c = s.charCodeAt(end - 1);
    if (c !== 0x20 && c !== 0x09) break;
    end--;
  }
  return end;
}

/** `s[start, end)` without OWS on either side; returns `s` itself when nothing is cut. */
export function sliceTrimmed(s: string, start = 0, end: number = s.length): string {
  const a = skipOws(s, start, end);
  const b = trimOwsEnd(s, a, end);
  return a === 0 && b === s.length ? s : s.slice(a, b);
}
