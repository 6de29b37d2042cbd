"""Peer for bench/load.ts: pandas reading the same JSONL and CSV, and groupby-min per trial."""
import json, sys, time
import pandas as pd

jsonl, csv = sys.argv[1], sys.argv[2]

def med(fn, runs=3):
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter(); out = fn(); ts.append(time.perf_counter() - t0)
    ts.sort()
    return ts[len(ts) // 2], out

t_json, df = med(lambda: pd.read_json(jsonl, lines=True), runs=3)
t_csv, dfc = med(lambda: pd.read_csv(csv), runs=3)
t_best, best = med(lambda: dfc.groupby("trial")["value"].min(), runs=5)
print(json.dumps({"read_json": t_json, "read_csv": t_csv, "groupby_min": t_best, "rows": len(dfc), "trials": int(best.shape[0])}))
