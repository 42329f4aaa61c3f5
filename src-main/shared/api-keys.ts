import { z } from 'zod';

/** Raw keys are this prefix and 32 hex characters; the first 8 characters are kept as `prefix`. */
export const API_KEY_PREFIX = 'aerie-';
/** The longest a temporary key may live (24 h). */
export const MAX_KEY_TTL_SECONDS = 86400;
export const BUDGET_PERIODS = ['day', 'month'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

const label = z
  .string()
  .trim()
  .min(1, 'label must not be empty')
  .max(128, 'label must be at most 128 characters');
const deploymentIds = z
  .array(z.number().int().positive('deployment ids are positive integers'))
  .max(1000, 'at most 1000 deployment ids')
  .nullable()
  .describe('The deployments this key may reach; null = all.');
const limits = {
  rate_limit_rpm: z
    .number()
    .int()
    .min(1, 'rate_limit_rpm must be at least 1')
    .max(1_000_000)
    .nullable()
    .optional()
    .describe('Requests per minute (sliding window); null = unlimited.'),
  rate_limit_tpm: z
    .number()
    .int()
    .min(1, 'rate_limit_tpm must be at least 1')
    .max(1_000_000_000)
    .nullable()
    .optional()
    .describe('Tokens (prompt + completion) per minute (sliding window); null = unlimited.'),
  token_budget: z
    .number()
    .int()
    .min(1, 'token_budget must be at least 1')
    .max(1e12)
    .nullable()
    .optional()
    .describe('Tokens per budget_period; null = no budget.'),
  budget_period: z
    .enum(BUDGET_PERIODS)
    .nullable()
    .optional()
    .describe('day or month (UTC); required with token_budget.'),
};

/** `POST /api/api-keys`. */
export const ApiKeyCreateSchema = z
  .object({
    label,
    ttl_seconds: z
      .number()
      .int('ttl_seconds must be a whole number of seconds')
      .min(1, 'ttl_seconds must be at least 1')
      .max(MAX_KEY_TTL_SECONDS, `ttl_seconds must be at most ${MAX_KEY_TTL_SECONDS}`)
      .nullable()
      .optional()
      .describe('Lifetime of a temporary key; omit for a permanent key.'),
    deployment_ids: deploymentIds.optional(),
    ...limits,
  })
  .strict()
  .superRefine((v, ctx) => {
    if (v.ttl_seconds != null && (v.deployment_ids === undefined || v.deployment_ids === null))
      ctx.addIssue({
        code: 'custom',
        path: ['deployment_ids'],
        message: 'Temporary keys must specify deployment_ids.',
      });
    if ((v.token_budget != null) !== (v.budget_period != null))
      ctx.addIssue({
        code: 'custom',
        path: [v.token_budget != null ? 'budget_period' : 'token_budget'],
        message: 'token_budget and budget_period go together: set both or neither.',
      });
  })
  .meta({ id: 'CreateApiKeyRequest' });
export type ApiKeyCreate = z.infer<typeof ApiKeyCreateSchema>;

/** `PATCH /api/api-keys/{key_id}`: permanent keys only. */
export const ApiKeyUpdateSchema = z
  .object({ label: label.optional(), deployment_ids: deploymentIds.optional(), ...limits })
  .strict()
  .meta({ id: 'UpdateApiKeyRequest' });
export type ApiKeyUpdate = z.infer<typeof ApiKeyUpdateSchema>;

export const ApiKeyIdParams = z.object({
  key_id: z.coerce.number().int().positive().describe('API key id'),
});

/** One key as listed: never the key or its hash. */
export const ApiKeyReadSchema = z
  .object({
    id: z.number().int(),
    label: z.string(),
    prefix: z.string(),
    created_at: z.string(),
    last_used_at: z.string().nullable(),
    expires_at: z.string().nullable(),
    allowed_deployment_ids: z.array(z.number().int()).nullable(),
    rate_limit_rpm: z.number().int().nullable(),
    rate_limit_tpm: z.number().int().nullable(),
    token_budget: z.number().int().nullable(),
    budget_period: z.enum(BUDGET_PERIODS).nullable(),
    budget_used: z.number().int().nullable().describe('Tokens spent in the current period.'),
    budget_remaining: z.number().int().nullable(),
  })
  .meta({ id: 'ApiKeyRead' });
export type ApiKeyRead = z.infer<typeof ApiKeyReadSchema>;

/** The answer to a create: the raw key, shown this once. */
export const ApiKeyCreatedSchema = ApiKeyReadSchema.extend({
  key: z.string().describe('The raw key; it is not stored and is never shown again.'),
}).meta({ id: 'ApiKeyCreated' });
export type ApiKeyCreated = z.infer<typeof ApiKeyCreatedSchema>;

export const USAGE_GROUPS = ['owner', 'api_key', 'deployment', 'model'] as const;

/** `GET /api/usage`. */
export const UsageQuerySchema = z.object({
  group_by: z.enum(USAGE_GROUPS).default('deployment'),
  from: z.iso.datetime({ offset: true, message: 'from must be an ISO 8601 date-time' }).optional(),
  to: z.iso.datetime({ offset: true, message: 'to must be an ISO 8601 date-time' }).optional(),
});
export type UsageQuery = z.infer<typeof UsageQuerySchema>;

export const UsageRowSchema = z
  .object({
    key: z.string().describe('The group: owner, key label, deployment id or model.'),
    api_key_id: z.number().int().nullable(),
    deployment_id: z.number().int().nullable(),
    requests: z.number().int(),
    prompt_tokens: z.number().int(),
    completion_tokens: z.number().int(),
    total_tokens: z.number().int(),
  })
  .meta({ id: 'UsageRow' });
export type UsageRow = z.infer<typeof UsageRowSchema>;
