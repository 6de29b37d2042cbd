/**
 * Which measured metric plays which role in training-curve analyses: the training loss, the
 * validation metric (with its direction) and the per-step gradient norm. Logs name them
 * differently (AlgoPerf `train/loss`, `validation/accuracy`; generic `train_loss`, `val_loss`,
 * `loss`, `accuracy`), so the analyses ask this resolver instead of hard-coding names.
 */
import type { Direction, Objective } from "../study/types.js";

export interface MetricRoles {
  /** The training loss (always minimized), or null when no metric looks like one. */
  train: string | null;
  /** The validation metric: the study objective when it is measured, else the best guess. */
  validation: string | null;
  /** Direction of `validation` (the objective's direction when it is the objective). */
  validationDirection: Direction;
  /** Per-step gradient norm (`grad_norm`, `gradient_norm`, `grad/norm`…), or null. */
  gradNorm: string | null;
}

const TRAIN_LOSS_NAMES = ["train/loss", "train_loss", "training_loss", "train/cross_entropy_loss", "train.loss", "trainloss"];
const VALIDATION_NAMES = [
  "validation/loss", "val_loss", "valid_loss", "validation_loss", "val/loss", "eval_loss", "eval/loss",
  "validation/accuracy", "val_accuracy", "val_acc", "valid_accuracy", "validation_accuracy", "eval_accuracy", "accuracy", "acc",
];
const GRAD_NORM_NAMES = ["grad_norm", "gradient_norm", "grad/norm", "train/grad_norm", "grad_norm_l2", "global_grad_norm"];

const MAXIMIZE = /(acc|accuracy|ssim|bleu|map|auc|auroc|f1|precision|recall|r2|psnr|iou|dice|score)(\b|_|$)/i;
const MINIMIZE = /(loss|error|err|wer|cer|perplexity|ppl|mse|mae|rmse|nll|ctc)(\b|_|$)/i;

/**
 * Guess a metric's direction from its name: losses, errors, WER, perplexity go down; accuracy,
 * SSIM, BLEU, mAP, AUC go up. Unknown names are assumed to be minimized.
 *
 * @example
 * metricDirection("validation/accuracy"); // "maximize"
 * metricDirection("val_loss");            // "minimize"
 */
export function metricDirection(metric: string): Direction {
  const tail = metric.split("/").pop() ?? metric;
  if (MINIMIZE.test(tail)) return "minimize";
  if (MAXIMIZE.test(tail)) return "maximize";
  return "minimize";
}

function isValidationName(m: string): boolean {
  return /^(validation|valid|val|eval|dev)([/_.]|$)/i.test(m);
}
function isTestOrTrainName(m: string): boolean {
  return /^(test|train|training)([/_.]|$)/i.test(m);
}

/**
 * Resolve metric roles from the metrics a study measured.
 *
 * Rules (first match wins):
 * - **train**: one of `train/loss`, `train_loss`, `training_loss`, …; then any metric named
 *   `train…loss`; then plain `loss` (the per-step training loss in AlgoPerf `measurements.csv`
 *   and most generic logs).
 * - **validation**: the objective metric when it is measured and is not a training/test metric;
 *   then `validation/loss`, `val_loss`, …, `validation/accuracy`, `val_accuracy`, `accuracy`;
 *   then any `validation…`/`val…`/`eval…` metric. Its direction is the objective's when it is the
 *   objective, else {@link metricDirection}.
 * - **gradNorm**: `grad_norm`, `gradient_norm`, `grad/norm`, …; then any metric containing
 *   `grad` and `norm`.
 * Names given in `overrides` win over the rules.
 *
 * @example
 * resolveMetricRoles(["loss", "grad_norm", "validation/accuracy", "train/loss"],
 *   { metric: "validation/accuracy", direction: "maximize" });
 * // { train: "train/loss", validation: "validation/accuracy", validationDirection: "maximize", gradNorm: "grad_norm" }
 */
export function resolveMetricRoles(
  metrics: readonly string[],
  objective?: Objective,
  overrides: { train?: string; validation?: string; validationDirection?: Direction; gradNorm?: string } = {},
): MetricRoles {
  const have = new Set(metrics);
  const lower = new Map(metrics.map((m) => [m.toLowerCase(), m] as const));
  const pick = (names: string[]): string | null => {
    for (const n of names) {
      const m = lower.get(n.toLowerCase());
      if (m !== undefined) return m;
    }
    return null;
  };

  let train = overrides.train ?? pick(TRAIN_LOSS_NAMES);
  if (!train) train = metrics.find((m) => /^(train|training)[/_.]/i.test(m) && /loss/i.test(m)) ?? null;
  if (!train) train = pick(["loss"]);

  let validation: string | null = overrides.validation ?? null;
  let validationDirection: Direction | undefined = overrides.validationDirection;
  if (!validation && objective && have.has(objective.metric) && !isTestOrTrainName(objective.metric) && objective.metric !== train) {
    validation = objective.metric;
    validationDirection ??= objective.direction;
  }
  if (!validation) validation = pick(VALIDATION_NAMES);
  if (!validation) validation = metrics.find((m) => isValidationName(m)) ?? null;
  if (validation && validation === train) validation = null;
  if (validation && !validationDirection) {
    validationDirection = objective && objective.metric === validation ? objective.direction : metricDirection(validation);
  }

  let gradNorm = overrides.gradNorm ?? pick(GRAD_NORM_NAMES);
  if (!gradNorm) gradNorm = metrics.find((m) => /grad/i.test(m) && /norm/i.test(m)) ?? null;

  return { train, validation, validationDirection: validationDirection ?? "minimize", gradNorm };
}
