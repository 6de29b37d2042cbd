#!/usr/bin/env python3
"""The protocol of an external command trial, in Python (PyTorch/JAX scripts look the same).

tunebook passes each hyperparameter as an argument (see the `command:` of the study config) and
reads one JSON object per line from stdout: {"step": ..., "<metric>": value, ...}.
Anything else on stdout, and all of stderr, goes to the trial's log. Exit 0 = complete,
non-zero = failed; "CUDA out of memory"/RESOURCE_EXHAUSTED or exit 137 = oom; NaN = diverged.
"""
import argparse
import json
import math

p = argparse.ArgumentParser()
p.add_argument("--lr", type=float, default=0.01)
p.add_argument("--wd", type=float, default=1e-4)
p.add_argument("--steps", type=int, default=50)
a = p.parse_args()

for step in range(0, a.steps + 1, 10):
    loss = 0.05 + 0.3 * (math.log10(a.lr) + 2) ** 2 + 0.2 * (math.log10(a.wd) + 4) ** 2 + 2 * math.exp(-step / 15)
    if a.lr > 0.5 and step >= 20:
        loss = float("nan")
    # flush=True so tunebook sees progress live; json.dumps writes NaN as a bare token, which tunebook accepts.
    print(json.dumps({"step": step, "train/loss": 0.9 * loss, "validation/loss": loss}), flush=True)
