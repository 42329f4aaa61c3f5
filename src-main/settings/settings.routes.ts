import { route, type RouteDef } from '../shared/node/route.js';
import { SettingsSchema, SettingsUpdateSchema } from '../shared/settings.js';
import type { SettingsService } from './settings.service.js';

export function settingsRoutes(settings: SettingsService): RouteDef[] {
  return [
    route(
      {
        method: 'get',
        path: '/api/settings',
        tag: 'Settings',
        summary: 'Return all current runtime settings with their effective values.',
        description:
          'Write-only settings are never returned: `webhook_secret_set` says whether a `webhook_secret` is set.',
        response: SettingsSchema,
      },
      () => settings.get(),
    ),
    route(
      {
        method: 'put',
        path: '/api/settings',
        tag: 'Settings',
        summary: 'Apply a partial update to runtime settings; only provided fields are changed.',
        description:
          '`null` leaves a field unchanged, except `default_max_failed_restarts`, where it clears the value. `webhook_secret` is write-only: an empty string clears it. Changes apply live.',
        body: SettingsUpdateSchema,
        response: SettingsSchema,
        errors: [400],
      },
      ({ body }) => settings.update(body),
    ),
  ];
}
