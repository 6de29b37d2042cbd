/**
 * Parse a magic's evaluated arguments (strings, or any value from `$name` / `{expr}`) against
 * its declared options, with usage errors a person can act on.
 */
import { TunebookError } from "../study/types.js";
import { didYouMean } from "../util/suggest.js";

/** A bad magic invocation: shown as `UsageError` with the magic's usage line, never a stack. */
export class UsageError extends TunebookError {
  constructor(message: string, readonly usage?: string) {
    super(message);
    this.name = "UsageError";
  }
}

export type OptionType = "string" | "number" | "int" | "list" | "numbers" | "flag" | "value";

export interface OptionSpec {
  type: OptionType;
  help: string;
  /** Short alias without dashes, e.g. "n". */
  alias?: string;
}

export interface ArgSpec {
  /** Positional argument names for messages; `...name` marks a rest argument. */
  positional: string[];
  /** How many positionals are required. */
  required: number;
  options: Record<string, OptionSpec>;
}

export interface ParsedArgs {
  positional: unknown[];
  options: Record<string, unknown>;
}

/**
 * Split values into positionals and `--name value` / `--name=value` options, converting
 * option values to their declared type.
 *
 * @example
 * parseArgs(["lr", "--nuisance", "wd,beta1"], { positional: ["scientific"], required: 1, options: { nuisance: { type: "list", help: "" } } });
 * // { positional: ["lr"], options: { nuisance: ["wd", "beta1"] } }
 */
export function parseArgs(values: unknown[], spec: ArgSpec, usage?: string): ParsedArgs {
  const positional: unknown[] = [];
  const options: Record<string, unknown> = Object.create(null);
  const byAlias = new Map<string, string>();
  for (const [name, o] of Object.entries(spec.options)) if (o.alias) byAlias.set(o.alias, name);
  const rest = spec.positional.some((p) => p.startsWith("..."));
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const m = typeof v === "string" ? /^(?:--([A-Za-z][\w-]*)|-([A-Za-z]))(?:=(.*))?$/s.exec(v) : null;
    if (!m) {
      positional.push(v);
      continue;
    }
    const name = m[1] ?? byAlias.get(m[2]!) ?? m[2]!;
    const o = spec.options[name];
    if (!o) {
      const known = Object.keys(spec.options).map((k) => `--${k}`);
      throw new UsageError(`unknown option ${v}${didYouMean(name, Object.keys(spec.options), { prefix: "--" })}${known.length ? ` (options: ${known.join(", ")})` : " (this magic takes no options)"}`, usage);
    }
    if (o.type === "flag") {
      if (m[3] !== undefined && !/^(true|false)$/.test(m[3])) throw new UsageError(`--${name} is a flag and takes no value`, usage);
      options[name] = m[3] !== "false";
      continue;
    }
    let raw: unknown;
    if (m[3] !== undefined) raw = m[3];
    else if (i + 1 < values.length) raw = values[++i];
    else throw new UsageError(`--${name} needs a value (${o.help})`, usage);
    options[name] = convert(name, o, raw, usage);
  }
  if (positional.length < spec.required) {
    const missing = spec.positional.slice(positional.length, spec.required).map((p) => `<${p.replace(/^\.\.\./, "")}>`);
    throw new UsageError(`missing ${missing.join(" ")}`, usage);
  }
  if (!rest && positional.length > spec.positional.length) {
    throw new UsageError(`unexpected argument ${show(positional[spec.positional.length])}`, usage);
  }
  return { positional, options };
}

function show(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : `a ${typeof v} value`;
}

function convert(name: string, o: OptionSpec, raw: unknown, usage?: string): unknown {
  switch (o.type) {
    case "value":
      return raw;
    case "string":
      if (typeof raw !== "string") throw new UsageError(`--${name} expects text, got ${show(raw)}`, usage);
      return raw;
    case "number":
    case "int": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && raw.trim() !== "" ? Number(raw) : NaN;
      if (!Number.isFinite(n) || (o.type === "int" && !Number.isInteger(n)))
        throw new UsageError(`--${name} expects ${o.type === "int" ? "an integer" : "a number"}, not ${show(raw)}`, usage);
      return n;
    }
    case "list":
      if (Array.isArray(raw)) return raw.map(String);
      if (typeof raw !== "string") throw new UsageError(`--${name} expects a comma-separated list, got ${show(raw)}`, usage);
      return raw.split(",").map((s) => s.trim()).filter(Boolean);
    case "numbers": {
      const items = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split(",").map((s) => s.trim()).filter(Boolean) : typeof raw === "number" ? [raw] : null;
      if (!items) throw new UsageError(`--${name} expects comma-separated numbers, got ${show(raw)}`, usage);
      return items.map((s) => {
        const n = typeof s === "number" ? s : Number(s);
        if (!Number.isFinite(n)) throw new UsageError(`--${name}: "${String(s)}" is not a number`, usage);
        return n;
      });
    }
    case "flag":
      return true;
  }
}
