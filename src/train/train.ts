/**
 * The training loop: one fused step per update (forward, gradients, clipping, the playbook's update
 * rule, all in one tf.tidy, one small data read), evaluation every K steps, checkpoints,
 * divergence and out-of-memory detection.
 */
import * as tf from "@tensorflow/tfjs";
import { TunebookError, isBetter, type Objective } from "../study/types.js";
import { activeBackend, selectBackend } from "./backend.js";
import { CheckpointStore } from "./checkpoints.js";
import { clipByGlobalNorm } from "./clipping.js";
import { validateTrainConfig } from "./config.js";
import { batchIndices, loadDataset, toTensors, type Dataset, type DatasetTensors } from "./data.js";
import { correctCount, evaluate, perExampleLoss } from "./evaluate.js";
import { checkFits } from "./memory.js";
import { buildModel, userModel, type Net } from "./models.js";
import { createOptimizer, type ParamOptimizer } from "./optimizers.js";
import { deriveSeed } from "./rng.js";
import { learningRate } from "./schedules.js";
import { METRICS, type BackendName, type TrainConfig, type TrainOptions, type TrainResult, type TrainStatus } from "./types.js";

/** Error messages that mean the backend ran out of memory (wasm heap, native allocator, JS heap). */
const OOM_PATTERN = /out of memory|\bOOM\b|Cannot enlarge memory|allocation failed|failed to allocate|Array buffer allocation|Invalid typed array length|memory access out of bounds|table index is out of bounds|ResourceExhausted|OutOfMemory/i;

/** Raised before training when a step cannot fit in memory (becomes status "oom"). */
export class OutOfMemory extends Error {
  override name = "OutOfMemory";
}

/** Does this error mean out-of-memory? @example isOutOfMemory(new RangeError("Array buffer allocation failed")) // true */
export function isOutOfMemory(e: unknown): boolean {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : typeof e === "object" && e && "message" in e ? String((e as { message: unknown }).message) : String(e);
  return OOM_PATTERN.test(msg);
}

/** Values read back after one training step. */
export interface StepStats {
  loss: number;
  gradNorm: number;
  /** Fraction of the batch classified correctly (NaN for regression). */
  accuracy: number;
}

/**
 * A training run you can drive and inspect: `run()` trains, `restore(step)` loads a kept checkpoint
 * into the model, `evaluate()` measures the validation set, `dispose()` frees everything.
 * `trainTrial` is create → run → dispose.
 *
 * @example
 * const t = await Trainer.create(cfg, { onMeasurement: () => {} });
 * const result = await t.run();
 * if (result.bestStep !== null) t.restore(result.bestStep);
 * console.log(t.evaluate());
 * t.dispose();
 */
export class Trainer {
  readonly objective: Objective;
  /** Updates done so far. */
  step = 0;
  private measurements = 0;
  private final: Record<string, number> = Object.create(null);
  private nextBatch: () => Int32Array;
  private disposed = false;

  private constructor(
    readonly config: TrainConfig,
    readonly backend: BackendName,
    readonly data: Dataset,
    readonly tensors: DatasetTensors,
    readonly net: Net,
    readonly optimizer: ParamOptimizer,
    readonly checkpoints: CheckpointStore,
    private readonly options: TrainOptions,
  ) {
    this.objective = config.objective ?? { metric: METRICS.validationLoss, direction: "minimize" };
    this.nextBatch = batchIndices(data.nTrain, config.batch_size, deriveSeed(config.seed, 2));
  }

  /** Validate the config, select the backend, load data and build model and optimizer. */
  static async create(config: TrainConfig, options: TrainOptions): Promise<Trainer> {
    const cfg = validateTrainConfig(config);
    const backend = await selectBackend(cfg.backend ?? "auto");
    const data = loadDataset(cfg.data, cfg.model.name === "cnn" ? "image" : "flat");
    if (cfg.model.name === "cnn" && cfg.data.name !== "mnist" && !options.model) {
      throw new TunebookError("the cnn model needs 28×28 images (data mnist)", undefined, undefined, "model.name");
    }
    if (!options.model) {
      const oom = checkFits(cfg.model, data, Math.max(cfg.batch_size, cfg.eval_batch_size ?? 1000), backend);
      if (oom) throw new OutOfMemory(oom);
    }
    const tensors = toTensors(data);
    const net = options.model ? userModel(options.model, cfg.seed) : buildModel(cfg.model, data.inputShape, data.outputs, cfg.seed);
    const optimizer = createOptimizer(cfg.optimizer, net.variables);
    const objective = cfg.objective ?? { metric: METRICS.validationLoss, direction: "minimize" as const };
    const store = new CheckpointStore(cfg.checkpoints?.keep ?? 1, objective.direction, cfg.checkpoints?.dir);
    return new Trainer(cfg, backend, data, tensors, net, optimizer, store, options);
  }

  private emit(step: number, metric: string, value: number): void {
    this.measurements += 1;
    this.final[metric] = value;
    this.options.onMeasurement(step, metric, value);
  }

  /**
   * One update with learning rate `lr`: forward, backward, global-norm clipping, optimizer rule.
   * Everything stays on the backend until one read of [loss, grad norm, correct].
   */
  trainStep(lr: number): StepStats {
    const idx = this.nextBatch();
    const task = this.data.task;
    const b = idx.length;
    const stepSeed = deriveSeed(this.config.seed, 1000 + this.step);
    const stats = tf.tidy(() => {
      const { xb, yb } = this.hostBatch(idx);
      // variableGrads disposes the forward pass's intermediates, so count correct ones inside it
      let correct: tf.Tensor | null = null;
      const { value, grads } = tf.variableGrads(() => {
        const out = this.net.apply(xb, true, stepSeed);
        if (task === "classification") correct = tf.keep(correctCount(out, yb));
        return tf.mean(perExampleLoss(task, out, yb)) as tf.Scalar;
      }, this.net.variables);
      const list = this.net.variables.map((v) => grads[v.name]!);
      const { grads: clipped, norm } = clipByGlobalNorm(list, this.config.clip_norm);
      this.optimizer.apply(clipped, lr);
      const kept = correct as tf.Tensor | null;
      const result = tf.stack([value, norm, kept ?? tf.scalar(NaN)]);
      kept?.dispose();
      return result;
    });
    const [loss, gradNorm, correct] = stats.dataSync();
    stats.dispose();
    this.step += 1;
    return { loss: loss!, gradNorm: gradNorm!, accuracy: correct! / b };
  }

  /**
   * Assemble a batch on the host and upload it: copying rows in JS is ~15× cheaper than the wasm
   * backend's Gather kernel for a 128×784 batch.
   */
  private hostBatch(idx: Int32Array): { xb: tf.Tensor; yb: tf.Tensor } {
    const d = this.data;
    const row = d.inputShape.reduce((a, b) => a * b, 1);
    const b = idx.length;
    const x = new Float32Array(b * row);
    for (let i = 0; i < b; i++) x.set(d.xTrain.subarray(idx[i]! * row, (idx[i]! + 1) * row), i * row);
    const y = new Float32Array(b * d.outputs);
    if (d.task === "classification") for (let i = 0; i < b; i++) y[i * d.outputs + d.yTrain[idx[i]!]!] = 1;
    else for (let i = 0; i < b; i++) y.set(d.yTrain.subarray(idx[i]! * d.outputs, (idx[i]! + 1) * d.outputs), i * d.outputs);
    return { xb: tf.tensor(x, [b, ...d.inputShape], "float32"), yb: tf.tensor2d(y, [b, d.outputs], "float32") };
  }

  /** Validation loss/accuracy of the current weights. @example t.evaluate().loss */
  evaluate(): { loss: number; accuracy: number | null } {
    return evaluate(this.net, this.data.task, this.tensors.xValidation, this.tensors.yValidation, this.config.eval_batch_size ?? 1000);
  }

  /** Load the checkpoint kept for `step` into the model. */
  restore(step: number): void {
    this.checkpoints.restore(step, this.net.variables);
  }

  /** Train for `config.steps` updates (or until divergence / abort / error). */
  async run(): Promise<TrainResult> {
    const cfg = this.config;
    const t0 = performance.now();
    const logEvery = cfg.log_every ?? 1;
    const lossFactor = cfg.divergence?.loss_factor ?? 10;
    const base = cfg.optimizer.learning_rate;
    let status: TrainStatus = "complete";
    let divergedStep: number | undefined;
    let error: string | undefined;
    let initialLoss: number | null = null;
    let best: number | null = null;
    let bestStep: number | null = null;
    // throughput window: training time only (evaluation excluded)
    let windowSteps = 0;
    let windowMs = 0;
    let lastYield = performance.now();
    let lastProgress = performance.now();

    try {
      while (this.step < cfg.steps) {
        if (this.options.signal?.aborted) {
          status = "failed";
          error = "aborted";
          break;
        }
        const s = this.step + 1;
        const lr = learningRate(cfg.schedule, base, s, cfg.steps);
        const ts = performance.now();
        const st = this.trainStep(lr);
        windowMs += performance.now() - ts;
        windowSteps += 1;
        if (initialLoss === null) initialLoss = st.loss;
        const diverged = !Number.isFinite(st.loss) || !Number.isFinite(st.gradNorm) || st.loss > lossFactor * Math.max(initialLoss, 1e-12);
        if (s % logEvery === 0 || s === cfg.steps || diverged) {
          this.emit(s, METRICS.trainLoss, st.loss);
          if (this.data.task === "classification") this.emit(s, METRICS.trainAccuracy, st.accuracy);
          this.emit(s, METRICS.lr, lr);
          this.emit(s, METRICS.gradNorm, st.gradNorm);
          this.emit(s, METRICS.examplesPerSec, (windowSteps * cfg.batch_size) / Math.max(windowMs / 1000, 1e-9));
          windowSteps = 0;
          windowMs = 0;
        }
        if (diverged) {
          status = "diverged";
          divergedStep = s;
          break;
        }
        if (s % cfg.eval_every === 0 || s === cfg.steps) {
          const ev = this.evaluate();
          this.emit(s, METRICS.validationLoss, ev.loss);
          if (ev.accuracy !== null) this.emit(s, METRICS.validationAccuracy, ev.accuracy);
          const value = this.final[this.objective.metric];
          if (value !== undefined) {
            if (best === null || isBetter(value, best, this.objective.direction)) {
              best = value;
              bestStep = s;
            }
            this.checkpoints.save(s, value, this.net.variables);
          }
        }
        const now = performance.now();
        if (this.options.onProgress && (now - lastProgress > 1000 || s === cfg.steps)) {
          lastProgress = now;
          this.options.onProgress({ step: s, steps: cfg.steps, loss: st.loss, examplesPerSec: this.final[METRICS.examplesPerSec] ?? 0, elapsedSeconds: (now - t0) / 1000 });
        }
        // let timers, messages and abort signals through now and then
        if (now - lastYield > 200) {
          await new Promise((r) => setImmediate(r));
          lastYield = performance.now();
        }
      }
    } catch (e) {
      status = isOutOfMemory(e) ? "oom" : "failed";
      error = e instanceof Error ? e.message : String(e);
    }
    return {
      status,
      ...(divergedStep !== undefined ? { divergedStep } : {}),
      ...(error !== undefined ? { error } : {}),
      backend: this.backend,
      steps: this.step,
      objective: this.objective,
      bestStep,
      best,
      final: { ...this.final },
      measurements: this.measurements,
      wallSeconds: (performance.now() - t0) / 1000,
      checkpoints: this.checkpoints.list(),
    };
  }

  /** Free model, optimizer state, data tensors and in-memory checkpoints. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.checkpoints.dispose();
    this.optimizer.dispose();
    this.net.dispose();
    this.tensors.dispose();
  }
}

/**
 * Run one training trial and report every measurement (train/loss, train/accuracy, lr, grad_norm,
 * examples_per_sec every `log_every` steps; validation/loss, validation/accuracy every
 * `eval_every` steps and at the end). Invalid configs and unloadable backends throw
 * TunebookError; failures during training come back as status "failed"/"oom", blow-ups as
 * "diverged" with the step.
 *
 * @example
 * const result = await trainTrial(
 *   { ...defaultTrainConfig(), steps: 300, eval_every: 100, backend: "wasm" },
 *   { onMeasurement: (step, metric, value) => rows.push({ step, metric, value }) },
 * );
 * result.status; // "complete"
 */
export async function trainTrial(config: TrainConfig, options: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  let trainer: Trainer;
  try {
    trainer = await Trainer.create(config, options);
  } catch (e) {
    if (e instanceof TunebookError) throw e;
    const status: TrainStatus = isOutOfMemory(e) ? "oom" : "failed";
    const objective = config.objective ?? { metric: METRICS.validationLoss, direction: "minimize" as const };
    return {
      status, error: e instanceof Error ? e.message : String(e), backend: activeBackend() ?? (config.backend && config.backend !== "auto" ? config.backend : "cpu"),
      steps: 0, objective, bestStep: null, best: null, final: {}, measurements: 0, wallSeconds: (performance.now() - t0) / 1000, checkpoints: [],
    };
  }
  try {
    const r = await trainer.run();
    r.wallSeconds = (performance.now() - t0) / 1000;
    return r;
  } finally {
    trainer.dispose();
  }
}
