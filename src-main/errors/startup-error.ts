/** A start-up failure with a message that names the problem and the fix; the CLI exits 1. */
export class StartupError extends Error {
  override name = 'StartupError';
}
