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
