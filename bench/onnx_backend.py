"""ONNX Runtime (fp32 and dynamic int8) against torch and the project's ONNX question encoder: speed and quality.

    python bench/onnx_backend.py [--docs 1000] [--json]      # needs `pip install onnx onnxruntime`

sentence-transformers' own ONNX backend needs ``optimum``, which pins transformers < 5 and would
downgrade the project's transformers; so the model is exported here with ``torch.onnx.export`` (the
same BERT graph, mean pooling and normalisation done in numpy as sentence-transformers does) and
quantised with ``onnxruntime.quantization.quantize_dynamic``. Measured: single-question encode time
over SciFact test claims; batch throughput on SciFact abstracts (batch 32, longest first, as
sentence-transformers does); quality as nDCG@10 of dense retrieval over a SciFact sub-corpus (every
judged abstract of the test claims plus others up to ``--docs``) and the cosine of each backend's
vectors to torch's. Results go to bench/results/onnx.json.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import RESULTS, SCIFACT, load_avg  # noqa: E402

OUT = RESULTS / "onnx"


def export(model_dir: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True).eval()

    class Wrap(torch.nn.Module):
        def __init__(self, inner: Any):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.ones((1, 8), dtype=torch.long)
    names = ["input_ids", "attention_mask", "token_type_ids"]
    target.parent.mkdir(parents=True, exist_ok=True)
    torch.onnx.export(
        Wrap(bert),
        (ids, ids, torch.zeros_like(ids)),
        str(target),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={k: {0: "batch", 1: "seq"} for k in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )


class OrtEncoder:
    def __init__(self, model: Path, tokenizer_json: Path, max_len: int, threads: int = 0):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.tok = Tokenizer.from_file(str(tokenizer_json))
        self.tok.enable_truncation(max_length=max_len)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        parts: dict[int, np.ndarray] = {}
        for a in range(0, len(order), batch_size):
            rows = order[a : a + batch_size]
            enc = self.tok.encode_batch([texts[i] for i in rows])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            types = np.array([e.type_ids for e in enc], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
            pooled = (hidden * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1)
            pooled /= np.linalg.norm(pooled, axis=1, keepdims=True)
            for r, v in zip(rows, pooled):
                parts[r] = v
        return np.stack([parts[i] for i in range(len(texts))]).astype(np.float32)


def ndcg10(scores: np.ndarray, doc_ids: list[str], qids: list[str], qrels: dict[str, dict[str, int]]) -> float:
    total = 0.0
    for qi, qid in enumerate(qids):
        top = np.argsort(-scores[qi])[:10]
        rel = qrels[qid]
        dcg = sum(rel.get(doc_ids[d], 0) / math.log2(r + 2) for r, d in enumerate(top))
        ideal = sorted(rel.values(), reverse=True)[:10]
        idcg = sum(v / math.log2(r + 2) for r, v in enumerate(ideal))
        total += dcg / idcg if idcg else 0.0
    return total / len(qids)


def _parser() -> argparse.ArgumentParser:
    """The flags, parsed before onnxruntime is imported so that ``--help`` works without it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000)
    parser.add_argument("--single", type=int, default=100, help="questions for single-question timing")
    parser.add_argument("--json", action="store_true")
    return parser


def _onnx_models(model_dir: Path, quantize_dynamic: Any, quant_type: Any) -> tuple[Path, Path]:
    """The fp32 export and its int8 quantisation, made once and kept in bench/results/onnx (exporting takes
    longer than the measurements)."""
    fp32, int8 = OUT / "model.onnx", OUT / "model.int8.onnx"
    if not fp32.is_file():
        export(model_dir, fp32)
    if not int8.is_file():
        quantize_dynamic(str(fp32), str(int8), weight_type=quant_type.QInt8, per_channel=True)
    return fp32, int8


def _subcorpus(n_docs: int) -> tuple[list[str], list[str], list[str], list[str], dict[str, dict[str, int]]]:
    """``(doc_ids, docs, qids, questions, qrels)``: every judged abstract of the test claims plus unjudged ones up
    to ``n_docs``, so that nDCG is meaningful on a corpus small enough to encode with every backend."""
    rows = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").open(encoding="utf-8")]
    qrels: dict[str, dict[str, int]] = {}
    for i, line in enumerate((SCIFACT / "qrels" / "test.tsv").open(encoding="utf-8")):
        if i:
            q, d, s = line.strip().split("\t")
            qrels.setdefault(q, {})[d] = int(s)
    judged = {d for rel in qrels.values() for d in rel}
    chosen = [r for r in rows if r["_id"] in judged]
    chosen += [r for r in rows if r["_id"] not in judged][: max(0, n_docs - len(chosen))]
    doc_ids = [str(r["_id"]) for r in chosen]
    docs = [f"{r.get('title', '')} {r.get('text', '')}".strip() for r in chosen]
    queries_all = {str(q["_id"]): q["text"] for q in map(json.loads, (SCIFACT / "queries.jsonl").open())}
    qids = [q for q in qrels if q in queries_all]
    questions = [queries_all[q] for q in qids]
    return doc_ids, docs, qids, questions, qrels


def _batch_and_quality(
    backends: dict[str, Any],
    docs: list[str],
    doc_ids: list[str],
    questions: list[str],
    qids: list[str],
    qrels: dict[str, dict[str, int]],
    out: dict[str, Any],
) -> None:
    """Per backend into ``out``: batch throughput, nDCG@10, and the lowest cosine of its vectors to torch's
    (quantisation may cost quality that the throughput alone would hide)."""
    vectors: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for name, fn in backends.items():
        fn(docs[:32])
        t = time.perf_counter()
        dv = fn(docs)
        took = time.perf_counter() - t
        qv = fn(questions)
        vectors[name] = (dv, qv)
        out[name] = {
            "docs_per_s": round(len(docs) / took, 1),
            "ndcg@10_subcorpus": round(ndcg10(qv @ dv.T, doc_ids, qids, qrels), 4),
            "load_avg": load_avg(),
        }
    ref_d, ref_q = vectors["torch"]
    for name, (dv, qv) in vectors.items():
        out[name]["min_cos_to_torch"] = round(float(min((dv * ref_d).sum(1).min(), (qv * ref_q).sum(1).min())), 5)


def _single_question_ms(singles: dict[str, Any], questions: list[str], n: int) -> dict[str, float]:
    """Median ms per backend for one question at a time, as the assistant encodes them (after 5 warm-ups)."""
    medians: dict[str, float] = {}
    for name, fn in singles.items():
        for q in questions[:5]:
            fn([q] if name != "torch" else q)
        times = []
        for q in questions[:n]:
            t = time.perf_counter()
            fn([q] if name != "torch" else q)
            times.append((time.perf_counter() - t) * 1000)
        medians[name] = round(statistics.median(times), 2)
    return medians


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        import onnx  # noqa: F401
        import onnxruntime
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError as exc:
        print(json.dumps({"skipped": f"onnx/onnxruntime not installed ({exc}); pip install onnx onnxruntime"}))
        return 0

    from qa.encode.embedder import Embedder
    from qa.encode.onnx_encoder import OnnxEncoder
    from qa.settings import load_settings

    settings = load_settings({"show_progress": False}, environ={})
    embedder = Embedder(settings)
    fp32, int8 = _onnx_models(embedder.path, quantize_dynamic, QuantType)
    doc_ids, docs, qids, questions, qrels = _subcorpus(args.docs)

    model = embedder.model
    max_len = int(model.max_seq_length)
    tok = embedder.path / "tokenizer.json"
    out: dict[str, Any] = {
        "onnxruntime": onnxruntime.__version__,
        "docs": len(docs),
        "questions": len(questions),
        "load_avg_start": load_avg(),
    }
    backends: dict[str, Any] = {
        "torch": lambda texts: model.encode(texts, batch_size=32, normalize_embeddings=True),
        "onnx_fp32": OrtEncoder(fp32, tok, max_len).encode,
        "onnx_int8": OrtEncoder(int8, tok, max_len).encode,
    }
    _batch_and_quality(backends, docs, doc_ids, questions, qids, qrels, out)
    # One question at a time, as the assistant encodes them.
    singles = {
        "torch": lambda t: model.encode([t], normalize_embeddings=True),
        "onnx, ours (qa/encode/onnx_encoder.py, 1 thread)": OnnxEncoder(embedder.path, threads=1).encode,
        "onnx_fp32": OrtEncoder(fp32, tok, max_len).encode,
        "onnx_int8": OrtEncoder(int8, tok, max_len).encode,
        "onnx_fp32_1thread": OrtEncoder(fp32, tok, max_len, threads=1).encode,
    }
    out["single_question_median_ms"] = _single_question_ms(singles, questions, args.single)
    out["load_avg_end"] = load_avg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "onnx.json").write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(json.dumps(out) if args.json else json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
