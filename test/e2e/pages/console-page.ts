import type { Locator, Page } from 'playwright-core';

const byId = (id: string) => `[data-testid="${id}"]`;
const exactly = (text: string) => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);

/** Page object of the console served at `/`. */
export class ConsolePage {
  constructor(readonly page: Page) {}

  /** Opens the console at `screen` (its `#/screen` route; Deployments when omitted). */
  async open(url: string, screen?: string): Promise<void> {
    await this.page.goto(screen ? `${url}/#/${screen}` : url, { waitUntil: 'domcontentloaded' });
    await this.page.locator(byId('console-page')).waitFor();
  }

  /** Waits until the element with `testId` reports `state` in its data-state attribute. */
  async waitForState(testId: string, state: string, timeout = 15_000): Promise<void> {
    await this.page.locator(`${byId(testId)}[data-state="${state}"]`).waitFor({ timeout });
  }

  /** The version shown in the header, once it has loaded. */
  async version(): Promise<string> {
    const el = this.page.locator(byId('app-version')).filter({ hasText: /\S/ });
    await el.waitFor();
    return (await el.textContent()) ?? '';
  }

  private table(): Locator {
    return this.page.locator(byId('settings-table'));
  }

  async settingRows(): Promise<number> {
    await this.table().waitFor();
    return this.table().locator('tbody tr').count();
  }

  /** The displayed values of every setting row, by key. */
  async settingValues(): Promise<Record<string, string>> {
    await this.table().waitFor();
    const keys = await this.table().locator('tbody .key').allTextContents();
    const values = await this.table().locator('tbody .value').allTextContents();
    return Object.fromEntries(keys.map((k, i) => [k, values[i] ?? '']));
  }

  /** Waits until setting `key` displays exactly `text`. */
  async waitForSetting(key: string, text: string, timeout = 15_000): Promise<void> {
    await this.page
      .locator(byId(`setting-value-${key}`))
      .filter({ hasText: exactly(text) })
      .waitFor({ timeout });
  }

  async submitToken(token: string): Promise<void> {
    await this.page.locator(byId('token-input')).fill(token);
    await this.page.locator(byId('token-submit')).click();
  }

  tokenPrompt(): Locator {
    return this.page.locator(byId('token-prompt'));
  }
}
