import type { Locator, Page } from 'playwright-core';
import { retype, tabTo } from './keyboard.js';

const byId = (id: string) => `[data-testid="${id}"]`;

/** What the deploy form is filled with. */
export interface DeployInput {
  node: string;
  model: string;
  port: number;
  fraction: number;
  owner: string;
  env?: { key: string; value: string }[];
}

/** Page object of the Deployments screen, its Deploy panel and its row menus. */
export class DeploymentsPage {
  constructor(readonly page: Page) {}

  async show(): Promise<void> {
    await this.page.locator(byId('nav-deployments')).click();
    await this.page.locator(byId('deployments-page')).waitFor();
  }

  row(model: string): Locator {
    return this.page.locator(`tr[data-model="${model}"]`);
  }

  /** The deployment id of the row serving `model` (waits for the row). */
  async idOf(model: string, timeout = 15_000): Promise<number> {
    await this.row(model).waitFor({ timeout });
    const testId = (await this.row(model).getAttribute('data-testid')) ?? '';
    return Number(testId.replace('deployment-row-', ''));
  }

  async waitForStatus(id: number, status: string, timeout = 30_000): Promise<void> {
    await this.page.locator(`${byId(`status-${id}`)}[data-state="${status}"]`).waitFor({ timeout });
  }

  /** Picks `label` in the Mantine select labelled `label`. */
  private async choose(select: Locator, option: string | RegExp): Promise<void> {
    await select.click();
    await this.page.getByRole('option', { name: option }).click();
  }

  /** Fills the Deploy panel and stops at the plan preview. */
  async fillDeploy(input: DeployInput): Promise<void> {
    await this.page.locator(byId('deploy-open')).click();
    const panel = this.page.locator(byId('deploy-panel'));
    await this.choose(
      panel.getByRole('textbox', { name: 'Node', exact: true }),
      new RegExp(`^${input.node} `),
    );
    await panel.getByRole('textbox', { name: 'Model', exact: true }).fill(input.model);
    await panel.getByRole('textbox', { name: 'Port', exact: true }).fill(String(input.port));
    await panel.getByRole('textbox', { name: 'GPU memory fraction' }).fill(String(input.fraction));
    await panel.getByRole('textbox', { name: 'Owner', exact: true }).fill(input.owner);
    if (input.env?.length) {
      await panel.getByRole('button', { name: 'Environment variables' }).click();
      for (const [i, e] of input.env.entries()) {
        await this.page.locator(byId('env-add')).click();
        await panel.getByRole('textbox', { name: `Env var ${i + 1} name` }).fill(e.key);
        await panel.getByLabel(`Env var ${i + 1} value`).fill(e.value);
      }
    }
    await this.page.locator(byId('deploy-review')).click();
    await this.page.locator(byId('deploy-plan')).waitFor();
  }

  /** The same as fillDeploy and confirmDeploy with the keyboard alone (Tab, typing, Enter). */
  async deployByKeyboard(input: DeployInput): Promise<void> {
    const k = this.page.keyboard;
    await tabTo(this.page, this.page.locator(byId('deploy-open')));
    await k.press('Enter');
    const panel = this.page.locator(byId('deploy-panel'));
    await panel.getByRole('dialog').waitFor();
    await tabTo(this.page, panel.getByRole('textbox', { name: 'Node', exact: true }));
    await k.press('ArrowDown');
    const option = this.page.getByRole('option', { name: new RegExp(`^${input.node} `) });
    await option.waitFor();
    // Arrow keys move through the options until the wanted one is selected.
    for (let i = 0; i < 10 && (await option.getAttribute('data-combobox-selected')) === null; i++)
      await k.press('ArrowDown');
    await k.press('Enter');
    await tabTo(this.page, panel.getByRole('textbox', { name: 'Model', exact: true }));
    await k.type(input.model);
    await tabTo(this.page, panel.getByRole('textbox', { name: 'Port', exact: true }));
    await retype(this.page, String(input.port));
    await tabTo(this.page, panel.getByRole('textbox', { name: 'GPU memory fraction' }));
    await retype(this.page, String(input.fraction));
    await tabTo(this.page, panel.getByRole('textbox', { name: 'Owner', exact: true }));
    await retype(this.page, input.owner);
    for (const [i, e] of (input.env ?? []).entries()) {
      if (i === 0) {
        await tabTo(this.page, panel.getByRole('button', { name: 'Environment variables' }));
        await k.press('Enter');
      }
      await tabTo(this.page, this.page.locator(byId('env-add')));
      await k.press('Enter');
      await tabTo(this.page, panel.getByRole('textbox', { name: `Env var ${i + 1} name` }));
      await k.type(e.key);
      await tabTo(this.page, panel.getByLabel(`Env var ${i + 1} value`));
      await k.type(e.value);
    }
    await tabTo(this.page, this.page.locator(byId('deploy-review')));
    await k.press('Enter');
    await this.page.locator(byId('deploy-plan')).waitFor();
    await tabTo(this.page, this.page.locator(byId('deploy-confirm')));
    await k.press('Enter');
    await panel.getByRole('dialog').waitFor({ state: 'hidden' });
  }

  async confirmDeploy(): Promise<void> {
    await this.page.locator(byId('deploy-confirm')).click();
    await this.page.locator(byId('deploy-panel')).getByRole('dialog').waitFor({ state: 'hidden' });
  }

  /** Opens row `id`'s menu and clicks the item with test id `action-<name>`. */
  async action(id: number, name: string): Promise<void> {
    await this.page.locator(byId(`actions-${id}`)).click();
    await this.page.locator(`${byId(`actions-menu-${id}`)} ${byId(`action-${name}`)}`).click();
  }

  async extend(id: number, preset: '1h' | '4h' | '12h' | '24h' | 'infinite'): Promise<void> {
    await this.page.locator(byId(`remaining-${id}`)).click();
    await this.page.locator(`${byId(`extend-menu-${id}`)} ${byId(`extend-${preset}`)}`).click();
  }

  /** Opens row `id`'s logs, waits for lines, closes the dialog and returns them. */
  async logs(id: number): Promise<string> {
    await this.action(id, 'logs');
    const lines = this.page.locator(byId('logs-lines'));
    await lines
      .filter({ hasNotText: /^(Loading…|\(no output yet\))$/ })
      .waitFor({ timeout: 15_000 });
    const text = (await lines.textContent()) ?? '';
    await this.page.keyboard.press('Escape');
    await lines.waitFor({ state: 'detached' });
    return text;
  }

  async remaining(id: number): Promise<string> {
    return (await this.page.locator(byId(`remaining-${id}`)).textContent()) ?? '';
  }

  async confirmDelete(): Promise<void> {
    await this.page.locator(byId('delete-confirm')).click();
  }

  /** Follows `#/deployments/<focus>` as the desktop shell does: a same-document hash change. */
  async followLink(focus: string | number): Promise<void> {
    await this.page.evaluate(`location.hash = '#/deployments/${String(focus)}'`);
    await this.page.locator(byId('deployments-page')).waitFor();
  }

  /** The highlighted row of the route's deployment, once it is there. */
  async focusedRow(id: number): Promise<Locator> {
    const row = this.page.locator(`${byId(`deployment-row-${id}`)}[data-focused="true"]`);
    await row.waitFor();
    return row;
  }

  /** True when row `id` is rendered (the table is virtualized) fully inside its viewport. */
  async rowInView(id: number): Promise<boolean> {
    const locator = this.page.locator(byId(`deployment-row-${id}`));
    if ((await locator.count()) === 0) return false;
    const row = await locator.boundingBox();
    const box = await this.page.locator(byId('deployments-scroll')).boundingBox();
    if (!row || !box) return false;
    return row.y >= box.y && row.y + row.height <= box.y + box.height;
  }

  async search(text: string): Promise<void> {
    await this.page.locator(byId('deployments-search')).fill(text);
  }

  /** The action test ids row `id`'s menu offers (the menu is closed again). */
  async menuActions(id: number): Promise<string[]> {
    await this.page.locator(byId(`actions-${id}`)).click();
    const menu = this.page.locator(byId(`actions-menu-${id}`));
    await menu.waitFor();
    const ids: string[] = [];
    for (const item of await menu.locator('[data-testid^="action-"]').all())
      ids.push(((await item.getAttribute('data-testid')) ?? '').replace(/^action-/, ''));
    await this.page.keyboard.press('Escape');
    await menu.waitFor({ state: 'hidden' });
    return ids;
  }

  /** The text of row `id`'s status chip. */
  async statusText(id: number): Promise<string> {
    return (await this.page.locator(byId(`status-${id}`)).textContent()) ?? '';
  }

  /** Clicks the header that sorts by column `id` (ascending first for text, then descending). */
  async sortBy(id: string): Promise<void> {
    await this.page.locator(byId(`sort-${id}`)).click();
  }

  /** The models of the rows on screen (the table is virtualized), top to bottom. */
  async visibleModels(): Promise<string[]> {
    const out: string[] = [];
    for (const row of await this.page.locator('tr[data-model]').all())
      out.push((await row.getAttribute('data-model')) ?? '');
    return out;
  }

  /** The "N of M" count above the table. */
  async count(): Promise<string> {
    return (await this.page.locator(byId('deployments-count')).textContent()) ?? '';
  }
}
