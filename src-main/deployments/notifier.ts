/** A lifecycle event worth telling operators about (webhooks; behaviour.md §6.2). */
export interface LifecycleNotice {
  event: 'deployment_running' | 'deployment_error' | 'deployment_expiring' | 'deployment_expired';
  message: string;
  fields: { deployment_id: number; model: string; error?: string | null } & Record<string, unknown>;
}

/** Where lifecycle notices go; it must return at once (a slow receiver never delays a loop). */
export type Notifier = (notice: LifecycleNotice) => void;
