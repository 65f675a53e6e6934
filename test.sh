#!/usr/bin/env bash
# Set up (first time only) and run the linter, the format check and the whole test suite on the real model.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh --test
.venv/bin/ruff check qa app.py tests eval bench scripts
.venv/bin/ruff format --check qa app.py tests eval bench scripts
# tests/unit: no model, seconds; tests/integration: the real model on real small indexes; tests/browser: Chromium.
exec .venv/bin/python -m pytest -q "$@"
