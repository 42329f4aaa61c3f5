/** Python's repr() of a float: `3.0`, `0.0731`, `1e-05`, `1.2e+16`. */
function pyFloatRepr(d: number): string {
  if (Number.isInteger(d) && Math.abs(d) < 1e16) return `${d}.0`;
  const abs = Math.abs(d);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    // JS writes 1e-5 and 1.2e+16; Python pads the exponent to two digits.
    return d.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  }
  return String(d);
}

/**
 * Formats a sample value like prometheus_client's floatToGoString: Python float repr, except that
 * positive values with 7 or more integer digits switch to exponent form (`1.842211e+06`).
 */
export function floatToGoString(d: number): string {
  if (d === Number.POSITIVE_INFINITY) return '+Inf';
  if (d === Number.NEGATIVE_INFINITY) return '-Inf';
  if (Number.isNaN(d)) return 'NaN';
  const s = pyFloatRepr(d);
  const dot = s.indexOf('.');
  if (d > 0 && dot > 6) {
    const mantissa = `${s[0]}.${s.slice(1, dot)}${s.slice(dot + 1)}`.replace(/[0.]+$/, '');
    return `${mantissa}e+0${dot - 1}`;
  }
  return s;
}

export type Labels = Readonly<Record<string, string>>;

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** `{a="1",b="2"}` with label names sorted, as prometheus_client writes them. */
export function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escape(labels[k] ?? '')}"`).join(',')}}`;
}

/** A counter or gauge series; counters also get a `_created` gauge family. */
export class Scalar {
  value = 0;
  constructor(
    readonly labels: Labels,
    readonly created: number,
  ) {}
}

/** A histogram series with fixed upper bounds (per-bucket counts, cumulated when written). */
export class Histogram {
  readonly counts: number[];
  count = 0;
  sum = 0;
  constructor(
    readonly bounds: readonly number[],
    readonly labels: Labels,
    readonly created: number,
  ) {
    this.counts = new Array<number>(bounds.length + 1).fill(0);
  }

  /** Records `times` observations of `value` (seconds, tokens …). */
  observe(value: number, times = 1): void {
    let i = 0;
    while (i < this.bounds.length && value > (this.bounds[i] ?? 0)) i++;
    this.counts[i] = (this.counts[i] ?? 0) + times;
    this.count += times;
    this.sum += value * times;
  }
}

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  series: readonly (Scalar | Histogram)[];
}

/** Writes families in the Prometheus text format (version 0.0.4) the way prometheus_client does. */
export function exposition(families: readonly Family[]): string {
  const out: string[] = [];
  for (const f of families) {
    const base = f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name;
    out.push(
      `# HELP ${f.type === 'counter' ? `${base}_total` : base} ${f.help}`,
      `# TYPE ${f.type === 'counter' ? `${base}_total` : base} ${f.type}`,
    );
    for (const s of f.series) {
      if (s instanceof Histogram) {
        let cumulative = 0;
        s.bounds.forEach((b, i) => {
          cumulative += s.counts[i] ?? 0;
          out.push(
            `${base}_bucket${formatLabels({ ...s.labels, le: floatToGoString(b) })} ${floatToGoString(cumulative)}`,
          );
        });
        out.push(
          `${base}_bucket${formatLabels({ ...s.labels, le: '+Inf' })} ${floatToGoString(s.count)}`,
        );
        out.push(`${base}_count${formatLabels(s.labels)} ${floatToGoString(s.count)}`);
        out.push(`${base}_sum${formatLabels(s.labels)} ${floatToGoString(s.sum)}`);
      } else {
        out.push(
          `${f.type === 'counter' ? `${base}_total` : base}${formatLabels(s.labels)} ${floatToGoString(s.value)}`,
        );
      }
    }
    if (f.type !== 'gauge') {
      out.push(`# HELP ${base}_created ${f.help}`, `# TYPE ${base}_created gauge`);
      for (const s of f.series)
        out.push(`${base}_created${formatLabels(s.labels)} ${floatToGoString(s.created)}`);
    }
  }
  return `${out.join('\n')}\n`;
}
