"""Write the shipped corpus's paraphrase-stage vectors into the package (``qa/search/paraphrase-seed.npz``), so
that a first start on the default corpus does not spend a minute or more encoding it with all-mpnet-base-v2.

    .venv/bin/python scripts/build_paraphrase_seed.py

Run it after a change to the shipped corpus, the chunking or the model; a seed that no longer matches is harmless
(texts it lacks are encoded at start as before, and a seed from another model is detected and ignored), but it
saves nothing. The file holds each text's SHA-256 digest and its vector (float32), as the stage's own cache does.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    from qa.assistant import Assistant
    from qa.atomic import atomic_write_bytes
    from qa.search.paraphrase import INSTALLED_MODEL, SEED_VECTORS, ParaphraseScorer, model_installed
    from qa.settings import load_settings

    if not model_installed(INSTALLED_MODEL):
        print(f"error: no model in {INSTALLED_MODEL}; run scripts/fetch_paraphrase_model.py first", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="qa-seed-") as tmp:
        folder = Path(tmp)
        over = {"corpus_dir": ROOT / "corpus", "index_dir": folder / "index", "paraphrase_model": ""}
        settings = load_settings({**over, "show_progress": True}, environ={})
        passages = Assistant.load(settings).retriever.index.passages
        # From scratch (no seed): every text encoded by the model as installed.
        ParaphraseScorer(INSTALLED_MODEL, passages, folder, len(passages), show_progress=True, seed=None)
        made = next(folder.glob("paraphrase-*.npz"))
        atomic_write_bytes(SEED_VECTORS, made.read_bytes())
    size = SEED_VECTORS.stat().st_size / 1e6
    print(f"wrote {SEED_VECTORS.relative_to(ROOT)} ({len(passages):,} passages, {size:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
