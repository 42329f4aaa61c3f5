// Toasts (Mantine notifications): an API failure shows the server's `detail`, never a stack.
import { notifications } from '@mantine/notifications';
import { ApiError } from './api/api-client.js';

/** What a failed call reads as: the server's detail, else the error's message. */
export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  return err instanceof Error ? err.message : String(err);
}

/** A red toast titled `title` with the failure's detail. */
export function notifyError(title: string, err: unknown): void {
  notifications.show({ color: 'red', title, message: errorText(err), autoClose: 8000 });
}

/** A short confirmation. */
export function notifyOk(message: string): void {
  notifications.show({ color: 'teal', message, autoClose: 3000 });
}

/** A yellow notice (expiry warnings). */
export function notifyWarn(title: string, message: string): void {
  notifications.show({ color: 'yellow', title, message, autoClose: 10_000 });
}

/** Runs `action`; a failure becomes a toast titled `title`. Resolves with the result or null. */
export async function attempt<T>(title: string, action: () => Promise<T>): Promise<T | null> {
  try {
    return await action();
  } catch (err) {
    notifyError(title, err);
    return null;
  }
}
