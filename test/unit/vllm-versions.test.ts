import { describe, expect, it } from 'vitest';
import { classifyFailure } from '../../src-main/shared/classify-failure.js';
import {
  acceptsFlag,
  LATEST_LINE,
  parseRelease,
  removedFlagsMessage,
  unacceptedFlags,
  vllmProfile,
} from '../../src-main/shared/vllm-versions.js';
import { targetVersion } from '../../src-main/agent/engine/launch-version-check.js';

describe('vLLM version table', () => {
  it('reads releases and takes tags that name none as the newest line', () => {
    expect(parseRelease('v0.10.1.1')).toEqual([0, 10, 1]);
    expect(parseRelease('0.12')).toEqual([0, 12, 0]);
    for (const tag of ['latest', 'nightly', 'test', '', null, 'a'.repeat(40)])
      expect(vllmProfile(tag)).toBe(LATEST_LINE);
    expect(vllmProfile('0.10.2').line).toBe('0.11');
    expect(vllmProfile('0.12.0').line).toBe('0.11');
    expect(vllmProfile('0.13.0').line).toBe('current');
  });

  it('knows the 0.11 and the current line apart: sleep, wording, metrics', () => {
    const old = vllmProfile('0.11.0');
    expect(old).toMatchObject({ sleepModes: false, sleepInFlight: 'crash-engine' });
    expect(old.serverStartLine('0.0.0.0', 8000)).toBe(
      'Starting vLLM API server 0 on http://0.0.0.0:8000',
    );
    expect(old.absentMetrics).toContain('vllm:engine_sleep_state');
    expect(LATEST_LINE).toMatchObject({ sleepModes: true, sleepInFlight: 'abort-and-queue' });
    expect(LATEST_LINE.serverStartLine('h', 1)).toBe('Starting vLLM server on http://h:1');
    expect(LATEST_LINE.absentMetrics).toContain('vllm:time_per_output_token_seconds');
  });

  it('says which flags each release still accepts', () => {
    expect(acceptsFlag('0.10.2', '--max-seq-len-to-capture')).toBe(true);
    expect(acceptsFlag('0.11.0', '--max-seq-len-to-capture')).toBe(false);
    expect(acceptsFlag('0.12.0', '--task')).toBe(true);
    expect(acceptsFlag('0.13.0', '--task')).toBe(false);
    expect(acceptsFlag('0.17.1', '--swap-space')).toBe(true);
    expect(acceptsFlag('0.18.0', '--swap-space')).toBe(false);
    expect(acceptsFlag('latest', '--swap-space')).toBe(false);
    expect(acceptsFlag('0.29.0', '--max-model-len')).toBe(true);
    expect(
      unacceptedFlags('0.18.0', ['--swap_space=4', '--task', 'embed', '--swap-space', '2']).map(
        (f) => f.flag,
      ),
    ).toEqual(['--swap-space', '--task']);
    expect(removedFlagsMessage('nightly', unacceptedFlags('nightly', ['--task', 'x']))).toMatch(
      /^vLLM nightly \(taken as the newest line, [\d.]+\) does not accept --task \(removed in 0\.13\.0: use --runner pooling/,
    );
  });

  it("targets the requested version, else the newest release, else 'latest'", () => {
    expect(targetVersion('0.11.0', '0.29.0')).toBe('0.11.0');
    expect(targetVersion(null, '0.29.0')).toBe('0.29.0');
    expect(targetVersion('', null)).toBe('latest');
    expect(targetVersion('bad tag!', null)).toBe('bad tag!');
  });

  it("names the version and the removed flag in the classifier's advice for argparse's error", () => {
    const lines = ['vllm serve: error: unrecognized arguments: --swap-space 4'];
    expect(classifyFailure(lines, '0.20.0')).toEqual({
      code: 'bad_args',
      message:
        'vLLM rejected its arguments: vLLM 0.20.0 does not accept --swap-space (removed in 0.18.0: drop it; the V1 engine never used CPU swap space).',
    });
    expect(
      classifyFailure(['vllm serve: error: unrecognized arguments: --foo'], '0.20.0')?.message,
    ).toMatch(/^vLLM rejected its arguments. Check the extra args/);
  });
});
