#!/usr/bin/env bash
# Execute the tutorial notebooks with the tunebook kernel and write rendered HTML copies to
# docs/notebooks/*.html (the README links to them). Figures stay interactive: each figure's
# text/html view draws it with plotly.js, which is inlined once per notebook (about 4.7 MB).
#
#   scripts/render-notebooks.sh               # all three
#   scripts/render-notebooks.sh 02-workshop   # one
#
# Needs Jupyter from Debian: apt-get install -y --no-install-recommends python3-nbclient
# python3-nbconvert python3-jupyter-client jupyter-nbconvert python3-ipykernel
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

py=""
for cand in /usr/bin/python3 python3; do
  if "$cand" -c "import nbconvert, nbclient" 2>/dev/null; then py="$cand"; break; fi
done
if [ -z "$py" ]; then
  echo "render-notebooks: Jupyter (nbconvert, nbclient) is not installed; see the comment at the top of this script" >&2
  exit 1
fi

# Notebooks compile `import … from "tunebook"` against dist/ types.
npm run --silent build >/dev/null || echo "render-notebooks: warning: the build reported type errors (dist/ was still written)" >&2

# A private kernelspec, so the rendering does not depend on what the user installed.
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
node bin/tunebook.js kernel install --prefix "$prefix" --name tunebook-render >/dev/null
export JUPYTER_PATH="$prefix/share/jupyter" JUPYTER_DATA_DIR="$prefix/data" JUPYTER_RUNTIME_DIR="$prefix/runtime" JUPYTER_PLATFORM_DIRS=1

names=("$@")
[ ${#names[@]} -eq 0 ] && names=(01-quickstart 02-workshop 03-algoperf-case-study)
# The workshop trains its studies from scratch (its runs/ folder would otherwise be resumed).
for n in "${names[@]}"; do [ "$n" = 02-workshop ] && rm -rf notebooks/runs; done

mkdir -p docs/notebooks
for n in "${names[@]}"; do
  start=$(date +%s)
  "$py" -m nbconvert --to html --execute \
    --ExecutePreprocessor.kernel_name=tunebook-render --ExecutePreprocessor.timeout=900 \
    --output-dir docs/notebooks --output "$n" "notebooks/$n.ipynb"
  echo "$n: $(( $(date +%s) - start )) s, $(du -h "docs/notebooks/$n.html" | cut -f1)"
done
