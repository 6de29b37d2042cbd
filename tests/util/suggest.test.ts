/**
 * The one "did you mean" every message uses: the same matching for analyses, options, magics,
 * config keys and hyperparameter names, written as a clause, an aside or quoted.
 */
import { describe, expect, it } from "vitest";
import { ANALYSES, analysisNamed } from "../../src/analysis/analyses.js";
import { isolationAnalysis } from "../../src/analysis/isolation.js";
import { parseOptions } from "../../src/analysis/registry.js";
import { didYouMean, suggest } from "../../src/util/suggest.js";

describe("suggest", () => {
  it("finds typos within a third of the name, and names the typed text starts", () => {
    expect(suggest("isolaton", ANALYSES.map((a) => a.name))).toEqual(["isolation"]);
    expect(suggest("learnign_rate", ["learning_rate", "dropout_rate", "batch_size"])).toEqual(["learning_rate"]);
    expect(suggest("batch", ["batch_size", "batchSize", "dropout"])).toEqual(["batch_size", "batchSize"]);
    expect(suggest("x", ["xx", "y"])).toEqual(["xx", "y"]);
    expect(suggest("optimizer", ["learning_rate", "dropout"])).toEqual([]);
  });

  it("writes the hint in the form of the message it joins", () => {
    expect(didYouMean("isolaton", ["isolation", "axis"], { prefix: "%" })).toBe("; did you mean %isolation?");
    expect(didYouMean("resample", ["resamples", "seed"], { form: "aside" })).toBe(" (did you mean resamples?)");
    expect(didYouMean("timout", ["timeout", "command"], { quote: true, form: "aside" })).toBe(' (did you mean "timeout"?)');
    expect(didYouMean("zzzz", ["timeout"])).toBe("");
  });

  it("is what the registry, the config and the analyses answer with", () => {
    expect(() => analysisNamed("bootstrp")).toThrow(/unknown analysis "bootstrp" \(did you mean bootstrap\?\)/);
    expect(() => parseOptions(isolationAnalysis, { resample: 10 })).toThrow(/unknown option resample \(did you mean resamples\?\)/);
  });
});
