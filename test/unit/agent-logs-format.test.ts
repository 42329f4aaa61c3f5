import { describe, expect, it } from 'vitest';
import {
  displayTime,
  formatAgentLine,
  formatRuntimeLine,
  isProbeNoise,
  lastCarriageSegment,
  logFileName,
  splitKey,
  stripAnsi,
  timestampNanos,
} from '../../src-main/agent/logs/log-line.js';
import {
  describeEnv,
  isSecretEnvKey,
  maskSecret,
  maskSecretArgs,
  scrubSecrets,
  secretArgValues,
  secretValues,
} from '../../src-main/agent/logs/secret-mask.js';

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5);

describe('runtime log line formatting', () => {
  it('formats a line as [YYYY-MM-DD HH:MM:SS] text in UTC from the RFC 3339 timestamp', () => {
    expect(formatRuntimeLine('2026-03-04T05:06:07.123456789Z', 'INFO starting', T0)).toBe(
      '[2026-03-04 05:06:07] INFO starting',
    );
    expect(formatRuntimeLine('2026-03-04T07:06:07+02:00', 'x', T0)).toBe('[2026-03-04 05:06:07] x');
  });

  it('falls back to the given time when the timestamp does not parse', () => {
    expect(formatRuntimeLine('garbage', 'x', T0)).toBe('[2026-01-02 03:04:05] x');
  });

  it('strips ANSI colour and OSC sequences', () => {
    expect(stripAnsi('\x1b[32mINFO\x1b[0m \x1b]0;title\x07done')).toBe('INFO done');
    expect(formatRuntimeLine('2026-03-04T05:06:07Z', '\x1b[1;31mERROR\x1b[0m boom', T0)).toBe(
      '[2026-03-04 05:06:07] ERROR boom',
    );
  });

  it('keeps only the last tqdm update of a line with carriage returns', () => {
    expect(lastCarriageSegment('Loading  10%|#\rLoading  50%|#####\rLoading 100%|##########')).toBe(
      'Loading 100%|##########',
    );
    expect(lastCarriageSegment('done 100%\r')).toBe('done 100%');
    expect(formatRuntimeLine('2026-03-04T05:06:07Z', 'a 1%\rb 99%\r', T0)).toBe(
      '[2026-03-04 05:06:07] b 99%',
    );
  });

  it('drops uvicorn access lines of GET/HEAD /metrics and /health but keeps /v1 requests', () => {
    expect(isProbeNoise('INFO:     127.0.0.1:51234 - "GET /metrics HTTP/1.1" 200 OK')).toBe(true);
    expect(isProbeNoise('INFO:     10.0.0.2:4000 - "HEAD /health HTTP/1.1" 200 OK')).toBe(true);
    expect(isProbeNoise('INFO:     10.0.0.2:4000 - "GET /health?x=1 HTTP/1.1" 200 OK')).toBe(true);
    expect(
      isProbeNoise('INFO:     10.0.0.2:4000 - "POST /v1/chat/completions HTTP/1.1" 200 OK'),
    ).toBe(false);
    expect(isProbeNoise('INFO:     10.0.0.2:4000 - "GET /v1/models HTTP/1.1" 200 OK')).toBe(false);
    expect(isProbeNoise('Avg prompt throughput: 1.0 tokens/s, metrics ok')).toBe(false);
    expect(
      formatRuntimeLine(
        '2026-03-04T05:06:07Z',
        'INFO:     127.0.0.1:1 - "GET /metrics HTTP/1.1" 200 OK',
        T0,
      ),
    ).toBeNull();
  });

  it('drops lines that are empty after cleaning', () => {
    expect(formatRuntimeLine('2026-03-04T05:06:07Z', '\x1b[0m   ', T0)).toBeNull();
  });

  it('tags agent lines and stamps them with the current UTC time', () => {
    expect(formatAgentLine('agent', 'Launching', T0)).toBe(
      '[2026-01-02 03:04:05] [agent] Launching',
    );
    expect(formatAgentLine('podman', 'pulling', T0)).toBe('[2026-01-02 03:04:05] [podman] pulling');
  });

  it('compares timestamps of different precision correctly', () => {
    const a = timestampNanos('2026-03-04T05:06:07.1234Z');
    const b = timestampNanos('2026-03-04T05:06:07.12345Z');
    const c = timestampNanos('2026-03-04T05:06:07Z');
    expect(a !== null && b !== null && c !== null).toBe(true);
    expect(a! < b!).toBe(true);
    expect(c! < a!).toBe(true);
    expect(timestampNanos('not a time')).toBeNull();
    expect(displayTime('2026-03-04T05:06:07.999999999Z', 0)).toBe('2026-03-04 05:06:07');
  });

  it('names the log file after the model with / replaced by -- and the port', () => {
    expect(logFileName('Qwen/Qwen3-8B', 8001)).toBe('Qwen--Qwen3-8B-8001.log');
    expect(logFileName('../../etc/passwd', 1)).not.toContain('/');
    expect(splitKey('Qwen/Qwen3-8B:8001')).toEqual({ model: 'Qwen/Qwen3-8B', port: 8001 });
    expect(splitKey('org/m:v2:9000')).toEqual({ model: 'org/m:v2', port: 9000 });
    expect(splitKey('no-port')).toBeNull();
    expect(splitKey('m:99999')).toBeNull();
  });
});

describe('secret masking', () => {
  it('treats env keys containing TOKEN, SECRET, KEY or PASSWORD as secret', () => {
    for (const k of [
      'HF_TOKEN',
      'AWS_SECRET_ACCESS_KEY',
      'OPENAI_API_KEY',
      'DB_PASSWORD',
      'hf_token',
    ])
      expect(isSecretEnvKey(k)).toBe(true);
    for (const k of ['CUDA_VISIBLE_DEVICES', 'VLLM_LOGGING_LEVEL'])
      expect(isSecretEnvKey(k)).toBe(false);
  });

  it('reads those as whole words of the name, so speed knobs and key-cloaks are not secrets', () => {
    for (const k of ['hfToken', 'VLLM_API_KEY', 'WANDB_APIKEY', 'GCP_CREDENTIALS', 'PASSWD'])
      expect([k, isSecretEnvKey(k)]).toEqual([k, true]);
    for (const k of [
      'AERIE_SIM_TOKENS_PER_S',
      'MAX_TOKENS',
      'KEYCLOAK_URL',
      'TOKENIZERS_PARALLELISM',
    ])
      expect([k, isSecretEnvKey(k)]).toEqual([k, false]);
  });

  it('masks every value of a flag that takes several (--api-key k1 k2)', () => {
    const args = ['--api-key', 'first-key-1', 'second-key-2', '--port', '8000'];
    expect(maskSecretArgs(args).join(' ')).not.toMatch(/first-key-1|second-key-2/);
    expect(maskSecretArgs(args).slice(-2)).toEqual(['--port', '8000']);
    expect(secretArgValues(args)).toEqual(['first-key-1', 'second-key-2']);
  });

  it('masks the values of secret-named flags in both spellings, and nothing else', () => {
    const args = [
      '--model',
      'm',
      '--api-key',
      'sk-abcdefgh12345678',
      '--hf-token=hf_abcdefghijkl',
      '--tokenizer',
      'tok/name',
      '--ssl-keyfile',
      '/etc/k.pem',
      '--api-key',
      '--port',
      '8001',
    ];
    expect(maskSecretArgs(args)).toEqual([
      '--model',
      'm',
      '--api-key',
      'sk-a...5678',
      '--hf-token=hf_a...ijkl',
      '--tokenizer',
      'tok/name',
      '--ssl-keyfile',
      '/etc/k.pem',
      '--api-key',
      '--port',
      '8001',
    ]);
    expect(secretArgValues(args)).toEqual(['sk-abcdefgh12345678', 'hf_abcdefghijkl']);
  });

  it('masks values of up to 8 characters as all stars and longer ones as abcd...wxyz', () => {
    expect(maskSecret('12345678')).toBe('********');
    expect(maskSecret('abc')).toBe('***');
    expect(maskSecret('hf_abcdefghijklmnop')).toBe('hf_a...mnop');
  });

  it('describes the launch env with secret values masked and others shown', () => {
    const line = describeEnv({
      HF_TOKEN: 'hf_supersecretvalue123',
      VLLM_LOGGING_LEVEL: 'DEBUG',
      DB_PASSWORD: 'pw12',
    });
    expect(line).toBe('HF_TOKEN=hf_s...e123 VLLM_LOGGING_LEVEL=DEBUG DB_PASSWORD=****');
    expect(line).not.toContain('hf_supersecretvalue123');
  });

  it('scrubs every occurrence of a secret value from a line', () => {
    const secrets = secretValues({ HF_TOKEN: 'hf_supersecretvalue123', OTHER: 'visible-value' });
    expect(secrets).toEqual(['hf_supersecretvalue123']);
    const out = scrubSecrets(
      'token hf_supersecretvalue123 and again hf_supersecretvalue123; visible-value',
      secrets,
    );
    expect(out).not.toContain('hf_supersecretvalue123');
    expect(out).toContain('visible-value');
    expect(out).toContain('hf_s...e123');
  });
});
