import { mulberry32 as baseMulberry32 } from "../util/random.js";

/**
 * Small seeded random number generators (plain JS, so initial weights, data and batch order are
 * identical on every backend).
 */

/**
 * mulberry32: a fast 32-bit seeded PRNG returning floats in [0, 1).
 *
 * @example
 * const r = mulberry32(42); r(); // same value every run
 */
export function mulberry32(seed: number): () => number {
  // A fixed offset keeps training streams distinct from the analyses' resampling streams.
  return baseMulberry32((seed >>> 0) ^ 0x9e3779b9);
}

/**
 * Standard normal draws from a uniform generator (Box–Muller).
 *
 * @example
 * const n = normal(mulberry32(1)); n(); // ~N(0, 1)
 */
export function normal(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/**
 * Fisher–Yates shuffle of 0..n-1 (Int32Array).
 *
 * @example
 * permutation(5, mulberry32(0)) // e.g. Int32Array [3, 0, 4, 1, 2]
 */
export function permutation(n: number, uniform: () => number): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(uniform() * (i + 1));
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/**
 * Mix a trial seed with a stream id into a new 32-bit seed (so weights, batches and dropout use
 * independent streams of the same trial seed).
 *
 * @example
 * deriveSeed(0, 1) !== deriveSeed(0, 2) // true
 */
export function deriveSeed(seed: number, stream: number): number {
  let h = Math.imul((seed | 0) ^ 0x85ebca6b, 0xc2b2ae35) ^ Math.imul(stream + 1, 0x27d4eb2f);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h >>> 0;
}
