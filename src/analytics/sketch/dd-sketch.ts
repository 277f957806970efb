/**
 * DDSketch (Masson, Rim and Lee, "DDSketch: a fast and fully-mergeable quantile sketch with
 * relative-error guarantees", VLDB 2019): values are counted in logarithmic bins, bin `k` holding
 * the magnitudes in (γ^(k-1), γ^k] with γ = (1 + α) / (1 - α). Answering a bin with 2γ^k / (γ + 1)
 * is within α of every magnitude in it, so any quantile is within α of the exact one (nearest rank),
 * however the values are spread. Two sketches merge by adding their bins' counts, which is what
 * lets stored buckets merge with `$inc` and roll up without losing the bound.
 */

/** The relative accuracy of every sketch the platform stores: 1 %. */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/** Magnitudes below this are counted as zero (their bins would be unbounded in number). */
export const SKETCH_MIN_MAGNITUDE = 1e-9;

/** The largest magnitude a sketch is given (values are bounded by it, see metric-rules.ts). */
export const SKETCH_MAX_MAGNITUDE = 1e18;

const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
const MIN_KEY = Math.ceil(Math.log(SKETCH_MIN_MAGNITUDE) / LN_GAMMA);
const MAX_KEY = Math.ceil(Math.log(SKETCH_MAX_MAGNITUDE) / LN_GAMMA);

/**
 * A sketch as stored: `p<k>` counts positive values in bin k, `n<k>` negative ones (by magnitude),
 * `z` zeros; absent keys are zero. Adding two of them key by key merges them.
 */
export type StoredSketch = Record<string, number>;

/** The bin of a non-zero magnitude at or above SKETCH_MIN_MAGNITUDE. */
export function binOf(magnitude: number): number {
  const key = Math.ceil(Math.log(magnitude) / LN_GAMMA);
  return Math.min(MAX_KEY, Math.max(MIN_KEY, key));
}

/** The value a bin answers with: within the relative accuracy of every magnitude it holds. */
export function binValue(key: number): number {
  return (2 * Math.pow(GAMMA, key)) / (GAMMA + 1);
}

/** The stored key a value is counted under. */
export function sketchKeyOf(value: number): string {
  const magnitude = Math.abs(value);
  if (magnitude < SKETCH_MIN_MAGNITUDE) return 'z';
  return `${value > 0 ? 'p' : 'n'}${binOf(magnitude)}`;
}

export class DDSketch {
  private readonly positive = new Map<number, number>();
  private readonly negative = new Map<number, number>();
  private zero = 0;
  private total = 0;
  private low = Infinity;
  private high = -Infinity;

  get count(): number {
    return this.total;
  }

  /** The smallest and largest values added, when known: quantiles never answer outside them. */
  get min(): number {
    return this.low;
  }

  get max(): number {
    return this.high;
  }

  static of(values: Iterable<number>): DDSketch {
    const sketch = new DDSketch();
    for (const value of values) sketch.add(value);
    return sketch;
  }

  /** A stored sketch, with the exact min and max of its values when they are known. */
  static fromStored(stored: StoredSketch | null | undefined, min?: number, max?: number): DDSketch {
    return new DDSketch().mergeStored(stored, min, max);
  }

  add(value: number, count = 1): this {
    if (!Number.isFinite(value) || count <= 0) return this;
    this.addKey(sketchKeyOf(value), count);
    this.low = Math.min(this.low, value);
    this.high = Math.max(this.high, value);
    return this;
  }

  merge(other: DDSketch): this {
    for (const [key, n] of other.positive) this.positive.set(key, (this.positive.get(key) ?? 0) + n);
    for (const [key, n] of other.negative) this.negative.set(key, (this.negative.get(key) ?? 0) + n);
    this.zero += other.zero;
    this.total += other.total;
    this.low = Math.min(this.low, other.low);
    this.high = Math.max(this.high, other.high);
    return this;
  }

  mergeStored(stored: StoredSketch | null | undefined, min?: number, max?: number): this {
    for (const [key, n] of Object.entries(stored ?? {})) {
      if (typeof n === 'number' && n > 0) this.addKey(key, n);
    }
    if (min !== undefined && Number.isFinite(min)) this.low = Math.min(this.low, min);
    if (max !== undefined && Number.isFinite(max)) this.high = Math.max(this.high, max);
    return this;
  }

  /** The stored form: `{ p<k>: n, n<k>: n, z: n }`. */
  toStored(): StoredSketch {
    const stored: StoredSketch = {};
    for (const [key, n] of this.positive) stored[`p${key}`] = n;
    for (const [key, n] of this.negative) stored[`n${key}`] = n;
    if (this.zero > 0) stored.z = this.zero;
    return stored;
  }

  /**
   * The value of nearest rank `ceil(q · count)` (the rank `percentile` in common/stats uses), within
   * the relative accuracy of the exact one; null for an empty sketch.
   */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.min(this.total, Math.max(1, Math.ceil(q * this.total)));
    const estimate = this.valueAtRank(rank);
    if (this.low > this.high) return estimate;
    // Clamping moves the estimate towards the exact answer, which lies within [min, max].
    return Math.min(this.high, Math.max(this.low, estimate));
  }

  /** Walks the bins from the smallest value up: negatives by falling magnitude, zeros, positives. */
  private valueAtRank(rank: number): number {
    let seen = 0;
    const negatives = [...this.negative.keys()].sort((a, b) => b - a);
    for (const key of negatives) {
      seen += this.negative.get(key)!;
      if (seen >= rank) return -binValue(key);
    }
    seen += this.zero;
    if (seen >= rank) return 0;
    const positives = [...this.positive.keys()].sort((a, b) => a - b);
    for (const key of positives) {
      seen += this.positive.get(key)!;
      if (seen >= rank) return binValue(key);
    }
    // Not reached: the bins hold `total` values.
    return this.high;
  }

  private addKey(key: string, n: number): void {
    if (key === 'z') {
      this.zero += n;
    } else {
      const bin = Number(key.slice(1));
      if (!Number.isInteger(bin)) return;
      const store = key.startsWith('p') ? this.positive : key.startsWith('n') ? this.negative : undefined;
      if (!store) return;
      store.set(bin, (store.get(bin) ?? 0) + n);
    }
    this.total += n;
  }
}
