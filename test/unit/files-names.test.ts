import { describe, expect, it } from 'vitest';
import { archiveKind, stripArchiveSuffix } from '../../src-main/agent/files/archive-extract.js';
import {
  archiveMemberSegments,
  checkModelName,
  checkRelativePath,
  hfRepoFolder,
} from '../../src-main/agent/files/file-names.js';
import { packagesMount } from '../../src-main/agent/files/packages.js';
import { rewritePackagesPath } from '../../src-main/shared/vllm-args.js';

const rewritePackagePaths = (args: string[], host: string) =>
  args.map((a) => rewritePackagesPath(a, host));
import { AppError } from '../../src-main/shared/errors.js';
import { ERROR_STATUS } from '../../src-main/shared/node/http-errors.js';

const status = (fn: () => unknown) => {
  try {
    fn();
    return 0;
  } catch (e) {
    return e instanceof AppError ? ERROR_STATUS[e.code] : -1;
  }
};

describe('upload relative paths', () => {
  it('accepts nested relative paths and returns their segments', () => {
    expect(checkRelativePath('a/b/model-00001.safetensors')).toEqual([
      'a',
      'b',
      'model-00001.safetensors',
    ]);
  });

  it.each([
    ['/etc/passwd', 'absolute'],
    ['../x', "'..'"],
    ['a/./b', "'.'"],
    ['a/../../b', "'..'"],
    ['a\\b', '\\'],
    ['c:x', ':'],
    ['a\0b', 'NUL'],
    ['a//b', 'empty segment'],
    ['a/', 'empty segment'],
    ['', 'empty'],
    ['x'.repeat(1025), '1024'],
    [Array.from({ length: 33 }, () => 's').join('/'), '32 segments'],
  ])('rejects %j with 400 naming the rule (%s)', (path, rule) => {
    expect(() => checkRelativePath(path)).toThrow(rule);
    expect(status(() => checkRelativePath(path))).toBe(400);
  });
});

describe('model names and HF repo ids', () => {
  it.each(['qwen3-8b', 'A.b_c-1', 'x'.repeat(64)])('accepts %s', (n) =>
    expect(checkModelName(n)).toBe(n),
  );
  it.each(['.tmp', '..', '-x', 'a/b', 'a b', 'x'.repeat(65), '', 'a\0'])(
    'rejects %j with 400',
    (n) => expect(status(() => checkModelName(n))).toBe(400),
  );

  it('maps org/name to its cache folder', () => {
    expect(hfRepoFolder('Qwen/Qwen3-8B')).toBe('models--Qwen--Qwen3-8B');
    expect(hfRepoFolder('gpt2')).toBe('models--gpt2');
  });
  it.each(['../x', 'a/b/c', 'a/..', 'a--b/c', '/abs', 'a\\b', ''])(
    'rejects repo id %j with 400',
    (id) => expect(status(() => hfRepoFolder(id))).toBe(400),
  );
});

describe('archive member names', () => {
  it('drops . segments and the archive root', () => {
    expect(archiveMemberSegments('./model/config.json')).toEqual(['model', 'config.json']);
    expect(archiveMemberSegments('./')).toBeNull();
  });
  it.each(['../x', 'a/../../x', '/abs', 'C:\\x', 'a\0b'])('rejects %j with 400', (n) =>
    expect(status(() => archiveMemberSegments(n))).toBe(400),
  );
});

describe('archive suffixes', () => {
  it('recognises .tar.gz, .tgz and .zip and strips them for default names', () => {
    expect(archiveKind('m.TAR.GZ')).toBe('tar.gz');
    expect(archiveKind('m.tgz')).toBe('tar.gz');
    expect(archiveKind('m.zip')).toBe('zip');
    expect(archiveKind('m.gguf')).toBeNull();
    expect(stripArchiveSuffix('qwen.tar.gz')).toBe('qwen');
    expect(stripArchiveSuffix('m.Q4.gguf')).toBe('m.Q4.gguf');
  });
});

describe('package paths in vLLM args', () => {
  it('rewrites the host packages dir to /packages wherever a path starts', () => {
    const host = '/data/aerie/packages';
    expect(
      rewritePackagePaths(
        [
          '--reasoning-parser-plugin',
          '/data/aerie/packages/0123456789abcdef/p.py',
          '--x=/data/aerie/packages/a/b.whl',
          'a,/data/aerie/packages/c',
        ],
        host,
      ),
    ).toEqual([
      '--reasoning-parser-plugin',
      '/packages/0123456789abcdef/p.py',
      '--x=/packages/a/b.whl',
      'a,/packages/c',
    ]);
  });
  it('leaves look-alike prefixes and unrelated args alone', () => {
    const host = '/data/aerie/packages';
    expect(
      rewritePackagePaths(
        ['/data/aerie/packages2/x', '/other/data/aerie/packages/x', '--port'],
        host,
      ),
    ).toEqual(['/data/aerie/packages2/x', '/other/data/aerie/packages/x', '--port']);
  });
  it('mounts the packages dir read-only at /packages', () => {
    expect(packagesMount('/data/p')).toEqual({
      source: '/data/p',
      target: '/packages',
      readOnly: true,
    });
  });
});
