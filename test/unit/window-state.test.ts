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

describe('window state clamped to the display it is on', () => {
  it('shrinks a window saved on a large monitor to the laptop screen it reopens on', () => {
    const big = { x: 0, y: 0, width: 2500, height: 1400, maximized: false };
    expect(restorableBounds(big, [laptop])).toEqual({ x: 0, y: 0, width: 1920, height: 1080 });
  });

  it('pulls a window hanging over the right or bottom edge back inside', () => {
    const hanging = { x: 1500, y: 900, width: 1200, height: 800, maximized: false };
    expect(restorableBounds(hanging, [laptop])).toEqual({
      x: 720,
      y: 280,
      width: 1200,
      height: 800,
    });
  });

  it('clamps into the monitor the title bar is on, not the first one', () => {
    const right = { x: 4000, y: 100, width: 1200, height: 800, maximized: false };
    expect(restorableBounds(right, [laptop, rightMonitor])).toEqual({
      x: 3280,
      y: 100,
      width: 1200,
      height: 800,
    });
  });
});
