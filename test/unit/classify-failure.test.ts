import { describe, expect, it } from 'vitest';
import { CLASSIFY_TAIL_LINES, classifyFailure } from '../../src-main/shared/classify-failure.js';

// Lines as the agent stores them: `[YYYY-MM-DD HH:MM:SS] text`, after a normal startup preamble.
const stamp = (text: string) => `[2025-10-31 09:00:04] ${text}`;
const preamble = [
  'INFO 10-31 09:00:01 [__init__.py:216] Automatically detected platform cuda.',
  "(APIServer pid=1) INFO 10-31 09:00:04 [utils.py:233] non-default args: {'model': 'Qwen/Qwen3-8B'}",
  '(APIServer pid=1) INFO 10-31 09:00:12 [model.py:1510] Using max model len 40960',
  '(EngineCore_DP0 pid=214) INFO 10-31 09:00:23 [gpu_model_runner.py:2602] Starting to load model Qwen/Qwen3-8B...',
].map(stamp);
const log = (...lines: string[]) => [...preamble, ...lines.map(stamp)];
const engineDied = [
  '(EngineCore_DP0 pid=214) ERROR 10-31 09:03:06 [core.py:708] EngineCore failed to start.',
  'RuntimeError: Engine core initialization failed. See root cause above. Failed core proc(s): {}',
];

describe('classifyFailure', () => {
  it('recognises a CUDA OOM during startup', () => {
    const cause = classifyFailure(
      log(
        '(EngineCore_DP0 pid=214) ERROR 10-31 09:02:41 [core.py:708] torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 1.96 GiB. GPU 0 has a total capacity of 79.19 GiB of which 1.02 GiB is free.',
        ...engineDied,
      ),
    );
    expect(cause?.code).toBe('gpu_oom');
    expect(cause?.message).toMatch(/ran out of memory.*GPU memory fraction/);
  });

  it('tells memory other processes hold at start (both wordings) from an OOM of the model', () => {
    for (const device of ['device', 'device cuda:0']) {
      const cause = classifyFailure(
        log(
          `ValueError: Free memory on ${device} (5.12/79.19 GiB) on startup is less than desired GPU memory utilization (0.9, 71.27 GiB). Decrease GPU memory utilization or reduce GPU memory used by other processes.`,
          ...engineDied,
        ),
      );
      expect(cause?.code).toBe('gpu_memory_in_use');
      expect(cause?.message).toMatch(
        /Other processes already hold GPU memory.*GPU memory fraction/,
      );
    }
  });

  it("recognises a max model length above the model's own", () => {
    const cause = classifyFailure(
      log(
        'pydantic_core._pydantic_core.ValidationError: 1 validation error for ModelConfig',
        "  Value error, User-specified max_model_len (65536) is greater than the derived max_model_len (max_position_embeddings=40960 or model_max_length=None in model's config.json).",
      ),
    );
    expect(cause?.code).toBe('max_model_len_too_large');
    expect(cause?.message).toMatch(/longer than the model supports.*max_model_len/);
  });

  it('recognises a LoRA adapter that cannot be found and one of too high a rank', () => {
    const missing = classifyFailure(
      log('ValueError: Loading lora sql failed: No adapter found for /adapters/sql', ...engineDied),
    );
    expect(missing?.code).toBe('lora_not_found');
    expect(missing?.message).toMatch(/adapter path/);
    const rank = classifyFailure(
      log('ValueError: Loading lora sql failed: LoRA rank 64 is greater than max_lora_rank 16.'),
    );
    expect(rank?.code).toBe('lora_rank_too_large');
    expect(rank?.message).toContain('--max-lora-rank');
  });

  it('recognises both KV-cache shortfall messages', () => {
    expect(
      classifyFailure(
        log(
          "ValueError: To serve at least one request with the models's max seq len (131072), (16.00 GiB KV cache is needed, which is larger than the available KV cache memory (9.50 GiB). Based on the available memory, the estimated maximum model length is 77808. Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.",
          ...engineDied,
        ),
      )?.code,
    ).toBe('kv_cache_too_small');
    expect(
      classifyFailure(
        log(
          'ValueError: No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when initializing the engine.',
        ),
      ),
    ).toEqual({
      code: 'kv_cache_too_small',
      message: expect.stringMatching(/KV cache.*max model length/) as unknown,
    });
    expect(
      classifyFailure(
        log(
          "ValueError: The model's max seq len (32768) is larger than the maximum number of tokens that can be stored in KV cache (20112).",
        ),
      )?.code,
    ).toBe('kv_cache_too_small');
  });

  it('prefers OOM over the KV-cache message when both appear (order matters)', () => {
    const lines = log(
      'ValueError: No available memory for the cache blocks.',
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 20.00 MiB.',
    );
    expect(classifyFailure(lines)?.code).toBe('gpu_oom');
  });

  it('recognises a container without a GPU', () => {
    expect(classifyFailure(log('RuntimeError: Failed to infer device type'))?.code).toBe('no_gpu');
    const docker = classifyFailure([
      '[2025-10-31 09:00:00] [docker] Failed to start: 500 Server Error: could not select device driver "" with capabilities: [[gpu]]',
    ]);
    expect(docker?.code).toBe('no_gpu');
    expect(docker?.message).toMatch(/NVIDIA Container Toolkit.*CDI/);
  });

  it('recognises a gated repository before the generic not-found rule', () => {
    const cause = classifyFailure(
      log(
        'huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-6720a1b2-0c0ffee)',
        'Cannot access gated repo for url https://huggingface.co/meta-llama/Llama-3.1-8B/resolve/main/config.json.',
        'Access to model meta-llama/Llama-3.1-8B is restricted. You must have access to it and be authenticated to access it. Please log in.',
      ),
    );
    expect(cause?.code).toBe('hf_auth');
    expect(cause?.message).toContain('HF_TOKEN');
  });

  it('recognises an unknown model', () => {
    expect(
      classifyFailure(
        log(
          'huggingface_hub.errors.RepositoryNotFoundError: 404 Client Error. (Request ID: Root=1-abc)',
          'Repository Not Found for url: https://huggingface.co/api/models/nobody/nothing/revision/main.',
        ),
      )?.code,
    ).toBe('model_not_found');
    expect(
      classifyFailure(
        log(
          "OSError: nobody/nothing is not a local folder and is not a valid model identifier listed on 'https://huggingface.co/models'",
        ),
      )?.code,
    ).toBe('model_not_found');
  });

  it('classifies a missing repo answered 401 (no HF_TOKEN) by its exception, not as gated', () => {
    const cause = classifyFailure(
      log(
        'requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/api/models/nobody/nothing/tree/main',
        'huggingface_hub.errors.RepositoryNotFoundError: 401 Client Error. (Request ID: Root=1-abc)',
        'Repository Not Found for url: https://huggingface.co/api/models/nobody/nothing/tree/main.',
        'If you are trying to access a private or gated repo, make sure you are authenticated.',
        'Invalid username or password.',
      ),
    );
    expect(cause?.code).toBe('model_not_found');
    expect(cause?.message).toMatch(/not found.*model name.*private repo.*HF_TOKEN/);
  });

  it('keeps a gated repo hf_auth even though its error is a 401 too', () => {
    expect(
      classifyFailure(
        log(
          'requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: https://huggingface.co/x/y/resolve/main/config.json',
          'huggingface_hub.errors.GatedRepoError: 401 Client Error. (Request ID: Root=1-abc)',
        ),
      )?.code,
    ).toBe('hf_auth');
  });

  it('recognises a port conflict and bad arguments', () => {
    expect(classifyFailure(log('OSError: [Errno 98] Address already in use'))?.code).toBe(
      'port_conflict',
    );
    expect(classifyFailure(log('vllm serve: error: unrecognized arguments: --foo'))?.code).toBe(
      'bad_args',
    );
    expect(classifyFailure(log("ModuleNotFoundError: No module named 'flash_attn'"))?.code).toBe(
      'bad_args',
    );
    expect(
      classifyFailure(log('vllm serve: error: Invalid JSON format for --lora-modules: a=/x,y'))
        ?.code,
    ).toBe('bad_args');
  });

  it('returns null for a crash with no known cause', () => {
    expect(
      classifyFailure(
        log(
          'EngineCore encountered an issue. See stack trace (above) for the root cause.',
          'vllm.v1.engine.exceptions.EngineDeadError',
        ),
      ),
    ).toBeNull();
    expect(classifyFailure([])).toBeNull();
  });

  it('looks only at the last 300 lines', () => {
    const old = stamp('torch.OutOfMemoryError: CUDA out of memory.');
    const filler = Array.from({ length: CLASSIFY_TAIL_LINES }, (_, i) =>
      stamp(`INFO: 127.0.0.1 - "GET /health HTTP/1.1" 200 OK #${i}`),
    );
    expect(classifyFailure([old, ...filler])).toBeNull();
    expect(classifyFailure([old, ...filler.slice(1)])?.code).toBe('gpu_oom');
  });
});
