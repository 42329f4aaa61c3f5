import { createRoot } from 'react-dom/client';
import type { ApiClient } from '../api/api-client.js';
import { FirstRunPanel } from './first-run-panel.js';
import './first-run.css';

/**
 * Mounts the first-run panel in its own root above the console, so it needs one line in
 * main.tsx and nothing of the console's own tree. It shares the console's `client` (and so its
 * event stream).
 */
export function mountFirstRun(client: ApiClient): void {
  const host = document.createElement('div');
  host.id = 'first-run-root';
  document.body.prepend(host);
  createRoot(host).render(<FirstRunPanel client={client} />);
}
