// `npm run package:check` against the real build, and against copies of it with one thing
// broken each: what CI would catch before electron-builder (and the Electron binary) ever run.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { allowed, checkPackage, importedPackages } from '../../scripts/package-check.mjs';
import { ensureFreshBuild, REPO_ROOT } from '../helpers/serve-process.js';

beforeAll(async () => {
  await ensureFreshBuild();
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of what packaging reads: package.json, the builder config, out/ and resources/. */
function copyProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'aerie-pkg-'));
  dirs.push(dir);
  for (const p of ['package.json', 'electron-builder.yml', 'out', 'resources'])
    cpSync(join(REPO_ROOT, p), join(dir, p), { recursive: true });
  return dir;
}

const editConfig = (dir: string, edit: (yml: string) => string) => {
  const file = join(dir, 'electron-builder.yml');
  writeFileSync(file, edit(readFileSync(file, 'utf8')));
};

describe('package:check', () => {
  it('passes on the real build, as the npm script', () => {
    const r = spawnSync(process.execPath, ['scripts/package-check.mjs'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('out/ holds everything it ships');
  });

  it('names a missing simulator bundle and a missing tray image', async () => {
    const dir = copyProject();
    rmSync(join(dir, 'out', 'sim'), { recursive: true });
    rmSync(join(dir, 'resources', 'tray-error@2x.png'));
    expect(await checkPackage(dir)).toEqual([
      'resources/tray-error@2x.png is missing (run npm run build)',
      'extraResources sim: out/sim/aerie-vllm-sim.mjs is missing (run npm run build)',
    ]);
  });

  it('names runtime files the allow-list leaves out, and a target that was dropped', async () => {
    const dir = copyProject();
    editConfig(dir, (y) => y.replace('  - resources/tray*.png\n', '').replace('    - deb\n', ''));
    const problems = await checkPackage(dir);
    expect(problems).toContain('linux.target lacks deb (has AppImage)');
    expect(problems).toContain('resources/tray.png is not in the files allow-list');
    expect(problems).toContain('resources/trayTemplate-busy@2x.png is not in the files allow-list');
    expect(problems).not.toContain('resources/icon.png is not in the files allow-list');
  });

  it('refuses a configuration electron-builder’s schema rejects', async () => {
    const dir = copyProject();
    editConfig(dir, (y) => `${y}\nnotAnOption: true\n`);
    const [problem, ...rest] = await checkPackage(dir);
    expect(rest).toEqual([]);
    expect(problem).toMatch(
      /^electron-builder\.yml is not a valid electron-builder configuration: .*notAnOption/s,
    );
  });

  it('catches source maps let through and a main-process import that is only a devDependency', async () => {
    const dir = copyProject();
    editConfig(dir, (y) => y.replace("  - '!**/*.map'\n", ''));
    writeFileSync(join(dir, 'out', 'main', 'extra.js'), 'import { z } from "zustand";\n');
    const problems = await checkPackage(dir);
    expect(problems).toContain('out/main/index.js.map would be shipped (source map or TypeScript)');
    expect(problems).toContain(
      'out/main imports zustand, which is not in package.json dependencies (not packaged)',
    );
  });

  it('reads imports and the allow-list the way a bundle and electron-builder do', () => {
    expect(
      importedPackages(
        'import a from "express";\nimport("./chunk.js");\nimport "@scope/pkg/deep";\nrequire.resolve("redoc/package.json");\nfrom "node:fs"; from "path";\n' +
          "throw new Error(`cannot be resumed from '${e.status}'.`); // from 'a message' too",
      ),
    ).toEqual(['@scope/pkg', 'express', 'redoc']);
    const list = ['out/main/**', '!**/*.map'];
    expect(allowed('out/main/index.js', list)).toBe(true);
    expect(allowed('out/main/index.js.map', list)).toBe(false);
    expect(allowed('src-main/index.ts', list)).toBe(false);
  });
});
