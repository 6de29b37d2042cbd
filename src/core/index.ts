/**
 * The bottom layer: errors, values, locations and findings shared by study, space, analysis and
 * everything above. It imports nothing else of tunebook.
 */
export * from "./errors.js";
export * from "./findings.js";
export * from "./locations.js";
export * from "./values.js";
export * from "./numbers.js";
export * from "./terminal.js";
