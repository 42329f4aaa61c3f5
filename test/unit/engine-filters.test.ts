import { describe, expect, it } from 'vitest';
import {
  CLIENT_MAX_API_VERSION,
  compareVersions,
  labelFilterParam,
  negotiateApiVersion,
  splitImageRef,
} from '../../src-main/agent/runtime/engine-filters.js';
import {
  dockerSocketPath,
  podmanSocketCandidates,
} from '../../src-main/agent/runtime/engine-sockets.js';
import { matchesLabel } from '../../src-main/agent/runtime/process-runtime.js';

describe('label filters', () => {
  it('encodes labels as the JSON filter map that URLSearchParams then escapes', () => {
    const v = labelFilterParam(['aerie.managed=true', 'aerie.key']);
    expect(JSON.parse(v)).toEqual({ label: ['aerie.managed=true', 'aerie.key'] });
    const qs = new URLSearchParams({ filters: v }).toString();
    expect(qs).toBe(
      'filters=%7B%22label%22%3A%5B%22aerie.managed%3Dtrue%22%2C%22aerie.key%22%5D%7D',
    );
  });

  it('rejects an empty label key', () => {
    expect(() => labelFilterParam(['=x'])).toThrow(/invalid label filter/);
    expect(() => labelFilterParam([''])).toThrow(/invalid label filter/);
  });

  it('matches key and key=value filters the way the engine does', () => {
    const labels = { 'aerie.managed': 'true', 'aerie.port': '8001' };
    expect(matchesLabel(labels, 'aerie.managed')).toBe(true);
    expect(matchesLabel(labels, 'aerie.port=8001')).toBe(true);
    expect(matchesLabel(labels, 'aerie.port=8002')).toBe(false);
    expect(matchesLabel(labels, 'aerie.key')).toBe(false);
  });
});

describe('image references', () => {
  it('splits repository and tag, keeping registry ports and digests intact', () => {
    expect(splitImageRef('vllm/vllm-openai:v0.11.0')).toEqual({
      fromImage: 'vllm/vllm-openai',
      tag: 'v0.11.0',
    });
    expect(splitImageRef('vllm/vllm-openai')).toEqual({
      fromImage: 'vllm/vllm-openai',
      tag: 'latest',
    });
    expect(splitImageRef('registry:5000/x/y')).toEqual({
      fromImage: 'registry:5000/x/y',
      tag: 'latest',
    });
    expect(splitImageRef('registry:5000/x/y:t')).toEqual({
      fromImage: 'registry:5000/x/y',
      tag: 't',
    });
    expect(splitImageRef('x/y@sha256:abc')).toEqual({ fromImage: 'x/y', tag: 'sha256:abc' });
  });
});

describe('API version negotiation', () => {
  it('compares dotted versions numerically', () => {
    expect(compareVersions('1.41', '1.44')).toBe(-1);
    expect(compareVersions('1.9', '1.10')).toBe(-1);
    expect(compareVersions('5.4.0', '5.4')).toBe(0);
    expect(compareVersions('4.3.1', '5.4')).toBe(-1);
  });

  it('uses the older of server and client, but never below the server minimum', () => {
    expect(negotiateApiVersion('1.41', '1.24')).toBe('1.41');
    expect(negotiateApiVersion('1.52', '1.44')).toBe(CLIENT_MAX_API_VERSION);
    expect(negotiateApiVersion('1.60', '1.50')).toBe('1.50');
  });
});

describe('engine sockets', () => {
  it('takes DOCKER_HOST when it is a unix socket and refuses other transports', () => {
    expect(dockerSocketPath({})).toBe('/var/run/docker.sock');
    expect(dockerSocketPath({ DOCKER_HOST: 'unix:///tmp/d.sock' })).toBe('/tmp/d.sock');
    expect(dockerSocketPath({ DOCKER_HOST: 'tcp://10.0.0.1:2375' })).toBeNull();
  });

  it('uses an explicit PODMAN_SOCK alone, else tries the rootless sockets, then the rootful one', () => {
    expect(
      podmanSocketCandidates(
        { PODMAN_SOCK: 'unix:///x.sock', XDG_RUNTIME_DIR: '/run/user/1000' },
        1000,
      ),
    ).toEqual(['/x.sock']);
    expect(podmanSocketCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' }, 1000)).toEqual([
      '/run/user/1000/podman/podman.sock',
      '/run/podman/podman.sock',
    ]);
    expect(podmanSocketCandidates({}, 0)).toEqual(['/run/podman/podman.sock']);
  });
});
