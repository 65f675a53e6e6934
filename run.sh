#!/usr/bin/env bash
# Set up (first time only) and start the web chat on the default corpus at http://127.0.0.1:7860/
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/setup.sh
exec .venv/bin/qa serve "$@"
