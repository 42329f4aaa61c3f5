import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import 'uplot/dist/uPlot.min.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/api-client.js';
import { App } from './app.js';
import { mountFirstRun } from './first-run/mount-first-run.js';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
// One client, so one event stream (one WebSocket in a browser) for the console and the panel.
const api = createApiClient();
createRoot(root).render(
  <StrictMode>
    <App api={api} />
  </StrictMode>,
);
mountFirstRun(api);
