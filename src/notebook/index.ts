/** Notebook display helpers: MIME bundles for figures and tables, display() for tslab. */
export * from "./display.js";
