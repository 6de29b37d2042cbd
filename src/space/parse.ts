/**
 * Search-space files (JSON or YAML) → a validated {@link SearchSpace}. Every problem is reported
 * at once, each naming the file, the line (when the text is available) and the field path, e.g.
 * `space.yaml:4: field "parameters.beta1.when.optimizer": "adamw" is not among optimizer's values [adam, sgd]`.
 * The format is described in docs/search-space.md.
 */
import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { LineCounter, parseDocument, type Document } from "yaml";
import { TunebookError } from "../core/errors.js";
import { formatLocation } from "../core/locations.js";
import type { Condition, FloatParam, IntParam, Param, Role, SearchSpace } from "./spec.js";

type Scalar = string | number | boolean;
type PathSeg = string | number;

interface Problem {
  path: PathSeg[];
  message: string;
}

const TYPE_ALIASES: Record<string, Param["type"]> = {
  float: "float",
  real: "float",
  double: "float",
  int: "int",
  integer: "int",
  discrete: "discrete",
  categorical: "categorical",
  choice: "categorical",
  fixed: "fixed",
  constant: "fixed",
};
const ROLES: readonly Role[] = ["scientific", "nuisance", "fixed"];
const PARAM_KEYS = new Set([
  "name",
  "type",
  "low",
  "high",
  "scale",
  "values",
  "value",
  "role",
  "when",
  "condition",
  "grid",
  "default",
  "description",
]);
const TOP_KEYS = new Set(["name", "description", "parameters", "params"]);

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
function isScalar(x: unknown): x is Scalar {
  return typeof x === "string" || typeof x === "boolean" || (typeof x === "number" && !Number.isNaN(x));
}
function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : String(v);
}
function showList(vs: readonly unknown[]): string {
  const shown = vs.slice(0, 12).map((v) => (typeof v === "string" ? v : String(v)));
  return `[${shown.join(", ")}${vs.length > 12 ? ", …" : ""}]`;
}
function pathString(path: PathSeg[]): string {
  let s = "";
  for (const seg of path) s += typeof seg === "number" ? `[${seg}]` : s ? `.${seg}` : seg;
  return s;
}

/**
 * Parse and validate a search space given as text (JSON or YAML) or as an already-parsed object.
 * `file` is only used in messages (and to pick JSON when it ends in `.json`).
 *
 * @example
 * const space = parseSpace(`
 * parameters:
 *   learning_rate: {type: float, low: 1e-4, high: 1e-1, scale: log}
 *   optimizer: {type: categorical, values: [adam, sgd], role: scientific}
 *   beta1: {type: float, low: 0.8, high: 0.99, when: {optimizer: adam}}
 * `, "space.yaml");
 * space.params.map((p) => p.name); // ["learning_rate", "optimizer", "beta1"]
 */
export function parseSpace(input: string | unknown, file?: string): SearchSpace {
  let data: unknown = input;
  let doc: Document | undefined;
  const lines = new LineCounter();
  if (typeof input === "string") {
    const isJson = file ? extname(file).toLowerCase() === ".json" : input.trimStart().startsWith("{");
    if (isJson) {
      try {
        data = JSON.parse(input);
      } catch (e) {
        throw new TunebookError(`invalid JSON: ${(e as Error).message}`, file);
      }
      try {
        doc = parseDocument(input, { lineCounter: lines, uniqueKeys: true });
      } catch {
        doc = undefined; // line numbers are a courtesy
      }
      // JSON.parse keeps the last of duplicate keys silently; a repeated parameter is a mistake.
      const dup = doc?.errors.find((e) => e.code === "DUPLICATE_KEY");
      if (dup) throw new TunebookError(`invalid JSON: ${dup.message.split("\n")[0]}`, file, dup.linePos?.[0]?.line);
    } else {
      doc = parseDocument(input, { lineCounter: lines, uniqueKeys: true });
      if (doc.errors.length) {
        const err = doc.errors[0]!;
        const line = err.linePos?.[0]?.line;
        throw new TunebookError(`invalid YAML: ${err.message.split("\n")[0]}`, file, line);
      }
      try {
        data = doc.toJS();
      } catch (e) {
        // yaml refuses alias bombs (a billion laughs) here: say so, naming the file.
        throw new TunebookError(`invalid YAML: ${(e as Error).message.split("\n")[0]}`, file);
      }
    }
  }
  const problems: Problem[] = [];
  const space = validate(data, problems);
  if (problems.length) {
    const lineOf = (path: PathSeg[]): number | undefined => {
      if (!doc) return undefined;
      // The deepest node of the path that exists in the document.
      for (let k = path.length; k >= 0; k--) {
        const n = doc.getIn(path.slice(0, k), true) as { range?: [number, number, number] } | undefined;
        if (n?.range) return lines.linePos(n.range[0]).line;
      }
      return undefined;
    };
    if (problems.length === 1) {
      const p = problems[0]!;
      throw new TunebookError(p.message, file, lineOf(p.path), pathString(p.path) || undefined);
    }
    const body = problems
      .map((p) => "  " + formatLocation({ file, line: lineOf(p.path), field: pathString(p.path) || undefined }) + p.message)
      .join("\n");
    throw new TunebookError(`${problems.length} problems in the search space:\n${body}`);
  }
  return space;
}

/**
 * Read and validate a search-space file (`.json`, `.yaml` or `.yml`).
 * @example const space = await loadSpace("examples/spaces/mnist-adam.yaml");
 */
export async function loadSpace(path: string): Promise<SearchSpace> {
  const ext = extname(path).toLowerCase();
  if (ext !== ".json" && ext !== ".yaml" && ext !== ".yml") {
    throw new TunebookError(`a search space must be a .json, .yaml or .yml file, not "${ext || "(no extension)"}"`, path);
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new TunebookError(`cannot read the file: ${(e as Error).message}`, path);
  }
  return parseSpace(text, path);
}

function validate(data: unknown, problems: Problem[]): SearchSpace {
  const space: SearchSpace = { params: [] };
  if (!isObject(data)) {
    problems.push({ path: [], message: "a search space must be an object with `parameters` (or `params`)" });
    return space;
  }
  for (const k of Object.keys(data)) {
    if (!TOP_KEYS.has(k)) problems.push({ path: [k], message: `unknown key (expected one of ${[...TOP_KEYS].join(", ")})` });
  }
  if (data.name !== undefined) {
    if (typeof data.name === "string") space.name = data.name;
    else problems.push({ path: ["name"], message: "must be a string" });
  }
  if (data.description !== undefined) {
    if (typeof data.description === "string") space.description = data.description;
    else problems.push({ path: ["description"], message: "must be a string" });
  }
  const hasP = data.parameters !== undefined;
  const hasA = data.params !== undefined;
  if (hasP && hasA) problems.push({ path: ["params"], message: "give either `parameters` or `params`, not both" });
  const key = hasP ? "parameters" : "params";
  const raw = data[key];
  const entries: Array<{ path: PathSeg[]; name: unknown; body: unknown }> = [];
  if (raw === undefined) {
    problems.push({ path: [], message: "missing `parameters` (a map name → spec) or `params` (a list of specs with `name`)" });
  } else if (Array.isArray(raw)) {
    raw.forEach((body, i) => entries.push({ path: [key, i], name: isObject(body) ? body.name : undefined, body }));
  } else if (isObject(raw)) {
    for (const name of Object.keys(raw)) entries.push({ path: [key, name], name, body: raw[name] });
  } else {
    problems.push({ path: [key], message: "must be a map of name → spec or a list of specs" });
  }
  if (entries.length === 0 && raw !== undefined) problems.push({ path: [key], message: "is empty: declare at least one parameter" });

  const seen = new Map<string, PathSeg[]>();
  const where = new Map<string, PathSeg[]>();
  for (const e of entries) {
    const p = parseParam(e.name, e.body, e.path, problems);
    if (!p) continue;
    const prev = seen.get(p.name);
    if (prev) {
      problems.push({ path: [...e.path, "name"], message: `duplicate parameter name "${p.name}" (first at ${pathString(prev)})` });
      continue;
    }
    seen.set(p.name, e.path);
    where.set(p.name, e.path);
    space.params.push(p);
  }
  const declared = new Set(entries.map((e) => e.name).filter((n): n is string => typeof n === "string"));
  checkConditions(space.params, where, declared, problems);
  return space;
}

function parseParam(name: unknown, body: unknown, path: PathSeg[], problems: Problem[]): Param | undefined {
  const bad = (field: string | null, message: string) => {
    problems.push({ path: field === null ? path : [...path, field], message });
  };
  if (typeof name !== "string" || name === "") {
    bad("name", "every parameter needs a non-empty string `name`");
    return undefined;
  }
  // Shorthand: `weight_decay: 0` is a fixed parameter.
  if (isScalar(body)) return { name, type: "fixed", value: body, role: "fixed" };
  if (!isObject(body)) {
    bad(null, "must be a spec object such as {type: float, low: 0, high: 1}, or a constant");
    return undefined;
  }
  const before = problems.length;
  for (const k of Object.keys(body)) {
    if (!PARAM_KEYS.has(k)) bad(k, `unknown key (expected one of ${[...PARAM_KEYS].join(", ")})`);
  }
  if (typeof body.name === "string" && path.length && typeof path[path.length - 1] === "string" && body.name !== name) {
    bad("name", `"${body.name}" differs from the map key "${name}"`);
  }
  const typeRaw = body.type;
  const type = typeof typeRaw === "string" ? TYPE_ALIASES[typeRaw.toLowerCase()] : undefined;
  if (typeRaw === undefined) {
    bad("type", `missing (one of float, int, discrete, categorical, fixed)`);
    return undefined;
  }
  if (!type) {
    bad("type", `unknown type ${show(typeRaw)} (expected one of float, int, discrete, categorical, fixed)`);
    return undefined;
  }
  let role: Role | undefined;
  if (body.role !== undefined) {
    if (typeof body.role === "string" && (ROLES as readonly string[]).includes(body.role)) role = body.role as Role;
    else bad("role", `must be one of scientific, nuisance, fixed, not ${show(body.role)}`);
  }
  const allowed: Record<Param["type"], string[]> = {
    float: ["low", "high", "scale", "grid"],
    int: ["low", "high", "scale", "grid"],
    discrete: ["values"],
    categorical: ["values"],
    fixed: ["value"],
  };
  for (const k of ["low", "high", "scale", "grid", "values", "value"]) {
    if (body[k] !== undefined && !allowed[type].includes(k)) bad(k, `not used by a ${type} parameter`);
  }
  let p: Param | undefined;
  if (type === "float" || type === "int") {
    const low = body.low;
    const high = body.high;
    const scaleRaw = body.scale ?? "linear";
    let ok = true;
    for (const [k, v] of [["low", low], ["high", high]] as const) {
      if (typeof v !== "number" || !Number.isFinite(v)) {
        bad(k, v === undefined ? `missing (a ${type} parameter needs low and high)` : `must be a finite number, not ${show(v)}`);
        ok = false;
      } else if (type === "int" && !Number.isInteger(v)) {
        bad(k, `must be an integer for an int parameter, not ${v}`);
        ok = false;
      }
    }
    if (scaleRaw !== "linear" && scaleRaw !== "log") {
      bad("scale", `must be "linear" or "log", not ${show(scaleRaw)}`);
      ok = false;
    }
    if (ok) {
      const lo = low as number;
      const hi = high as number;
      const scale = scaleRaw as "linear" | "log";
      if (lo >= hi) bad("low", `low (${lo}) must be < high (${hi})`);
      else if (scale === "log" && type === "float" && lo <= 0) bad("low", `log scale needs low > 0, got ${lo}`);
      else if (scale === "log" && type === "int" && lo < 1) bad("low", `a log-scaled int needs low ≥ 1, got ${lo}`);
      const ranged: FloatParam | IntParam = { name, type, low: lo, high: hi, scale };
      if (body.grid !== undefined) {
        if (typeof body.grid === "number" && Number.isInteger(body.grid) && body.grid >= 1) ranged.grid = body.grid;
        else bad("grid", `must be an integer ≥ 1 (number of grid points), not ${show(body.grid)}`);
      }
      p = ranged;
    }
  } else if (type === "discrete" || type === "categorical") {
    const values = body.values;
    if (!Array.isArray(values)) {
      bad("values", values === undefined ? `missing (a ${type} parameter needs a list of values)` : "must be a list");
    } else if (values.length === 0) {
      bad("values", "is empty: give at least one value");
    } else {
      const okValues: Scalar[] = [];
      values.forEach((v, i) => {
        if (type === "discrete" ? typeof v !== "number" || !Number.isFinite(v) : !isScalar(v)) {
          bad("values", `[${i}] must be a ${type === "discrete" ? "finite number" : "string, number or boolean"}, not ${show(v)}`);
        } else if (okValues.includes(v)) {
          bad("values", `[${i}] duplicate value ${show(v)}`);
        } else okValues.push(v);
      });
      p = type === "discrete" ? { name, type, values: okValues as number[] } : { name, type, values: okValues };
    }
  } else {
    if (body.value === undefined) bad("value", "missing (a fixed parameter needs a value)");
    else if (!isScalar(body.value)) bad("value", `must be a string, number or boolean, not ${show(body.value)}`);
    else p = { name, type: "fixed", value: body.value };
    if (role && role !== "fixed") bad("role", `a parameter of type fixed has role fixed, not ${role}`);
  }
  if (!p) return undefined;
  p.role = role ?? (p.type === "fixed" ? "fixed" : "nuisance");
  if (body.description !== undefined) {
    if (typeof body.description === "string") p.description = body.description;
    else bad("description", "must be a string");
  }
  if (body.default !== undefined) {
    const d = body.default;
    if (!isScalar(d) || !valueAllowed(p, d)) bad("default", `${show(d)} is not a value of ${describeDomain(p)}`);
    else p.default = d;
  }
  if (body.when !== undefined && body.condition !== undefined) bad("when", "give either `when` or `condition`, not both");
  const cond = parseCondition(body, path, problems);
  if (cond) p.condition = cond;
  return problems.length === before ? p : undefined;
}

function parseCondition(body: Record<string, unknown>, path: PathSeg[], problems: Problem[]): Condition | undefined {
  let parent: unknown;
  let values: unknown;
  let at: PathSeg[];
  if (body.when !== undefined) {
    const w = body.when;
    at = [...path, "when"];
    if (!isObject(w) || Object.keys(w).length !== 1) {
      problems.push({ path: at, message: "must name exactly one parent, e.g. {optimizer: adam} or {optimizer: [adam, nadam]}" });
      return undefined;
    }
    parent = Object.keys(w)[0];
    values = w[parent as string];
    at = [...at, parent as string];
  } else if (body.condition !== undefined) {
    const c = body.condition;
    at = [...path, "condition"];
    if (!isObject(c) || typeof c.parent !== "string" || c.in === undefined) {
      problems.push({ path: at, message: "must be {parent: name, in: [values]}" });
      return undefined;
    }
    parent = c.parent;
    values = c.in;
    at = [...at, "in"];
  } else return undefined;
  const list = Array.isArray(values) ? values : [values];
  if (list.length === 0) {
    problems.push({ path: at, message: "needs at least one value of the parent" });
    return undefined;
  }
  for (const v of list) {
    if (!isScalar(v)) {
      problems.push({ path: at, message: `condition values must be strings, numbers or booleans, not ${show(v)}` });
      return undefined;
    }
  }
  return { parent: parent as string, in: list as Scalar[] };
}

function valueAllowed(p: Param, v: Scalar): boolean {
  switch (p.type) {
    case "float":
      return typeof v === "number" && v >= p.low && v <= p.high;
    case "int":
      return typeof v === "number" && Number.isInteger(v) && v >= p.low && v <= p.high;
    case "discrete":
    case "categorical":
      return (p.values as Scalar[]).includes(v);
    case "fixed":
      return v === p.value;
  }
}

function describeDomain(p: Param): string {
  switch (p.type) {
    case "float":
    case "int":
      return `${p.name} (${p.type} in [${p.low}, ${p.high}])`;
    case "discrete":
    case "categorical":
      return `${p.name} ${showList(p.values)}`;
    case "fixed":
      return `${p.name} (fixed at ${show(p.value)})`;
  }
}

function checkConditions(params: Param[], where: Map<string, PathSeg[]>, declared: Set<string>, problems: Problem[]): void {
  const byName = new Map(params.map((p) => [p.name, p]));
  for (const p of params) {
    const c = p.condition;
    if (!c) continue;
    const base = where.get(p.name) ?? [];
    const at = [...base, "when", c.parent];
    const parent = byName.get(c.parent);
    if (c.parent === p.name) {
      problems.push({ path: at, message: `${p.name} cannot be conditioned on itself` });
      continue;
    }
    if (!parent) {
      // A parent that is declared but invalid has its own message already.
      if (declared.has(c.parent)) continue;
      problems.push({ path: at, message: `unknown condition parent "${c.parent}" (parameters: ${showList([...declared])})` });
      continue;
    }
    if (parent.type === "float") {
      problems.push({ path: at, message: `condition parent ${c.parent} is a float; a parent needs a finite set of values (categorical, discrete, int or fixed)` });
      continue;
    }
    for (const v of c.in) {
      if (!valueAllowed(parent, v)) {
        problems.push({ path: at, message: `${show(v)} is not among ${describeDomain(parent)}` });
      }
    }
  }
  // Cycles: follow parent links; a chain longer than the number of params loops.
  const reported = new Set<string>();
  for (const p of params) {
    const chain: string[] = [p.name];
    let cur = p;
    while (cur.condition && byName.has(cur.condition.parent)) {
      const next = cur.condition.parent;
      const idx = chain.indexOf(next);
      if (idx >= 0) {
        const cycle = chain.slice(idx);
        const key = [...cycle].sort().join(",");
        if (!reported.has(key) && cycle.length > 1) {
          reported.add(key);
          problems.push({
            path: [...(where.get(p.name) ?? []), "when"],
            message: `cyclic conditions: ${[...cycle, next].join(" → ")}`,
          });
        }
        break;
      }
      chain.push(next);
      cur = byName.get(next)!;
    }
  }
}
