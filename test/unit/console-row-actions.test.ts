// The console offers exactly the actions the server's lifecycle accepts (not refuses, not
// ignores) for every status, so a menu item never leads to a 409.
import { describe, expect, it } from 'vitest';
import { actionVerdict } from '../../src-main/deployments/lifecycle.js';
import { DEPLOYMENT_STATUSES } from '../../src-main/shared/deployment-status.js';
import { rowActions } from '../../src-main/shared/deployment-actions.js';

const LIFECYCLE_ACTIONS = ['stop', 'restart', 'pause', 'resume', 'extend', 'delete'] as const;

describe('console row actions', () => {
  it.each(DEPLOYMENT_STATUSES)('offers for %s exactly what the lifecycle accepts', (status) => {
    const offered = new Set(rowActions(status, false));
    for (const action of LIFECYCLE_ACTIONS) {
      // Pausing an already paused deployment only changes its tier: the menu offers resume.
      const ok =
        actionVerdict(status, action, 1).kind === 'ok' &&
        !(action === 'pause' && status !== 'running');
      expect(offered.has(action), `${status} × ${action}`).toBe(ok);
    }
    expect(offered.has('pin')).toBe(true);
  });

  it('never offers pause for a pinned deployment (the server refuses it)', () => {
    expect(rowActions('running', true)).not.toContain('pause');
    expect(rowActions('running', false)).toContain('pause');
  });

  it.each(DEPLOYMENT_STATUSES)(
    'offers "pause to disk" for %s only where the lifecycle accepts a pause and the tier changes',
    (status) => {
      const ok = actionVerdict(status, 'pause', 1).kind === 'ok' && status !== 'paused_disk';
      expect(rowActions(status, false).includes('pause_disk')).toBe(ok);
      expect(rowActions(status, true)).not.toContain('pause_disk');
    },
  );

  it('offers a disk-paused deployment the same actions as a RAM-paused one, but the move to disk', () => {
    const ram = rowActions('paused_ram', false).filter((a) => a !== 'pause_disk');
    expect(rowActions('paused_disk', false)).toEqual(ram);
    expect(ram).toEqual(['stop', 'resume', 'extend', 'pin']);
  });
});
