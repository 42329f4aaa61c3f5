// The one way tests wait for something that happens asynchronously: poll with a deadline. Tests
// never sleep a fixed time; what they wait for is named so that a timeout says what was missing.

const POLL_MS = 20;

/**
 * Polls `fn` until it returns a truthy value and resolves with that value; after `timeoutMs`
 * throws an error naming `what` and the last value seen. An error thrown by `fn` ends the wait.
 */
export async function waitForValue<T>(
  fn: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'a value',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) {
      const last = v === false || v === null || v === undefined ? '' : ` (last: ${show(v)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}`);
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** Polls `cond` until it is true or the deadline passes (then throws with `what`). */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  await waitForValue(cond, timeoutMs, what);
}

function show(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
