import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium, recordRequests, type ChromiumSession } from '../helpers/chromium.js';
import { ensureFreshBuild, startServe, type ServeProcess } from '../helpers/serve-process.js';

let browser: ChromiumSession;
let serve: ServeProcess;

beforeAll(async () => {
  await ensureFreshBuild();
  [browser, serve] = await Promise.all([launchChromium(), startServe()]);
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('API docs served by aerie serve', () => {
  it('renders Swagger UI at /docs with the Settings tag, loading everything from the server itself', async () => {
    const log = recordRequests(browser.context);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Browser-initiated loads (the favicon) fail only here: "Failed to load resource".
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    try {
      const res = await page.goto(`${serve.url}/docs`);
      expect(res?.status()).toBe(200);
      await page
        .locator('.opblock-tag', { hasText: 'Settings' })
        .first()
        .waitFor({ timeout: 20_000 });
      // Expanding an operation resolves its schemas: a broken $ref shows as "Resolver error".
      await page.locator('#operations-Settings-get_api_settings .opblock-summary').click();
      await page
        .locator('#operations-Settings-get_api_settings .example', { hasText: 'gateway_enabled' })
        .first()
        .waitFor();
      await page.waitForLoadState('networkidle');
      expect(await page.getByText('Resolver error').count()).toBe(0);
      expect(errors).toEqual([]);
      expect(log.urls).toContain(`${serve.url}/openapi.json`);
      expect(log.external(serve.url)).toEqual([]);
      expect(log.failed).toEqual([]);
    } finally {
      log.stop();
      await page.close();
    }
  });

  it('renders ReDoc at /redoc with the Settings tag, loading everything from the server itself', async () => {
    const log = recordRequests(browser.context);
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Browser-initiated loads (the favicon) fail only here: "Failed to load resource".
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    try {
      const res = await page.goto(`${serve.url}/redoc`);
      expect(res?.status()).toBe(200);
      await page.getByRole('menuitem', { name: 'Settings' }).first().waitFor({ timeout: 20_000 });
      await page
        .locator('h2', {
          hasText: 'Return all current runtime settings with their effective values.',
        })
        .waitFor();
      // Settings fields rendered from the hoisted component schema (a broken $ref crashes ReDoc).
      await page.getByText('gateway_timeout_seconds').first().waitFor({ state: 'attached' });
      await page.waitForLoadState('networkidle');
      expect(await page.getByText('Something went wrong').count()).toBe(0);
      expect(
        errors.filter(
          (e) => !e.includes("Loading the image 'https://cdn.redoc.ly/redoc/logo-mini.svg'"),
        ),
      ).toEqual([]);
      expect(log.urls).toContain(`${serve.url}/openapi.json`);
      expect(log.external(serve.url)).toEqual([]);
      expect(log.failed).toEqual([]);
      // ReDoc's sidebar always asks for its vendor logo; the page's CSP stops it in the browser.
      expect(log.blocked.filter((u) => u !== 'https://cdn.redoc.ly/redoc/logo-mini.svg')).toEqual(
        [],
      );
    } finally {
      log.stop();
      await page.close();
    }
  });
});
