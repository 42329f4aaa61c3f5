import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LaunchSpec } from '../../src-main/agent/runtime/container-runtime.js';
import {
  assertPodmanCanPassGpus,
  buildCreateBody,
} from '../../src-main/agent/runtime/engine-create-spec.js';

const base: LaunchSpec = {
  name: 'aerie-Qwen-Qwen3-8B-8001',
  image: 'vllm/vllm-openai:v0.11.0',
  args: ['--model', 'Qwen/Qwen3-8B', '--port', '8001'],
  env: { HF_TOKEN: 'hf_secret' },
  labels: { 'aerie.managed': 'true' },
  gpuIds: null,
  passGpus: true,
  mounts: [
    { source: '/var/lib/hf', target: '/root/.cache/huggingface', readOnly: false },
    { source: '/models', target: '/models', readOnly: true },
  ],
  restartUnlessStopped: true,
};

describe('container create body', () => {
  it('maps the launch spec to host networking, host IPC, init, unless-stopped and binds', () => {
    const b = buildCreateBody(base, false);
    expect(b).toMatchObject({
      Image: 'vllm/vllm-openai:v0.11.0',
      Cmd: ['--model', 'Qwen/Qwen3-8B', '--port', '8001'],
      Env: ['HF_TOKEN=hf_secret'],
      Labels: { 'aerie.managed': 'true' },
      HostConfig: {
        Init: true,
        NetworkMode: 'host',
        IpcMode: 'host',
        RestartPolicy: { Name: 'unless-stopped', MaximumRetryCount: 0 },
        Binds: ['/var/lib/hf:/root/.cache/huggingface', '/models:/models:ro'],
      },
    });
    expect(
      buildCreateBody({ ...base, restartUnlessStopped: false }, false).HostConfig.RestartPolicy
        .Name,
    ).toBe('no');
  });

  it('asks Docker for all GPUs with count -1, or for the given device ids', () => {
    expect(buildCreateBody(base, false).HostConfig.DeviceRequests).toEqual([
      { Driver: '', Count: -1, Capabilities: [['gpu']] },
    ]);
    expect(buildCreateBody({ ...base, gpuIds: [0, 2] }, false).HostConfig.DeviceRequests).toEqual([
      { Driver: '', DeviceIDs: ['0', '2'], Capabilities: [['gpu']] },
    ]);
  });

  it('asks Podman for CDI devices', () => {
    expect(buildCreateBody(base, true).HostConfig.DeviceRequests).toEqual([
      { Driver: 'cdi', DeviceIDs: ['nvidia.com/gpu=all'], Capabilities: [['gpu']] },
    ]);
    expect(
      buildCreateBody({ ...base, gpuIds: [1] }, true).HostConfig.DeviceRequests?.[0]?.DeviceIDs,
    ).toEqual(['nvidia.com/gpu=1']);
  });

  it('requests no device at all for simulated GPUs', () => {
    expect(buildCreateBody({ ...base, passGpus: false }, false).HostConfig).not.toHaveProperty(
      'DeviceRequests',
    );
    expect(buildCreateBody({ ...base, passGpus: false }, true).HostConfig).not.toHaveProperty(
      'DeviceRequests',
    );
  });
});

describe('Podman GPU pre-checks', () => {
  it('rejects Podman below 5.4 with the upgrade remedy', () => {
    expect(() => assertPodmanCanPassGpus('5.3.2', [])).toThrow(
      /Podman 5\.3\.2 cannot pass GPUs.*Upgrade Podman to 5\.4\+ or set the node's runtime to Docker/,
    );
  });

  it('requires an NVIDIA CDI spec and names the nvidia-ctk command', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aerie-cdi-'));
    try {
      writeFileSync(join(dir, 'other.yaml'), 'kind: example.com/fpga\n');
      expect(() => assertPodmanCanPassGpus('5.4.0', [dir, join(dir, 'absent')])).toThrow(
        /nvidia-ctk cdi generate --output=\/etc\/cdi\/nvidia.yaml/,
      );
      writeFileSync(join(dir, 'nvidia.yaml'), 'cdiVersion: 0.5.0\nkind: nvidia.com/gpu\n');
      expect(() => assertPodmanCanPassGpus('5.4.0', [dir])).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
