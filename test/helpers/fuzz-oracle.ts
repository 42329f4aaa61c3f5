// The oracle of the fuzz suite: sends a case byte-exact and judges the answer.
import { expect } from 'vitest';
import type { FuzzCase } from './fuzz-requests.js';
import { head, sendRaw, type RawReply } from './raw-http.js';

/** Sends a case with `auth` unless it is anonymous; a truncated one declares 1000 bytes more and half-closes. */
export function sendCase(
  base: string,
  c: FuzzCase,
  auth: Record<string, string>,
): Promise<RawReply> {
  const headers = { ...(c.anonymous ? {} : auth), ...c.headers };
  const declared = c.body.length + (c.truncate ? 1000 : 0);
  const bytes = Buffer.concat([
    Buffer.from(head(c.method, c.target, { ...headers, 'Content-Length': String(declared) })),
    c.body,
  ]);
  return sendRaw(base, bytes, { then: c.truncate ? 'end' : 'wait', timeoutMs: HANG_MS });
}

/** No request may take longer than this to be answered (or dropped): a functional bound. */
export const HANG_MS = 5_000;

/** Internal error text that must never reach a client: errno messages, stack frames. */
const INTERNAL = /\bE[A-Z]{3,}: |\n\s+at |node:internal/;

/** The agent named by a request could not be reached or refused us: 502, as the seed says. */
const UPSTREAM = /^(Failed to reach agent at |The agent at )/;

function upstream(r: RawReply): boolean {
  const detail = (r.json as { detail?: unknown } | undefined)?.detail;
  return r.status === 502 && typeof detail === 'string' && UPSTREAM.test(detail);
}

/**
 * Judges one answer: never a hang, never a 5xx but 507 (or a 502 naming an agent the request
 * pointed at, such as the address given to `POST /api/nodes`), every error with a detail (or the
 * OpenAI envelope on `/v1`) and without internal text, and 401 for anonymous calls where
 * `needsAuth` says credentials are required.
 */
export function judge(c: FuzzCase, r: RawReply, where: string, needsAuth: boolean): void {
  const what = `${where}: ${c.method} ${c.target.slice(0, 160)} (${c.what})`;
  if (r.status === 0) {
    expect(c.truncate === true && r.closed, `${what}: no answer within ${HANG_MS} ms`).toBe(true);
    return;
  }
  expect(
    r.status < 500 || r.status === 507 || upstream(r),
    `${what}: ${r.status} ${r.text.slice(0, 300)}`,
  ).toBe(true);
  if (r.status >= 400) {
    const body = r.json as { detail?: unknown; error?: unknown } | undefined;
    expect(
      body?.detail ?? body?.error,
      `${what}: ${r.status} without a detail: ${r.text.slice(0, 200)}`,
    ).toBeDefined();
    expect(INTERNAL.test(r.text), `${what}: internal error text: ${r.text.slice(0, 300)}`).toBe(
      false,
    );
  }
  // A target with a dot segment is refused (400) before credentials are looked at.
  if (c.anonymous && needsAuth)
    expect([400, 401], `${what}: answered ${r.status} without credentials`).toContain(r.status);
}
