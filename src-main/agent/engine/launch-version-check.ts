import { AppError } from '../../shared/errors.js';
import type { LaunchRequest } from '../../shared/agent-protocol/deployments.js';
import {
  buildVllmArgs,
  LaunchInputError,
  resolveVllmImage,
  type LoraModule,
} from '../../shared/vllm-args.js';
import { removedFlagsMessage, unacceptedFlags } from '../../shared/vllm-versions.js';

/**
 * The vLLM version a launch targets, as its image tag will name it: the requested one, or the
 * newest release (`latest` when unknown). A version that forms no tag is returned as given; the
 * image step refuses it with its own message.
 */
export function targetVersion(requested: string | null | undefined, latest: string | null): string {
  try {
    return resolveVllmImage(requested, { latestRelease: latest }).vllm_version;
  } catch (err) {
    if (err instanceof LaunchInputError) return (requested ?? '').trim();
    throw err;
  }
}

/**
 * Refuses, with a 422 naming the version, a launch whose command line (structured engine args and
 * extra args alike) holds a flag the target vLLM no longer accepts: argparse would only say so in a
 * crash loop after the image pull. Pure apart from the throw.
 */
export function checkArgsForVersion(
  req: LaunchRequest,
  lora: readonly LoraModule[],
  warm: boolean,
  version: string,
): void {
  const args = buildVllmArgs({
    model_name: req.model_name,
    serve_port: req.port,
    gpu_memory_fraction: req.gpu_memory_fraction,
    warm,
    tensor_parallel_size: req.tensor_parallel_size,
    engine_args: req.engine_args,
    lora_modules: lora,
    extra_args: req.extra_args,
  });
  const refused = unacceptedFlags(version, args);
  if (refused.length > 0)
    throw new AppError('validation_failed', removedFlagsMessage(version, refused));
}
