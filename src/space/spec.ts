/**
 * Search-space specification types (see DESIGN.md "Search space"). Validation, parsing of
 * JSON/YAML files and the samplers live beside this file; the study model only needs the types.
 */
import type { HpValue } from "../core/values.js";

/** Role of a hyperparameter in a study (playbook: scientific / nuisance / fixed). */
export type Role = "scientific" | "nuisance" | "fixed";

/** A parameter exists only when its parent takes one of the given values. */
export interface Condition {
  parent: string;
  /** Values of the parent for which this parameter is active. */
  in: Array<string | number | boolean>;
}

interface ParamBase {
  name: string;
  role?: Role;
  condition?: Condition;
  /** Value used when the parameter is held fixed (role "fixed" in a study design). */
  default?: HpValue;
  /** Free-text note from the spec file. */
  description?: string;
}

/** Float in [low, high], sampled in linear or log scale. */
export interface FloatParam extends ParamBase {
  type: "float";
  low: number;
  high: number;
  scale: "linear" | "log";
  /** Number of grid points for the grid sampler (default: the sampler's `gridPoints`). */
  grid?: number;
}

/** Integer in [low, high] (inclusive), linear or log scale. */
export interface IntParam extends ParamBase {
  type: "int";
  low: number;
  high: number;
  scale: "linear" | "log";
  /** Number of grid points for the grid sampler (all integers when there are fewer). */
  grid?: number;
}

/** A finite set of ordered numbers. */
export interface DiscreteParam extends ParamBase {
  type: "discrete";
  values: number[];
}

/** Unordered choices. */
export interface CategoricalParam extends ParamBase {
  type: "categorical";
  values: Array<string | number | boolean>;
}

/** A constant (playbook: fixed hyperparameter). */
export interface FixedParam extends ParamBase {
  type: "fixed";
  value: HpValue;
}

export type Param = FloatParam | IntParam | DiscreteParam | CategoricalParam | FixedParam;

export interface SearchSpace {
  /** Parameters in declaration order; this order assigns the quasi-random dimensions. */
  params: Param[];
  name?: string;
  description?: string;
}

/** Scale of a parameter for plotting and boundary checks. */
export function paramScale(p: Param): "linear" | "log" | "categorical" {
  if (p.type === "float" || p.type === "int") return p.scale;
  if (p.type === "discrete") {
    const v = p.values.filter((x) => x > 0);
    return v.length === p.values.length && v.length > 1 && Math.max(...v) / Math.min(...v) >= 100 ? "log" : "linear";
  }
  return "categorical";
}

/**
 * The parameter called `name`, if any.
 * @example findParam(space, "learning_rate")?.type // "float"
 */
export function findParam(space: SearchSpace | undefined, name: string): Param | undefined {
  return space?.params.find((p) => p.name === name);
}
