// Leftovers and the image cache on a node: containers, GPU processes, warm artifacts, images.
import { z } from 'zod';
import { textField } from './limits.js';
import { RuntimeNameSchema } from './node.js';

/** A container id as the agent accepts it in paths. */
export const ContainerIdParamsSchema = z.object({
  id: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{6,128}$/, 'id must be a container id (at least 6 characters)'),
});
/** A host PID in a path. */
export const PidParamsSchema = z.object({
  pid: z.coerce.number().int().positive('pid must be a positive integer'),
});

/** A managed or vLLM-image container; `tracked` = the agent watches its deployment. */
export const ContainerEntrySchema = z.object({
  id: z.string(),
  name: z.string(),
  image: z.string(),
  status: z.string(),
  managed: z.boolean(),
  key: z.string().nullable(),
  tracked: z.boolean(),
  runtime: z.string(),
});
export type ContainerEntry = z.infer<typeof ContainerEntrySchema>;
export const ContainerStopReplySchema = z.object({ status: z.literal('removed'), id: z.string() });

/** A vLLM process on a GPU; `tracked` = it belongs to a watched deployment. */
export const GpuProcessEntrySchema = z.object({
  pid: z.number().int(),
  gpu_index: z.number().int(),
  gpu_memory_mb: z.number().nullable(),
  process_name: z.string(),
  tracked: z.boolean(),
  key: z.string().nullable(),
});
export type GpuProcessEntry = z.infer<typeof GpuProcessEntrySchema>;
export const KillReplySchema = z.object({ status: z.literal('killed'), pid: z.number().int() });

/** An orphaned vLLM process holding weights in host RAM (level-1 sleep). */
export const RamSleeperSchema = z.object({
  pid: z.number().int(),
  process_name: z.string(),
  rss_mb: z.number(),
});
export type RamSleeper = z.infer<typeof RamSleeperSchema>;
/** An orphaned torch.compile cache of a warm deployment that no longer exists. */
export const DiskCacheSchema = z.object({
  name: z.string(),
  path: z.string(),
  size_mb: z.number(),
});
export type DiskCache = z.infer<typeof DiskCacheSchema>;
/** `GET /warm-artifacts`: only untracked items, so each list's length is its rogue count. */
export const WarmArtifactsSchema = z.object({
  ram_sleepers: z.array(RamSleeperSchema),
  disk_caches: z.array(DiskCacheSchema),
});
export type WarmArtifacts = z.infer<typeof WarmArtifactsSchema>;
export const CacheNameParamsSchema = z.object({ name: textField() });
export const CacheDeleteReplySchema = z.object({ status: z.literal('deleted'), name: z.string() });

/** `GET /rogue-summary`: the counts the control plane shows per node. */
export const RogueSummarySchema = z.object({
  containers: z.number().int(),
  /** Distinct PIDs. */
  processes: z.number().int(),
  /** RAM sleepers plus compile caches. */
  artifacts: z.number().int(),
});
export type RogueSummary = z.infer<typeof RogueSummarySchema>;

/** An image id in a path: 12 to 64 hex characters, optionally prefixed by `sha256:`. */
export const ImageIdParamsSchema = z.object({
  id: z
    .string()
    .regex(
      /^(sha256:)?[0-9a-fA-F]{12,64}$/,
      'id must be an image id: 12 to 64 hex characters, optionally prefixed by sha256:',
    ),
});
/** One vLLM image, its copies in several runtimes merged by layer content. */
export const ImageEntrySchema = z.object({
  /** Id of the copy in the first (preferred) runtime holding it. */
  id: z.string(),
  tags: z.array(z.string()),
  size_mb: z.number(),
  runtime: RuntimeNameSchema,
  runtimes: z.array(RuntimeNameSchema),
});
export type ImageEntry = z.infer<typeof ImageEntrySchema>;
export const ImageSkipSchema = z.object({ runtime: RuntimeNameSchema, reason: z.string() });
export type ImageSkip = z.infer<typeof ImageSkipSchema>;
export const ImageDeleteReplySchema = z.object({
  status: z.literal('deleted'),
  id: z.string(),
  runtimes: z.array(RuntimeNameSchema),
  skipped: z.array(ImageSkipSchema).optional(),
});
export type ImageDeleteResult = z.infer<typeof ImageDeleteReplySchema>;
const prunedImage = z.object({
  id: z.string(),
  runtime: RuntimeNameSchema,
  tags: z.array(z.string()),
});
export const PruneReplySchema = z.object({
  removed: z.array(prunedImage.extend({ size_mb: z.number() })),
  /** Sum of the sizes of the images deleted outright (untagging frees nothing). */
  freed_mb: z.number(),
  skipped: z.array(prunedImage.extend({ reason: z.string() })),
});
export type PruneResult = z.infer<typeof PruneReplySchema>;
