import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  familyOf,
  parsePromValue,
  parsePrometheusText,
  sumSeries,
} from '../../src-main/shared/prometheus.js';

const VLLM = `# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="qwen3-8b"} 3.0
# HELP vllm:prompt_tokens_total Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_total counter
vllm:prompt_tokens_total{engine="0",model_name="qwen3-8b"} 1.842211e+06
# HELP vllm:prompt_tokens_created Number of prefill tokens processed.
# TYPE vllm:prompt_tokens_created gauge
vllm:prompt_tokens_created{engine="0",model_name="qwen3-8b"} 1.76190412352e+09
# HELP vllm:request_success_total Count of successfully processed requests.
# TYPE vllm:request_success_total counter
vllm:request_success_total{engine="0",finished_reason="stop",model_name="qwen3-8b"} 912.0
vllm:request_success_total{engine="0",finished_reason="length",model_name="qwen3-8b"} 57.0
vllm:request_success_total{engine="0",finished_reason="abort",model_name="qwen3-8b"} 4.0
# HELP vllm:time_to_first_token_seconds Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds histogram
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.001",model_name="qwen3-8b"} 0.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="0.1",model_name="qwen3-8b"} 920.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="2560.0",model_name="qwen3-8b"} 973.0
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="qwen3-8b"} 973.0
vllm:time_to_first_token_seconds_count{engine="0",model_name="qwen3-8b"} 973.0
vllm:time_to_first_token_seconds_sum{engine="0",model_name="qwen3-8b"} 54.12
# HELP vllm:time_to_first_token_seconds_created Histogram of time to first token in seconds.
# TYPE vllm:time_to_first_token_seconds_created gauge
vllm:time_to_first_token_seconds_created{engine="0",model_name="qwen3-8b"} 1.76190412352e+09
# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig
# TYPE vllm:cache_config_info gauge
vllm:cache_config_info{block_size="16",cache_dtype="auto",enable_prefix_caching="True",engine="0",gpu_memory_utilization="0.9",num_gpu_blocks="69314"} 1.0
`;

describe('parsePrometheusText', () => {
  const expo = parsePrometheusText(VLLM);

  it('reads every sample of a vLLM exposition without errors', () => {
    expect(expo.errors).toEqual([]);
    expect(expo.samples).toHaveLength(14);
  });

  it('records declared types and help texts', () => {
    expect(expo.families.get('vllm:prompt_tokens_total')).toEqual({
      name: 'vllm:prompt_tokens_total',
      type: 'counter',
      help: 'Number of prefill tokens processed.',
    });
    expect(familyOf(expo, 'vllm:time_to_first_token_seconds_bucket')?.type).toBe('histogram');
    expect(familyOf(expo, 'vllm:time_to_first_token_seconds_sum')?.type).toBe('histogram');
    expect(familyOf(expo, 'vllm:unknown_sum')).toBeUndefined();
  });

  it('sums counters across label sets and keeps _created apart', () => {
    expect(sumSeries(expo, 'vllm:request_success_total')).toBe(973);
    expect(sumSeries(expo, 'vllm:prompt_tokens_total')).toBe(1_842_211);
    expect(
      sumSeries(expo, 'vllm:request_success_total', (l) => l.finished_reason !== 'abort'),
    ).toBe(969);
    expect(sumSeries(expo, 'vllm:generation_tokens_total')).toBeNull();
  });

  it('reads histogram buckets including +Inf by label, not by position', () => {
    const buckets = expo.byName.get('vllm:time_to_first_token_seconds_bucket') ?? [];
    expect(buckets.map((b) => [b.labels.le, b.value])).toEqual([
      ['0.001', 0],
      ['0.1', 920],
      ['2560.0', 973],
      ['+Inf', 973],
    ]);
    expect(buckets[0]?.labels).toEqual({ engine: '0', le: '0.001', model_name: 'qwen3-8b' });
    expect(sumSeries(expo, 'vllm:time_to_first_token_seconds_sum')).toBeCloseTo(54.12);
  });

  it('unescapes label values and tolerates spaces, trailing commas and CRLF', () => {
    const text =
      'm{path="C:\\\\dir",msg="say \\"hi\\"\\nbye",odd="a,b}c"} 1\r\n' +
      'm { a = "x" , } 2 1700000000000\r\n' +
      '# HELP m A \\\\ help\\nline\r\n';
    const e = parsePrometheusText(text);
    expect(e.errors).toEqual([]);
    expect(e.samples[0]?.labels).toEqual({ path: 'C:\\dir', msg: 'say "hi"\nbye', odd: 'a,b}c' });
    expect(e.samples[1]).toEqual({
      name: 'm',
      labels: { a: 'x' },
      value: 2,
      timestamp_ms: 1_700_000_000_000,
    });
    expect(e.families.get('m')?.help).toBe('A \\ help\nline');
  });

  it('reads special values and skips them when summing', () => {
    const e = parsePrometheusText('a 1\na{x="1"} NaN\na{x="2"} +Inf\nb -Inf\nc 1e+06\nd -0.5e-3\n');
    expect(e.byName.get('a')?.map((s) => s.value)).toEqual([1, NaN, Infinity]);
    expect(sumSeries(e, 'a')).toBe(1);
    expect(e.byName.get('b')?.[0]?.value).toBe(-Infinity);
    expect(e.byName.get('c')?.[0]?.value).toBe(1_000_000);
    expect(e.byName.get('d')?.[0]?.value).toBe(-0.0005);
  });

  it('lists malformed lines with their numbers and keeps the good ones', () => {
    const e = parsePrometheusText(
      'good 1\n9bad 1\nx{a=1} 2\nx{a="1" 2\nnovalue\nv abc\nt 1 12.5\n# TYPE q frobnicator\nalso_good{a="b"} 4\n',
    );
    expect(e.samples.map((s) => s.name)).toEqual(['good', 'also_good']);
    expect(e.errors).toEqual([
      'line 2: bad metric name',
      "line 3: expected '\"' for label a",
      "line 4: expected ',' or '}' after label a",
      'line 5: missing value',
      "line 6: bad value 'abc'",
      "line 7: bad timestamp '12.5'",
      "line 8: unknown type 'frobnicator' for q",
    ]);
  });

  it('ignores ordinary comments and blank lines', () => {
    expect(parsePrometheusText('# just a comment\n\n   \nx 1').samples).toHaveLength(1);
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        parsePrometheusText(s);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips any label values the exposition can encode', () => {
    const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,8}$/);
    const escape = (v: string) =>
      v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
    fc.assert(
      fc.property(
        fc.dictionary(labelName, fc.string({ maxLength: 12 }), { maxKeys: 5 }),
        fc.double({ noDefaultInfinity: true, noNaN: true }),
        (labels, value) => {
          const body = Object.entries(labels)
            .map(([k, v]) => `${k}="${escape(v)}"`)
            .join(',');
          const e = parsePrometheusText(`metric_x{${body}} ${String(value)}\n`);
          expect(e.errors).toEqual([]);
          expect(e.samples[0]?.labels).toEqual(labels);
          expect(e.samples[0]?.value === value).toBe(true); // === treats -0 and 0 alike
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('parsePromValue', () => {
  it('rejects non-numbers and hex', () => {
    expect(parsePromValue('0x10')).toBeNull();
    expect(parsePromValue('')).toBeNull();
    expect(parsePromValue('1.76190412352e+09')).toBe(1_761_904_123.52);
  });
});
