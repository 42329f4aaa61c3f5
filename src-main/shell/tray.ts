import { join } from 'node:path';
import { Menu, Tray, nativeImage } from 'electron';
import type { FleetWatch } from './fleet-watch.js';
import { toMenuTemplate, trayMenu, type TrayAction, type TrayMenuContext } from './tray-menu.js';
import { trayIconFile, trayModel, type TrayIconState } from './tray-model.js';

export interface TrayDeps {
  /** Folder holding the tray images (`resources/`). */
  resourcesDir: string;
  watch: FleetWatch;
  /** Preferences and app facts the menu shows, read at each rebuild. */
  context: () => TrayMenuContext;
  run: (action: TrayAction) => void;
  now?: () => number;
}

/** How often the "N min left" labels are recomputed from the folded state (no server call). */
const RELABEL_MS = 60_000;

/**
 * The tray icon and its menu, rebuilt from the folded fleet state whenever an event changes it
 * (and each minute, so the minutes left stay true). Returns `refresh` for preference changes.
 */
export function createTray(deps: TrayDeps): { refresh(): void; dispose(): void } {
  const now = deps.now ?? Date.now;
  const image = (state: TrayIconState) =>
    nativeImage.createFromPath(join(deps.resourcesDir, trayIconFile(state, process.platform)));
  const tray = new Tray(image('ok'));
  let shownIcon: TrayIconState = 'ok';
  const render = () => {
    const model = trayModel(deps.watch.current, now());
    if (model.icon !== shownIcon) {
      tray.setImage(image(model.icon));
      shownIcon = model.icon;
    }
    tray.setToolTip(model.tooltip);
    tray.setContextMenu(
      Menu.buildFromTemplate(toMenuTemplate(trayMenu(model, deps.context()), deps.run)),
    );
  };
  render();
  const off = deps.watch.onChange(render);
  const timer = setInterval(render, RELABEL_MS);
  timer.unref();
  tray.on('click', () => deps.run({ type: 'open_console' }));
  return {
    refresh: render,
    dispose: () => {
      off();
      clearInterval(timer);
      tray.destroy();
    },
  };
}
