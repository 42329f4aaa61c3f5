// The whole surface the console gets from Electron: one request function, one event stream, the
// platform name. No ipcRenderer, no Node. Bundled into one CommonJS file (sandboxed preloads
// cannot load modules).
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import {
  IPC_EVENT_CHANNEL,
  IPC_READY_CHANNEL,
  IPC_REQUEST_CHANNEL,
  IPC_UPLOAD_CHANNEL,
  IPC_UPLOAD_PROGRESS_CHANNEL,
  type AerieBridge,
  type FileUploadProgress,
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
  upload: async ({ file, ...req }, onProgress) => {
    // Only a File the user picked has a path on disk; the page never names a path itself.
    const path = file instanceof File ? webUtils.getPathForFile(file) : '';
    if (!path)
      return {
        status: 400,
        headers: { 'content-type': 'application/json' },
        body: { detail: 'Only files picked from this computer can be uploaded.' },
      };
    const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;
    const listener = (_event: IpcRendererEvent, p: FileUploadProgress) => {
      if (p.id === id) onProgress(p.sent, p.total);
    };
    ipcRenderer.on(IPC_UPLOAD_PROGRESS_CHANNEL, listener);
    try {
      return (await ipcRenderer.invoke(IPC_UPLOAD_CHANNEL, {
        ...req,
        id,
        file: path,
      })) as IpcResponse;
    } finally {
      ipcRenderer.removeListener(IPC_UPLOAD_PROGRESS_CHANNEL, listener);
    }
  },
  platform: process.platform,
};

contextBridge.exposeInMainWorld('aerie', bridge);
