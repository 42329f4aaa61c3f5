import { describe, expect, it } from 'vitest';
import {
  argField,
  holdsNul,
  INPUT_LIMITS,
  RelativePathSchema,
  textField,
} from '../../src-main/shared/agent-protocol/limits.js';
import { LaunchRequestSchema } from '../../src-main/shared/agent-protocol/deployments.js';
import { archiveMemberSegments, checkRelativePath } from '../../src-main/agent/files/file-names.js';
import { logFileName } from '../../src-main/agent/logs/log-line.js';
import { AppError } from '../../src-main/shared/errors.js';

describe('agent protocol input limits', () => {
  it('refuses control characters in names but allows newlines in arguments, never NUL', () => {
    expect(textField().safeParse('Qwen/Qwen3-8B').success).toBe(true);
    for (const bad of ['a\u0000b', 'a\nb', 'a\u001bb', 'a\u007fb'])
      expect(textField().safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    expect(argField().safeParse('{% for m in messages %}\n{{ m }}\n{% endfor %}').success).toBe(
      true,
    );
    expect(argField().safeParse('1\u0000').success).toBe(false);
    expect(argField().safeParse('x'.repeat(INPUT_LIMITS.arg + 1)).success).toBe(false);
  });

  it('finds a NUL anywhere inside a JSON value, keys included', () => {
    expect(holdsNul({ a: [1, { b: 'ok' }] })).toBe(false);
    expect(holdsNul({ a: [1, { b: 'n\u0000' }] })).toBe(true);
    expect(holdsNul({ 'k\u0000': 1 })).toBe(true);
  });

  it('holds upload paths to 255 bytes per name, counting UTF-8 bytes', () => {
    expect(RelativePathSchema.safeParse(`d/${'n'.repeat(255)}`).success).toBe(true);
    expect(RelativePathSchema.safeParse(`d/${'n'.repeat(256)}`).success).toBe(false);
    expect(RelativePathSchema.safeParse(`d/${'é'.repeat(128)}`).success).toBe(false);
    expect(() => checkRelativePath(`d/${'é'.repeat(128)}`)).toThrow(AppError);
    expect(() => archiveMemberSegments(`d/${'n'.repeat(256)}`)).toThrow(/too long/);
  });

  it('keeps a launch of the longest model name a valid request', () => {
    const r = LaunchRequestSchema.safeParse({
      model_name: 'm'.repeat(INPUT_LIMITS.modelName),
      port: 8000,
      gpu_memory_fraction: 0.5,
    });
    expect(r.success).toBe(true);
  });
});

describe('logFileName', () => {
  it('stays under the 255-byte file name limit for the longest model name, even all slashes', () => {
    for (const model of ['m'.repeat(255), '/'.repeat(255), `/a/${'b/'.repeat(126)}`]) {
      const name = `${logFileName(model, 65535)}.pos`;
      expect(Buffer.byteLength(name), name).toBeLessThanOrEqual(255);
    }
  });

  it('keeps two long names that share their start apart', () => {
    const a = logFileName(`${'m'.repeat(250)}a`, 1);
    const b = logFileName(`${'m'.repeat(250)}b`, 1);
    expect(a).not.toBe(b);
    expect(logFileName('Qwen/Qwen3-8B', 8001)).toBe('Qwen--Qwen3-8B-8001.log');
  });
});
