/** How often a condition is polled. */
const EVERY_MS = 20;

/**
 * Polls `condition` until it returns (or resolves to) something truthy, and returns that;
 * rejects naming `what` after `timeoutMs`. Tests wait for what they need, never for a fixed
 * time: a deadline generous enough for a loaded CI machine costs nothing on a quiet one.
 */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'the condition',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
  }
}

/**
 * Reads a value until `done(value)` holds or `timeoutMs` passes, and returns the last value
 * read either way — so the test's own assertion on it reports what was actually seen.
 */
export async function pollUntil<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, EVERY_MS));
  }
}
