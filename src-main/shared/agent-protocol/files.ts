// Model files on a node: the HF cache, managed local models, uploads, URL pulls and packages.
import { z } from 'zod';
import { INPUT_LIMITS, RelativePathSchema, textField } from './limits.js';

/** A repo in the HF hub cache (`hub/models--org--name`). */
export const HfCacheEntrySchema = z.object({
  name: z.string(),
  size_mb: z.number(),
  last_used_at: z.string(),
  in_use: z.boolean(),
});
export type HfCacheEntry = z.infer<typeof HfCacheEntrySchema>;
export const NameParamsSchema = z.object({ name: textField() });
export const NameDeleteReplySchema = z.object({ status: z.literal('deleted'), name: z.string() });

/** A managed model, or one under `--model-dirs` (`source` names the base; not deletable). */
export const LocalModelSchema = z.object({
  name: z.string(),
  path: z.string(),
  source: z.string(),
  size_mb: z.number(),
  in_use: z.boolean(),
  deletable: z.boolean(),
  last_modified_at: z.string(),
});
export type LocalModel = z.infer<typeof LocalModelSchema>;

/** A model moved into place by a finished upload, archive or pull. */
export const FinalizedModelSchema = z.object({
  name: z.string(),
  path: z.string(),
  size_mb: z.number(),
  warnings: z.array(z.string()),
});
export type FinalizedModel = z.infer<typeof FinalizedModelSchema>;

export const UploadBeginBodySchema = z.object({
  name: textField(),
  total_bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  file_count: z.number().int().min(0).max(1_000_000),
});
export const UploadBeginReplySchema = z.object({ session_id: z.string() });
export const SessionParamsSchema = z.object({ sid: textField(64) });
export const UploadPathQuerySchema = z.object({ path: RelativePathSchema });
export const UploadFileReplySchema = z.object({
  path: z.string(),
  bytes: z.number(),
  received_bytes: z.number(),
});
export const UploadFinishBodySchema = z.object({ flatten: z.boolean().optional() }).optional();
export const UploadAbortReplySchema = z.object({
  status: z.literal('aborted'),
  session_id: z.string(),
});
export const ArchiveQuerySchema = z.object({ name: textField(), filename: textField() });

export const PullBodySchema = z.object({
  url: textField(INPUT_LIMITS.path),
  name: textField().optional(),
});
/** A background pull (`GET /local-models/transfers`), pruned 1 h after it finished. */
export const TransferRecordSchema = z.object({
  id: z.string(),
  kind: z.literal('pull'),
  name: z.string(),
  status: z.enum(['downloading', 'extracting', 'done', 'error']),
  total_bytes: z.number().nullable(),
  received_bytes: z.number(),
  error: z.string().nullable(),
  path: z.string().nullable(),
});
export type TransferRecord = z.infer<typeof TransferRecordSchema>;

/** The file names a package upload accepts: a safe name ending in one of `PACKAGE_SUFFIXES`. */
const PACKAGE_FILE = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,200}$/;
/** What `POST /packages/upload` stores: wheels, vLLM plugins and source archives. */
export const PACKAGE_SUFFIXES = ['.whl', '.py', '.tar.gz', '.tgz', '.zip'] as const;
/** The rule a rejected package file name is told, after "Unsupported package file …: ". */
export const PACKAGE_FILE_RULE =
  "upload a .whl, .py, .tar.gz, .tgz or .zip (letters, digits, '.', '_', '+', '-')";

/** True when `filename` may be uploaded as a package (the agent and the console check the same). */
export function isPackageFileName(filename: string): boolean {
  const lower = filename.toLowerCase();
  return PACKAGE_FILE.test(filename) && PACKAGE_SUFFIXES.some((s) => lower.endsWith(s));
}

/** A stored package (`.whl`, source archive) or vLLM plugin (`.py`), mounted at `/packages`. */
export const PackageInfoSchema = z.object({
  package_id: z.string(),
  filename: z.string(),
  install_path: z.string(),
  type: z.enum(['plugin', 'package']),
  size_mb: z.number(),
  uploaded_at: z.string(),
});
export type PackageInfo = z.infer<typeof PackageInfoSchema>;
export type PackageType = PackageInfo['type'];
export const PackageUploadReplySchema = PackageInfoSchema.extend({
  status: z.literal('uploaded'),
});
export const PackageIdParamsSchema = z.object({ id: textField(64) });
export const PackageDeleteReplySchema = z.object({
  status: z.literal('deleted'),
  package_id: z.string(),
});
