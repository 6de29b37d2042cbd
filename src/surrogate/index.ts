/** Surrogate models of an objective over a search space: a random forest (fANOVA) and a Gaussian process (Bayesian optimization). */
export * from "./randomForest.js";
export * from "./gaussianProcess.js";
