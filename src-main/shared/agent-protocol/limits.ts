// Input limits of the agent protocol: lengths and characters every string field is held to, so
// that the agent refuses at its boundary (422) what would otherwise fail deep inside, a NUL in an
// argv or a file name longer than the filesystem allows, and its clients can check the same.
import { z } from 'zod';

/** The limits, in characters unless named bytes. */
export const INPUT_LIMITS = {
  /** A model name or host model path; its log file name stays under the 255-byte file name limit. */
  modelName: 255,
  /** A deployment key `<model>:<port>`. */
  key: 255 + 6,
  /** Names: LoRA adapters, env var keys, local models, packages, owners. */
  name: 255,
  /** A path the client names (LoRA adapter, extra package). */
  path: 4096,
  /** One command-line argument or env value (Linux allows 128 KiB; vLLM needs far less). */
  arg: 32 * 1024,
  /** Items of a list: arguments, env vars, adapters, packages, pins. */
  items: 256,
  /** A relative upload path: characters, segments, and bytes per segment (a file name). */
  relPath: 1024,
  relPathSegments: 32,
  segmentBytes: 255,
} as const;

// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const NUL = /\u0000/;
const utf8 = new TextEncoder();

/** A name or identifier: at most `max` characters, no control characters (NUL, newline, escapes). */
export function textField(max: number = INPUT_LIMITS.name) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !CONTROL.test(s), 'must not contain control characters');
}

/** A command-line argument or env value: at most `max` characters and no NUL (newlines are fine). */
export function argField(max: number = INPUT_LIMITS.arg) {
  return z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !NUL.test(s), 'must not contain a NUL character');
}

/** A list of at most `INPUT_LIMITS.items` items. */
export function listField<T extends z.ZodType>(item: T, max: number = INPUT_LIMITS.items) {
  return z.array(item).max(max, `must have at most ${max} items`);
}

/** True when any string inside `v` (a JSON value) holds a NUL character. */
export function holdsNul(v: unknown): boolean {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x === 'string') {
      if (NUL.test(x)) return true;
    } else if (Array.isArray(x)) stack.push(...(x as unknown[]));
    else if (x !== null && typeof x === 'object') {
      for (const [k, val] of Object.entries(x)) stack.push(k, val);
    }
  }
  return false;
}

/** A relative path of an upload: the lengths of `INPUT_LIMITS` and no control characters. */
export const RelativePathSchema = textField(INPUT_LIMITS.relPath).refine(
  (p) => p.split('/').every((s) => utf8.encode(s).length <= INPUT_LIMITS.segmentBytes),
  `each folder or file name must be at most ${INPUT_LIMITS.segmentBytes} bytes`,
);
