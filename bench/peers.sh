#!/usr/bin/env bash
# Install the peer tools the benchmarks compare against, from Debian, where missing.
set -euo pipefail
need=()
py=/usr/bin/python3
$py -c "import pandas" 2>/dev/null || need+=(python3-pandas)
$py -c "import scipy.stats.qmc" 2>/dev/null || need+=(python3-scipy)
$py -c "import optuna" 2>/dev/null || need+=(python3-optuna python3-plotly)
$py -c "import torch" 2>/dev/null || need+=(python3-torch)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  echo "bench: installing peers: ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${need[@]}" >/dev/null
fi
