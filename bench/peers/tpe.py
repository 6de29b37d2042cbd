"""Peer for bench/sampler.ts: Optuna 3.1's TPESampler (defaults, seeded) on the same problem.

Input (argv[1]): JSON {space: tunebook search space, problem: {kind, ...}, seeds, budget}.
Prints {"curves": [[best after trial 1..budget] per seed], "seconds": total}.
"""
import json, math, sys, time
import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
spec = json.load(open(sys.argv[1]))
space, prob = spec["space"]["params"], spec["problem"]

H_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H_P = [[v * 1e-4 for v in r] for r in [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]]
H_ALPHA = [1, 1.2, 3, 3.2]

def tree_predict(t, x):
    i = 0
    while t["feature"][i] >= 0:
        i = t["left"][i] if x[t["feature"][i]] <= t["threshold"][i] else t["right"][i]
    return t["value"][i]

def forest(ts, x):
    return sum(tree_predict(t, x) for t in ts) / len(ts)

def f(h):
    k = prob["kind"]
    if k == "branin":
        x1, x2 = h["x1"], h["x2"]
        return (x2 - 5.1 / (4 * math.pi ** 2) * x1 * x1 + 5 / math.pi * x1 - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x1) + 10
    if k == "hartmann6":
        return -sum(H_ALPHA[i] * math.exp(-sum(H_A[i][j] * (h[f"x{j+1}"] - H_P[i][j]) ** 2 for j in range(6))) for i in range(4))
    if k == "rosenbrock":
        x = [math.log10(h[f"p{i}"]) for i in range(1, 5)]
        return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(3))
    if k == "forest":
        x = [math.log(h["learning_rate"] / 1e-4) / math.log(1e3), (h["dropout_rate"] - 0.1) / 0.8, math.log(h["batch_size"] / 16) / math.log(16),
             ["sigmoid", "tanh", "relu"].index(h["activation"]), ["mlp", "cnn"].index(h["model"])]
        if forest(prob["feasible"], x) < 0.5:
            return None
        return forest(prob["error"], x)
    raise ValueError(k)

def suggest(trial):
    h = {}
    for p in space:
        if p["type"] == "float":
            h[p["name"]] = trial.suggest_float(p["name"], p["low"], p["high"], log=p["scale"] == "log")
        elif p["type"] == "int":
            h[p["name"]] = trial.suggest_int(p["name"], p["low"], p["high"], log=p["scale"] == "log")
        else:
            h[p["name"]] = trial.suggest_categorical(p["name"], p["values"])
    return h

curves = []
t0 = time.perf_counter()
for seed in range(spec["seeds"]):
    study = optuna.create_study(direction="minimize", sampler=optuna.samplers.TPESampler(seed=seed))
    best, curve = math.inf, []
    for _ in range(spec["budget"]):
        trial = study.ask()
        v = f(suggest(trial))
        if v is None:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)  # infeasible, as tunebook's bo sees it
        else:
            study.tell(trial, v)
            best = min(best, v)
        curve.append(best if best < math.inf else None)
    curves.append(curve)
print(json.dumps({"curves": curves, "seconds": time.perf_counter() - t0}))
