import type { Locator, Page } from 'playwright-core';

/**
 * Presses Tab (Shift+Tab when `back`) until `target` has the focus, as a keyboard-only operator
 * would; fails after `max` presses so an unreachable control is a test failure.
 */
export async function tabTo(page: Page, target: Locator, max = 80, back = false): Promise<void> {
  for (let i = 0; i < max; i++) {
    if (
      await target
        .evaluate(
          (el: { ownerDocument: { activeElement: unknown } }) =>
            el === el.ownerDocument.activeElement,
        )
        .catch(() => false)
    )
      return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`could not reach ${target.toString()} with ${max} Tab presses`);
}

/** Replaces the focused field's text by typing. */
export async function retype(page: Page, text: string): Promise<void> {
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.type(text);
}
