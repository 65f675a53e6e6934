"""Build the WordNet table the package ships (qa/search/wordnet-3.0.json.gz) from WordNet 3.0's database files.

    python scripts/build_wordnet_table.py [--wordnet /usr/share/wordnet] [--out qa/search/wordnet-3.0.json.gz]

Why a table: query expansion (qa/search/expansion.py) needs only each lemma's senses, each sense's lemmas and
its hypernyms. Without glosses and the other pointers that is 3 MB compressed instead of Debian's 28 MB
``wordnet-base`` package, so it ships inside the package and nobody needs apt or a network at run time.

Without ``--wordnet`` the script fetches Debian's ``wordnet-base`` with ``apt-get download`` (no root needed)
into a temporary folder. The output is deterministic (sorted keys, gzip time stamp 0), so a rebuild from the
same package gives the same bytes. WordNet's licence (qa/search/WORDNET-LICENSE) permits redistribution with
its notice, which lies beside the table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qa.atomic import atomic_write_bytes  # noqa: E402
from qa.search.expansion import _HYPERNYM, _POS, TABLE, _read_exceptions, _read_index  # noqa: E402

MAX_SENSES = 8  # wordnet_senses above this reads no further senses


def debian_wordnet(workdir: Path) -> Path:
    """Debian's wordnet-base, downloaded and unpacked (not installed) into ``workdir``."""
    subprocess.run(["apt-get", "download", "wordnet-base"], cwd=workdir, check=True)
    deb = next(workdir.glob("wordnet-base_*.deb"))
    subprocess.run(["dpkg-deb", "-x", str(deb), str(workdir / "root")], check=True)
    return workdir / "root" / "usr" / "share" / "wordnet"


def synsets(path: Path) -> dict[str, str]:
    """offset -> "lemma lemma|hypernym hypernym" (a hypernym as '<pos letter><offset>') for every synset of one
    ``data.<pos>`` file; one string a synset keeps the table small in memory."""
    out: dict[str, str] = {}
    for raw in path.read_bytes().split(b"\n"):
        if not raw or raw.startswith(b"  "):  # the licence header
            continue
        f = raw.decode("latin-1").split(" | ")[0].split()
        count = int(f[3], 16)
        lemmas = [re.sub(r"\(.*\)$", "", f[4 + 2 * k].lower()) for k in range(count)]
        at = 4 + 2 * count
        pointers = [f[at + 1 + 4 * k : at + 4 + 4 * k] for k in range(int(f[at]))]
        hypernyms = [p + str(int(off)) for symbol, off, p in pointers if symbol in _HYPERNYM]
        out[str(int(f[0]))] = " ".join(lemmas) + "|" + " ".join(hypernyms)
    return out


def table(folder: Path) -> dict:
    return {
        "source": "WordNet 3.0 (Princeton University), built by scripts/build_wordnet_table.py",
        "index": {
            pos: {k: " ".join(map(str, v[:MAX_SENSES])) for k, v in _read_index(folder / f"index.{pos}").items()}
            for pos in _POS
        },
        "exceptions": {pos: _read_exceptions(folder / f"{pos}.exc") for pos in _POS},
        "synsets": {pos: synsets(folder / f"data.{pos}") for pos in _POS},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--wordnet", type=Path, help="a WordNet 3.0 database folder (default: fetch wordnet-base)")
    parser.add_argument("--out", type=Path, default=TABLE)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.wordnet or debian_wordnet(Path(tmp))
        data = json.dumps(table(folder), sort_keys=True, separators=(",", ":")).encode()
    atomic_write_bytes(args.out, gzip.compress(data, compresslevel=9, mtime=0))
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
