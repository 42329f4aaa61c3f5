import type {
  IpcMain,
  IpcMainEvent,
  IpcMainInvokeEvent,
  WebContents,
  WebFrameMain,
} from 'electron';
import type { EventBus } from '../events/event-bus.js';
import { EventForwarder } from '../events/event-forwarder.js';
import { isTrustedSender } from '../http/ipc-sender.js';
import { createLogger } from '../logging/logger.js';
import type { AppEvent } from '../shared/events.js';
import {
  IPC_EVENT_CHANNEL,
  IPC_READY_CHANNEL,
  IPC_REQUEST_CHANNEL,
  IPC_UPLOAD_CHANNEL,
  IPC_UPLOAD_PROGRESS_CHANNEL,
  type FileUploadProgress,
  type IpcResponse,
} from '../shared/ipc.js';

const log = createLogger('shell');

/** The part of Electron's `ipcMain` the bridge uses; the shell passes `ipcMain` itself. */
export interface IpcEndpoint {
  handle: IpcMain['handle'];
  removeHandler: IpcMain['removeHandler'];
  // Electron's versions return `this` (ipcMain); the bridge never chains, so any return will do.
  on(channel: string, listener: Parameters<IpcMain['on']>[1]): unknown;
  off(channel: string, listener: Parameters<IpcMain['off']>[1]): unknown;
}

/** The part of the window's `webContents` the bridge uses. */
export interface BridgeContents extends Pick<WebContents, 'id' | 'isDestroyed' | 'send'> {
  mainFrame: Pick<WebFrameMain, 'processId' | 'routingId'>;
  on(event: ContentsReset, listener: () => void): unknown;
  off(event: ContentsReset, listener: () => void): unknown;
}

/** The web-contents events after which the page has to say it is ready again. */
type ContentsReset = 'did-navigate' | 'render-process-gone';

export interface IpcBridgeDeps {
  /** Where the page's requests and its ready message arrive (Electron's `ipcMain`). */
  ipc: IpcEndpoint;
  window: { webContents: BridgeContents };
  /** URL of the console page; messages from any other document are refused. */
  pageUrl: string;
  /** The control plane's bridge function (the same router that serves the LAN). */
  inject: (raw: unknown) => Promise<IpcResponse>;
  /** Streams a picked file to an upload route (`uploadFile` bound to this control plane). */
  upload: (raw: unknown, onProgress: (sent: number, total: number) => void) => Promise<IpcResponse>;
  events: EventBus;
}

const json = (status: number, detail: string): IpcResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: { detail },
});

/**
 * Wires the preload bridge: requests are answered by `inject` (errors become responses, never
 * rejections), bus events are forwarded on one channel once the page says it is ready.
 * Returns the function that removes every handler.
 */
export function installIpcBridge(deps: IpcBridgeDeps): () => void {
  const { ipc } = deps;
  const contents = deps.window.webContents;
  // Compared by id: Electron does not promise one wrapper object per frame or web contents.
  const trusted = (event: IpcMainEvent | IpcMainInvokeEvent) => {
    const frame = event.senderFrame;
    return (
      !contents.isDestroyed() &&
      event.sender.id === contents.id &&
      frame !== null &&
      frame.parent === null &&
      frame.processId === contents.mainFrame.processId &&
      frame.routingId === contents.mainFrame.routingId &&
      isTrustedSender(frame.url, deps.pageUrl)
    );
  };

  /** A handler answering only the trusted page; a failure becomes a 500 response, never a rejection. */
  const answer =
    (what: string, run: (raw: unknown) => Promise<IpcResponse>) =>
    async (event: IpcMainInvokeEvent, raw: unknown): Promise<IpcResponse> => {
      if (!trusted(event)) {
        log.warn(`IPC ${what} from an untrusted sender refused`, { url: event.senderFrame?.url });
        return json(403, 'This sender may not use the Aerie bridge.');
      }
      try {
        return await run(raw);
      } catch (err) {
        log.error(`bridge ${what} failed`, { err });
        return json(500, 'Internal Server Error');
      }
    };
  ipc.handle(IPC_REQUEST_CHANNEL, answer('request', deps.inject));
  ipc.handle(
    IPC_UPLOAD_CHANNEL,
    answer('upload', (raw) => {
      const id = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
      return deps.upload(raw, (sent, total) => {
        const p: FileUploadProgress = { id: String(id), sent, total };
        if (!contents.isDestroyed()) contents.send(IPC_UPLOAD_PROGRESS_CHANNEL, p);
      });
    }),
  );

  const forwarder = new EventForwarder<AppEvent>((e) => {
    if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, e);
  });
  const onReady = (event: IpcMainEvent) => {
    if (trusted(event)) forwarder.markReady();
  };
  ipc.on(IPC_READY_CHANNEL, onReady);
  // A reload or a crashed renderer has no listener until the new page says it is ready again.
  const onReset = () => forwarder.reset();
  contents.on('did-navigate', onReset);
  contents.on('render-process-gone', onReset);
  const unsubscribe = deps.events.onAny((e) => forwarder.push(e));

  return () => {
    unsubscribe();
    ipc.removeHandler(IPC_REQUEST_CHANNEL);
    ipc.removeHandler(IPC_UPLOAD_CHANNEL);
    ipc.off(IPC_READY_CHANNEL, onReady);
    if (!contents.isDestroyed()) {
      contents.off('did-navigate', onReset);
      contents.off('render-process-gone', onReset);
    }
  };
}
