/** Load phases a deployment reports while `loading` (behaviour.md §2.4). */
export type LoadPhase = 'downloading' | 'loading_weights' | 'compiling' | 'ready';

// Checked in this order: a later phase's marker wins when one line mentions two.
const MARKERS: readonly [LoadPhase, readonly string[]][] = [
  ['ready', ['Application startup complete', 'Uvicorn running on']],
  [
    'compiling',
    [
      'Capturing CUDA graph',
      'torch.compile',
      'Graph capturing finished',
      'Dynamo bytecode transform',
      'Compiling a graph',
    ],
  ],
  [
    'loading_weights',
    [
      'Loading weights',
      'checkpoint shards',
      'Loading safetensors',
      'Starting to load model',
      'Model loading took',
    ],
  ],
  ['downloading', ['Downloading', 'Fetching ']],
];

/** The load phase a log line announces, or null. Plain substring match, as vLLM's wording is stable there. */
export function phaseOfLine(text: string): LoadPhase | null {
  for (const [phase, markers] of MARKERS) if (markers.some((m) => text.includes(m))) return phase;
  return null;
}

/** Agent-written lines (`[agent]`, `[docker]`, `[podman]` after the time) are not vLLM's markers. */
const AGENT_LINE = /^\[[^\]]*\] \[(?:agent|docker|podman)\] /;

/**
 * The phase the latest marker in stored log lines announces (formatted `[time] text`, oldest
 * first), or null: what a deployment adopted mid-load was doing, from the run's log.
 */
export function lastPhase(lines: readonly string[]): LoadPhase | null {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (AGENT_LINE.test(line)) continue;
    const phase = phaseOfLine(line);
    if (phase) return phase;
  }
  return null;
}
