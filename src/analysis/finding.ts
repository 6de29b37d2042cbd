/** Findings live in the core layer (space and study report them too); this module keeps the analysis-side import path. */
export { type Finding, type Severity, finding, sortFindings } from "../core/findings.js";
