// Builds the desktop app with electron-vite: main (out/main), preload (out/preload) and the
// console (out/renderer, also served by `aerie serve`). Only reads electron's package.json, so it
// works without the Electron binary (ELECTRON_SKIP_BINARY_DOWNLOAD) and offline.
import { build } from 'electron-vite';

process.env.ELECTRON_SKIP_BINARY_DOWNLOAD ??= '1';
await build({ configFile: 'electron.vite.config.ts', logLevel: 'warn' });
