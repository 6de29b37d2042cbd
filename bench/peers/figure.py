"""Peer for bench/figure.ts: Optuna adds 2,000 finished trials and draws plot_slice."""
import json, sys, time
import optuna
from optuna.distributions import FloatDistribution, CategoricalDistribution

optuna.logging.set_verbosity(optuna.logging.WARNING)
trials = json.load(open(sys.argv[1]))
dist = {
    "learning_rate": FloatDistribution(1e-5, 1, log=True),
    "weight_decay": FloatDistribution(1e-6, 1e-2, log=True),
    "dropout": FloatDistribution(0, 0.5),
    "activation": CategoricalDistribution(["relu", "gelu", "tanh"]),
}

def add():
    study = optuna.create_study(direction="minimize")
    study.add_trials([
        optuna.trial.create_trial(
            params={"learning_rate": t["lr"], "weight_decay": t["wd"], "dropout": t["dropout"], "activation": t["activation"]},
            distributions=dist, value=t["value"])
        for t in trials])
    return study

def med(fn, runs):
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter(); out = fn(); ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2], out

add()  # warm-up
t_add, study = med(add, 3)
optuna.visualization.plot_slice(study)  # warm-up (imports plotly)
t_slice, _ = med(lambda: optuna.visualization.plot_slice(study), 3)
print(json.dumps({"add_trials": t_add, "plot_slice": t_slice}))
