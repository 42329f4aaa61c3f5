import type { Page } from 'playwright-core';

const byId = (id: string) => `[data-testid="${id}"]`;

/** Page object of the API keys screen. */
export class KeysPage {
  constructor(readonly page: Page) {}

  async show(): Promise<void> {
    await this.page.locator(byId('nav-keys')).click();
    await this.page.locator(byId('keys-page')).waitFor();
  }

  /** Creates a permanent key scoped to `deployments` (labels as the scope picker shows them). */
  async create(label: string, deployments: string[]): Promise<string> {
    await this.page.locator(byId('key-create-open')).click();
    await this.page.locator(byId('key-label')).fill(label);
    if (deployments.length) {
      await this.page.getByText('Chosen deployments').click();
      for (const d of deployments) {
        await this.page.locator(byId('key-scope')).click();
        await this.page.getByRole('option', { name: d }).click();
      }
    }
    await this.page.locator(byId('key-create')).click();
    const key = (await this.page.locator(byId('created-key')).textContent()) ?? '';
    await this.page.getByRole('button', { name: 'Done' }).click();
    return key.trim();
  }

  async waitForKey(label: string): Promise<void> {
    await this.page.locator(byId(`key-row-${label}`)).waitFor();
  }
}
