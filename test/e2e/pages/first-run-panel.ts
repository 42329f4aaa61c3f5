import type { Locator, Page } from 'playwright-core';

const byId = (id: string) => `[data-testid="${id}"]`;

/** Page object of the first-run panel above the console. */
export class FirstRunPanel {
  constructor(readonly page: Page) {}

  root(): Locator {
    return this.page.locator(byId('first-run'));
  }

  async open(url: string): Promise<void> {
    await this.page.goto(url, { waitUntil: 'domcontentloaded' });
    await this.root().waitFor();
  }

  async text(testId: string): Promise<string> {
    const el = this.page.locator(byId(testId));
    await el.waitFor();
    return (await el.textContent()) ?? '';
  }

  async copyCommand(): Promise<void> {
    await this.page.locator(byId('first-run-command-copy')).click();
    await this.page.locator(byId('first-run-command-copy')).filter({ hasText: 'Copied' }).waitFor();
  }

  async startDemo(): Promise<void> {
    await this.page.locator(byId('first-run-demo')).click();
  }

  async waitForStatus(text: string, timeout = 30_000): Promise<void> {
    await this.page
      .locator(byId('first-run-status'))
      .filter({ hasText: text })
      .waitFor({ timeout });
  }

  async close(): Promise<void> {
    await this.page.locator(byId('first-run-close')).click();
    await this.root().waitFor({ state: 'detached' });
  }
}
