import { INPUT_LIMITS } from '../../shared/agent-protocol/limits.js';
import { AppError } from '../../shared/errors.js';

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const HF_PART = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const MAX_REL_PATH = INPUT_LIMITS.relPath;
const MAX_SEGMENTS = INPUT_LIMITS.relPathSegments;
const MAX_SEGMENT_BYTES = INPUT_LIMITS.segmentBytes;

/** A user-supplied value made safe to put in an error detail (quoted, control characters escaped, cut short). */
export function quoteInput(value: string): string {
  const cut = value.length > 80 ? `${value.slice(0, 80)}…` : value;
  return JSON.stringify(cut);
}

/** Throws 400 unless `name` is a valid managed-model name (behaviour.md §4.6). */
export function checkModelName(name: string): string {
  if (!MODEL_NAME.test(name) || name === '.tmp') {
    throw new AppError(
      'bad_request',
      `Invalid model name ${quoteInput(name)}: use 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit.`,
    );
  }
  return name;
}

/** Throws 400 unless `id` is a HuggingFace repo id `org/name` or `name`; returns its cache folder name. */
export function hfRepoFolder(id: string): string {
  const parts = id.split('/');
  const ok =
    parts.length >= 1 &&
    parts.length <= 2 &&
    parts.every((p) => HF_PART.test(p) && !p.includes('--') && !p.includes('..'));
  if (!ok) {
    throw new AppError(
      'bad_request',
      `Invalid model id ${quoteInput(id)}: expected 'org/name' (letters, digits, '.', '_', '-'; no '..' or '--').`,
    );
  }
  return `models--${parts.join('--')}`;
}

/**
 * Validates an upload's relative path (§4.6: not absolute, no `.`/`..`, no `:` `\` or NUL, at most
 * 32 segments and 1024 characters, names of at most 255 bytes) and returns its segments; throws
 * 400 saying which rule broke.
 */
export function checkRelativePath(path: string): string[] {
  const bad = (why: string): never => {
    throw new AppError('bad_request', `Invalid file path ${quoteInput(path)}: ${why}`);
  };
  if (path.length === 0) bad('it is empty.');
  if (path.length > MAX_REL_PATH) bad(`it is longer than ${MAX_REL_PATH} characters.`);
  if (path.includes('\0')) bad('it contains a NUL character.');
  if (path.includes('\\')) bad("it contains '\\'; use '/' between folders.");
  if (path.includes(':')) bad("it contains ':'.");
  if (path.startsWith('/'))
    bad('absolute paths are not allowed; send a path relative to the model folder.');
  const segments = path.split('/');
  if (segments.length > MAX_SEGMENTS) bad(`it has more than ${MAX_SEGMENTS} segments.`);
  for (const s of segments) {
    if (s === '') bad('it has an empty segment (a doubled or trailing /).');
    if (s === '.' || s === '..') bad("'.' and '..' segments are not allowed.");
    if (Buffer.byteLength(s) > MAX_SEGMENT_BYTES)
      bad(`a folder or file name is longer than ${MAX_SEGMENT_BYTES} bytes.`);
  }
  return segments;
}

/**
 * Normalises an archive member name to safe segments, or returns null for members to skip (the
 * archive root itself). Throws 400 for members that would land outside the target directory.
 */
export function archiveMemberSegments(name: string): string[] | null {
  const escape = (): never => {
    throw new AppError(
      'bad_request',
      `Archive member ${quoteInput(name)} escapes the target directory; nothing was extracted.`,
    );
  };
  if (name.includes('\0') || name.includes('\\') || name.startsWith('/') || /^[A-Za-z]:/.test(name))
    escape();
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.some((s) => s === '..')) escape();
  if (segments.length === 0) return null;
  if (
    segments.length > 256 ||
    name.length > 4096 ||
    segments.some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES)
  ) {
    throw new AppError(
      'bad_request',
      `Archive member ${quoteInput(name)} has a path that is too long.`,
    );
  }
  return segments;
}
