/**
 * Scrambled Halton sequence (playbook FAQ "Why use quasi-random search…": a "jittered, shuffled
 * grid search" that spreads points out more than random search).
 *
 * - Dimension j uses the j-th prime as its base (2, 3, 5, 7, …).
 * - Scrambling is **random digit permutation** ("permutation scrambling", Braaten–Weller /
 *   Owen-style as in scipy ≥ 1.10 `qmc.Halton(scramble=True)`): for every (dimension, digit
 *   position) a random permutation π of {0..b-1} drawn from SplitMix64 seeded by (seed, dimension);
 *   the point is Σ_p π_p(digit_p(k)) · b^-(p+1) over all digit positions p needed for 53-bit
 *   resolution (trailing zero digits are permuted too, exactly as scipy does, which acts as a
 *   random shift of the low digits). Permutations are bijections per position, so every block of
 *   b^m consecutive indices starting at a multiple of b^m still puts one point in each 1/b^m
 *   interval of that coordinate (the stratification of the unscrambled sequence).
 * - **Skip**: trial i uses sequence index k = i + skip. The default skip is 0 when scrambled
 *   (index 0 is then a random point, and blocks stay aligned for the stratification above) and 1
 *   when unscrambled (index 0 is the corner [0, …, 0], i.e. every parameter at its lower bound).
 *   `skip: 0` with `scramble: false` reproduces the textbook table [0,0], [1/2,1/3], [1/4,2/3], ….
 * - Point i is a pure function of (d, seed, scramble, skip, i): no sequential state, so any
 *   trial can be regenerated alone and shards can be generated independently.
 *
 * Speed: digits are processed in chunks of g digits (b^g ≤ 4096) through precomputed tables
 * T_c[v] = Σ_t π_{cg+t}(digit_t(v)) · b^-(cg+t+1), so a coordinate costs a few table lookups; in
 * bulk, the high chunks change only every b^g indices and the inner loop is one add per value.
 */
import { SplitMix64 } from "./prng.js";

export interface HaltonOptions {
  /** Seed of the scrambling permutations (non-negative safe integer). Default 0. */
  seed?: number;
  /** Index of the first point (trial index). Default 0. */
  start?: number;
  /** Random digit permutations. Default true. */
  scramble?: boolean;
  /** Sequence index of trial 0. Default 0 when scrambled, 1 when not (see module doc). */
  skip?: number;
}

const ONE_MINUS = 1 - 2 ** -53;
const MAX_CHUNK = 4096;

/** The first `d` primes (the Halton bases). @example firstPrimes(4) // [2, 3, 5, 7] */
export function firstPrimes(d: number): number[] {
  const out: number[] = [];
  for (let c = 2; out.length < d; c++) {
    let prime = true;
    for (const p of out) {
      if (p * p > c) break;
      if (c % p === 0) {
        prime = false;
        break;
      }
    }
    if (prime) out.push(c);
  }
  return out;
}

/**
 * Textbook (unscrambled) radical inverse of k in base b: the digits of k mirrored about the point.
 * @example radicalInverse(6, 2) // 0.375 (6 = 110₂ → 0.011₂)
 */
export function radicalInverse(k: number, base: number): number {
  let v = 0;
  let scale = 1 / base;
  while (k > 0) {
    const q = Math.floor(k / base);
    v += (k - q * base) * scale;
    scale /= base;
    k = q;
  }
  return v;
}

/** Precomputed chunk tables for one coordinate. */
interface CoordTables {
  base: number;
  /** Chunk base B = b^g. */
  B: number;
  /** Number of chunks C. */
  C: number;
  /** C tables of B entries, chunk c at offset c·B. */
  T: Float64Array;
}

const tableCache = new Map<string, CoordTables>();

function coordTables(dim: number, base: number, seed: number, scramble: boolean): CoordTables {
  const key = `${scramble ? seed : "u"}:${dim}:${base}`;
  const hit = tableCache.get(key);
  if (hit) return hit;
  let g = 1;
  while (base ** (g + 1) <= MAX_CHUNK) g++;
  const B = base ** g;
  // Digit positions P with b^P ≥ 2^53: enough for any safe-integer index and 53-bit resolution.
  let P = 0;
  for (let x = 1; x < 2 ** 53; x *= base) P++;
  const C = Math.ceil(P / g);
  const positions = C * g;
  const perms: Uint16Array[] = [];
  const rng = scramble ? new SplitMix64(seed, dim) : null;
  for (let p = 0; p < positions; p++) {
    const perm = new Uint16Array(base);
    for (let v = 0; v < base; v++) perm[v] = v;
    if (rng) {
      // Fisher–Yates
      for (let v = base - 1; v > 0; v--) {
        const w = rng.nextInt(v + 1);
        const t = perm[v]!;
        perm[v] = perm[w]!;
        perm[w] = t;
      }
    }
    perms.push(perm);
  }
  // Exact powers where representable: digit / b^(p+1) is then one correctly rounded division.
  const pow = new Float64Array(positions + 1);
  pow[0] = 1;
  for (let p = 1; p <= positions; p++) pow[p] = pow[p - 1]! * base;
  const T = new Float64Array(C * B);
  const digits = new Uint16Array(g);
  for (let c = 0; c < C; c++) {
    for (let v = 0; v < B; v++) {
      let x = v;
      for (let t = 0; t < g; t++) {
        digits[t] = x % base;
        x = Math.floor(x / base);
      }
      let s = 0;
      for (let t = g - 1; t >= 0; t--) s += perms[c * g + t]![digits[t]!]! / pow[c * g + t + 1]!;
      T[c * B + v] = s;
    }
  }
  const tables = { base, B, C, T };
  if (tableCache.size > 512) tableCache.clear();
  tableCache.set(key, tables);
  return tables;
}

/** Sum of chunks 1..C-1 for high part q (= k / B), smallest first so the order is canonical. */
function highSum(tb: CoordTables, q: number): number {
  const { B, C, T } = tb;
  const chunks: number[] = [];
  for (let c = 1; c < C; c++) {
    const q2 = Math.floor(q / B);
    chunks.push(q - q2 * B);
    q = q2;
  }
  let h = 0;
  for (let c = C - 1; c >= 1; c--) h = T[c * B + chunks[c - 1]!]! + h;
  return h;
}

function resolve(opts: HaltonOptions): { seed: number; start: number; scramble: boolean; skip: number } {
  const scramble = opts.scramble ?? true;
  const seed = opts.seed ?? 0;
  const start = opts.start ?? 0;
  const skip = opts.skip ?? (scramble ? 0 : 1);
  for (const [name, v] of [["seed", seed], ["start", start], ["skip", skip]] as const) {
    if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`halton: ${name} must be a non-negative integer, not ${v}`);
  }
  return { seed, start, scramble, skip };
}

/**
 * Points start … start+n-1 of the d-dimensional (scrambled) Halton sequence, row-major in one
 * Float64Array (point i, coordinate j at [(i - start)·d + j]); every value in [0, 1).
 *
 * @example
 * haltonPoints(4, 2, { scramble: false, skip: 0 }); // [0,0, 0.5,0.333…, 0.25,0.666…, 0.75,0.111…]
 * haltonPoints(1000, 10, { seed: 7 });               // 1000 scrambled points in 10 dims
 */
export function haltonPoints(n: number, d: number, opts: HaltonOptions = {}): Float64Array {
  const { seed, start, scramble, skip } = resolve(opts);
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`halton: n must be a non-negative integer, not ${n}`);
  if (!Number.isSafeInteger(d) || d < 0) throw new RangeError(`halton: d must be a non-negative integer, not ${d}`);
  if (start + skip + n > 2 ** 53) throw new RangeError("halton: index beyond 2^53");
  const out = new Float64Array(n * d);
  const bases = firstPrimes(d);
  const tables = bases.map((b, j) => coordTables(j, b, seed, scramble));
  // Blocks of rows keep the strided writes of all d coordinates inside the cache.
  const BLOCK = 2048;
  const k0 = start + skip;
  for (let b0 = 0; b0 < n; b0 += BLOCK) {
    const b1 = Math.min(n, b0 + BLOCK);
    for (let j = 0; j < d; j++) {
      const tb = tables[j]!;
      const { B, T } = tb;
      let k = k0 + b0;
      const end = k0 + b1;
      let o = b0 * d + j;
      while (k < end) {
        const q = Math.floor(k / B);
        let r = k - q * B;
        const h = highSum(tb, q);
        const runEnd = Math.min(end, (q + 1) * B);
        for (; k < runEnd; k++, r++, o += d) {
          const v = T[r]! + h;
          out[o] = v < 1 ? v : ONE_MINUS;
        }
      }
    }
  }
  return out;
}

/**
 * Point i alone (trial index i): equal, bit for bit, to point i of {@link haltonPoints}.
 *
 * @example
 * haltonPoint(5, 2, { scramble: false, skip: 0 }); // [0.625, 0.777…]
 */
export function haltonPoint(i: number, d: number, opts: Omit<HaltonOptions, "start"> = {}): Float64Array {
  return haltonPoints(1, d, { ...opts, start: i });
}
