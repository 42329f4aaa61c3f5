import { z } from 'zod';

export const LoopStatusSchema = z.object({
  name: z.string(),
  interval_seconds: z.number(),
  running: z.boolean(),
  ticks: z.number().int(),
  failures: z.number().int(),
  last_started_at: z.string().nullable(),
  last_duration_ms: z.number().nullable(),
  last_error: z.string().nullable(),
});
export type LoopStatus = z.infer<typeof LoopStatusSchema>;

export const HealthSchema = z
  .object({ status: z.literal('ok'), version: z.string() })
  .meta({ id: 'Health' });
export const ApiHealthSchema = HealthSchema.extend({ loops: z.array(LoopStatusSchema) }).meta({
  id: 'ApiHealth',
});
export type ApiHealth = z.infer<typeof ApiHealthSchema>;
export const VllmVersionSchema = z.object({ version: z.string() }).meta({ id: 'VllmVersion' });
