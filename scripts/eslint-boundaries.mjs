// A local ESLint rule for the import boundaries of DESIGN.md §2, checked on resolved paths, so it
// holds at any folder depth: each zone lists the folders it may import from and the packages it
// may not use.
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/** Folders (relative to the repository) and what code in them may import. */
const ZONES = [
  {
    dir: 'src-main/shared',
    // shared/node/ is shared too: the same rules, plus Node built-ins (allowed everywhere).
    allow: ['src-main/shared', 'package.json'],
    packages: ['electron', 'express', 'better-sqlite3', 'kysely', 'ws', 'undici', 'react'],
    why: 'src-main/shared/ is pure: it imports nothing outside itself but zod and Node built-ins',
  },
  {
    dir: 'src-main/agent',
    allow: ['src-main/agent', 'src-main/shared', 'package.json'],
    packages: ['electron', 'express', 'better-sqlite3', 'kysely', 'ws', 'react'],
    why: 'the agent ships as its own program: it imports only agent/ and shared/',
  },
  {
    dir: 'src-main/sim',
    allow: ['src-main/sim', 'src-main/shared', 'package.json'],
    packages: ['electron', 'express', 'better-sqlite3', 'kysely', 'ws', 'undici', 'react'],
    why: 'the simulator ships as its own program: it imports only sim/ and shared/',
  },
  {
    dir: 'src-renderer',
    allow: ['src-renderer', 'src-main/shared'],
    deny: ['src-main/shared/node'],
    packages: ['electron', 'express', 'better-sqlite3', 'kysely', 'ws', 'undici'],
    why: 'the renderer reaches the main process only through window.aerie and imports only src-main/shared/ (not shared/node/)',
  },
];

const ELECTRON_ALLOWED = ['src-main/shell', 'src-main/index.ts', 'src-preload'];

const under = (file, dir) => file === dir || file.startsWith(`${dir}/`);
const packageName = (spec) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];

function problem(file, spec) {
  const zone = ZONES.find((z) => under(file, z.dir));
  if (spec.startsWith('.')) {
    if (!zone) return null;
    const target = path.relative(ROOT, path.resolve(ROOT, path.dirname(file), spec));
    if (zone.deny?.some((d) => under(target, d))) return zone.why;
    return zone.allow.some((a) => under(target, a)) ? null : zone.why;
  }
  if (spec.startsWith('node:')) return null;
  const name = packageName(spec);
  if (name === 'electron' && !ELECTRON_ALLOWED.some((d) => under(file, d)))
    return 'only src-main/shell/, src-main/index.ts and src-preload/ import electron (the core runs in plain Node)';
  return zone?.packages.includes(name) ? `${zone.why}; '${name}' is not for this code` : null;
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'Import boundaries between the programs (DESIGN.md §2).' },
    schema: [],
  },
  create(context) {
    const file = path.relative(ROOT, context.filename).split(path.sep).join('/');
    const check = (node) => {
      const spec = node.source?.value;
      if (typeof spec !== 'string') return;
      const why = problem(file, spec);
      if (why) context.report({ node: node.source, message: `'${spec}': ${why}.` });
    };
    return {
      ImportDeclaration: check,
      ExportNamedDeclaration: check,
      ExportAllDeclaration: check,
      ImportExpression: check,
    };
  },
};

export default { rules: { imports: rule } };
