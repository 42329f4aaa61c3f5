import { classifyFailure } from '../../shared/classify-failure.js';

/**
 * The cause shown for a crash: the classified failure (its advice naming `vllmVersion` when the
 * log shows a flag that version removed), or the bare exit code when none matches.
 */
export function describeFailure(
  recent: readonly string[],
  exitCode: number | null,
  vllmVersion: string | null = null,
): { code: string | null; message: string } {
  const cause = classifyFailure(recent, vllmVersion);
  if (cause) return { code: cause.code, message: cause.message };
  return {
    code: null,
    message: `vLLM exited with code ${exitCode ?? 'unknown'}; see the deployment log for details.`,
  };
}
