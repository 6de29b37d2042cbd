/**
 * The layer rules of the design, executable: data flows one way,
 * core -> stats/util -> space -> study -> analysis -> plots -> notebook/report -> cli/kernel,
 * with train and runner beside analysis (they run studies, they never read findings' figures).
 * `npx depcruise src` checks them; `.ci/run` runs it through `npm test`.
 */
const layer = (name) => `^src/${name}/`;
const forbid = (name, from, to, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path: from },
  to: { path: to },
});

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "An import cycle hides an order of initialisation and a layer that is not one.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    forbid(
      "core-is-the-floor",
      layer("core"),
      "^src/(?!core/)",
      "src/core holds errors, values, locations and findings: what every layer shares; it imports nothing of ours.",
    ),
    forbid(
      "stats-is-pure",
      layer("stats"),
      "^src/(?!(core|stats)/)",
      "Statistics primitives depend on nothing but core (and libraries).",
    ),
    forbid(
      "model-below-analysis",
      "^src/(study|space)/",
      "^src/(analysis|plots|notebook|report|cli|kernel|runner|train)/",
      "Study and space are the data model: they never read analyses, figures or front ends.",
    ),
    forbid(
      "space-below-study",
      layer("space"),
      layer("study"),
      "A study carries its search space (study imports space); a space never reads studies, so a sampler takes trials as plain points.",
    ),
    forbid(
      "analysis-never-draws",
      layer("analysis"),
      "^src/(plots|notebook|report|cli|kernel|runner)/",
      "Analyses are pure: results and findings, never figures, printing or running.",
    ),
    forbid(
      "figures-below-front-ends",
      layer("plots"),
      "^src/(notebook|report|cli|kernel|runner)/",
      "Figure builders turn results into plotly JSON; front ends arrange them.",
    ),
    forbid(
      "report-and-notebook-below-front-ends",
      "^src/(report|notebook)/",
      "^src/(cli|kernel)/",
      "Reports and notebook displays are used by the CLI and the kernel, not the other way round.",
    ),
    forbid(
      "train-is-a-library",
      layer("train"),
      "^src/(analysis|plots|notebook|report|cli|kernel|runner)/",
      "Training runs one trial; it knows nothing of studies' analyses or front ends.",
    ),
    forbid(
      "runner-below-front-ends",
      layer("runner"),
      "^src/(plots|notebook|report|cli|kernel)/",
      "The runner runs studies; the CLI and kernel show its progress.",
    ),
    forbid(
      "src-never-imports-tests",
      "^src/",
      "^(tests|bench|scripts)/",
      "Shipped code never depends on tests, benchmarks or scripts.",
    ),
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "require", "node", "default"] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
