/** Evaluate a Python expression with scipy/numpy here (the peer the statistics are checked against). */
import { execFileSync } from "node:child_process";

export function scipy<T>(code: string): T {
  const out = execFileSync("/usr/bin/python3", ["-c", `import json, numpy as np\nfrom scipy import stats\n${code}`], { encoding: "utf8" });
  return JSON.parse(out) as T;
}
