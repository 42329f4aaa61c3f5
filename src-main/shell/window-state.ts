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
 * on one of today's displays (a monitor unplugged since the last run would otherwise leave the
 * window off-screen), then clamps them into that display's work area: a window saved on a large
 * monitor shrinks to fit a laptop screen and nothing of it hangs over an edge.
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
  const area = workAreas.find(titleBarShows);
  return area ? clampInto(state, area) : null;
}

/** `r` resized to fit `area` and moved so that all of it lies inside. */
export function clampInto(r: Rect, area: Rect): Rect {
  const width = Math.min(r.width, area.width);
  const height = Math.min(r.height, area.height);
  const x = Math.min(Math.max(r.x, area.x), area.x + area.width - width);
  const y = Math.min(Math.max(r.y, area.y), area.y + area.height - height);
  return { x, y, width, height };
}
