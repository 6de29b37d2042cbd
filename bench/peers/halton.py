"""Peer for bench/halton.ts: scipy's scrambled Halton, 1,000,000 points in 10 dimensions,
and the mean centered L2 discrepancy of small scrambled sets (quality, not speed)."""
import json, sys, time
import numpy as np
import scipy
from scipy.stats import qmc

n, d = int(sys.argv[1]), int(sys.argv[2])
ts = []
for seed in range(3):
    t0 = time.perf_counter()
    x = qmc.Halton(d=d, scramble=True, seed=seed).random(n)
    ts.append(time.perf_counter() - t0)
ts.sort()
cd_n, cd_d, seeds = 512, 10, 10
cd = float(np.mean([qmc.discrepancy(qmc.Halton(d=cd_d, scramble=True, seed=s).random(cd_n), method="CD") for s in range(seeds)]))
cd_random = float(np.mean([qmc.discrepancy(np.random.default_rng(s).random((cd_n, cd_d)), method="CD") for s in range(seeds)]))
print(json.dumps({"halton": ts[1], "shape": list(x.shape), "cd": cd, "cd_random": cd_random, "scipy": scipy.__version__}))
