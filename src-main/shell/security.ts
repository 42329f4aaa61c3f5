import { app, session, type WebContents } from 'electron';
import { createLogger } from '../logging/logger.js';

const log = createLogger('shell');

/**
 * The console's Content-Security-Policy; src-renderer/index.html carries the same policy in a
 * meta tag, which is what applies to `file:` pages and to browsers using `aerie serve`.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * App-wide lockdown, installed before any window exists: every permission request refused, the
 * CSP header added to every response of the default session, and for every web contents:
 * navigation away from the loaded page, new windows and <webview> denied.
 */
export function installSecurityPolicy(): void {
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => {
    log.warn('permission request denied', { permission });
    callback(false);
  });
  ses.setPermissionCheckHandler(() => false);
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONSOLE_CSP] },
    });
  });
  app.on('web-contents-created', (_event, contents) => lockDown(contents));
}

function lockDown(contents: WebContents): void {
  contents.on('will-navigate', (event, url) => {
    // A reload re-requests the current URL; any other target is an attempt to leave the console.
    if (url === contents.getURL()) return;
    log.warn('navigation denied', { url });
    event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    log.warn('redirect denied', { url });
    event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    log.warn('new window denied', { url });
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
