"""Peer for bench/importance.ts: Optuna 3.1's FanovaImportanceEvaluator on the same trials.

Input (argv[1]): JSON {direction, params: [{name, kind, low, high, log, choices}], trials:
[{params, value}]} with the feasible trials only (Optuna scores COMPLETE trials), argv[2]: seeds
(comma-separated). Prints {"seed<k>": {name: importance}, "seconds": median evaluate time}.
"""
import json, sys, time
import optuna
from optuna.distributions import FloatDistribution, IntDistribution, CategoricalDistribution

optuna.logging.set_verbosity(optuna.logging.WARNING)
spec = json.load(open(sys.argv[1]))
seeds = [int(s) for s in sys.argv[2].split(",")]

def dist(p):
    if p["kind"] == "categorical":
        return CategoricalDistribution(p["choices"])
    if p["kind"] == "int":
        return IntDistribution(int(p["low"]), int(p["high"]), log=bool(p["log"]))
    return FloatDistribution(float(p["low"]), float(p["high"]), log=bool(p["log"]))

dists = {p["name"]: dist(p) for p in spec["params"]}
study = optuna.create_study(direction=spec["direction"])
study.add_trials([
    optuna.trial.create_trial(params=t["params"], distributions={k: dists[k] for k in t["params"]}, value=t["value"])
    for t in spec["trials"]
])
out = {}
times = []
for s in seeds:
    t0 = time.perf_counter()
    imp = optuna.importance.get_param_importances(study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=s))
    times.append(time.perf_counter() - t0)
    out[f"seed{s}"] = imp
times.sort()
out["seconds"] = times[len(times) // 2]
print(json.dumps(out))
