import { percentile } from '../../common/stats/percentile';
import { DDSketch, SKETCH_RELATIVE_ACCURACY, sketchKeyOf, type StoredSketch } from './dd-sketch';

/** A seeded generator (mulberry32), so every run checks the same values. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(next: () => number): number {
  const u = Math.max(next(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * next());
}

const QUANTILES = [0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1];
/** The bound, with room for the last bit of floating-point rounding only. */
const BOUND = SKETCH_RELATIVE_ACCURACY * (1 + 1e-9);

function relativeError(estimate: number, exact: number): number {
  if (exact === 0) return estimate === 0 ? 0 : Infinity;
  return Math.abs(estimate - exact) / Math.abs(exact);
}

/** The worst relative error over QUANTILES, against nearest rank over the sorted values. */
function worstError(sketch: DDSketch, values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.max(...QUANTILES.map((q) => relativeError(sketch.quantile(q)!, percentile(sorted, q)!)));
}

const distributions: [string, (next: () => number) => number][] = [
  ['uniform on [0, 1000)', (next) => next() * 1000],
  ['uniform on [1, 2)', (next) => 1 + next()],
  ['log-normal (μ 3, σ 2)', (next) => Math.exp(3 + 2 * normal(next))],
  ['log-normal spanning twelve decades', (next) => Math.exp(6 * normal(next))],
  ['pareto (heavy tail)', (next) => 1 / Math.pow(1 - next(), 1 / 1.5)],
  ['normal around zero (with negatives)', (next) => 100 * normal(next)],
  ['uniform on [-500, 500)', (next) => next() * 1000 - 500],
  ['all negative', (next) => -Math.exp(2 + normal(next))],
  ['mixed: zeros, negatives and positives', (next) => [0, -1, 1][Math.floor(next() * 3)]! * next() * 50],
];

describe('DDSketch', () => {
  it.each(distributions)('answers every quantile of %s within 1 %% of nearest rank', (_name, draw) => {
    for (const [seed, n] of [
      [1, 1],
      [2, 7],
      [3, 100],
      [4, 10_000],
      [5, 100_000],
    ] as const) {
      const next = random(seed);
      const values = Array.from({ length: n }, () => draw(next));
      expect(worstError(DDSketch.of(values), values)).toBeLessThanOrEqual(BOUND);
    }
  });

  it('answers a constant exactly, however many times it is added', () => {
    for (const constant of [42, -3.5, 0, 1e-3, 123_456_789]) {
      const sketch = DDSketch.of(Array.from({ length: 5_000 }, () => constant));
      for (const q of QUANTILES) expect(sketch.quantile(q)).toBe(constant);
    }
  });

  it('keeps the bound without the exact min and max (a sketch read back without them)', () => {
    const next = random(9);
    const values = Array.from({ length: 20_000 }, () => Math.exp(4 * normal(next)) * (next() < 0.3 ? -1 : 1));
    const bare = DDSketch.fromStored(DDSketch.of(values).toStored());
    expect(bare.count).toBe(values.length);
    expect(worstError(bare, values)).toBeLessThanOrEqual(BOUND);
  });

  it('merges by adding counts: merged parts answer as one sketch of all the values', () => {
    const next = random(11);
    const parts = Array.from({ length: 8 }, (_v, i) =>
      Array.from({ length: 500 + i * 300 }, () => Math.exp(2 + 1.5 * normal(next)) - 5),
    );
    const all = parts.flat();

    // In memory.
    const merged = new DDSketch();
    for (const part of parts) merged.merge(DDSketch.of(part));
    expect(merged.count).toBe(all.length);
    expect(worstError(merged, all)).toBeLessThanOrEqual(BOUND);

    // As stored documents added key by key, the way `$inc` adds them.
    const summed: StoredSketch = {};
    for (const part of parts) {
      for (const [key, n] of Object.entries(DDSketch.of(part).toStored())) summed[key] = (summed[key] ?? 0) + n;
    }
    const fromStore = DDSketch.fromStored(summed, Math.min(...all), Math.max(...all));
    expect(fromStore.toStored()).toEqual(merged.toStored());
    for (const q of QUANTILES) expect(fromStore.quantile(q)).toBe(merged.quantile(q));
  });

  it('counts zero and values too small to bin under z, negatives under n<k> and positives under p<k>', () => {
    expect(sketchKeyOf(0)).toBe('z');
    expect(sketchKeyOf(-0)).toBe('z');
    expect(sketchKeyOf(1e-12)).toBe('z');
    expect(sketchKeyOf(1)).toBe('p0');
    expect(sketchKeyOf(-1)).toBe('n0');
    expect(sketchKeyOf(100)).toMatch(/^p\d+$/);
    expect(sketchKeyOf(-100)).toBe(sketchKeyOf(100).replace('p', 'n'));
    expect(sketchKeyOf(0.5)).toMatch(/^p-\d+$/);
    expect(DDSketch.of([0, 0, -2, 3]).toStored()).toEqual({ z: 2, [sketchKeyOf(-2)]: 1, [sketchKeyOf(3)]: 1 });
  });

  it('has no answer when empty and ignores what is not a finite number', () => {
    expect(new DDSketch().quantile(0.5)).toBeNull();
    const sketch = DDSketch.of([NaN, Infinity, -Infinity]);
    expect(sketch.count).toBe(0);
    expect(sketch.quantile(0.99)).toBeNull();
    expect(DDSketch.fromStored({ p1: 2, bogus: 3, pNaN: 1, z: -1 }).count).toBe(2);
  });

  it('keeps few bins: four decades at 1 % take about 470', () => {
    const values = Array.from({ length: 100_000 }, (_v, i) => Math.pow(10, (4 * i) / 100_000));
    const bins = Object.keys(DDSketch.of(values).toStored()).length;
    expect(bins).toBeGreaterThan(400);
    expect(bins).toBeLessThan(480);
  });
});
