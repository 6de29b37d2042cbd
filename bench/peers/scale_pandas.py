"""Peer for bench/scale.ts: pandas read_csv of the scale study, its time, peak RSS and memory."""
import json, resource, sys, time
import pandas as pd

t0 = time.perf_counter()
df = pd.read_csv(sys.argv[1])
t = time.perf_counter() - t0
mem = int(df.memory_usage(deep=True).sum())
print(json.dumps({"read_csv": t, "maxrss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "bytes_per_row": mem / len(df), "rows": len(df)}))
