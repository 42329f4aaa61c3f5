import type { Page } from 'playwright-core';

const byId = (id: string) => `[data-testid="${id}"]`;

/** Page object of the Nodes screen and a node's detail. */
export class NodesPage {
  constructor(readonly page: Page) {}

  async show(): Promise<void> {
    await this.page.locator(byId('nav-nodes')).click();
    await this.page.locator(byId('nodes-page')).waitFor();
  }

  async waitForStatus(hostname: string, status: string, timeout = 20_000): Promise<void> {
    await this.page
      .locator(`${byId(`node-row-${hostname}`)}[data-state="${status}"]`)
      .waitFor({ timeout });
  }

  async openNode(hostname: string): Promise<void> {
    await this.page.locator(byId(`node-open-${hostname}`)).click();
    await this.page.locator('[data-testid^="node-detail-"]').waitFor();
  }

  /** Cordons the whole node (optionally draining) through the maintenance dialog. */
  async maintenance(mode: 'cordon' | 'uncordon', drain = false): Promise<void> {
    await this.page.locator(byId('maintenance-open')).click();
    await this.page.locator(byId(`maint-${mode}`)).check();
    if (drain) await this.page.locator(byId('maint-drain')).check();
    await this.page.locator(byId('maint-apply')).click();
    await this.page.locator(byId('maint-apply')).waitFor({ state: 'detached' });
  }

  /** Starts recording every upload progress value shown (the bar can be brief on loopback). */
  async recordProgress(): Promise<() => Promise<number[]>> {
    // A string: the test project has no DOM types, and this runs in the page.
    await this.page.evaluate(`(() => {
      const seen = [];
      window.__progress = seen;
      new MutationObserver(() => {
        const el = document.querySelector('[data-testid="upload-progress"]');
        const sent = Number(el ? el.getAttribute('data-sent') : NaN);
        if (Number.isFinite(sent) && seen[seen.length - 1] !== sent) seen.push(sent);
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    })()`);
    return () => this.page.evaluate<number[]>('window.__progress');
  }

  async uploadFolder(dir: string): Promise<void> {
    await this.page.locator(byId('upload-folder-input')).setInputFiles(dir);
  }

  /** The agent command the "Add a GPU node" dialog shows (the dialog is closed again). */
  async addNodeCommand(): Promise<string> {
    await this.page.locator(byId('add-node-open')).click();
    const text = (await this.page.locator(byId('add-node-command')).textContent()) ?? '';
    await this.page.keyboard.press('Escape');
    await this.page.locator(byId('add-node-command')).waitFor({ state: 'detached' });
    return text;
  }

  localModels() {
    return this.page.locator(byId('local-models'));
  }

  /** Opens the tab labelled `name` of the node detail. */
  async tab(name: string): Promise<void> {
    await this.page
      .locator('[data-testid^="node-detail-"]')
      .getByRole('tab', { name, exact: true })
      .click();
  }

  /** Picks `file` in the Packages tab's upload control (the tab must be open). */
  async uploadPackage(file: string): Promise<void> {
    await this.page.locator(byId('package-upload-input')).setInputFiles(file);
  }

  packages() {
    return this.page.locator(byId('packages'));
  }
}
