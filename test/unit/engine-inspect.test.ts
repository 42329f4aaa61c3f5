import { describe, expect, it } from 'vitest';
import { toContainerInfo } from '../../src-main/agent/runtime/engine-inspect.js';

const body = (status: string, exitCode: number, restartCount = 0) => ({
  Id: 'c'.repeat(64),
  Name: '/aerie-m-8001',
  Image: 'sha256:abc',
  RestartCount: restartCount,
  State: { Status: status, Pid: status === 'running' ? 4242 : 0, ExitCode: exitCode },
  Config: { Image: 'vllm/vllm-openai:v0.11.0', Labels: { 'aerie.managed': 'true' } },
});

describe('Engine API inspect mapping', () => {
  it('keeps the exit code while Docker waits to restart the container', () => {
    expect(toContainerInfo(body('restarting', 137, 2), 'docker')).toMatchObject({
      state: 'restarting',
      exitCode: 137,
      restartCount: 2,
      pid: null,
    });
  });

  it('keeps it for a stopped container (Podman says stopped) and drops the reset 0 of a running one', () => {
    expect(toContainerInfo(body('stopped', 1, 3), 'podman')).toMatchObject({
      state: 'exited',
      exitCode: 1,
    });
    expect(toContainerInfo(body('dead', 139), 'docker').exitCode).toBe(139);
    expect(toContainerInfo(body('running', 0, 3), 'podman')).toMatchObject({
      state: 'running',
      exitCode: null,
      pid: 4242,
    });
  });
});
