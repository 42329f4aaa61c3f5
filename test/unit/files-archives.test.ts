import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractTarGz } from '../../src-main/agent/files/archive-extract.js';
import { ExtractTarget } from '../../src-main/agent/files/extract-target.js';
import { extractZip } from '../../src-main/agent/files/zip-reader.js';
import { AppError } from '../../src-main/shared/errors.js';
import { ERROR_STATUS } from '../../src-main/shared/node/http-errors.js';
import { buildZip, snapshotTree, writeTree } from '../helpers/agent-routes-server.js';

let root: string;
let out: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'aerie-archives-'));
  out = join(root, 'out');
  mkdirSync(out);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const target = (max = 1e12) => new ExtractTarget(out, max);
const untar = (file: string, t = target()) => extractTarGz(createReadStream(file), t);
const status = (p: Promise<unknown>) =>
  p.then(
    () => 0,
    (e: unknown) => (e instanceof AppError ? ERROR_STATUS[e.code] : -1),
  );

function tarOf(files: Record<string, string>, args: string[] = []): string {
  const src = join(root, 'src');
  writeTree(src, files);
  const file = join(root, 'a.tar.gz');
  execFileSync('tar', ['-czf', file, ...args, '-C', src, '.']);
  return file;
}

describe('tar.gz reader', () => {
  it('extracts files and folders written by GNU tar', async () => {
    await untar(
      tarOf({
        'config.json': '{"a":1}',
        'sub/dir/w.safetensors': 'x'.repeat(5000),
        'empty.txt': '',
      }),
    );
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('{"a":1}');
    expect(readFileSync(join(out, 'sub/dir/w.safetensors'), 'utf8')).toBe('x'.repeat(5000));
    expect(readFileSync(join(out, 'empty.txt'), 'utf8')).toBe('');
  });

  it.each([['pax'], ['gnu'], ['ustar']])(
    'keeps names longer than 100 characters in %s format',
    async (format) => {
      const long = `${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(90)}.bin`;
      await untar(tarOf({ [long]: 'long' }, [`--format=${format}`]));
      expect(readFileSync(join(out, long), 'utf8')).toBe('long');
    },
  );

  it('skips symlinks and hard links instead of creating them', async () => {
    const src = join(root, 'src');
    writeTree(src, { 'real.txt': 'r' });
    symlinkSync('/etc/passwd', join(src, 'evil-link'));
    execFileSync('ln', [join(src, 'real.txt'), join(src, 'hard.txt')]);
    const file = join(root, 'l.tar.gz');
    execFileSync('tar', ['-czf', file, '-C', src, '.']);
    const t = target();
    await untar(file, t);
    expect(snapshotTree(out)).toEqual(['real.txt file 1']);
    expect(t.skipped).toBe(2);
  });

  it('rejects a member with ../ in its name with 400 before writing it', async () => {
    const src = join(root, 'src');
    writeTree(src, { 'inner/x.txt': 'x' });
    const file = join(root, 'evil.tar.gz');
    execFileSync('tar', ['-czf', file, '-P', '-C', join(src, 'inner'), '../inner/x.txt']);
    expect(await status(untar(file))).toBe(400);
    expect(snapshotTree(out)).toEqual([]);
  });

  it('rejects absolute member names with 400', async () => {
    const src = join(root, 'src');
    writeTree(src, { 'abs.txt': 'a' });
    const file = join(root, 'abs.tar.gz');
    execFileSync('tar', ['-czf', file, '-P', join(src, 'abs.txt')]);
    expect(await status(untar(file))).toBe(400);
    expect(snapshotTree(out)).toEqual([]);
  });

  it('answers 400 for data that is not gzip and for a truncated archive', async () => {
    const junk = join(root, 'junk.tar.gz');
    writeFileSync(junk, 'not gzip at all');
    expect(await status(untar(junk))).toBe(400);
    const file = tarOf({ 'big.bin': 'z'.repeat(200_000) });
    const cut = join(root, 'cut.tar.gz');
    execFileSync('sh', ['-c', `gzip -dc '${file}' | head -c 4096 | gzip > '${cut}'`]);
    expect(await status(untar(cut))).toBe(400);
  });

  it('stops with 507 when the archive expands past the disk budget', async () => {
    const file = tarOf({ 'a.bin': 'a'.repeat(10_000), 'b.bin': 'b'.repeat(10_000) });
    expect(await status(untar(file, target(15_000)))).toBe(507);
  });
});

describe('zip reader', () => {
  it('extracts deflated and stored members', async () => {
    const z1 = join(root, 'd.zip');
    buildZip(z1, [
      { name: 'm/config.json', data: '{}' },
      { name: 'm/w.bin', data: 'w'.repeat(100_000) },
    ]);
    await extractZip(z1, target());
    expect(readFileSync(join(out, 'm/w.bin'), 'utf8')).toBe('w'.repeat(100_000));
    rmSync(out, { recursive: true });
    mkdirSync(out);
    const z2 = join(root, 's.zip');
    buildZip(z2, [{ name: 'a.txt', data: 'stored' }], { stored: true });
    await extractZip(z2, target());
    expect(readFileSync(join(out, 'a.txt'), 'utf8')).toBe('stored');
  });

  it('reads zip64 size fields and the zip64 end record', async () => {
    const z = join(root, 'z64.zip');
    buildZip(
      z,
      [
        { name: 'one.bin', data: '1'.repeat(300) },
        { name: 'two.bin', data: '2'.repeat(50) },
      ],
      { zip64: true },
    );
    expect(readFileSync(z).includes(Buffer.from([0x50, 0x4b, 0x06, 0x06]))).toBe(true);
    await extractZip(z, target());
    expect(readFileSync(join(out, 'one.bin'), 'utf8')).toBe('1'.repeat(300));
    expect(readFileSync(join(out, 'two.bin'), 'utf8')).toBe('2'.repeat(50));
  });

  it.each([
    ['../escape.txt'],
    ['/etc/abs.txt'],
    ['a/../../b.txt'],
    ['C:/win.txt'],
    ['a\\..\\b.txt'],
  ])('rejects member %s with 400 and writes nothing', async (name) => {
    const z = join(root, 'evil.zip');
    buildZip(z, [
      { name: 'ok.txt', data: 'fine' },
      { name, data: 'bad' },
    ]);
    expect(await status(extractZip(z, target()))).toBe(400);
    expect(snapshotTree(out)).toEqual([]);
  });

  it('skips symlink members', async () => {
    const z = join(root, 'link.zip');
    buildZip(z, [
      { name: 'l', symlinkTo: '/etc/passwd' },
      { name: 'f.txt', data: 'f' },
    ]);
    const t = target();
    await extractZip(z, t);
    expect(snapshotTree(out)).toEqual(['f.txt file 1']);
    expect(t.skipped).toBe(1);
  });

  it('answers 400 for a file that is not a zip', async () => {
    const z = join(root, 'no.zip');
    writeFileSync(z, Buffer.alloc(1000, 7));
    expect(await status(extractZip(z, target()))).toBe(400);
  });

  it('refuses with 507 before writing when declared sizes exceed the budget', async () => {
    const z = join(root, 'bomb.zip');
    buildZip(z, [{ name: 'zeros.bin', data: '0'.repeat(200_000) }]);
    expect(await status(extractZip(z, target(100_000)))).toBe(507);
    expect(snapshotTree(out)).toEqual([]);
  });
});
