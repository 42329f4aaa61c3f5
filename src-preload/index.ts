// The whole surface the console gets from Electron: one request function, one event stream, the
// platform name. No ipcRenderer, no Node. Bundled into one CommonJS file (sandboxed preloads
// cannot load modules).
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  IPC_EVENT_CHANNEL,
  IPC_READY_CHANNEL,
  IPC_REQUEST_CHANNEL,
  type AerieBridge,
  type IpcRequest,
  type IpcResponse,
} from '../src-main/shared/ipc.js';

const bridge: AerieBridge = {
  request: (req: IpcRequest) =>
    ipcRenderer.invoke(IPC_REQUEST_CHANNEL, req) as Promise<IpcResponse>,
  onEvent: (cb) => {
    const listener = (_event: IpcRendererEvent, payload: unknown) => cb(payload);
    ipcRenderer.on(IPC_EVENT_CHANNEL, listener);
    // Tells main to flush what it queued while the page loaded; repeated calls are harmless.
    ipcRenderer.send(IPC_READY_CHANNEL);
    return () => {
      ipcRenderer.removeListener(IPC_EVENT_CHANNEL, listener);
    };
  },
  platform: process.platform,
};

contextBridge.exposeInMainWorld('aerie', bridge);
