import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  bareImageId,
  contentKey,
  isVllmTag,
  repoOf,
  shortRef,
} from '../../src-main/agent/images/image-refs.js';

describe('image references', () => {
  it('drops the registry prefixes Podman adds to short names', () => {
    expect(shortRef('docker.io/vllm/vllm-openai:v0.11.0')).toBe('vllm/vllm-openai:v0.11.0');
    expect(shortRef('docker.io/library/ubuntu:24.04')).toBe('ubuntu:24.04');
    expect(shortRef('localhost/aerie-vllm-sim:test')).toBe('aerie-vllm-sim:test');
    expect(shortRef('ghcr.io/org/vllm:1')).toBe('ghcr.io/org/vllm:1');
  });

  it('finds the repository past a registry port, a tag or a digest', () => {
    expect(repoOf('registry:5000/team/vllm:v1')).toBe('registry:5000/team/vllm');
    expect(repoOf('registry:5000/team/vllm')).toBe('registry:5000/team/vllm');
    expect(repoOf(`vllm/vllm-openai@sha256:${'a'.repeat(64)}`)).toBe('vllm/vllm-openai');
  });

  it('counts the well-known vLLM repositories and the node image repo as vLLM, nothing else', () => {
    const repo = 'registry:5000/team/vllm';
    expect(isVllmTag('docker.io/vllm/vllm-openai:nightly', repo)).toBe(true);
    expect(isVllmTag('aerie/local:v0.11.0-0123456789abcdef', repo)).toBe(true);
    expect(isVllmTag('registry:5000/team/vllm:v2', repo)).toBe(true);
    expect(isVllmTag('localhost/aerie-vllm-sim:test', 'localhost/aerie-vllm-sim')).toBe(true);
    expect(isVllmTag('aerie-vllm-sim:test', 'localhost/aerie-vllm-sim')).toBe(true);
    expect(isVllmTag('vllm/vllm-openai-fork:1', repo)).toBe(false);
    expect(isVllmTag('registry:5000/team/vllm-extra:v2', repo)).toBe(false);
    expect(isVllmTag('docker.io/library/ubuntu:24.04', repo)).toBe(false);
  });

  it('keys content by its layer digests, not by the image id', () => {
    const layers = [`sha256:${'1'.repeat(64)}`, `sha256:${'2'.repeat(64)}`];
    expect(contentKey(layers)).toBe(createHash('sha256').update(layers.join('\n')).digest('hex'));
    expect(contentKey([...layers].reverse())).not.toBe(contentKey(layers));
    expect(contentKey([])).toBeNull();
    expect(bareImageId(`sha256:${'AB'.repeat(32)}`)).toBe('ab'.repeat(32));
  });
});
