// Importing this module registers every format loader with loadStudy.
// Each format module calls registerFormat() at import.
export {};
import "./tunebook.js";
import "./jsonl.js";
import "./csv.js";
import "./tensorboard.js";
import "./algoperf.js";
import "./optuna.js";
import "./optunaRdb.js";
import "./deepcave.js";
import "./wandb.js";
