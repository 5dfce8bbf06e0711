/**
 * The default warning log: one line per warning code per interval, each line counting the
 * warnings of that code held back since the previous one. Cheap on the per-request path:
 * a request that warns about nothing never reaches it, and one that does costs a map
 * lookup and a clock read per warning until a line is due.
 */
import type { HttpWarning } from './warnings.js';

interface Slot {
  /** When the last line of this code was written. */
  last: number;
  /** Warnings of this code held back since then. */
  held: number;
}

/** Where a log line goes: `process.emitWarning`, or `console.warn` where there is no `process`. */
export function writeWarningLine(w: HttpWarning, text: string): void {
  if (typeof process === 'object' && typeof process.emitWarning === 'function') {
    process.emitWarning(text, { type: 'ProxytrustWarning', code: w.code });
  } else {
    console.warn(`ProxytrustWarning [${w.code}]: ${text}`);
  }
}

/** A per-code rate limiter for log lines. @internal */
export class WarningLog {
  private readonly slots = new Map<string, Slot>();

  /**
   * @param intervalMs the minimum time between two lines of the same code (0: every one)
   * @param now the clock, injectable for tests
   * @param write where a line goes
   */
  constructor(
    readonly intervalMs: number,
    private readonly now: () => number = Date.now,
    private readonly write: (w: HttpWarning, text: string) => void = writeWarningLine,
  ) {}

  /**
   * Log `w` (with `context` appended, such as who sent the request) when no line of its
   * code was written in the last interval; otherwise count it, to be reported on the next
   * line. Returns true when a line was written.
   */
  add(w: HttpWarning, context?: (w: HttpWarning) => string): boolean {
    const t = this.now();
    let slot = this.slots.get(w.code);
    if (slot !== undefined && t - slot.last < this.intervalMs) {
      slot.held++;
      return false;
    }
    const held = slot?.held ?? 0;
    if (slot === undefined) {
      // Codes are a small fixed set, but hostile input must never grow this without bound.
      if (this.slots.size >= 256) this.slots.clear();
      slot = { last: t, held: 0 };
      this.slots.set(w.code, slot);
    } else {
      slot.last = t;
      slot.held = 0;
    }
    const more =
      held > 0
        ? ` (${held} more ${w.code} warning${held > 1 ? 's' : ''} held back since the previous line)`
        : '';
    this.write(w, safe(`${w.message}${context === undefined ? '' : context(w)}${more}`));
    return true;
  }
}

/**
 * A log line never carries a control character from a request: they are shown as `\uXXXX`,
 * so a header value cannot forge or break lines in a log.
 */
export function safe(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}
