"""Unit tests run without the model: loading it, or the question encoder, fails the test that tried."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def no_model(monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.encode import embedder, onnx_encoder

    def refused(*_: object, **__: object) -> None:
        raise AssertionError("a unit test loaded the embedding model: it belongs in tests/integration")

    monkeypatch.setattr(embedder.Embedder, "model", property(refused))
    monkeypatch.setattr(embedder.Embedder, "questions", property(refused))
    monkeypatch.setattr(onnx_encoder.OnnxEncoder, "__init__", refused)
