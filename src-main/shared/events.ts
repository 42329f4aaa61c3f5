import { z } from 'zod';
import { SettingsSchema } from './settings.js';

const id = z.number().int();
const row = z.record(z.string(), z.unknown());

/** Every event the control plane emits; WS frames and IPC events carry exactly these objects. */
export const AppEventSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('deployments_changed'),
    ids: z.array(id),
    deployments: z.array(row),
    deleted: z.array(id),
  }),
  z.object({
    type: z.literal('nodes_changed'),
    ids: z.array(id),
    nodes: z.array(row),
    deleted: z.array(id),
  }),
  z.object({ type: z.literal('settings_changed'), settings: SettingsSchema }),
  z.object({ type: z.literal('api_keys_changed'), ids: z.array(id) }),
  z.object({
    type: z.literal('expiry_warning'),
    deployment_id: id,
    model: z.string(),
    expires_at: z.string(),
    minutes_left: z.number(),
  }),
  z.object({
    type: z.literal('node_metrics'),
    node_id: id,
    recorded_at: z.string(),
    gpus: z.array(row),
    cpu_percent: z.number().nullable(),
    memory_percent: z.number().nullable(),
  }),
  z.object({
    type: z.literal('transfer_progress'),
    node_id: id,
    transfer: z.object({
      id: z.string(),
      kind: z.string(),
      name: z.string(),
      status: z.string(),
      bytes: z.number(),
    }),
  }),
]);

export type AppEvent = z.infer<typeof AppEventSchema>;
export type AppEventType = AppEvent['type'];
export type AppEventOf<T extends AppEventType> = Extract<AppEvent, { type: T }>;

export const APP_EVENT_TYPES = [
  'deployments_changed',
  'nodes_changed',
  'settings_changed',
  'api_keys_changed',
  'expiry_warning',
  'node_metrics',
  'transfer_progress',
] as const satisfies readonly AppEventType[];

/** Topics a WS client receives when it has not subscribed: everything but the metrics firehose. */
export const DEFAULT_TOPICS: readonly AppEventType[] = APP_EVENT_TYPES.filter(
  (t) => t !== 'node_metrics',
);

/** A frame a WS client may send to narrow what it receives. */
export const WsClientFrameSchema = z.object({
  type: z.literal('subscribe'),
  topics: z.array(z.enum(APP_EVENT_TYPES)),
});

/**
 * The hub's answer to a valid subscribe frame, sent to that client only: the topics it receives
 * from now on. Events are the other frames; a client ignores types it does not know.
 */
export const WsSubscribedFrameSchema = z.object({
  type: z.literal('subscribed'),
  topics: z.array(z.enum(APP_EVENT_TYPES)),
});
export type WsSubscribedFrame = z.infer<typeof WsSubscribedFrameSchema>;
