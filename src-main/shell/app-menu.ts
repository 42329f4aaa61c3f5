import { Menu, shell, type MenuItemConstructorOptions } from 'electron';

/**
 * The application menu: the platform's standard menus plus "Open logs folder" under Help, so
 * a bug report can start from the log files.
 */
export function installAppMenu(logDir: string): void {
  const help: MenuItemConstructorOptions = {
    role: 'help',
    submenu: [{ label: 'Open logs folder', click: () => void shell.openPath(logDir) }],
  };
  const template: MenuItemConstructorOptions[] = [
    ...(process.platform === 'darwin' ? [{ role: 'appMenu' } as const] : []),
    { role: 'fileMenu' },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
    help,
  ];
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
