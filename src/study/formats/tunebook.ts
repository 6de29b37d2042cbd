/**
 * Loader for study directories written by `tunebook run` (see ../store.ts for the layout).
 * Readable at any moment: a study still running, or killed, loads what is finished plus the
 * `running` trials, and a partial last measurement line is reported, not fatal.
 */
import { existsSync } from "node:fs";
import { readText } from "./decode.js";
import { basename, join } from "node:path";
import { StudyBuilder, parseNumber } from "../builder.js";
import { isStep, overflowMessage, overflowed, whyNotStep } from "../../core/numbers.js";
import { TunebookError, type HpValue, type TrialStatus, TRIAL_STATUSES } from "../types.js";
import { defineFormat, objectiveFrom, type ReadOptions } from "./format.js";
import { parseSpace } from "../../space/parse.js";
import { StudyStore } from "../store.js";

interface ManifestLike {
  format?: string;
  name?: string;
  objective?: { metric: string; direction: "minimize" | "maximize" };
  config?: { space?: unknown };
  seed?: number;
  sampler?: string;
  command?: string;
  code?: string;
  tunebook?: string;
}

async function load(path: string, options: ReadOptions) {
  const manifestPath = join(path, "study.json");
  let m: ManifestLike;
  try {
    m = JSON.parse(await readText(manifestPath, options.encoding)) as ManifestLike;
  } catch (e) {
    if (e instanceof TunebookError) throw e;
    throw new TunebookError(`cannot read the study manifest: ${(e as Error).message}`, manifestPath);
  }
  if (m.format !== "tunebook-study") throw new TunebookError('not a tunebook study (field "format" is not "tunebook-study")', manifestPath, undefined, "format");
  const objective = objectiveFrom(options, m.objective ?? { metric: "validation/loss", direction: "minimize" });
  const b = new StudyBuilder(options.name ?? m.name ?? basename(path), objective);
  b.source = { path, format: "tunebook" };
  if (m.config?.space) {
    try {
      b.space = parseSpace(m.config.space as never, manifestPath);
    } catch (e) {
      b.warn({ file: manifestPath, field: "config.space", message: `search space not attached: ${(e as Error).message}` });
    }
  }
  const store = new StudyStore(path);
  const records = store.readRecords((file, message) => b.warn({ file, message: `trial record skipped: ${message}` }));
  for (const [index, r] of [...records].sort((x, y) => x[0] - y[0])) {
    const status: TrialStatus = (TRIAL_STATUSES as readonly string[]).includes(r.status) ? r.status : "failed";
    b.trial({
      id: r.id ?? `trial-${index}`,
      status,
      hparams: r.hparams as Record<string, HpValue>,
      attrs: { index, ...(r.error ? { error: r.error } : {}), ...(r.backend ? { backend: r.backend } : {}), ...(r.wallSeconds !== undefined ? { wallSeconds: r.wallSeconds } : {}), ...(r.divergedStep !== undefined ? { divergedStep: r.divergedStep } : {}) },
    });
    const mp = store.measurementsPath(index);
    if (!existsSync(mp)) continue;
    let text: string;
    try {
      text = await readText(mp, options.encoding);
    } catch (e) {
      b.warn({ file: mp, message: `measurements not read: ${(e as Error).message.replace(/^.*?: /, "")}` });
      continue;
    }
    const lines = text.split(/\r\n|\n|\r/);
    lines.forEach((line, i) => {
      if (!line.trim()) return;
      let o: { step: unknown; metric: unknown; value: unknown };
      try {
        o = JSON.parse(line) as typeof o;
        const step = parseNumber(o.step);
        const value = parseNumber(o.value);
        if (step === undefined || typeof o.metric !== "string" || value === undefined) throw new Error("needs step, metric and value");
        // The runner writes these files and keeps only non-negative integer steps: the same rule reads them back.
        if (!isStep(step)) {
          b.warn({ file: mp, line: i + 1, field: "step", message: `line skipped: step ${whyNotStep(o.step)}` });
          return;
        }
        if ((value === Infinity || value === -Infinity) && overflowed(o.value)) b.warn({ file: mp, line: i + 1, field: "value", message: overflowMessage(o.value) });
        b.measure(r.id, step, o.metric, value);
      } catch (e) {
        const last = i === lines.length - 1 || (i === lines.length - 2 && lines[lines.length - 1] === "");
        b.warn({ file: mp, line: i + 1, message: last ? "partial last line skipped (the trial was cut off while writing)" : `line skipped: ${(e as Error).message}` });
      }
    });
  }
  const study = b.build();
  Object.assign(study.source, { seed: m.seed, sampler: m.sampler, command: m.command, code: m.code, tunebook: m.tunebook });
  return study;
}

export const tunebookFormat = defineFormat({
  name: "tunebook",
  detect: (p) => (p.isDirectory && p.entries.includes("study.json") && p.entries.includes("trials") ? 100 : p.isDirectory && p.entries.includes("study.json") ? 60 : 0),
  load,
});
