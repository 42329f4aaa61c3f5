// `npm run package:check`: validates electron-builder.yml with electron-builder's own schema and
// checks, without the Electron binary, that a package built from today's out/ would run: every
// runtime file is matched by the `files` allow-list (and no source map or TypeScript is), the
// extraResources (agent bundle, simulator) exist, the targets are AppImage + deb, dmg and NSIS, and
// every package the main bundle imports is a production dependency. Exit 1 lists every problem.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';

// The glob matcher electron-builder itself uses for `files`, so the semantics are the same.
const require = createRequire(import.meta.url);
const { minimatch } = createRequire(require.resolve('app-builder-lib/package.json'))('minimatch');

/** Files the packaged app loads at run time (relative to the project root). */
export const RUNTIME_FILES = [
  'out/preload/index.cjs',
  'out/renderer/index.html',
  'resources/icon.png',
  ...['tray', 'trayTemplate'].flatMap((base) =>
    ['', '-busy', '-error'].flatMap((state) =>
      ['', '@2x'].map((scale) => `resources/${base}${state}${scale}.png`),
    ),
  ),
];

/** What each extraResources entry must bring (its `to` folder → the files it must hold). */
export const EXTRA_RESOURCES = {
  agent: ['aerie-agent.mjs', 'aerie-agent-shim.mjs'],
  sim: ['aerie-vllm-sim.mjs'],
};

export const REQUIRED_TARGETS = { linux: ['AppImage', 'deb'], mac: ['dmg'], win: ['nsis'] };

function walk(dir, root) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory()
      ? walk(full, root)
      : [relative(root, full).split(sep).join('/')];
  });
}

/** electron-builder's allow-list semantics: matched by a positive pattern and by no later negation. */
export function allowed(file, patterns) {
  let ok = false;
  for (const p of patterns) {
    if (p.startsWith('!')) {
      if (minimatch(file, p.slice(1), { dot: true })) ok = false;
    } else if (minimatch(file, p, { dot: true })) ok = true;
  }
  return ok;
}

const targetNames = (platform) =>
  [platform?.target ?? []].flat().map((t) => (typeof t === 'string' ? t : t.target));

/** Bare package names the built main process imports (ESM imports and require.resolve). */
export function importedPackages(code) {
  const names = new Set();
  // A package specifier has no spaces, `$` or `{` (which keeps prose like "resumed from
  // '${status}'" in a message from counting as an import).
  const re =
    /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|require(?:\.resolve)?\(\s*)["']([^"'./\s${}][^"'\s${}]*)["']/g;
  for (const m of code.matchAll(re)) {
    const spec = m[1];
    if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue;
    const parts = spec.split('/');
    names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return [...names].sort();
}

/** Every problem a package built from `root` would have; an empty list means it is complete. */
export async function checkPackage(root, configFile = 'electron-builder.yml') {
  const problems = [];
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  let config;
  try {
    config = await getConfig(root, join(root, configFile), null);
    await validateConfiguration(config, new DebugLogger(false));
  } catch (err) {
    return [`${configFile} is not a valid electron-builder configuration: ${err.message}`];
  }

  for (const [platform, wanted] of Object.entries(REQUIRED_TARGETS)) {
    const have = targetNames(config[platform]);
    for (const t of wanted)
      if (!have.includes(t))
        problems.push(`${platform}.target lacks ${t} (has ${have.join(', ') || 'none'})`);
  }

  // getConfig normalises `files` into {filter} sets; only sets rooted at the project are checked.
  const list = [config.files ?? []].flat().flatMap((f) => {
    if (typeof f === 'string') return [f];
    if (f.from && f.from !== '.') {
      problems.push(`files: a set from ${f.from} is not checked; list project paths instead`);
      return [];
    }
    return [f.filter ?? []].flat();
  });
  const required = [pkg.main, ...RUNTIME_FILES];
  for (const file of required) {
    if (!existsSync(join(root, file))) problems.push(`${file} is missing (run npm run build)`);
    else if (!allowed(file, list)) problems.push(`${file} is not in the files allow-list`);
  }
  for (const p of list.filter((p) => !p.startsWith('!')))
    if (
      walk(root, root)
        .filter((f) => !f.startsWith('node_modules/'))
        .every((f) => !minimatch(f, p, { dot: true }))
    )
      problems.push(`files pattern ${p} matches nothing`);
  const shipped = ['out', 'resources']
    .flatMap((d) => walk(join(root, d), root))
    .filter((f) => allowed(f, list));
  for (const f of shipped)
    if (/\.(map|ts|tsx)$/.test(f))
      problems.push(`${f} would be shipped (source map or TypeScript)`);

  const extras = [config.extraResources ?? []].flat();
  for (const [to, files] of Object.entries(EXTRA_RESOURCES)) {
    const entry = extras.find((e) => typeof e === 'object' && e.to === to);
    if (!entry) {
      problems.push(`extraResources has no entry with to: ${to}`);
      continue;
    }
    for (const file of files)
      if (!existsSync(join(root, entry.from, file)))
        problems.push(`extraResources ${to}: ${entry.from}/${file} is missing (run npm run build)`);
  }

  for (const platform of ['linux', 'mac', 'win']) {
    const icon = config[platform]?.icon;
    if (icon && !existsSync(join(root, icon))) problems.push(`${platform}.icon ${icon} is missing`);
  }

  const deps = new Set(Object.keys(pkg.dependencies ?? {}));
  const mainCode = walk(join(root, 'out', 'main'), root)
    .filter((f) => f.endsWith('.js'))
    .map((f) => readFileSync(join(root, f), 'utf8'))
    .join('\n');
  for (const name of importedPackages(mainCode))
    if (name !== 'electron' && !deps.has(name))
      problems.push(
        `out/main imports ${name}, which is not in package.json dependencies (not packaged)`,
      );
  return problems;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const problems = await checkPackage(process.cwd());
  if (problems.length > 0) {
    console.error(`package:check found ${problems.length} problem(s):\n  ${problems.join('\n  ')}`);
    process.exit(1);
  }
  console.log('package:check: electron-builder.yml is valid and out/ holds everything it ships');
}
