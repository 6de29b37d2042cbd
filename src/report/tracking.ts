/**
 * The experiment-tracking row the playbook recommends keeping for every study: name, link to the
 * config, notes, trial count, best validation result, and the command that reproduces it.
 */
import type { Study } from "../study/study.js";
import { VERSION } from "../version.js";

export interface TrackingRow {
  study: string;
  config: string | null;
  notes: string | null;
  trials: number;
  /** Best objective and the trial that reached it. */
  best: { value: number; trial: string; step: number | null; hparams: Record<string, unknown> } | null;
  objective: string;
  /** The exact command that reproduces the study (or the report, for logs tunebook did not run). */
  reproduce: string;
}

export interface Environment {
  tunebook: string;
  format: string | null;
  backend: string | null;
  seed: number | null;
  sampler: string | null;
  code: string | null;
}

/**
 * @example
 * trackingRow(study, { config: "examples/studies/command-demo.yaml" }).reproduce;
 * // "tunebook run examples/studies/command-demo.yaml --out runs/command-demo"
 */
export function trackingRow(study: Study, opts: { config?: string; notes?: string; reportCommand?: string } = {}): TrackingRow {
  const best = study.bestTrial();
  const src = study.source;
  return {
    study: study.name,
    config: opts.config ?? null,
    notes: opts.notes ?? null,
    trials: study.size,
    best: best && best.best !== null ? { value: best.best, trial: best.id, step: best.bestStep, hparams: { ...best.hparams } } : null,
    objective: `${study.objective.metric} (${study.objective.direction})`,
    reproduce: src.command ?? opts.reportCommand ?? `tunebook load ${src.path ?? study.name}`,
  };
}

/** What produced the study and the report (no clock, no host name: reports must be reproducible). */
export function environmentOf(study: Study): Environment {
  const src = study.source;
  const backends = new Set(study.trialRows().map((t) => t.attrs.backend).filter((b): b is string => typeof b === "string"));
  return {
    tunebook: VERSION,
    format: src.format ?? null,
    backend: src.backend ?? (backends.size ? [...backends].sort().join(", ") : null),
    seed: src.seed ?? null,
    sampler: src.sampler ?? null,
    code: src.code ?? null,
  };
}
