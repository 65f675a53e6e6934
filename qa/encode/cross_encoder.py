"""A cross-encoder read with ONNX Runtime and the ``tokenizers`` library: the question and a text go through the
model together, so their tokens attend to each other, and one logit comes out per text. No torch at run time.

Two models use it: the answer step's sentence scorer (``qa/answer/cross.py``) and the search stage's passage
ranker (``qa/search/ranker.py``). Both are all-MiniLM-L6-v2 fine-tuned here by a script in ``scripts/``, exported
with int8 weights.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

BATCH = 32


@dataclass
class CrossEncoder:
    """An open ONNX Runtime session and its tokenizer; ``scores`` gives one logit per text."""

    session: object
    tokenizer: object
    inputs: tuple[str, ...]

    @staticmethod
    def load(folder: Path, threads: int = 0, max_tokens: int = 128) -> CrossEncoder:
        """``max_tokens`` as the model was trained; longer texts are cut, the question kept whole."""
        import onnxruntime as ort
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
        tok.enable_truncation(max_tokens, strategy="only_second")
        tok.enable_padding(pad_id=0, pad_token="[PAD]")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.log_severity_level = 3
        session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        return CrossEncoder(session, tok, tuple(i.name for i in session.get_inputs()))

    def scores(self, question: str, texts: Sequence[str]) -> np.ndarray:
        """The logit of each text for ``question`` (higher: more likely to answer it)."""
        out = []
        for at in range(0, len(texts), BATCH):
            part = self.tokenizer.encode_batch([(question, s) for s in texts[at : at + BATCH]])
            feed = {
                "input_ids": np.asarray([e.ids for e in part], dtype=np.int64),
                "attention_mask": np.asarray([e.attention_mask for e in part], dtype=np.int64),
                "token_type_ids": np.asarray([e.type_ids for e in part], dtype=np.int64),
            }
            logits = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0]
            out.append(np.asarray(logits, dtype=np.float64).reshape(-1))
        return np.concatenate(out) if out else np.zeros(0)


def open_cross_encoder(folder: Path, max_tokens: int, what: str) -> CrossEncoder | None:
    """The model in ``folder``, or None: quietly where none was trained, with a note on stderr naming ``what``
    where one is there but cannot be opened (the answer then comes without it)."""
    if not (folder / "model.onnx").is_file():
        return None
    try:
        return CrossEncoder.load(folder, max_tokens=max_tokens)
    except Exception as exc:  # noqa: BLE001 - onnxruntime raises its own error types
        print(f"note: ignoring the {what} in {folder} ({type(exc).__name__}: {exc})", file=sys.stderr)
        return None
