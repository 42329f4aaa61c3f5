import { describe, expect, it } from 'vitest';
import { parseServeArgs, pyRepr, type ServeArgs } from '../../src-main/sim/serve-args.js';

function ok(argv: string[], version?: string): ServeArgs {
  const r = parseServeArgs(argv, version);
  if (r.kind !== 'ok') throw new Error(`expected ok, got ${JSON.stringify(r)}`);
  return r.args;
}

function error(argv: string[], version?: string): string {
  const r = parseServeArgs(argv, version);
  if (r.kind !== 'error') throw new Error(`expected an error, got ${r.kind}`);
  return r.message;
}

describe('vllm serve argument parser', () => {
  it('uses vLLM defaults when only a model is given', () => {
    const a = ok(['Qwen/Qwen3-8B']);
    expect(a).toMatchObject({
      model: 'Qwen/Qwen3-8B',
      servedModelNames: ['Qwen/Qwen3-8B'],
      port: 8000,
      host: null,
      gpuMemoryUtilization: 0.9,
      tensorParallelSize: 1,
      maxModelLen: null,
      maxNumSeqs: 256,
      enableSleepMode: false,
      enableLora: false,
      loraModules: [],
    });
  });

  it('defaults the model to facebook/opt-125m when none is given', () => {
    expect(ok([]).model).toBe('facebook/opt-125m');
  });

  it('lets the positional model win over --model', () => {
    expect(ok(['--model', 'b/one', 'a/positional']).model).toBe('a/positional');
    expect(ok(['--model', 'b/one']).model).toBe('b/one');
  });

  it('accepts --flag value and --flag=value, underscores and short aliases', () => {
    const a = ok([
      'm',
      '--port=8123',
      '--gpu-memory-utilization',
      '0.5',
      '--max_model_len',
      '4096',
      '-tp',
      '2',
      '--dtype=half',
      '-q',
      'awq',
      '--seed',
      '-1',
    ]);
    expect(a).toMatchObject({
      port: 8123,
      gpuMemoryUtilization: 0.5,
      maxModelLen: 4096,
      tensorParallelSize: 2,
      dtype: 'half',
      quantization: 'awq',
      seed: -1,
    });
  });

  it('reads human-readable lengths like 32k', () => {
    expect(ok(['m', '--max-model-len', '32k']).maxModelLen).toBe(32_000);
    expect(ok(['m', '--max-model-len', '32K']).maxModelLen).toBe(32_768);
  });

  it('takes several served model names and the last occurrence of a repeated flag', () => {
    const a = ok(['m', '--served-model-name', 'one', 'two', '--port', '1', '--port', '2']);
    expect(a.servedModelNames).toEqual(['one', 'two']);
    expect(a.port).toBe(2);
  });

  it('parses --lora-modules in the name=path and JSON forms', () => {
    const a = ok([
      'm',
      '--enable-lora',
      '--lora-modules',
      'sql=/a/sql',
      '{"name":"x","path":"/a/x","base_model_name":"base"}',
      '--max-loras',
      '2',
    ]);
    expect(a.loraModules).toEqual([
      { name: 'sql', path: '/a/sql', baseModelName: null },
      { name: 'x', path: '/a/x', baseModelName: 'base' },
    ]);
    expect(a.enableLora).toBe(true);
    expect(a.maxLoras).toBe(2);
  });

  it('handles boolean flags and their --no- forms', () => {
    const a = ok([
      'm',
      '--enforce-eager',
      '--trust-remote-code',
      '--enable-sleep-mode',
      '--no-enable-prefix-caching',
    ]);
    expect(a).toMatchObject({
      enforceEager: true,
      trustRemoteCode: true,
      enableSleepMode: true,
      enablePrefixCaching: false,
    });
  });

  it('marks pooling models from --task embed (0.11) or --runner pooling', () => {
    expect(ok(['m', '--task', 'embed'], '0.11.0').runner).toBe('pooling');
    expect(ok(['m', '--runner', 'pooling']).runner).toBe('pooling');
    expect(ok(['m']).runner).toBeNull();
  });

  it('refuses the flags its version removed, as argparse does, and keeps those it still has', () => {
    // Removed in 0.11.0 (PR #25543): refused by both lines.
    expect(error(['m', '--max-seq-len-to-capture', '8192'], '0.11.0')).toBe(
      'unrecognized arguments: --max-seq-len-to-capture 8192',
    );
    expect(error(['m', '--max-seq-len-to-capture=8192'])).toBe(
      'unrecognized arguments: --max-seq-len-to-capture=8192',
    );
    expect(ok(['m', '--swap-space', '8'], '0.11.0').swapSpace).toBe(8);
    expect(ok(['m', '--swap-space', '8'], '0.17.1').swapSpace).toBe(8);
    expect(error(['m', '--swap-space', '8'], '0.18.0')).toBe(
      'unrecognized arguments: --swap-space 8',
    );
    expect(error(['m', '--task', 'embed'])).toBe('unrecognized arguments: --task embed');
    expect(error(['m', '--swap_space=4'], 'nightly')).toBe(
      'unrecognized arguments: --swap_space=4',
    );
  });

  it('reports unknown flags (and stray values) like argparse', () => {
    expect(error(['m', '--bogus'])).toBe('unrecognized arguments: --bogus');
    expect(error(['m', '--bogus', '5', '--port', '1'])).toBe('unrecognized arguments: --bogus 5');
    expect(error(['serve', 'm'])).toBe('unrecognized arguments: m');
  });

  it('reports missing values, bad numbers and bad choices with the argument name', () => {
    expect(error(['m', '--port'])).toBe('argument --port: expected one argument');
    expect(error(['m', '--port', 'abc'])).toBe("argument --port: invalid int value: 'abc'");
    expect(error(['m', '--gpu-memory-utilization', 'x'])).toBe(
      "argument --gpu-memory-utilization: invalid float value: 'x'",
    );
    expect(error(['m', '--dtype', 'int3'])).toMatch(
      /^argument --dtype: invalid choice: 'int3' \(choose from 'auto', 'half'/,
    );
    expect(error(['m', '--served-model-name'])).toBe(
      'argument --served-model-name: expected at least one argument',
    );
    expect(error(['m', '--enforce-eager=yes'])).toBe(
      "argument --enforce-eager: ignored explicit argument 'yes'",
    );
    expect(error(['m', '--lora-modules', 'nopath'])).toMatch(
      /^Invalid JSON format for --lora-modules: nopath$/,
    );
  });

  it('rejects a GPU memory utilization outside (0, 1]', () => {
    expect(error(['m', '--gpu-memory-utilization', '1.5'])).toMatch(/must be within \(0, 1\]/);
  });

  it('takes several --api-key values and reads a LoRA path with a comma as JSON, as vLLM does', () => {
    expect(ok(['m', '--api-key', 'k1', 'k2', '--port', '9']).apiKeys).toEqual(['k1', 'k2']);
    expect(error(['m', '--enable-lora', '--lora-modules', 'sql=/adapters/a,b'])).toBe(
      'Invalid JSON format for --lora-modules: sql=/adapters/a,b',
    );
    expect(
      ok(['m', '--lora-modules', '{"name":"sql","path":"/adapters/a,b"}']).loraModules,
    ).toEqual([{ name: 'sql', path: '/adapters/a,b', baseModelName: null }]);
  });

  it('returns help for -h and --help', () => {
    expect(parseServeArgs(['--help']).kind).toBe('help');
    expect(parseServeArgs(['m', '-h']).kind).toBe('help');
  });

  it('lists non-default args for the log line without the API key', () => {
    const a = ok(['m', '--api-key', 'sk-secret-123', '--port', '9']);
    expect(a.apiKeys).toEqual(['sk-secret-123']);
    expect(pyRepr(a.nonDefault)).not.toContain('sk-secret-123');
    expect(pyRepr(a.nonDefault)).toBe(
      "{'model_tag': 'm', 'api_key': '[redacted]', 'port': 9, 'model': 'm'}",
    );
  });

  it("formats values like Python's repr", () => {
    expect(pyRepr({ a: true, b: null, c: ['x', 1], d: "it's" })).toBe(
      `{'a': True, 'b': None, 'c': ['x', 1], 'd': "it's"}`,
    );
  });
});
