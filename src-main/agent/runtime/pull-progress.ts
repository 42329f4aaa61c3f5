import type { PullProgress } from './container-runtime.js';

/** One decoded line of the `POST /images/create` stream; every field may be missing. */
export interface PullEvent {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  stream?: string;
}

interface LayerBytes {
  current: number;
  total: number;
}

const MB = 1024 * 1024;

/** Parses one stream line; null for blank or non-JSON lines (Podman sometimes sends plain text). */
export function parsePullLine(line: string): PullEvent | null {
  const s = line.trim();
  if (!s.startsWith('{')) return null;
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null ? v : null;
  } catch {
    return null;
  }
}

/** The error carried by a pull line (errors arrive after the 200), or null. */
export function pullError(e: PullEvent): string | null {
  const msg = e.errorDetail?.message ?? e.error;
  return typeof msg === 'string' && msg.length > 0 ? msg : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

function sum(layers: Map<string, LayerBytes>): LayerBytes {
  let current = 0;
  let total = 0;
  for (const l of layers.values()) {
    current += Math.min(l.current, l.total);
    total += l.total;
  }
  return { current, total };
}

/**
 * Folds pull events into overall progress: bytes are summed per layer id over `Downloading`
 * events (layers that already exist never download, so they are not counted). Once every
 * known byte is downloaded the phase becomes `extracting image` and `percent` follows extraction.
 */
export class PullProgressTracker {
  private readonly downloads = new Map<string, LayerBytes>();
  private readonly extracts = new Map<string, LayerBytes>();
  private last: PullProgress | null = null;

  /** Applies one event; returns the new progress when it changed, else null. */
  update(e: PullEvent): PullProgress | null {
    const id = e.id;
    const current = num(e.progressDetail?.current);
    const total = num(e.progressDetail?.total);
    const status = (e.status ?? '').toLowerCase();
    if (id === undefined) return null;
    if (status.startsWith('downloading') && current !== null && total !== null && total > 0) {
      this.downloads.set(id, { current, total });
    } else if (status.startsWith('download complete') || status.startsWith('verifying')) {
      const l = this.downloads.get(id);
      if (l) l.current = l.total;
    } else if (status.startsWith('extracting') && current !== null && total !== null && total > 0) {
      const l = this.downloads.get(id);
      if (l) l.current = l.total;
      this.extracts.set(id, { current, total });
    } else if (status.startsWith('pull complete')) {
      const l = this.downloads.get(id);
      if (l) l.current = l.total;
      const x = this.extracts.get(id);
      if (x) x.current = x.total;
    } else {
      return null;
    }
    return this.emitIfChanged(this.compute());
  }

  private compute(): PullProgress {
    const dl = sum(this.downloads);
    const downloadedMb = round1(dl.current / MB);
    const totalMb = round1(dl.total / MB);
    if (dl.total === 0 || dl.current < dl.total) {
      const percent = dl.total === 0 ? 0 : Math.floor((dl.current / dl.total) * 100);
      return { phase: 'pulling image', downloadedMb, totalMb, percent };
    }
    const ex = sum(this.extracts);
    const percent = ex.total === 0 ? 0 : Math.floor((ex.current / ex.total) * 100);
    return { phase: 'extracting image', downloadedMb, totalMb, percent };
  }

  private emitIfChanged(p: PullProgress): PullProgress | null {
    const l = this.last;
    if (
      l &&
      l.phase === p.phase &&
      l.percent === p.percent &&
      l.totalMb === p.totalMb &&
      l.downloadedMb === p.downloadedMb
    ) {
      return null;
    }
    this.last = p;
    return p;
  }
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}
