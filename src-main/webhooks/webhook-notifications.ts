// The notifications the deployments code sends, with the reference's event names, field names and
// message wording (behaviour.md §6.2), built in one place so that no caller spells them again.

/** A JSON scalar: what a notification field may hold. */
export type WebhookFieldValue = string | number | boolean | null;

/** The fields every deployment event carries. */
export interface DeploymentFields {
  deployment_id: number;
  model: string;
}

/** What `WebhookService.notify` sends: an event, its human message, and fields merged into the body. */
export type WebhookNotification =
  | {
      event: 'deployment_running' | 'deployment_expiring' | 'deployment_expired';
      message: string;
      fields: DeploymentFields & Record<string, WebhookFieldValue>;
    }
  | {
      event: 'deployment_error';
      message: string;
      /** `error` is the deployment's `last_error`; Slack bodies append it as the reason. */
      fields: DeploymentFields & { error: string | null } & Record<string, WebhookFieldValue>;
    }
  | { event: 'webhook_test'; message: string; fields: Record<string, WebhookFieldValue> };

/**
 * What the deployment loops are given (bootstrap passes the `WebhookService`): `notify` records
 * the notification and returns at once; it never waits for a receiver and never throws.
 */
export interface WebhookNotifier {
  notify(n: WebhookNotification): void;
}

/** Where a deployment serves: the node's hostname and the deployment's port. */
export interface DeploymentPlace extends DeploymentFields {
  host: string;
  port: number;
}

/** Sync saw the deployment turn `running`: "M is ready on H:P". */
export function deploymentRunning(d: DeploymentPlace): WebhookNotification {
  return {
    event: 'deployment_running',
    message: `${d.model} is ready on ${d.host}:${d.port}`,
    fields: { deployment_id: d.deployment_id, model: d.model },
  };
}

/**
 * The deployment went into `error` or `unreachable` from a non-error state:
 * "M on H:P is error|unreachable", with `error` = its `last_error`.
 */
export function deploymentError(
  d: DeploymentPlace & { status: 'error' | 'unreachable'; error: string | null },
): WebhookNotification {
  return {
    event: 'deployment_error',
    message: `${d.model} on ${d.host}:${d.port} is ${d.status}`,
    fields: { deployment_id: d.deployment_id, model: d.model, error: d.error },
  };
}

/** Whole minutes left of a lease, rounded up and at least 1 (never "~0m" in the last minute). */
export function minutesLeft(remainingMs: number): number {
  return Math.max(1, Math.ceil(remainingMs / 60_000));
}

/**
 * The lease ends within the warning window: "M (deployment N) expires in ~Xm — extend it from the
 * dashboard to keep it serving", X from `minutesLeft`; the body also carries `expires_at` and
 * `minutes_left`, as the tray's `expiry_warning` event does.
 */
export function deploymentExpiring(
  d: DeploymentFields & { expires_at: string; remainingMs: number },
): WebhookNotification {
  const minutes = minutesLeft(d.remainingMs);
  return {
    event: 'deployment_expiring',
    message: `${d.model} (deployment ${d.deployment_id}) expires in ~${minutes}m — extend it from the dashboard to keep it serving`,
    fields: {
      deployment_id: d.deployment_id,
      model: d.model,
      expires_at: d.expires_at,
      minutes_left: minutes,
    },
  };
}

/** The expiry loop stopped it: "M (deployment N) reached its serve duration and was stopped". */
export function deploymentExpired(d: DeploymentFields): WebhookNotification {
  return {
    event: 'deployment_expired',
    message: `${d.model} (deployment ${d.deployment_id}) reached its serve duration and was stopped`,
    fields: { deployment_id: d.deployment_id, model: d.model },
  };
}

/** What `POST /api/webhooks/test` sends. */
export function webhookTest(): WebhookNotification {
  return {
    event: 'webhook_test',
    message: 'Test notification from Aerie: this receiver gets deployment events',
    fields: {},
  };
}
