import { z } from 'zod';

// Pure on purpose (no electron import): parsing and fitting are unit-tested in plain Node.

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const WindowStateSchema = z.object({
  x: z.number().int(),
  y: z.number().int(),
  width: z.number().int().min(400).max(20000),
  height: z.number().int().min(300).max(20000),
  maximized: z.boolean(),
});

/** Saved window geometry, restored at the next start. */
export type WindowState = z.infer<typeof WindowStateSchema>;

export const DEFAULT_WINDOW_SIZE = { width: 1200, height: 800 } as const;

/** Parses the saved JSON; anything unreadable or out of range yields null (use the defaults). */
export function parseWindowState(text: string | null): WindowState | null {
  if (text === null) return null;
  try {
    const r = WindowStateSchema.safeParse(JSON.parse(text));
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

/**
 * Keeps the saved bounds only if a grabbable strip of the title bar (100 px wide, 50 px high) lies
 * on one of today's displays; a monitor unplugged since the last run would otherwise leave the
 * window off-screen.
 */
export function restorableBounds(
  state: WindowState | null,
  workAreas: readonly Rect[],
): Rect | null {
  if (!state) return null;
  const grabX = Math.min(100, state.width);
  const grabY = Math.min(50, state.height);
  const titleBarShows = (a: Rect) => {
    const overlapW = Math.min(state.x + state.width, a.x + a.width) - Math.max(state.x, a.x);
    const overlapH = Math.min(state.y + grabY, a.y + a.height) - Math.max(state.y, a.y);
    return overlapW >= grabX && overlapH >= grabY;
  };
  const visible = workAreas.some(titleBarShows);
  return visible ? { x: state.x, y: state.y, width: state.width, height: state.height } : null;
}
