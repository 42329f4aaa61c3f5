import { z } from 'zod';

export const ConfigCreateSchema = z
  .object({
    name: z.string().trim().min(1, 'name must not be empty').max(128),
    payload: z.record(z.string(), z.unknown(), { message: 'payload must be a JSON object' }),
  })
  .strict()
  .meta({ id: 'DeploymentConfigCreate' });
export type ConfigCreate = z.infer<typeof ConfigCreateSchema>;

export const ConfigReadSchema = z
  .object({
    id: z.number().int(),
    name: z.string(),
    payload: z.record(z.string(), z.unknown()),
    created_at: z.string(),
  })
  .meta({ id: 'DeploymentConfigRead' });
export type ConfigRead = z.infer<typeof ConfigReadSchema>;

export const ConfigIdParams = z.object({
  config_id: z.coerce.number().int().positive().describe('Saved configuration id'),
});
