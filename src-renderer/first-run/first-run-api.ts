import {
  DemoNodeSchema,
  SystemSetupSchema,
  type DemoNode,
  type SystemSetup,
} from '../../src-main/shared/system.js';
import type { Transport } from '../api/transport.js';

function detailOf(body: unknown): string {
  return typeof body === 'object' && body !== null && 'detail' in body
    ? String(body.detail)
    : 'request failed';
}

/** `GET /api/system/setup`, checked against the shared schema. */
export async function fetchSetup(transport: Transport): Promise<SystemSetup> {
  const res = await transport.request({ method: 'GET', path: '/api/system/setup' });
  if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${detailOf(res.body)}`);
  return SystemSetupSchema.parse(res.body);
}

/** `POST /api/system/demo`: starts the in-process demo node (idempotent). */
export async function startDemoNode(transport: Transport): Promise<DemoNode> {
  const res = await transport.request({ method: 'POST', path: '/api/system/demo' });
  if (res.status !== 200) throw new Error(detailOf(res.body));
  return DemoNodeSchema.parse(res.body);
}
