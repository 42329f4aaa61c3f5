import { describe, expect, it } from 'vitest';
import {
  LaunchInputError,
  buildVllmArgs,
  buildVllmEnv,
  containerName,
  deploymentKey,
  engineArgsToFlags,
  isWarmLaunch,
  primaryAliases,
  resolveVllmImage,
  rewritePackagesPath,
  stripMatchingQuotes,
  validateLoraModules,
} from '../../src-main/shared/vllm-args.js';

const COMMIT = '0123456789abcdef0123456789abcdef01234567';

describe('resolveVllmImage', () => {
  const latest = { latestRelease: '0.11.0' };

  it('uses the latest release for a blank version and stores the resolved number', () => {
    expect(resolveVllmImage('  ', latest)).toEqual({
      image: 'vllm/vllm-openai:v0.11.0',
      tag: 'v0.11.0',
      vllm_version: '0.11.0',
      mutable: false,
    });
    expect(resolveVllmImage(null, { latestRelease: 'v0.10.2' }).tag).toBe('v0.10.2');
  });

  it('falls back to the mutable latest tag when the release is unknown', () => {
    expect(resolveVllmImage('', { latestRelease: null })).toEqual({
      image: 'vllm/vllm-openai:latest',
      tag: 'latest',
      vllm_version: 'latest',
      mutable: true,
    });
  });

  it('maps nightly in any case, commits, and release numbers', () => {
    expect(resolveVllmImage('NightLy', latest)).toMatchObject({
      tag: 'nightly',
      vllm_version: 'nightly',
      mutable: true,
    });
    expect(resolveVllmImage(COMMIT, latest)).toMatchObject({
      tag: `nightly-${COMMIT}`,
      vllm_version: COMMIT,
      mutable: false,
    });
    expect(resolveVllmImage('0.8.5', latest)).toMatchObject({
      tag: 'v0.8.5',
      vllm_version: '0.8.5',
    });
    expect(resolveVllmImage('0.10', latest).tag).toBe('v0.10');
    expect(resolveVllmImage('0.10.1.1', latest).tag).toBe('v0.10.1.1');
  });

  it('uses anything else as a literal tag, including an uppercase commit', () => {
    expect(resolveVllmImage('v0.9.2', latest).tag).toBe('v0.9.2');
    expect(resolveVllmImage('nightly-aarch64', latest).tag).toBe('nightly-aarch64');
    expect(resolveVllmImage(COMMIT.toUpperCase(), latest).tag).toBe(COMMIT.toUpperCase());
  });

  it('honours the image repo override', () => {
    expect(resolveVllmImage('0.11.0', { ...latest, imageRepo: 'registry.lan/vllm' }).image).toBe(
      'registry.lan/vllm:v0.11.0',
    );
  });

  it('rejects a version that cannot be an image tag, saying what is accepted', () => {
    expect(() => resolveVllmImage('0.8.5 beta', latest)).toThrow(LaunchInputError);
    expect(() => resolveVllmImage('bad/tag', latest)).toThrow(
      /does not form a valid image tag.*'nightly'/,
    );
  });
});

describe('names and keys', () => {
  it('builds the key and a container name with unsafe characters replaced', () => {
    const key = deploymentKey('Qwen/Qwen3-8B', 8001);
    expect(key).toBe('Qwen/Qwen3-8B:8001');
    expect(containerName(key)).toBe('aerie-Qwen-Qwen3-8B-8001');
    expect(containerName('/models/my model@v1:9000')).toBe('aerie--models-my-model-v1-9000');
    expect(containerName('a_b.c-d:1')).toBe('aerie-a_b.c-d-1');
  });
});

describe('engineArgsToFlags', () => {
  it('emits allow-listed args in table order and skips null, empty, false and unknown keys', () => {
    const flags = engineArgsToFlags({
      seed: 42,
      revision: 'abc123',
      trust_remote_code: true,
      enforce_eager: false,
      dtype: '',
      quantization: null,
      max_model_len: 8192,
      served_model_name: 'qwen',
      disable_sleep_mode: true,
      made_up: 'x',
    });
    expect(flags).toEqual([
      '--served-model-name',
      'qwen',
      '--max-model-len',
      '8192',
      '--trust-remote-code',
      '--revision',
      'abc123',
      '--seed',
      '42',
    ]);
  });

  it('passes several served names through', () => {
    expect(engineArgsToFlags({ served_model_name: ['a', 'b'] })).toEqual([
      '--served-model-name',
      'a',
      'b',
    ]);
  });
});

describe('buildVllmArgs', () => {
  it('orders model, port, fraction, warm flags, tp, engine args, LoRA and extra args last', () => {
    const args = buildVllmArgs({
      model_name: 'Qwen/Qwen3-8B',
      serve_port: 41007,
      gpu_memory_fraction: 0.45,
      warm: true,
      tensor_parallel_size: 2,
      engine_args: { max_model_len: 4096, enforce_eager: true },
      lora_modules: [
        { name: 'sql', path: 'org/sql-lora' },
        { name: 'chat', path: '/models/chat-lora' },
      ],
      extra_args: ['--max-lora-rank', '64', '--max-model-len', '2048'],
      host_packages_dir: '/srv/aerie/packages',
    });
    expect(args).toEqual([
      '--model',
      'Qwen/Qwen3-8B',
      '--port',
      '41007',
      '--gpu-memory-utilization',
      '0.45',
      '--host',
      '127.0.0.1',
      '--enable-sleep-mode',
      '--tensor-parallel-size',
      '2',
      '--max-model-len',
      '4096',
      '--enforce-eager',
      '--enable-lora',
      '--lora-modules',
      'sql=org/sql-lora',
      'chat=/models/chat-lora',
      '--max-lora-rank',
      '64',
      '--max-model-len',
      '2048',
    ]);
  });

  it('binds nothing special and adds no LoRA flags for a cold deployment without adapters', () => {
    expect(
      buildVllmArgs({
        model_name: 'm',
        serve_port: 8000,
        gpu_memory_fraction: 0.9,
        warm: false,
        lora_modules: [],
      }),
    ).toEqual(['--model', 'm', '--port', '8000', '--gpu-memory-utilization', '0.9']);
  });

  it('rewrites host packages paths in extra args to /packages', () => {
    const args = buildVllmArgs({
      model_name: 'm',
      serve_port: 8000,
      gpu_memory_fraction: 0.5,
      warm: false,
      extra_args: [
        '/srv/pk/plugin.py',
        '--chat-template=/srv/pk/t.jinja',
        '/srv/pkx/not-ours',
        '/srv/pk',
      ],
      host_packages_dir: '/srv/pk/',
    });
    expect(args.slice(6)).toEqual([
      '/packages/plugin.py',
      '--chat-template=/packages/t.jinja',
      '/srv/pkx/not-ours',
      '/packages',
    ]);
  });

  it('leaves extra args alone without a packages dir', () => {
    expect(rewritePackagesPath('/srv/pk/x', null)).toBe('/srv/pk/x');
  });
});

describe('warm mode and aliases', () => {
  it('is warm only when the node allows it and sleep mode is not disabled', () => {
    expect(isWarmLaunch(true, {})).toBe(true);
    expect(isWarmLaunch(true, { disable_sleep_mode: true })).toBe(false);
    expect(isWarmLaunch(true, { disable_sleep_mode: 'true' })).toBe(true);
    expect(isWarmLaunch(false, null)).toBe(false);
  });

  it('lists the served name (or model) plus adapter names', () => {
    expect(primaryAliases('org/m', { served_model_name: 'm' }, [{ name: 'a', path: 'p' }])).toEqual(
      ['m', 'a'],
    );
    expect(primaryAliases('org/m', { served_model_name: '' }, null)).toEqual(['org/m']);
  });
});

describe('validateLoraModules', () => {
  it('returns trimmed specs', () => {
    expect(validateLoraModules([{ name: ' a ', path: ' org/a ' }])).toEqual([
      { name: 'a', path: 'org/a' },
    ]);
    expect(validateLoraModules(undefined)).toEqual([]);
  });

  it('requires both a name and a path', () => {
    expect(() => validateLoraModules([{ name: 'a', path: '' }])).toThrow(
      'Each LoRA module needs both a name and a path.',
    );
    expect(() => validateLoraModules([{ path: 'x' }])).toThrow(LaunchInputError);
  });

  it('rejects duplicate names and names that break the name=path form', () => {
    expect(() =>
      validateLoraModules([
        { name: 'a', path: 'x' },
        { name: 'a', path: 'y' },
      ]),
    ).toThrow("Duplicate LoRA module name 'a'. Give each adapter a unique name.");
    expect(() => validateLoraModules([{ name: 'a=b', path: 'x' }])).toThrow(/must not contain/);
  });
});

describe('buildVllmEnv', () => {
  it('strips one pair of matching quotes only', () => {
    expect(stripMatchingQuotes('"abc"')).toBe('abc');
    expect(stripMatchingQuotes("'abc'")).toBe('abc');
    expect(stripMatchingQuotes('"abc\'')).toBe('"abc\'');
    expect(stripMatchingQuotes('"')).toBe('"');
    expect(stripMatchingQuotes('""x""')).toBe('"x"');
  });

  it('adds the warm defaults unless given and keeps the operator values', () => {
    expect(buildVllmEnv([{ key: 'HF_TOKEN', value: '"hf_secret"' }], true)).toEqual({
      HF_TOKEN: 'hf_secret',
      VLLM_SERVER_DEV_MODE: '1',
      VLLM_CACHE_ROOT: '/root/.cache/vllm',
    });
    expect(buildVllmEnv([{ key: 'VLLM_CACHE_ROOT', value: '/x' }], true).VLLM_CACHE_ROOT).toBe(
      '/x',
    );
    expect(buildVllmEnv([{ key: 'A', value: '1' }], false)).toEqual({ A: '1' });
  });

  it('rejects a bad variable name without echoing the value', () => {
    let message = '';
    try {
      buildVllmEnv([{ key: '1BAD', value: 'hf_supersecret' }], false);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/'1BAD' is invalid/);
    expect(message).not.toContain('hf_supersecret');
  });
});

describe('LoRA modules with a comma in the path', () => {
  it('are passed in the JSON form vLLM parses, the others as name=path', () => {
    const args = buildVllmArgs({
      model_name: 'm',
      serve_port: 8000,
      gpu_memory_fraction: 0.5,
      warm: false,
      lora_modules: [
        { name: 'plain', path: '/adapters/plain' },
        { name: 'odd', path: '/adapters/a,b' },
      ],
    });
    expect(args.slice(-3)).toEqual([
      '--lora-modules',
      'plain=/adapters/plain',
      '{"name":"odd","path":"/adapters/a,b"}',
    ]);
  });
});
