/**
 * Lets one log line through per interval and counts the rest, so a flood of bad or
 * forged bus messages costs a line every few seconds rather than a line each.
 */
export class LogLimiter {
  private last = -Infinity;
  private held = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Undefined when the line must be dropped; otherwise how many were dropped since the
   * last one let through (to say in the line).
   */
  take(): number | undefined {
    const now = this.now();
    if (now - this.last < this.intervalMs) {
      this.held++;
      return undefined;
    }
    this.last = now;
    const suppressed = this.held;
    this.held = 0;
    return suppressed;
  }
}
