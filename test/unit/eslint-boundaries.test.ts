// The import boundaries of DESIGN.md §2 as the lint rule enforces them, at any folder depth.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import tseslint from 'typescript-eslint';
import boundaries from '../../scripts/eslint-boundaries.mjs';

const eslint = new ESLint({
  overrideConfigFile: true,
  overrideConfig: [
    {
      files: ['**/*.ts', '**/*.tsx'],
      languageOptions: { parser: tseslint.parser },
      plugins: { aerie: boundaries },
      rules: { 'aerie/imports': 'error' },
    },
  ],
});

async function problems(file: string, code: string): Promise<string[]> {
  const [r] = await eslint.lintText(code, { filePath: file });
  return (r?.messages ?? []).map((m) => m.message);
}

describe('import boundaries', () => {
  it.each([
    ['src-main/agent/main.ts', "import x from '../db/open-database.js';"],
    ['src-main/agent/engine/monitor.ts', "import x from '../../http/express-app.js';"],
    ['src-main/agent/a/b/c/d/e.ts', "import x from '../../../../../bootstrap.js';"],
    ['src-main/sim/deep/er/x.ts', "import x from '../../../agent/bootstrap.js';"],
    ['src-main/agent/engine/x.ts', "import express from 'express';"],
    ['src-main/agent/x.ts', "import Database from 'better-sqlite3';"],
    ['src-main/shared/x.ts', "import x from '../agent/config.js';"],
    ['src-main/shared/node/x.ts', "import x from '../../bootstrap.js';"],
    ['src-main/shared/node/x.ts', "import express from 'express';"],
    ['src-main/shared/node/x.ts', "import { request } from 'undici';"],
    ['src-main/settings/x.ts', "import { app } from 'electron';"],
    ['src-renderer/pages/x.tsx', "import x from '../../src-main/shared/node/route.js';"],
    ['src-renderer/pages/x.tsx', "import x from '../../src-main/bootstrap.js';"],
  ])('refuses %s: %s', async (file, code) => {
    expect(await problems(file, code)).toHaveLength(1);
  });

  it.each([
    ['src-main/agent/a/b/c/d/e.ts', "import x from '../../../../../shared/errors.js';"],
    ['src-main/agent/engine/x.ts', "import { request } from 'undici';"],
    ['src-main/sim/x.ts', "import { z } from 'zod';"],
    ['src-main/shared/node/x.ts', "import x from '../errors.js';"],
    ['src-main/shared/node/x.ts', "import { createServer } from 'node:http';"],
    ['src-main/settings/x.ts', "import x from '../shared/node/route.js';"],
    ['src-main/demo-agent.ts', "import x from './agent/bootstrap.js';"],
    ['src-main/shell/tray.ts', "import { Tray } from 'electron';"],
    ['src-renderer/pages/x.tsx', "import x from '../../src-main/shared/events.js';"],
  ])('allows %s: %s', async (file, code) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
