// Every status and every error code the server can set reads as words in the console: a new
// status or a new `error_code` without a label fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAILURE_CODES } from '../../src-main/shared/classify-failure.js';
import {
  DEPLOYMENT_ERROR_CODES,
  ERROR_CODE_LABELS,
  errorCodeLabel,
  STATUS_LABELS,
} from '../../src-main/shared/deployment-errors.js';
import { DEPLOYMENT_STATUSES } from '../../src-main/shared/deployment-status.js';

const SRC = join(import.meta.dirname, '..', '..', 'src-main');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sources(join(dir, e.name))
      : e.name.endsWith('.ts')
        ? [join(dir, e.name)]
        : [],
  );
}

describe('deployment labels', () => {
  it.each(DEPLOYMENT_STATUSES)('status %s has a label', (status) => {
    expect(STATUS_LABELS[status]?.trim()).toBeTruthy();
  });

  it('labels no status that does not exist, and no two statuses alike', () => {
    expect(Object.keys(STATUS_LABELS).sort()).toEqual([...DEPLOYMENT_STATUSES].sort());
    expect(new Set(Object.values(STATUS_LABELS)).size).toBe(DEPLOYMENT_STATUSES.length);
  });

  it.each(DEPLOYMENT_ERROR_CODES)('error code %s has its own label', (code) => {
    const label = ERROR_CODE_LABELS[code];
    expect(label?.trim()).toBeTruthy();
    expect(errorCodeLabel(code)).toBe(label);
    expect(label).not.toBe(code.replace(/_/g, ' '));
  });

  it('covers every code the classifier and the agent assign', () => {
    const known = new Set<string>(DEPLOYMENT_ERROR_CODES);
    for (const c of FAILURE_CODES) expect(known.has(c), c).toBe(true);
    // `error_code = '…'` and `error_code: '…'` literals anywhere in the server code.
    const assigned = new Set<string>();
    for (const file of sources(SRC))
      for (const m of readFileSync(file, 'utf8').matchAll(/error_code\s*[=:]\s*'([^']+)'/g))
        assigned.add(m[1]!);
    expect(assigned.size).toBeGreaterThan(0);
    for (const c of assigned) expect(known.has(c), `${c} has no label`).toBe(true);
    // The classifier's rules name codes from FAILURE_CODES only.
    const rules = readFileSync(join(SRC, 'shared', 'classify-failure.ts'), 'utf8');
    for (const m of rules.matchAll(/\bcode: '([^']+)'/g))
      expect(known.has(m[1]!), `${m[1]} has no label`).toBe(true);
  });

  it('reads an unknown code (a newer agent) as words and keeps null as null', () => {
    expect(errorCodeLabel('future_cause')).toBe('future cause');
    expect(errorCodeLabel(null)).toBeNull();
  });
});
