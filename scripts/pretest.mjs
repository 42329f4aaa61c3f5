// Runs before `npm test`: makes sure what the suites need beyond npm is here (Debian's podman, runc,
// catatonit and chromium), installing it when run as root, and that the CLI and console bundles are fresh.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDED = [
  { bin: '/usr/bin/podman', pkg: 'podman' },
  { bin: '/usr/sbin/runc', alt: '/usr/bin/runc', pkg: 'runc' },
  { bin: '/usr/bin/chromium', pkg: 'chromium' },
  // Podman's `Init: true` needs catatonit, which apt does not install without recommends.
  { bin: '/usr/bin/catatonit', alt: '/usr/libexec/podman/catatonit', pkg: 'catatonit' },
];

const missing = NEEDED.filter((n) => !existsSync(n.bin) && !(n.alt && existsSync(n.alt))).map(
  (n) => n.pkg,
);
if (missing.length > 0) {
  const cmd = `apt-get update && apt-get install -y --no-install-recommends ${missing.join(' ')}`;
  if (process.getuid?.() !== 0) {
    console.error(
      `The test suites need Debian packages that are not installed: ${missing.join(', ')}.\nRun as root:\n  ${cmd}\nthen npm test again.`,
    );
    process.exit(1);
  }
  console.log(`pretest: installing ${missing.join(', ')} …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-qq', '--no-install-recommends', ...missing],
  ]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) {
      console.error(
        `pretest: 'apt-get ${args.join(' ')}' failed (exit ${r.status}). Run it by hand: ${cmd}`,
      );
      process.exit(1);
    }
  }
}

const build = spawnSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
