import { describe, expect, it } from 'vitest';
import { parseWindowState, restorableBounds } from '../../src-main/shell/window-state.js';

const saved = { x: 100, y: 80, width: 1200, height: 800, maximized: false };
const laptop = { x: 0, y: 0, width: 1920, height: 1080 };
const rightMonitor = { x: 1920, y: 0, width: 2560, height: 1440 };

describe('window state', () => {
  it('reads back what was saved', () => {
    expect(parseWindowState(JSON.stringify(saved))).toEqual(saved);
  });

  it('falls back to defaults for a missing, corrupt or out-of-range file', () => {
    expect(parseWindowState(null)).toBeNull();
    expect(parseWindowState('{not json')).toBeNull();
    expect(parseWindowState(JSON.stringify({ ...saved, width: 10 }))).toBeNull();
    expect(parseWindowState(JSON.stringify({ ...saved, maximized: 'yes' }))).toBeNull();
  });

  it('restores bounds that are on a connected display', () => {
    expect(restorableBounds(saved, [laptop])).toEqual({ x: 100, y: 80, width: 1200, height: 800 });
    const onRight = { ...saved, x: 2000 };
    expect(restorableBounds(onRight, [laptop, rightMonitor])).toEqual({
      x: 2000,
      y: 80,
      width: 1200,
      height: 800,
    });
  });

  it('drops bounds left on a monitor that is no longer connected, or with the title bar off-screen', () => {
    expect(restorableBounds({ ...saved, x: 2000 }, [laptop])).toBeNull();
    expect(restorableBounds({ ...saved, y: -200 }, [laptop])).toBeNull();
    expect(restorableBounds({ ...saved, x: 1900 }, [laptop])).toBeNull();
    expect(restorableBounds(null, [laptop])).toBeNull();
  });
});
