import type { Locator, Page } from 'playwright-core';

const byId = (id: string) => `[data-testid="${id}"]`;

/** Page object of the Settings screen's editor. */
export class SettingsPage {
  constructor(readonly page: Page) {}

  async show(): Promise<void> {
    await this.page.locator(byId('nav-settings')).click();
    await this.page.locator(byId('settings-page')).waitFor();
  }

  async tab(id: string): Promise<void> {
    await this.page.locator(byId(`settings-tab-${id}`)).click();
  }

  /** Types `value` into setting `key` (its tab must be open) and saves. */
  async set(key: string, value: string): Promise<void> {
    await this.page.locator(byId(`setting-input-${key}`)).fill(value);
    await this.page.locator(byId('settings-save')).click();
  }

  /** The inline error under setting `key` (Mantine links it with aria-describedby). */
  async errorOf(key: string): Promise<string> {
    const input = this.page.locator(byId(`setting-input-${key}`));
    await input.and(this.page.locator('[aria-invalid="true"]')).waitFor();
    const ids = (await input.getAttribute('aria-describedby')) ?? '';
    const errorId = ids.split(/\s+/).find((i) => i.endsWith('-error')) ?? '';
    return (await this.page.locator(`[id="${errorId}"]`).textContent()) ?? '';
  }

  /** Ticks the purge targets and opens the typed confirmation (the Purge button is returned). */
  async openPurge(targets: string[]): Promise<Locator> {
    const card = this.page.locator(byId('purge-card'));
    for (const t of targets) await card.getByRole('checkbox', { name: t, exact: true }).check();
    await this.page.locator(byId('purge-open')).click();
    return this.page.locator(byId('purge-confirm'));
  }

  /** Replaces the text of the purge confirmation field. */
  async typePurge(text: string): Promise<void> {
    await this.page.locator(byId('purge-typed')).fill(text);
  }
}
