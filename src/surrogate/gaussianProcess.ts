/**
 * Gaussian-process regression with an ARD Matérn-5/2 kernel whose hyperparameters (signal
 * variance, one lengthscale per group of input columns, noise) are fitted by maximizing the log
 * marginal likelihood (Rasmussen & Williams 2006, ch. 2 and 5).
 *
 * Inputs are points in an embedding where each hyperparameter owns a group of columns (one for a
 * number, one-hot for a category, plus an "inactive" column for conditional ones); the kernel uses
 * the Euclidean distance with each group's columns divided by the group's lengthscale, so it is
 * positive definite for any such embedding.
 *
 * The Cholesky factorization and triangular solves are written here on flat Float64Arrays rather
 * than taken from ml-matrix: measured on this project's 2-core machine for n = 200, ml-matrix's
 * `CholeskyDecomposition` takes 25 ms and `solve(eye)` 220–440 ms (element get/set calls), and a
 * hyperparameter fit needs one factorization and one inverse per gradient step. The tests check
 * these routines against ml-matrix.
 */

/** Lower-triangular Cholesky factor of a symmetric positive-definite n×n matrix (row-major, in place on a copy). Null when not PD. */
export function cholesky(A: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = A[rj + j]!;
    for (let k = 0; k < j; k++) d -= L[rj + k]! * L[rj + k]!;
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    L[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = A[ri + j]!;
      for (let k = 0; k < j; k++) s -= L[ri + k]! * L[rj + k]!;
      L[ri + j] = s / ljj;
    }
  }
  return L;
}

/** Solve L x = b (forward substitution). */
export function solveLower(L: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b as ArrayLike<number>);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = x[i]!;
    for (let k = 0; k < i; k++) s -= L[ri + k]! * x[k]!;
    x[i] = s / L[ri + i]!;
  }
  return x;
}

/** Solve Lᵀ x = b (back substitution). */
export function solveUpper(L: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const x = Float64Array.from(b as ArrayLike<number>);
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i]!;
    for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * x[k]!;
    x[i] = s / L[i * n + i]!;
  }
  return x;
}

/** A⁻¹ from A's Cholesky factor (row-major, symmetric). */
export function choleskyInverse(L: Float64Array, n: number): Float64Array {
  // Linv = L⁻¹ (lower), then A⁻¹ = Linvᵀ Linv.
  const Li = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    Li[j * n + j] = 1 / L[j * n + j]!;
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      for (let k = j; k < i; k++) s -= L[i * n + k]! * Li[k * n + j]!;
      Li[i * n + j] = s / L[i * n + i]!;
    }
  }
  const inv = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += Li[k * n + i]! * Li[k * n + j]!;
      inv[i * n + j] = s;
      inv[j * n + i] = s;
    }
  return inv;
}

/** Kernel hyperparameters, all as natural logarithms. */
export interface GpHyper {
  logSignal: number;
  logLengths: number[];
  logNoise: number;
}

export interface GpData {
  /** Embedded inputs, one row per observation. */
  X: Float64Array[];
  /** Column ranges [start, end) of each lengthscale group. */
  groups: Array<[number, number]>;
  y: Float64Array;
}

export interface GpModel {
  data: GpData;
  hyper: GpHyper;
  L: Float64Array;
  alpha: Float64Array;
  n: number;
  logLik: number;
}

const SQRT5 = Math.sqrt(5);

/** Squared distance of two points per group (pre-scaling). */
function groupSq(a: Float64Array, b: Float64Array, groups: Array<[number, number]>, out: Float64Array): void {
  for (let g = 0; g < groups.length; g++) {
    const [s, e] = groups[g]!;
    let d = 0;
    for (let c = s; c < e; c++) {
      const t = a[c]! - b[c]!;
      d += t * t;
    }
    out[g] = d;
  }
}

function matern(r: number, signal: number): number {
  return signal * (1 + SQRT5 * r + (5 / 3) * r * r) * Math.exp(-SQRT5 * r);
}

/** Lengthscales live in [e^LOG_MIN, e^LOG_MAX] (unit-scaled inputs); noise and signal in similar boxes. */
const BOUNDS = { length: [Math.log(0.01), Math.log(20)], noise: [Math.log(1e-6), Math.log(0.5)], signal: [Math.log(0.05), Math.log(20)] } as const;
const clampTo = (x: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, x));

/** Per pair (i > j) and group: squared distance before lengthscale scaling, computed once per fit. */
function pairSquares(data: GpData): Float64Array {
  const n = data.y.length;
  const G = data.groups.length;
  const sq = new Float64Array(((n * (n - 1)) / 2) * G);
  const tmp = new Float64Array(G);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < i; j++) {
      groupSq(data.X[i]!, data.X[j]!, data.groups, tmp);
      sq.set(tmp, ((i * (i - 1)) / 2 + j) * G);
    }
  return sq;
}

/**
 * Log marginal likelihood and its gradient (w.r.t. the log hyperparameters), with a weak
 * log-normal prior on lengthscales (centred on 0.5 unit, σ = 1.5 in log space) so a handful of
 * points cannot drive a lengthscale to an edge.
 */
function logLikAndGrad(data: GpData, sq: Float64Array, h: GpHyper): { value: number; grad: number[]; L: Float64Array; alpha: Float64Array } | null {
  const n = data.y.length;
  const G = data.groups.length;
  const signal = Math.exp(h.logSignal);
  const noise = Math.exp(h.logNoise);
  const invL2 = h.logLengths.map((l) => Math.exp(-2 * l));
  const K = new Float64Array(n * n);
  const R = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const o = ((i * (i - 1)) / 2 + j) * G;
      let r2 = 0;
      for (let g = 0; g < G; g++) r2 += sq[o + g]! * invL2[g]!;
      const r = Math.sqrt(r2);
      const k = matern(r, signal);
      K[i * n + j] = k;
      K[j * n + i] = k;
      R[i * n + j] = r;
    }
    K[i * n + i] = signal + noise + 1e-9;
  }
  const L = cholesky(K, n);
  if (!L) return null;
  const alpha = solveUpper(L, n, solveLower(L, n, data.y));
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += Math.log(L[i * n + i]!);
  let fit = 0;
  for (let i = 0; i < n; i++) fit += data.y[i]! * alpha[i]!;
  let value = -0.5 * fit - logDet - 0.5 * n * Math.log(2 * Math.PI);
  const Kinv = choleskyInverse(L, n);
  // W = ααᵀ − K⁻¹; ∂L/∂θ = ½ Σ W ∘ ∂K/∂θ.
  let gSignal = 0;
  let gNoise = 0;
  const gLen = new Array<number>(G).fill(0);
  for (let i = 0; i < n; i++) {
    const wii = alpha[i]! * alpha[i]! - Kinv[i * n + i]!;
    gSignal += 0.5 * wii * signal;
    gNoise += 0.5 * wii * noise;
    for (let j = 0; j < i; j++) {
      const w = alpha[i]! * alpha[j]! - Kinv[i * n + j]!; // counted twice (i, j) and (j, i)
      const r = R[i * n + j]!;
      const e = Math.exp(-SQRT5 * r);
      gSignal += w * signal * (1 + SQRT5 * r + (5 / 3) * r * r) * e;
      // ∂k/∂log ℓ_g = σ² (5/3)(1 + √5 r) e^{−√5 r} · D_g, with D_g = S_g / ℓ_g².
      const common = w * signal * (5 / 3) * (1 + SQRT5 * r) * e;
      const o = ((i * (i - 1)) / 2 + j) * G;
      for (let g = 0; g < G; g++) gLen[g] += common * sq[o + g]! * invL2[g]!;
    }
  }
  const mu = Math.log(0.5);
  const sd2 = 1.5 * 1.5;
  for (let g = 0; g < G; g++) {
    const l = h.logLengths[g]!;
    value -= (l - mu) ** 2 / (2 * sd2);
    gLen[g] -= (l - mu) / sd2;
  }
  return { value, grad: [gSignal, ...gLen, gNoise], L, alpha };
}

/**
 * Log marginal likelihood (with the lengthscale prior) and its gradient w.r.t. [log signal,
 * log lengthscales…, log noise]; null when the covariance is not positive definite.
 *
 * @example
 * gpLogLikelihood(data, { logSignal: 0, logLengths: [Math.log(0.5)], logNoise: Math.log(0.01) })?.value
 */
export function gpLogLikelihood(data: GpData, hyper: GpHyper): { value: number; grad: number[] } | null {
  const r = logLikAndGrad(data, pairSquares(data), hyper);
  return r ? { value: r.value, grad: r.grad } : null;
}

export interface FitOptions {
  /** Start from these hyperparameters (e.g. the previous fit). */
  init?: GpHyper;
  /** Gradient steps (default 40). */
  iterations?: number;
  /** Keep these hyperparameters fixed (only factorize). */
  fixed?: boolean;
  /**
   * Fit the hyperparameters on at most this many points (every k-th), then factorize with all
   * (default 120): the likelihood's cost grows as n³ per gradient step, and lengthscales
   * estimated from 120 points barely move with 80 more.
   */
  fitSubset?: number;
}

/**
 * Fit a GP: Adam on the log hyperparameters (within bounds), keeping the best likelihood seen.
 *
 * @example
 * const gp = fitGp({ X: [Float64Array.of(0), Float64Array.of(1)], groups: [[0, 1]], y: Float64Array.of(-1, 1) });
 * predictGp(gp, Float64Array.of(0.5)); // { mean: ≈ 0, sd: … }
 */
export function fitGp(data: GpData, options: FitOptions = {}): GpModel {
  const cap = options.fitSubset ?? 120;
  if (!options.fixed && data.y.length > cap) {
    const step = data.y.length / cap;
    const idx = Array.from({ length: cap }, (_, i) => Math.floor(i * step));
    const sub = fitGp({ X: idx.map((i) => data.X[i]!), groups: data.groups, y: Float64Array.from(idx.map((i) => data.y[i]!)) }, { ...options, fitSubset: cap });
    return fitGp(data, { init: sub.hyper, fixed: true });
  }
  const n = data.y.length;
  const G = data.groups.length;
  const sq = pairSquares(data);
  let h: GpHyper = options.init
    ? { logSignal: options.init.logSignal, logLengths: [...options.init.logLengths], logNoise: options.init.logNoise }
    : { logSignal: 0, logLengths: new Array(G).fill(Math.log(0.5)), logNoise: Math.log(1e-2) };
  let best = logLikAndGrad(data, sq, h);
  // A jittered fallback when the start is numerically not PD.
  while (!best && h.logNoise < BOUNDS.noise[1]) {
    h = { ...h, logNoise: h.logNoise + 1 };
    best = logLikAndGrad(data, sq, h);
  }
  if (!best) throw new Error("Gaussian process: covariance is not positive definite");
  let bestH = h;
  if (!options.fixed) {
    const iters = options.iterations ?? 40;
    const theta = [h.logSignal, ...h.logLengths, h.logNoise];
    const m = new Array(theta.length).fill(0);
    const v = new Array(theta.length).fill(0);
    const lr = 0.08;
    let cur = best;
    for (let t = 1; t <= iters; t++) {
      const g = cur.grad;
      for (let k = 0; k < theta.length; k++) {
        m[k] = 0.9 * m[k] + 0.1 * g[k]!;
        v[k] = 0.999 * v[k] + 0.001 * g[k]! * g[k]!;
        const mh = m[k] / (1 - 0.9 ** t);
        const vh = v[k] / (1 - 0.999 ** t);
        theta[k] += (lr * mh) / (Math.sqrt(vh) + 1e-8); // ascent
      }
      theta[0] = clampTo(theta[0]!, BOUNDS.signal);
      for (let k = 1; k <= G; k++) theta[k] = clampTo(theta[k]!, BOUNDS.length);
      theta[G + 1] = clampTo(theta[G + 1]!, BOUNDS.noise);
      const hh: GpHyper = { logSignal: theta[0]!, logLengths: theta.slice(1, G + 1), logNoise: theta[G + 1]! };
      const r = logLikAndGrad(data, sq, hh);
      if (!r) break;
      cur = r;
      if (r.value > best.value) {
        best = r;
        bestH = hh;
      }
    }
  }
  return { data, hyper: bestH, L: best.L, alpha: best.alpha, n, logLik: best.value };
}

/**
 * Posterior mean and standard deviation of the latent function at a point.
 * @example predictGp(gp, x).mean
 */
export function predictGp(gp: GpModel, x: Float64Array): { mean: number; sd: number } {
  const { n, data, hyper } = gp;
  const G = data.groups.length;
  // Scratch buffers and scaled constants cached on the model: prediction runs for thousands of candidates.
  const c = (gp as GpModel & { _scratch?: { signal: number; invL2: Float64Array; k: Float64Array; s: Float64Array } })._scratch ??= {
    signal: Math.exp(hyper.logSignal),
    invL2: Float64Array.from(hyper.logLengths.map((l) => Math.exp(-2 * l))),
    k: new Float64Array(n),
    s: new Float64Array(G),
  };
  const { signal, invL2, k, s } = c;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    groupSq(x, data.X[i]!, data.groups, s);
    let r2 = 0;
    for (let g = 0; g < G; g++) r2 += s[g]! * invL2[g]!;
    k[i] = matern(Math.sqrt(r2), signal);
    mean += k[i]! * gp.alpha[i]!;
  }
  // v = L⁻¹k in place; var = σ² − |v|².
  const L = gp.L;
  let q = 0;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let t = k[i]!;
    for (let j = 0; j < i; j++) t -= L[ri + j]! * k[j]!;
    t /= L[ri + i]!;
    k[i] = t;
    q += t * t;
  }
  return { mean, sd: Math.sqrt(Math.max(1e-12, signal - q)) };
}
