import type { AerieBridge } from '../src-main/shared/ipc.js';

declare global {
  interface Window {
    /** Present only inside the desktop app (the preload bridge). */
    aerie?: AerieBridge;
  }
}
