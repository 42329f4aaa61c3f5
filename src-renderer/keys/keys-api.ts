// The API keys contract (seed "API Keys", behaviour.md §5.3). The gateway's own zod schemas are
// not in src-main/shared yet; these read what the console needs and replace nothing server-side.
import { z } from 'zod';

export const ApiKeyReadSchema = z.object({
  id: z.number().int(),
  label: z.string(),
  prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable().optional(),
  expires_at: z.string().nullable(),
  allowed_deployment_ids: z.array(z.number().int()).nullable(),
});
export type ApiKeyRead = z.infer<typeof ApiKeyReadSchema>;

/** The creation answer: the raw key, shown once. */
export const ApiKeyCreatedSchema = ApiKeyReadSchema.extend({ key: z.string() });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreatedSchema>;

/** `POST /api/api-keys`. */
export const ApiKeyCreateSchema = z.object({
  label: z.string().trim().min(1, 'label must not be empty').max(128),
  ttl_seconds: z.number().int().min(1).max(86400).optional(),
  deployment_ids: z.array(z.number().int()).nullable().optional(),
});
export type ApiKeyCreate = z.infer<typeof ApiKeyCreateSchema>;

export const isPermanent = (k: ApiKeyRead) => k.expires_at === null;
