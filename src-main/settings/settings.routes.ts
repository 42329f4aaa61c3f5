import { route, type RouteDef } from '../http/route.js';
import { SettingsSchema, SettingsUpdateSchema, type SettingsUpdate } from '../shared/settings.js';
import type { SettingsService } from './settings.service.js';

export function settingsRoutes(settings: SettingsService): RouteDef[] {
  return [
    route({
      method: 'get',
      path: '/api/settings',
      tag: 'Settings',
      summary: 'Return all current runtime settings with their effective values.',
      response: SettingsSchema,
      handler: () => settings.get(),
    }),
    route<undefined, undefined, SettingsUpdate>({
      method: 'put',
      path: '/api/settings',
      tag: 'Settings',
      summary: 'Apply a partial update to runtime settings; only provided fields are changed.',
      description:
        '`null` leaves a field unchanged, except `default_max_failed_restarts`, where it clears the value. Changes apply live.',
      body: SettingsUpdateSchema,
      response: SettingsSchema,
      errors: [400],
      handler: ({ body }) => settings.update(body),
    }),
  ];
}
