export interface LatencySummary {
  p50: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles in milliseconds. */
export function summarizeLatency(samples: Float64Array | number[]): LatencySummary {
  if (samples.length === 0) return { p50: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { p50: at(0.5) ?? Number.NaN, p99: at(0.99) ?? Number.NaN, max: sorted.at(-1) ?? 0 };
}

export interface SampleBuffer {
  readonly length: number;
  push(value: number): void;
  values(): Float64Array;
}

/** Appends without reallocating per sample: a run can record a few hundred thousand. */
export function createSampleBuffer(): SampleBuffer {
  let data = new Float64Array(1 << 16);
  let length = 0;
  return {
    get length() {
      return length;
    },
    push(value) {
      if (length === data.length) {
        const grown = new Float64Array(data.length * 2);
        grown.set(data);
        data = grown;
      }
      data[length++] = value;
    },
    values: () => data.subarray(0, length),
  };
}
