#!/usr/bin/env python3
"""Run the benchmark's own scoring code (scoring/performance_profile.py of
mlcommons/algorithmic-efficiency) on the raw v0.5 logs, as a peer for `tunebook algoperf score`.

The benchmark's code imports its workload classes (JAX/PyTorch) only to read each workload's
target; here those imports are replaced by the targets in datasets/algoperf_v05/scoring/
workloads.json (read from the same source), and absl/matplotlib/tabulate by small stand-ins, so
it runs with pandas and numpy alone.

  python3 scripts/algoperf_official_scores.py --benchmark B --logs L/external_tuning
(L: previous_leaderboards/algoperf_v05/logs of mlcommons/submissions_algorithms; B: a checkout of
mlcommons/algorithmic-efficiency at 414e82e2, whose scoring/ is the v0.5 scoring code)
Prints {"<submission>": score} as JSON.
"""
import argparse
import json
import logging
import os
import sys
import types
from unittest import mock

ap = argparse.ArgumentParser()
ap.add_argument("--benchmark", required=True, help="checkout of mlcommons/algorithmic-efficiency")
ap.add_argument("--logs", required=True, help="<ruleset> folder of the v0.5 logs: <team>/<submission>/study_k/...")
ap.add_argument("--self-tuning", action="store_true")
ap.add_argument("--workloads", default=os.path.join(os.path.dirname(__file__), "..", "datasets", "algoperf_v05", "scoring", "workloads.json"))
a = ap.parse_args()
meta = json.load(open(a.workloads))

absl = types.ModuleType("absl")
absl.logging = logging
sys.modules["absl"] = absl
sys.modules["absl.logging"] = logging
for m in ("matplotlib", "matplotlib.pyplot"):
  sys.modules[m] = mock.MagicMock()
tab = types.ModuleType("tabulate")
tab.tabulate = lambda *x, **k: ""
sys.modules["tabulate"] = tab
reg = types.ModuleType("algorithmic_efficiency.workloads.workloads")
reg.WORKLOADS = {k: {} for k in meta["workloads"]}
reg.BASE_WORKLOADS = meta["baseWorkloads"]
reg.get_base_workload_name = lambda n: next((b for b in reg.BASE_WORKLOADS if b in n), n)
for name in ("algorithmic_efficiency", "algorithmic_efficiency.workloads"):
  sys.modules[name] = types.ModuleType(name)
sys.modules["algorithmic_efficiency.workloads.workloads"] = reg
sys.modules["algorithmic_efficiency.workloads"].workloads = reg

sys.path.insert(0, a.benchmark)
os.chdir(os.path.join(a.benchmark, "scoring"))  # performance_profile.py opens the held-out list relative to cwd
from scoring import scoring_utils  # noqa: E402


def targets(workload, split="validation"):
  w = meta["workloads"][workload.rsplit("_", 1)[0]]
  return w["metric"], w["validationTarget"]


scoring_utils.get_workload_metrics_and_targets = targets
from scoring import performance_profile  # noqa: E402

import contextlib, io, re, tempfile  # noqa: E402


def clean_copy(sub_dir):
  """A symlink tree of one submission without trial folders that sit directly under a study (the
  leaderboard's schedule_free_adamw has 18 such stray reruns; get_experiment_df would take each for
  a workload named "trial_n" and fail)."""
  out = tempfile.mkdtemp()
  for study in os.listdir(sub_dir):
    os.mkdir(os.path.join(out, study))
    for wl in os.listdir(os.path.join(sub_dir, study)):
      if not re.match(r"trial_\d+$", wl):
        os.symlink(os.path.join(sub_dir, study, wl), os.path.join(out, study, wl))
  return out


def submissions(rdir):
  for d in sorted(os.listdir(rdir)):
    p = os.path.join(rdir, d)
    if any(x.startswith("study_") for x in os.listdir(p)):
      yield d, p
    else:
      yield from ((s, os.path.join(p, s)) for s in sorted(os.listdir(p)))


results = {}
with contextlib.redirect_stdout(io.StringIO()):
  for sub, path in submissions(a.logs):
    results[sub] = scoring_utils.get_experiment_df(clean_copy(path))
  prof = performance_profile.compute_performance_profiles(
    results, time_col="score", min_tau=1.0, max_tau=4.0, reference_submission_tag=None,
    num_points=100, scale="linear", verbosity=0, self_tuning_ruleset=a.self_tuning, strict=False)
  scores = performance_profile.compute_leaderboard_score(prof, normalize=True)
print(json.dumps({k: float(v) for k, v in scores["score"].items()}, indent=1))
