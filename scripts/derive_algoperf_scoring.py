#!/usr/bin/env python3
"""Derive the compact AlgoPerf v0.5 scoring tables shipped in datasets/algoperf_v05/scoring/.

Scoring needs, per trial, every evaluation's time and validation metric. The published logs hold
about 4,100 eval_measurements.csv files (50 MB) with ~12 columns each; this keeps the three that
scoring reads (global_step, accumulated_submission_time, the workload's validation target metric)
and the workloads' targets and maximum runtimes, read from the benchmark's own source.

Inputs (public repositories, Apache-2.0):
  --logs       the v0.5 logs as the leaderboard publishes them: previous_leaderboards/algoperf_v05/logs
               of mlcommons/submissions_algorithms (external_tuning/<submission>/study_k/<workload>/
               trial_n/eval_measurements.csv; the older mlcommons/algorithms_results_v0.5 layout
               with a team level also works, but lacks the reruns the leaderboard was scored on)
  --benchmark  a checkout of mlcommons/algorithmic-efficiency at the commit that scored v0.5
Outputs (into --out):
  workloads.json  per workload: metric, direction, validation target, max runtime, base workload;
                  the base and held-out workload lists of v0.5
  evals.csv.gz    one row per evaluation: ruleset, submission, study, workload, trial,
                  global_step, time_sec (accumulated_submission_time), value, in file order

Standard library only, so it runs anywhere:
  python3 scripts/derive_algoperf_scoring.py --logs L --benchmark B --out datasets/algoperf_v05/scoring
"""
import argparse
import ast
import csv
import gzip
import io
import json
import math
import os
import re
import sys

PROPS = ("validation_target_value", "max_allowed_runtime_sec", "target_metric_name", "step_hint")
MINIMIZED = ("loss", "error_rate", "ctc_loss", "wer", "l1_loss", "ce_loss")  # as performance_profile.py


def const_value(node):
  """Value of a property body `return <literal or arithmetic on literals>`."""
  for stmt in node.body:
    if isinstance(stmt, ast.Return) and stmt.value is not None:
      try:
        return eval(compile(ast.Expression(stmt.value), "<prop>", "eval"), {"__builtins__": {}})
      except Exception:  # not a literal (e.g. reads self.*): not a target we need
        return None
  return None


def parse_classes(path):
  """{class name: (bases, {property: value})} for one workload.py."""
  tree = ast.parse(open(path, encoding="utf-8").read(), path)
  out = {}
  for node in tree.body:
    if not isinstance(node, ast.ClassDef):
      continue
    bases = [b.attr if isinstance(b, ast.Attribute) else getattr(b, "id", None) for b in node.bases]
    props = {}
    for item in node.body:
      if isinstance(item, ast.FunctionDef) and item.name in PROPS:
        v = const_value(item)
        if v is not None:
          props[item.name] = v
    out[node.name] = (bases, props)
  return out


def workload_table(bench):
  wdir = os.path.join(bench, "algorithmic_efficiency", "workloads")
  reg_src = open(os.path.join(wdir, "workloads.py"), encoding="utf-8").read()
  reg_tree = ast.parse(reg_src)
  registry = base_list = None
  for node in reg_tree.body:
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
      if node.targets[0].id == "WORKLOADS":
        registry = ast.literal_eval(node.value)
      elif node.targets[0].id == "BASE_WORKLOADS":
        base_list = ast.literal_eval(node.value)
  # Every class of every workload.py, keyed by name; framework files first so a name defined both
  # in a framework file and elsewhere resolves within the framework.
  files = {}
  for root, _, names in os.walk(wdir):
    for n in names:
      if n == "workload.py":
        files[os.path.relpath(os.path.join(root, n), wdir)] = parse_classes(os.path.join(root, n))

  def resolve(cls, framework, seen=()):
    """Properties of `cls`, inherited ones filled from its bases (leftmost first, like Python's MRO
    for these single-chain hierarchies)."""
    hits = [(f, c[cls]) for f, c in files.items() if cls in c]
    pref = [h for h in hits if f"_{framework}/" in h[0]] or [h for h in hits if not re.search(r"_(jax|pytorch)/", h[0])] or hits
    if not pref or cls in seen:
      return {}
    bases, props = pref[0][1]
    merged = {}
    for b in reversed(bases):
      if b:
        merged.update(resolve(b, framework, seen + (cls,)))
    merged.update(props)
    return merged

  table = {}
  for name, meta in registry.items():
    if name in ("mnist", "cifar") or name.endswith("_test"):
      continue
    per_fw = {}
    for fw in ("jax", "pytorch"):
      props = resolve(meta["workload_class_name"], fw)
      if all(p in props for p in PROPS[:3]):
        per_fw[fw] = props
    if not per_fw:
      continue
    vals = list(per_fw.values())
    if any(v != vals[0] for v in vals[1:]):
      sys.exit(f"{name}: jax and pytorch disagree: {per_fw}")
    p = vals[0]
    base = next((b for b in base_list if b in name), name)  # get_base_workload_name
    table[name] = {
      "base": base,
      "metric": f"validation/{p['target_metric_name']}",
      "higherIsBetter": p["target_metric_name"] not in MINIMIZED,
      "validationTarget": p["validation_target_value"],
      "maxRuntimeSec": p["max_allowed_runtime_sec"],
      "stepHint": p.get("step_hint"),
    }
  return table, base_list


def short(x, digits=7):
  try:
    f = float(x)
  except ValueError:
    return x
  return x if not math.isfinite(f) else f"{f:.{digits}g}"


def meets(x, spec):
  try:
    f = float(x)
  except ValueError:
    return False
  t = spec["validationTarget"]
  return f >= t if spec["higherIsBetter"] else f <= t


def short_value(x, spec):
  s = short(x)
  return s if meets(s, spec) == meets(x, spec) else x


def submissions(rdir):
  """(name, folder) of each submission under a ruleset folder, with or without a team level
  (<team>/<submission>/study_k in the results repository, <submission>/study_k on the leaderboard)."""
  out = []
  for d in sorted(os.listdir(rdir)):
    p = os.path.join(rdir, d)
    if not os.path.isdir(p):
      continue
    if any(x.startswith("study_") for x in os.listdir(p)):
      out.append((d, p))
    else:
      out.extend((s, os.path.join(p, s)) for s in sorted(os.listdir(p)) if os.path.isdir(os.path.join(p, s)))
  return out


def main():
  ap = argparse.ArgumentParser()
  ap.add_argument("--logs", required=True, help="folder holding external_tuning/ and self_tuning/")
  ap.add_argument("--benchmark", required=True)
  ap.add_argument("--held-out", default=None, help="held_out_workloads_algoperf_v05.json (default: in --benchmark)")
  ap.add_argument("--logs-source", default="")
  ap.add_argument("--benchmark-commit", default="")
  ap.add_argument("--out", required=True)
  a = ap.parse_args()

  table, base_list = workload_table(a.benchmark)
  held_path = a.held_out or next(
    p for p in (os.path.join(a.benchmark, "scoring", "held_out_workloads_algoperf_v05.json"),
                os.path.join(a.benchmark, "scoring", "algoperf_v05", "held_out_workloads_algoperf_v05.json"))
    if os.path.exists(p))
  held_out = json.load(open(held_path))

  rows = []
  skipped = []
  for ruleset in ("external_tuning", "self_tuning"):
    rdir = os.path.join(a.logs, ruleset)
    if not os.path.isdir(rdir):
      continue
    for sub, sdir in submissions(rdir):
      for study in sorted(os.listdir(sdir)):
        if not study.startswith("study_"):
          continue
        for wl in sorted(os.listdir(os.path.join(sdir, study))):
          wpath = os.path.join(sdir, study, wl)
          if not os.path.isdir(wpath):
            continue
          if re.match(r"trial_\d+$", wl):
            # A trial folder directly under a study names no workload; the benchmark's
            # get_experiment_df would take it for a workload called "trial_n" and fail.
            skipped.append(f"{wpath}: trial folder outside a workload folder")
            continue
          name = re.sub(r"_(jax|pytorch)$", "", wl)
          if name not in table:
            sys.exit(f"{wpath}: workload {name} has no target in the benchmark source")
          metric = table[name]["metric"]
          for trial in sorted(os.listdir(wpath)):
            f = os.path.join(wpath, trial, "eval_measurements.csv")
            if not re.match(r"trial_\d+$", trial) or not os.path.exists(f):
              continue
            with open(f, newline="") as fh:
              rd = csv.DictReader(fh)
              if metric not in (rd.fieldnames or []):
                skipped.append(f"{f}: no column {metric}")
                continue
              for k, r in enumerate(rd):
                # The benchmark's scoring reads column `score`; it equals accumulated_submission_time.
                t = r.get("score") or r["accumulated_submission_time"]
                if r.get("score") and r["score"] != r["accumulated_submission_time"]:
                  sys.exit(f"{f} line {k + 2}: score != accumulated_submission_time")
                rows.append((ruleset.split("_")[0], sub, study, wl, trial, r["global_step"], t, r[metric]))
  os.makedirs(a.out, exist_ok=True)
  buf = io.StringIO()
  w = csv.writer(buf, lineterminator="\n")
  w.writerow(["ruleset", "submission", "study", "workload", "trial", "global_step", "time_sec", "value"])
  changed = 0
  for r in rows:
    name = re.sub(r"_(jax|pytorch)$", "", r[3])
    spec = table[name]
    # Shorter numbers: time to 7 significant digits (well under a second on every workload); the
    # metric to 7 as well unless that would flip whether this evaluation meets the target, in
    # which case the value is kept as written.
    w.writerow(list(r[:6]) + [short(r[6]), short_value(r[7], spec)])
    changed += short_value(r[7], spec) != short(r[7])
  tmp = os.path.join(a.out, "evals.csv.gz.tmp")
  with gzip.GzipFile(tmp, "wb", mtime=0) as gz:  # mtime=0: same bytes on every run
    gz.write(buf.getvalue().encode())
  os.replace(tmp, os.path.join(a.out, "evals.csv.gz"))
  meta = {
    "source": {
      "logs": a.logs_source,
      "benchmark": "https://github.com/mlcommons/algorithmic-efficiency",
      "benchmarkCommit": a.benchmark_commit,
      "license": "Apache-2.0",
    },
    "baseWorkloads": base_list,
    "heldOutWorkloads": held_out,
    "workloads": dict(sorted(table.items())),
  }
  tmp = os.path.join(a.out, "workloads.json.tmp")
  with open(tmp, "w") as fh:
    json.dump(meta, fh, indent=2)
    fh.write("\n")
  os.replace(tmp, os.path.join(a.out, "workloads.json"))
  print(f"{len(rows)} evaluations; {len(table)} workloads; {changed} values kept unrounded; skipped {len(skipped)}", file=sys.stderr)
  for s in skipped:
    print("  skipped " + s, file=sys.stderr)


if __name__ == "__main__":
  main()
