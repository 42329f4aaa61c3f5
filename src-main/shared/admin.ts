import { z } from 'zod';

export const PURGE_TARGETS = ['deployments', 'nodes', 'metrics', 'configs'] as const;
export type PurgeTarget = (typeof PURGE_TARGETS)[number];

export const PurgeRequestSchema = z
  .object({
    targets: z
      .array(z.string())
      .nullable()
      .optional()
      .describe(
        'deployments, nodes, metrics, configs; omit or [] for all. nodes implies deployments and metrics.',
      ),
  })
  .strict()
  .optional()
  .meta({ id: 'PurgeRequest' });
export type PurgeRequest = z.infer<typeof PurgeRequestSchema>;

export const PurgeResultSchema = z
  .object({ purged: z.partialRecord(z.enum(PURGE_TARGETS), z.number().int()) })
  .meta({ id: 'PurgeResult' });
export type PurgeResult = z.infer<typeof PurgeResultSchema>;
