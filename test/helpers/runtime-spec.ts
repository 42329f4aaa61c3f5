import type { LaunchSpec, RawLogLine } from '../../src-main/agent/runtime/container-runtime.js';

/** A small launch spec for runtime tests: a fixed argv and env, no GPUs, restart unless stopped. */
export function testSpec(
  name: string,
  image: string,
  labels: Record<string, string>,
  over: Partial<LaunchSpec> = {},
): LaunchSpec {
  return {
    name,
    image,
    args: ['--model', 'm', '--port', '8001'],
    env: { GREETING: 'hello', MODE: 'serve' },
    labels: { 'aerie.managed': 'true', ...labels },
    gpuIds: null,
    passGpus: false,
    mounts: [],
    restartUnlessStopped: true,
    ...over,
  };
}

/** Reads log lines until `until` matches (or the stream ends). */
export async function collectLogs(
  lines: AsyncIterable<RawLogLine>,
  until?: (l: RawLogLine) => boolean,
): Promise<RawLogLine[]> {
  const out: RawLogLine[] = [];
  for await (const l of lines) {
    out.push(l);
    if (until?.(l)) break;
  }
  return out;
}
