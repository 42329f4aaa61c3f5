// installIpcBridge itself, with a fake ipcMain and a fake window: who may use the bridge, what a
// request becomes, when events flow, and what the disposer takes down.
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src-main/events/event-bus.js';
import { uploadFile } from '../../src-main/http/file-upload.js';
import { injectRequest } from '../../src-main/http/inject.js';
import type { AppEvent } from '../../src-main/shared/events.js';
import {
  IPC_EVENT_CHANNEL,
  IPC_READY_CHANNEL,
  IPC_REQUEST_CHANNEL,
  IPC_UPLOAD_CHANNEL,
  IPC_UPLOAD_PROGRESS_CHANNEL,
  type IpcResponse,
} from '../../src-main/shared/ipc.js';
import { DEFAULT_SETTINGS } from '../../src-main/shared/settings.js';
import { SystemSetupSchema } from '../../src-main/shared/system.js';
import { startInProcess } from '../helpers/control-plane.js';
import {
  installIpcBridge,
  type IpcBridgeDeps,
  type IpcEndpoint,
} from '../../src-main/shell/ipc-bridge.js';

type InvokeListener = Parameters<IpcEndpoint['handle']>[1];
type InvokeEvent = Parameters<InvokeListener>[0];
type MessageListener = Parameters<IpcEndpoint['on']>[1];
type MessageEvent = Parameters<MessageListener>[0];

const PAGE = 'file:///opt/Aerie/resources/app.asar/out/renderer/index.html';

/** ipcMain as the bridge sees it; like Electron, a second handler for a channel throws. */
class FakeIpc implements IpcEndpoint {
  readonly handlers = new Map<string, InvokeListener>();
  readonly listeners = new Map<string, Set<MessageListener>>();

  handle(channel: string, listener: InvokeListener): void {
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  on(channel: string, listener: MessageListener): this {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    return this;
  }

  off(channel: string, listener: MessageListener): this {
    this.listeners.get(channel)?.delete(listener);
    return this;
  }

  /** What `ipcRenderer.invoke` from `sender` resolves with. */
  async invoke(sender: Sender, raw: unknown, channel = IPC_REQUEST_CHANNEL): Promise<IpcResponse> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return (await handler(sender as unknown as InvokeEvent, raw)) as IpcResponse;
  }

  /** `ipcRenderer.send` from `sender`. */
  send(channel: string, sender: Sender): void {
    for (const l of this.listeners.get(channel) ?? []) l(sender as unknown as MessageEvent);
  }

  get listenerCount(): number {
    return [...this.listeners.values()].reduce((n, s) => n + s.size, 0);
  }
}

/** The window's web contents: one main frame, events through an EventEmitter. */
class FakeContents extends EventEmitter {
  readonly id = 11;
  readonly mainFrame = { processId: 4, routingId: 1 };
  readonly sent: { channel: string; args: unknown[] }[] = [];
  destroyed = false;

  isDestroyed(): boolean {
    return this.destroyed;
  }

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
}

/** What Electron tells the main process about the origin of a message. */
interface Sender {
  sender: { id: number };
  senderFrame: {
    url: string;
    parent: unknown;
    processId: number;
    routingId: number;
  } | null;
}

const trustedSender = (): Sender => ({
  sender: { id: 11 },
  senderFrame: { url: `${PAGE}#/deployments`, parent: null, processId: 4, routingId: 1 },
});

const settingsEvent = (minutes: number): AppEvent => ({
  type: 'settings_changed',
  settings: { ...DEFAULT_SETTINGS, expiry_warning_minutes: minutes },
});

interface Installed {
  ipc: FakeIpc;
  contents: FakeContents;
  bus: EventBus;
  routed: string[];
  dispose: () => void;
}

const disposers: (() => void)[] = [];
afterEach(() => {
  for (const d of disposers.splice(0)) d();
});

/**
 * Installs the bridge in front of the real request injection, with a router that echoes the
 * method and URL it was asked for (and records it).
 */
function install(
  inject?: IpcBridgeDeps['inject'],
  upload: IpcBridgeDeps['upload'] = () => Promise.resolve(okUpload),
): Installed {
  const ipc = new FakeIpc();
  const contents = new FakeContents();
  const bus = new EventBus();
  const routed: string[] = [];
  const router = (req: IncomingMessage, res: ServerResponse) => {
    routed.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url }));
  };
  const dispose = installIpcBridge({
    ipc,
    window: { webContents: contents },
    pageUrl: PAGE,
    inject: inject ?? ((raw) => injectRequest(router, raw)),
    upload,
    events: bus,
  });
  disposers.push(dispose);
  return { ipc, contents, bus, routed, dispose };
}

const okUpload: IpcResponse = { status: 200, headers: {}, body: { ok: true } };

const forbidden = {
  status: 403,
  headers: { 'content-type': 'application/json' },
  body: { detail: 'This sender may not use the Aerie bridge.' },
};

describe('installIpcBridge', () => {
  it('answers a request from the trusted main frame through inject', async () => {
    const b = install();
    const res = await b.ipc.invoke(trustedSender(), {
      method: 'GET',
      path: '/api/settings',
      query: { verbose: true },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ method: 'GET', url: '/api/settings?verbose=true' });
    expect(b.routed).toEqual(['GET /api/settings?verbose=true']);
  });

  const frame = trustedSender().senderFrame!;
  it.each<[string, (s: Sender) => Sender]>([
    ['another web contents', (s) => ({ ...s, sender: { id: 12 } })],
    ['a subframe of our page', (s) => ({ ...s, senderFrame: { ...frame, parent: {} } })],
    [
      'another frame in the same process',
      (s) => ({ ...s, senderFrame: { ...frame, routingId: 2 } }),
    ],
    ['a frame in another process', (s) => ({ ...s, senderFrame: { ...frame, processId: 5 } })],
    [
      'a foreign URL in the main frame',
      (s) => ({ ...s, senderFrame: { ...frame, url: 'https://evil.example/' } }),
    ],
    ['another local file', (s) => ({ ...s, senderFrame: { ...frame, url: 'file:///tmp/x.html' } })],
    ['a sender without a frame', (s) => ({ ...s, senderFrame: null })],
  ])('refuses a request from %s with 403, without reaching the router', async (_what, make) => {
    const b = install();
    expect(
      await b.ipc.invoke(make(trustedSender()), { method: 'GET', path: '/api/settings' }),
    ).toEqual(forbidden);
    expect(b.routed).toEqual([]);
  });

  it('refuses every request once the window is destroyed', async () => {
    const b = install();
    b.contents.destroyed = true;
    expect(await b.ipc.invoke(trustedSender(), { method: 'GET', path: '/api/settings' })).toEqual(
      forbidden,
    );
    expect(b.routed).toEqual([]);
  });

  it.each([
    ['an unsupported method', { method: 'TRACE', path: '/api/settings' }, 'method'],
    ['a protocol-relative path', { method: 'GET', path: '//evil.example/api' }, 'path'],
    [
      'an extra field',
      { method: 'GET', path: '/api/x', headers: { authorization: 'x' } },
      'headers',
    ],
    ['a string', 'GET /api/settings', 'request'],
    ['nothing', undefined, 'request'],
  ])(
    'refuses %s from the trusted page with 400, without reaching the router',
    async (_w, raw, field) => {
      const b = install();
      const res = await b.ipc.invoke(trustedSender(), raw);
      expect(res.status).toBe(400);
      const detail = (res.body as { detail: string }).detail;
      expect(detail).toMatch(/^Invalid bridge request: /);
      expect(detail).toContain(field);
      expect(b.routed).toEqual([]);
    },
  );

  it('turns a failing inject into a 500 response instead of a rejected invoke', async () => {
    const b = install(() => Promise.reject(new Error('router exploded')));
    expect(await b.ipc.invoke(trustedSender(), { method: 'GET', path: '/api/x' })).toEqual({
      status: 500,
      headers: { 'content-type': 'application/json' },
      body: { detail: 'Internal Server Error' },
    });
  });

  it('queues events until the trusted page is ready, then forwards them in order on the event channel', () => {
    const b = install();
    const sent = () =>
      b.contents.sent.map((m) => {
        expect(m.channel).toBe(IPC_EVENT_CHANNEL);
        const [e] = m.args as [AppEvent];
        return e.type === 'settings_changed' ? e.settings.expiry_warning_minutes : e.type;
      });
    b.bus.emit(settingsEvent(11));
    b.bus.emit(settingsEvent(12));
    expect(sent()).toEqual([]);
    // A ready message from anyone but our page changes nothing.
    b.ipc.send(IPC_READY_CHANNEL, { ...trustedSender(), sender: { id: 99 } });
    expect(sent()).toEqual([]);
    b.ipc.send(IPC_READY_CHANNEL, trustedSender());
    expect(sent()).toEqual([11, 12]);
    b.bus.emit(settingsEvent(13));
    expect(sent()).toEqual([11, 12, 13]);
    // A reload: nothing is sent until the new page says it is ready.
    b.contents.emit('did-navigate');
    b.bus.emit(settingsEvent(14));
    expect(sent()).toEqual([11, 12, 13]);
    b.ipc.send(IPC_READY_CHANNEL, trustedSender());
    expect(sent()).toEqual([11, 12, 13, 14]);
    b.contents.emit('render-process-gone');
    b.bus.emit(settingsEvent(15));
    expect(sent()).toEqual([11, 12, 13, 14]);
  });

  it('returns a disposer that removes every handler it installed', async () => {
    const b = install();
    expect(b.ipc.handlers.size).toBe(2);
    expect(b.ipc.listenerCount).toBe(1);
    expect(b.contents.eventNames().sort()).toEqual(['did-navigate', 'render-process-gone']);
    b.dispose();
    expect(b.ipc.handlers.size).toBe(0);
    expect(b.ipc.listenerCount).toBe(0);
    expect(b.contents.eventNames()).toEqual([]);
    b.ipc.send(IPC_READY_CHANNEL, trustedSender());
    b.bus.emit(settingsEvent(20));
    expect(b.contents.sent).toEqual([]);
    await expect(b.ipc.invoke(trustedSender(), { method: 'GET', path: '/' })).rejects.toThrow(
      /No handler registered/,
    );
    // The channel is free again: a new bridge (the next window) can be installed on it.
    const again = installIpcBridge({
      ipc: b.ipc,
      window: { webContents: b.contents },
      pageUrl: PAGE,
      inject: () => Promise.resolve({ status: 204, headers: {}, body: null }),
      upload: () => Promise.resolve(okUpload),
      events: b.bus,
    });
    disposers.push(again);
    expect((await b.ipc.invoke(trustedSender(), { method: 'GET', path: '/' })).status).toBe(204);
  });
});

describe('uploads through the installed bridge', () => {
  it('streams a picked file to a real server, forwards its progress to the window, refuses strangers', async () => {
    const received: { url: string; bytes: number; type: string }[] = [];
    const server = createServer((req, res) => {
      let bytes = 0;
      req.on('data', (c: Buffer) => (bytes += c.length));
      req.on('end', () => {
        received.push({ url: req.url ?? '', bytes, type: req.headers['content-type'] ?? '' });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ path: 'weights.bin', bytes }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'aerie-upload-'));
    const file = join(dir, 'weights.bin');
    writeFileSync(file, Buffer.alloc(3 * 1024 * 1024, 7));
    try {
      const b = install(undefined, (raw, onProgress) =>
        uploadFile(`http://127.0.0.1:${port}`, 'admin-token', raw, onProgress),
      );
      const req = {
        id: 'up1',
        method: 'PUT',
        path: '/api/nodes/1/local-models/upload/abc/file?path=weights.bin',
        file,
      };
      const res = await b.ipc.invoke(trustedSender(), req, IPC_UPLOAD_CHANNEL);
      expect(res).toMatchObject({ status: 200, body: { bytes: 3 * 1024 * 1024 } });
      expect(received).toEqual([
        {
          url: '/api/nodes/1/local-models/upload/abc/file?path=weights.bin',
          bytes: 3 * 1024 * 1024,
          type: 'application/octet-stream',
        },
      ]);
      const progress = b.contents.sent.filter((m) => m.channel === IPC_UPLOAD_PROGRESS_CHANNEL);
      expect(progress.at(-1)?.args[0]).toEqual({
        id: 'up1',
        sent: 3 * 1024 * 1024,
        total: 3 * 1024 * 1024,
      });

      // A page other than the console may not upload anything.
      const stranger = {
        ...trustedSender(),
        senderFrame: { ...trustedSender().senderFrame!, url: 'https://evil.example/' },
      };
      expect(await b.ipc.invoke(stranger, req, IPC_UPLOAD_CHANNEL)).toEqual(forbidden);
      expect(received).toHaveLength(1);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the first-run panel through the installed bridge and the real control plane', () => {
  it('gets the admin token in the desktop window, and a refused sender gets nothing', async () => {
    const plane = await startInProcess();
    try {
      const b = install((raw) => plane.inject(raw));
      const res = await b.ipc.invoke(trustedSender(), { method: 'GET', path: '/api/system/setup' });
      expect(res.status).toBe(200);
      expect(SystemSetupSchema.parse(res.body)).toMatchObject({
        admin_token: plane.tokens.admin,
        cluster_token: plane.tokens.cluster,
      });
      const foreign = await b.ipc.invoke(
        { ...trustedSender(), sender: { id: 99 } },
        {
          method: 'GET',
          path: '/api/system/setup',
        },
      );
      expect(foreign).toEqual(forbidden);
      const malformed = await b.ipc.invoke(trustedSender(), {
        method: 'GET',
        path: '/api/system/setup',
        headers: { authorization: 'x' },
      });
      expect(malformed.status).toBe(400);
      expect(JSON.stringify(malformed.body)).not.toContain(plane.tokens.cluster);
    } finally {
      await plane.stop();
      rmSync(plane.dataDir, { recursive: true, force: true });
    }
  });
});
