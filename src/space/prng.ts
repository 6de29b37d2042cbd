/**
 * Small seeded generators. Written here rather than taken from npm because the exact bit stream
 * is part of a study's reproducibility contract (playbook: "It should be possible to reproduce a
 * study from six months ago"): a dependency bump must never change which trials a seed gives.
 */

const MASK64 = (1n << 64n) - 1n;

/**
 * SplitMix64 (Steele, Lea & Flood 2014), on BigInt. Used only to draw the Halton digit
 * permutations (a few hundred numbers per dimension), so BigInt speed does not matter.
 *
 * @example
 * const g = new SplitMix64(42);
 * g.nextInt(10); // an integer in [0, 10)
 */
export class SplitMix64 {
  private state: bigint;

  constructor(seed: number | bigint, stream = 0) {
    // Distinct streams (one per dimension) start from well-separated states.
    this.state = (BigInt(seed) ^ (BigInt(stream) * 0xd1b54a32d192ed03n)) & MASK64;
  }

  /** Next 64-bit output. */
  next(): bigint {
    this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = this.state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  }

  /** Uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    return Number(this.next() >> 11n) / 2 ** 53;
  }

  /** Uniform integer in [0, n) (n < 2^32), by rejection so there is no modulo bias. */
  nextInt(n: number): number {
    const N = BigInt(n);
    const limit = (1n << 64n) - ((1n << 64n) % N);
    for (;;) {
      const x = this.next();
      if (x < limit) return Number(x % N);
    }
  }
}

/** A 32-bit integer hash with good avalanche (Wellons' "triple32" family, hash-prospector). */
function mix32(x: number): number {
  x ^= x >>> 17;
  x = Math.imul(x, 0xed5ad4bb);
  x ^= x >>> 11;
  x = Math.imul(x, 0xac4c1b51);
  x ^= x >>> 15;
  x = Math.imul(x, 0x31848bab);
  x ^= x >>> 14;
  return x >>> 0;
}

/**
 * Counter-based uniform in [0, 1): a pure function of (seed, index, dim), so the random sampler's
 * trial i can be regenerated alone, like a Halton point (same idea as Philox/Threefry counters).
 *
 * @example
 * counterUniform(0, 5, 2) === counterUniform(0, 5, 2); // true
 */
export function counterUniform(seed: number, index: number, dim: number): number {
  const sLo = seed >>> 0;
  const sHi = Math.floor(seed / 4294967296) >>> 0;
  const iLo = index >>> 0;
  const iHi = Math.floor(index / 4294967296) >>> 0;
  let h = mix32(sLo ^ 0x9e3779b9);
  h = mix32(h ^ sHi);
  h = mix32(h ^ Math.imul(dim + 1, 0x85ebca6b));
  h = mix32(h ^ iHi);
  const a = mix32(h ^ iLo);
  const b = mix32(a ^ 0x27d4eb2f ^ iLo);
  return ((a >>> 5) * 67108864 + (b >>> 6)) / 9007199254740992;
}
