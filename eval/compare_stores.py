"""Same top-5 passages from FAISS and Milvus on a gold set: the report behind docs/scale.md's figure.

    python eval/compare_stores.py [--gold eval/gold/default.jsonl] [--corpus corpus] [--depth 5] [--milvus-bm25]

Builds (or reuses) a FAISS index and a Milvus index of the corpus in two folders under --work (the Milvus
one takes its vectors from the FAISS one: nothing is encoded twice), both exact (FLAT) at this size, asks
every gold question of both and writes report.json and report.md under reports_dir/compare-stores-<stamp>/.
With --milvus-bm25 the Milvus side also takes its BM25 candidates from Milvus full-text search, and the
report adds both sides' gold metrics (hit@1/5, MRR) so the change is measured, not only counted.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from qa.assistant import Assistant  # noqa: E402
from qa.encode.embedder import Embedder  # noqa: E402
from qa.evaluation import gold  # noqa: E402
from qa.evaluation.stores import compare_assistants  # noqa: E402
from qa.index.build import build_index  # noqa: E402
from qa.settings import load_settings  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=ROOT / "eval" / "gold" / "default.jsonl")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--work", type=Path, help="where the two indexes go (default: a temporary folder)")
    parser.add_argument("--depth", type=int, default=5)
    parser.add_argument("--milvus-bm25", action="store_true", help="Milvus full-text search for BM25 too")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="qa-stores-") as tmp:
        work = args.work or Path(tmp)
        base = {"corpus_dir": args.corpus, "show_progress": False}
        faiss_s = load_settings({**base, "index_dir": work / "faiss"}, environ={})
        milvus_s = load_settings(
            {**base, "index_dir": work / "milvus", "vector_store": "milvus", "milvus_bm25": args.milvus_bm25},
            environ={},
        )
        embedder = Embedder(faiss_s)
        build_index(faiss_s, embedder)
        build_index(milvus_s, embedder, donors=[faiss_s.index_dir])
        a = Assistant.load(faiss_s, embedder=embedder)
        b = Assistant.load(milvus_s, embedder=embedder)
        items = gold.load_gold(args.gold, faiss_s)
        started = time.time()
        result = compare_assistants(a, b, items, args.depth)
        result["seconds"] = round(time.time() - started, 1)
        result["milvus_bm25"] = args.milvus_bm25
        result["gold"] = str(args.gold)
        result["milvus_index"] = b.manifest["vector_store"]["index"]
        if args.milvus_bm25:
            for name, assistant in (("faiss", a), ("milvus", b)):
                headline, _, _ = gold.summarize_gold(gold.run_gold(assistant, items, show_progress=False))
                result[f"metrics_{name}"] = {k: headline.get(k) for k in ("hit@1", "hit@5", "mrr@10", "n")}
    folder = load_settings({}, environ={}).reports_dir / f"compare-stores-{time.strftime('%Y%m%d-%H%M%S')}"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    lines = [
        f"# FAISS vs Milvus: the top {args.depth} passages on {args.gold.name}",
        "",
        f"- questions: {result['questions']}; Milvus BM25: {args.milvus_bm25}; Milvus index: {result['milvus_index']}",
        f"- same passages in the same order: {result['same_order']} ({result['same_order_rate']:.1%})",
        f"- same passages in any order: {result['same_set']} ({result['same_set_rate']:.1%})",
    ]
    lines += [f"- gold metrics, {k[8:]}: {v}" for k, v in result.items() if k.startswith("metrics_")]
    lines += ["", "Questions that differ:", ""] + [f"- {d['id']}: {d['question']}" for d in result["differ"]]
    (folder / "report.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines[:8]))
    print(f"report: {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
