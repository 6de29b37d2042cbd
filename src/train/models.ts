/**
 * Models as plain variables + a forward function (no tf.layers in the hot path): an MLP and a
 * small CNN, initialised from the trial seed with a JS generator (same weights on every backend),
 * plus adapters for a user's own tfjs LayersModel or function model.
 */
import * as tf from "@tensorflow/tfjs";
import { deriveSeed, mulberry32 } from "./rng.js";
import type { FunctionModel, ModelConfig } from "./types.js";

/** A trainable network: its variables and a forward pass producing logits / predictions. */
export interface Net {
  variables: tf.Variable[];
  /** `dropoutSeed` makes dropout masks reproducible (pass a different value per step). */
  apply(x: tf.Tensor, training: boolean, dropoutSeed?: number): tf.Tensor;
  dispose(): void;
}

/**
 * Dense layer x·W + b whose gradient uses only untransposed matMuls (plus explicit transposes).
 * The wasm backend's fast XNNPACK path only covers matMul(a, b) without transpose flags; the
 * transposed products tfjs's default gradient uses run 7–10× slower there.
 */
function denseOp(needInputGrad: boolean) {
  return tf.customGrad((...args: unknown[]) => {
    const [x, w, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[3] as (t: tf.Tensor[]) => void;
    save([x, w]);
    const value = tf.add(tf.matMul(x, w), b);
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy as tf.Tensor2D;
      return [
        needInputGrad ? tf.matMul(dy2, tf.transpose(ws)) : tf.zerosLike(xs),
        tf.matMul(tf.transpose(xs), dy2),
        tf.sum(dy2, 0),
      ];
    };
    return { value, gradFunc };
  }) as (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => tf.Tensor;
}
const denseFirst = denseOp(false);
const denseInner = denseOp(true);

/**
 * Dense layer x·W + b with the wasm-friendly gradient (see denseOp), differentiable in x, W and b.
 *
 * @example
 * const y = dense(x, w, b); // same values and gradients as tf.add(tf.matMul(x, w), b)
 */
export const dense = denseInner;

/**
 * A variable that owns its initial value: tf.variable(t) leaves `t` alive beside the variable, so
 * the initialiser tensor is disposed here (otherwise every trial leaks it).
 *
 * @example
 * const b = ownedVariable(tf.zeros([10]));
 */
export function ownedVariable(t: tf.Tensor, trainable = true): tf.Variable {
  const v = tf.variable(t, trainable);
  t.dispose();
  return v;
}

/** He-uniform weights (suited to relu) from a JS generator. */
function heUniform(shape: number[], fanIn: number, rand: () => number): tf.Variable {
  const n = shape.reduce((a, b) => a * b, 1);
  const lim = Math.sqrt(6 / fanIn);
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (2 * rand() - 1) * lim;
  return ownedVariable(tf.tensor(v, shape, "float32"));
}

/**
 * Stride-1 "same" 2-D convolution + bias, computed as a depth-1 3-D convolution. tfjs-wasm has
 * no Conv2DBackpropFilter kernel, so tf.conv2d cannot be trained there, but Conv3D and both of
 * its backprop kernels exist (an im2col version was 20× slower: wasm's 4-D Slice is generic).
 * The kernel is stored as [k·k·C, F] (row-major [k, k, C, F]).
 *
 * @example
 * const y = conv2dSame(x, w, b, 3); // same as tf.conv2d(x, w.reshape([3, 3, C, F]), 1, "same") + b
 */
export function conv2dSame(x: tf.Tensor4D, w: tf.Tensor, b: tf.Tensor, k: number): tf.Tensor4D {
  const [n, h, wid, c] = x.shape;
  const f = w.shape[1]!;
  const y = tf.conv3d(tf.reshape(x, [n, 1, h, wid, c]) as tf.Tensor5D, tf.reshape(w, [1, k, k, c, f]) as tf.Tensor5D, 1, "same");
  return tf.add(tf.reshape(y, [n, h, wid, f]), b) as tf.Tensor4D;
}

const ACTIVATIONS = { relu: tf.relu, tanh: tf.tanh, sigmoid: tf.sigmoid, elu: tf.elu } as const;

/**
 * Build the model a config describes for inputs of `inputShape` and `outputs` outputs.
 *
 * @example
 * const net = buildModel({ name: "mlp", hidden: [256, 256] }, [784], 10, 0); // 784-256-256-10
 */
export function buildModel(cfg: ModelConfig, inputShape: number[], outputs: number, seed: number): Net {
  const rand = mulberry32(deriveSeed(seed, 1));
  const dropout = cfg.dropout ?? 0;
  const drop = (h: tf.Tensor, training: boolean, s: number | undefined, i: number) =>
    training && dropout > 0 ? tf.dropout(h, dropout, undefined, s === undefined ? undefined : deriveSeed(s, i)) : h;
  if (cfg.name === "mlp") {
    const sizes = [inputShape.reduce((a, b) => a * b, 1), ...cfg.hidden, outputs];
    const vars: tf.Variable[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) {
      vars.push(heUniform([sizes[i]!, sizes[i + 1]!], sizes[i]!, rand));
      vars.push(ownedVariable(tf.zeros([sizes[i + 1]!])));
    }
    const act = ACTIVATIONS[cfg.activation ?? "relu"];
    const layers = sizes.length - 1;
    return {
      variables: vars,
      apply(x, training, s) {
        let h = x.rank > 2 ? tf.reshape(x, [x.shape[0]!, sizes[0]!]) : x;
        for (let i = 0; i < layers; i++) {
          h = (i === 0 ? denseFirst : denseInner)(h, vars[2 * i]!, vars[2 * i + 1]!);
          if (i < layers - 1) h = drop(act(h), training, s, i);
        }
        return h;
      },
      dispose: () => vars.forEach((v) => v.dispose()),
    };
  }
  // CNN: [conv k×k same + relu + maxpool 2] per filter count, flatten, [dense + relu], dropout, output.
  const k = cfg.kernel_size ?? 3;
  const dense = cfg.dense ?? 64;
  let [hgt, wid, ch] = inputShape.length === 3 ? (inputShape as [number, number, number]) : [28, 28, 1];
  const convs: Array<{ w: tf.Variable; b: tf.Variable }> = [];
  for (const f of cfg.filters) {
    convs.push({ w: heUniform([k * k * ch, f], k * k * ch, rand), b: ownedVariable(tf.zeros([f])) });
    ch = f;
    hgt = Math.ceil(hgt / 2);
    wid = Math.ceil(wid / 2);
  }
  const flat = hgt * wid * ch;
  const fc: tf.Variable[] = [];
  let prev = flat;
  if (dense > 0) {
    fc.push(heUniform([flat, dense], flat, rand), ownedVariable(tf.zeros([dense])));
    prev = dense;
  }
  fc.push(heUniform([prev, outputs], prev, rand), ownedVariable(tf.zeros([outputs])));
  const vars = [...convs.flatMap((c) => [c.w, c.b]), ...fc];
  return {
    variables: vars,
    apply(x, training, s) {
      let h = x.rank === 2 ? tf.reshape(x, [x.shape[0]!, 28, 28, 1]) : x;
      for (const c of convs) {
        h = tf.relu(conv2dSame(h as tf.Tensor4D, c.w, c.b, k));
        h = tf.maxPool(h as tf.Tensor4D, 2, 2, "same");
      }
      h = tf.reshape(h, [h.shape[0]!, flat]);
      if (dense > 0) h = tf.relu(denseInner(h, fc[0]!, fc[1]!));
      h = drop(h, training, s, 99);
      const last = fc.length - 2;
      return denseInner(h, fc[last]!, fc[last + 1]!);
    },
    dispose: () => vars.forEach((v) => v.dispose()),
  };
}

/**
 * Wrap a user's tfjs LayersModel (its trainable weights are trained; `apply` with `training`
 * drives dropout/batch-norm) or a function model as a Net.
 *
 * @example
 * const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4] })] });
 * const net = userModel(m, 0);
 */
export function userModel(model: tf.LayersModel | FunctionModel, seed: number): Net {
  if (model instanceof tf.LayersModel) {
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    return {
      variables: vars,
      apply: (x, training) => model.apply(x, { training }) as tf.Tensor,
      dispose: () => model.dispose(),
    };
  }
  const vars = model.init(seed);
  return {
    variables: vars,
    apply: (x, training) => model.apply(vars, x, training),
    dispose: () => vars.forEach((v) => v.dispose()),
  };
}
