import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { connect, createServer } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startSim } from '../helpers/sim-process.js';

const REPO = resolve(import.meta.dirname, '..', '..');

/** True when a TCP connection to the port is accepted. */
function accepts(port: number): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      res(true);
    });
    s.once('error', () => res(false));
  });
}

const cliDir = mkdtempSync(join(REPO, 'out', '.sim-cli-test-'));
afterAll(() => rmSync(cliDir, { recursive: true, force: true }));

describe('vllm-sim start-up and shutdown', () => {
  it('keeps the port closed while loading, logs the phases in order, then serves', async () => {
    const port = await freePort();
    const sim = await startSim(
      ['Qwen/Qwen3-8B', '--port', String(port)],
      { AERIE_SIM_LOAD_S: '1.5' },
      { waitReady: false },
    );
    await sim.waitForLog('Starting to load model Qwen/Qwen3-8B...');
    expect(await accepts(port)).toBe(false);
    await sim.waitForLog('Loading safetensors checkpoint shards');
    expect(await accepts(port)).toBe(false);
    await sim.waitForLog('Application startup complete.');
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    const logs = sim.logs();
    const order = [
      'vLLM API server version',
      'non-default args:',
      'Starting to load model',
      '.safetensors: 100%',
      'Loading safetensors checkpoint shards',
      'Loading weights took',
      'Model loading took',
      'torch.compile',
      'GPU KV cache size',
      'Capturing CUDA graphs',
      'Starting vLLM server on',
      'Application startup complete.',
    ];
    const positions = order.map((m) => logs.indexOf(m));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(await sim.stop()).toBe(0);
  });

  it('shuts down on SIGTERM with uvicorn’s lines and exit code 0', async () => {
    const sim = await startSim(['m']);
    expect(await sim.stop()).toBe(0);
    for (const line of [
      'INFO:     Shutting down',
      'INFO:     Waiting for application shutdown.',
      'INFO:     Application shutdown complete.',
    ])
      expect(sim.logs()).toContain(line);
  });

  it('fails an unknown flag like argparse through the CLI `vllm-sim` command: usage, error line, exit 2', () => {
    // The CLI is bundled into a private dir so this test never races other suites over out/cli.
    const build = spawnSync(
      process.execPath,
      [
        '-e',
        `
      const { build } = await import('esbuild');
      await build({ entryPoints: { cli: 'src-main/cli.ts' }, outdir: ${JSON.stringify(cliDir)}, bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', outExtension: { '.js': '.mjs' }, logLevel: 'error' });
    `,
        '--input-type=module',
      ],
      { cwd: REPO, encoding: 'utf8' },
    );
    expect(build.status, build.stderr).toBe(0);
    const direct = spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const { main } = await import(${JSON.stringify(join(cliDir, 'cli.mjs'))}); process.exit(await main(process.argv.slice(1)));`,
        'vllm-sim',
        'Qwen/Qwen3-8B',
        '--bogus-flag',
        'x',
      ],
      { encoding: 'utf8' },
    );
    expect(direct.status).toBe(2);
    expect(direct.stderr).toBe(
      'usage: vllm serve [model_tag] [options]\nvllm serve: error: unrecognized arguments: --bogus-flag x\n',
    );
  });

  it('shares a port another vLLM holds without an error, as SO_REUSEPORT lets it', async () => {
    const first = await startSim(['org/first']);
    try {
      const second = await startSim(['org/second', '--port', String(first.port)]);
      expect(second.logs()).toContain('Application startup complete.');
      expect(second.logs()).not.toContain('Address already in use');
      expect(second.proc.exitCode).toBeNull();
      expect(await second.stop()).toBe(0);
      // The first server still answers on the port.
      expect((await fetch(`${first.baseUrl}/health`)).status).toBe(200);
    } finally {
      await first.stop();
    }
  });

  it('fails with Errno 98 when a program without SO_REUSEPORT holds the port', async () => {
    const blocker = createServer().listen(0, '127.0.0.1');
    await new Promise((r) => blocker.once('listening', r));
    const addr = blocker.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    const sim = await startSim(['m', '--port', String(port)], {}, { waitReady: false });
    expect(await sim.exited).toBe(1);
    expect(sim.logs()).toContain('OSError: [Errno 98] Address already in use');
    blocker.close();
  });
});
