import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AgentClient } from '../agent-client/agent-client.js';
import type { EventBus } from '../events/event-bus.js';
import type { AgentOperation } from '../shared/agent-protocol/api.js';
import type { Clock } from '../shared/clock.js';
import type { NodeRow } from './node.repository.js';

/** `transfer_progress` events while bytes flow, at most this often. */
const PROGRESS_EVERY_MS = 500;

const KIND: Partial<Record<AgentOperation, string>> = {
  uploadFile: 'upload',
  archive: 'archive',
  packageUpload: 'package',
};

/**
 * Streams an upload through to a node's agent without buffering it (DESIGN.md §11: flat RSS):
 * the request body flows into the agent request with backpressure, a client that goes away
 * aborts the agent request, and `transfer_progress` events report the bytes as they pass.
 */
export class UploadRelay {
  constructor(private readonly deps: { agents: AgentClient; bus: EventBus; clock: Clock }) {}

  async relay(r: {
    node: NodeRow;
    op: AgentOperation;
    params: Record<string, unknown>;
    query: Record<string, unknown> | undefined;
    req: IncomingMessage;
    res: ServerResponse;
  }): Promise<void> {
    const { req, res } = r;
    const named = r.query?.path ?? r.query?.name;
    const name = typeof named === 'string' ? named : 'package';
    const transfer = {
      id: randomUUID(),
      kind: KIND[r.op] ?? 'upload',
      name,
      status: 'uploading',
      bytes: 0,
    };
    const emit = () =>
      this.deps.bus.emit({
        type: 'transfer_progress',
        node_id: r.node.id,
        transfer: { ...transfer },
      });
    let lastEmit = 0;
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, done) => {
        transfer.bytes += chunk.length;
        const now = this.deps.clock.now();
        if (now - lastEmit >= PROGRESS_EVERY_MS) {
          lastEmit = now;
          emit();
        }
        done(null, chunk);
      },
    });
    const aborted = new AbortController();
    const onClose = () => {
      if (!req.complete) aborted.abort(new Error('the client went away mid-upload'));
    };
    req.once('close', onClose);
    req.once('error', (err) => counter.destroy(err));
    req.pipe(counter);
    const headers: Record<string, string> = {};
    for (const h of ['content-type', 'content-length'] as const) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    try {
      const reply = await this.deps.agents.stream(
        { host: r.node.ip_address, port: r.node.port },
        r.op,
        { params: r.params, query: r.query },
        { body: counter, headers, signal: aborted.signal },
      );
      transfer.status = reply.status < 300 ? 'done' : 'error';
      const out: Record<string, string> = {};
      for (const h of ['content-type', 'content-length'])
        if (reply.headers[h] !== undefined) out[h] = reply.headers[h];
      // The agent may answer before reading everything (a refusal): do not drain the rest.
      if (!req.complete) out.connection = 'close';
      res.writeHead(reply.status, out);
      await pipeline(reply.body, res);
    } catch (err) {
      transfer.status = 'error';
      if (aborted.signal.aborted) return;
      throw err;
    } finally {
      req.off('close', onClose);
      emit();
    }
  }
}
