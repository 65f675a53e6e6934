"""The Milvus vector store (Milvus Lite here): the same answers as FAISS, atomic builds, incremental updates.

Skipped without the `scale` extra (pip install .[scale]); the test command installs it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

from qa.assistant import Assistant  # noqa: E402
from qa.cli import main as cli_main  # noqa: E402
from qa.evaluation.gold import load_gold  # noqa: E402
from qa.evaluation.stores import compare_assistants  # noqa: E402
from qa.index import milvus_store, store  # noqa: E402
from qa.index.build import build_index, open_index  # noqa: E402
from qa.search.retriever import Retriever  # noqa: E402
from qa.settings import PROJECT_ROOT  # noqa: E402
from tests.conftest import DEFAULT_CORPUS, kill_build_at, make_settings, one_clear_line, upload_owls_in_child  # noqa: E402


def _assistant(s, embedder) -> Assistant:
    return Assistant(s, embedder, Retriever(open_index(s), embedder, s))


def _milvus(corpus: Path, index: Path, **extra: object):
    return make_settings(corpus, index, vector_store="milvus", **extra)


def _collections(settings, manifest) -> list[str]:
    folder = store.build_folder(settings.index_dir, manifest["build_id"])
    client = milvus_store.connect(milvus_store.build_uri(settings, manifest["vector_store"], folder))
    return sorted(client.list_collections())


def test_milvus_gives_the_same_top_5_as_faiss_on_the_shipped_gold_set(default_assistant, tmp_path: Path) -> None:
    """Exact search on both sides (FLAT at this size): the top 5 excerpts match for at least 98% of questions."""
    faiss_side = default_assistant
    settings = _milvus(DEFAULT_CORPUS, tmp_path / "milvus")
    report = build_index(settings, faiss_side.embedder, donors=[faiss_side.settings.index_dir])
    assert report.encoded == 0  # every vector came from the FAISS build
    milvus_side = Assistant.load(settings, build=False, embedder=faiss_side.embedder)  # as default_assistant
    entry = milvus_side.manifest["vector_store"]
    assert entry["index"]["passages"][0] == "FLAT" and entry["counts"]["passages"] == report.passages

    items = load_gold(PROJECT_ROOT / "eval" / "gold" / "default.jsonl", settings)
    result = compare_assistants(faiss_side, milvus_side, items, depth=5)
    assert result["questions"] == len(items) > 100
    assert result["same_order_rate"] >= 0.98, result["differ"][:5]

    # The passages live in the collection with their metadata: read back, they are the table's rows.
    engine = milvus_side.retriever.index.faiss_index
    rows = [0, report.passages // 2, report.passages - 1]
    assert engine.records(rows) == [milvus_side.retriever.index.passages[r] for r in rows]


def test_an_update_embeds_only_the_changed_file_and_serves_a_new_collection(
    small_corpus: Path, tmp_path: Path, embedder
) -> None:
    settings = _milvus(small_corpus, tmp_path / "index", milvus_uri=str(tmp_path / "shared.db"))
    build_index(settings, embedder)
    first = store.read_manifest(settings.index_dir)
    assert "queen" in _assistant(settings, embedder).ask("Who leads a bee colony?").answer

    (small_corpus / "tea.txt").write_text("Tea\n\nOolong tea is partly oxidised before drying.\n", encoding="utf-8")
    report = build_index(settings, embedder)
    assert (report.embedded_documents, report.reused_documents) == (1, 2)
    live = store.read_manifest(settings.index_dir)
    entry = live["vector_store"]
    assert entry["passages"] != first["vector_store"]["passages"]
    assert entry["replaces"] == first["vector_store"]["passages"]
    assert "Oolong" in _assistant(settings, embedder).ask("Which tea is partly oxidised?").answer

    # A third build drops the first build's collections, keeping the live and the replaced ones.
    (small_corpus / "tea.txt").write_text("Tea\n\nWhite tea is the least processed tea.\n", encoding="utf-8")
    build_index(settings, embedder)
    third = store.read_manifest(settings.index_dir)["vector_store"]
    names = _collections(settings, store.read_manifest(settings.index_dir))
    assert first["vector_store"]["passages"] not in names
    assert {third["passages"], third["sentences"], entry["passages"], entry["sentences"]} == set(names)
    client = milvus_store.connect(str(tmp_path / "shared.db"))
    assert client.describe_alias("qa_passages")["collection_name"] == third["passages"]


def test_switching_the_store_reuses_every_vector(small_corpus: Path, tmp_path: Path, embedder) -> None:
    faiss_settings = make_settings(small_corpus, tmp_path / "index")
    build_index(faiss_settings, embedder)
    report = build_index(_milvus(small_corpus, tmp_path / "index"), embedder)
    assert report.encoded == 0 and report.embedded_documents == 0
    assert store.read_manifest(faiss_settings.index_dir)["vector_store"]["kind"] == "milvus"
    assert build_index(faiss_settings, embedder).encoded == 0  # and back


def test_bm25_from_milvus_full_text_search(small_corpus: Path, tmp_path: Path, embedder) -> None:
    settings = _milvus(small_corpus, tmp_path / "index", milvus_bm25=True)
    build_index(settings, embedder)
    assistant = _assistant(settings, embedder)
    engine = assistant.retriever.index.faiss_index
    scores, rows = engine.bm25("waggle dance", 5)
    assert len(rows) == 1 and scores[0] > 0
    assert "waggle" in assistant.retriever.index.passages[int(rows[0])].text
    assert "Etna" in assistant.ask("Which volcano in Sicily is active?").answer
    top = assistant.ask("waggle dance direction", fusion="bm25").excerpts[0].passage.text
    assert "waggle" in top


def test_an_unreachable_server_is_one_clear_line(small_corpus: Path, tmp_path: Path, capsys) -> None:
    code = cli_main(
        ["index", "--quiet", "--corpus", str(small_corpus), "--index-dir", str(tmp_path / "i")]
        + ["--vector-store", "milvus", "--milvus-uri", "http://127.0.0.1:9"]
    )
    line = one_clear_line(capsys, code)
    assert "cannot open Milvus at http://127.0.0.1:9" in line and "server running" in line


# Runs `qa index`; at the named stage it writes a marker file and sleeps, so the test can SIGKILL it there.
DRIVER = r"""
import os, sys, time
from pathlib import Path
point, marker = sys.argv[1], Path(sys.argv[2])

def pause(*args, **kwargs):
    marker.write_text(point)
    time.sleep(600)

from qa.index import milvus_store
if point == "inserting":        # the passages collection filled, the sentences not yet
    milvus_store.MilvusWriter.add_sentences = pause
elif point == "swapping":       # collections complete, the new manifest written to its temp file only
    real_replace = os.replace
    def replace(src, dst, *a, **k):
        if str(dst).endswith("manifest.json"):
            pause()
        return real_replace(src, dst, *a, **k)
    os.replace = replace
elif point == "publishing":     # new manifest live, the aliases not yet moved
    milvus_store.publish = pause
from qa.cli import main
sys.exit(main(sys.argv[3:]))
"""


@pytest.mark.parametrize(("point", "shared"), [("inserting", False), ("swapping", True), ("publishing", True)])
def test_a_killed_build_leaves_the_previous_collection_serving(
    point: str, shared: bool, small_corpus: Path, tmp_path: Path, embedder
) -> None:
    uri = str(tmp_path / "shared.db") if shared else ""
    settings = _milvus(small_corpus, tmp_path / "index", milvus_uri=uri)
    build_index(settings, embedder)
    manifest_bytes = (settings.index_dir / store.MANIFEST).read_bytes()
    before = [e.passage.start for e in _assistant(settings, embedder).ask("Who leads a bee colony?").excerpts]
    if shared:
        milvus_store.release(uri)  # Milvus Lite: one process at a time, and the build runs in another
    (small_corpus / "rivers.txt").write_text("The Danube flows through ten countries.\n", encoding="utf-8")

    marker = tmp_path / "reached"
    args = ["index", "--quiet", "--corpus", str(small_corpus), "--index-dir", str(settings.index_dir)]
    args += ["--vector-store", "milvus"] + (["--milvus-uri", uri] if uri else [])
    kill_build_at(DRIVER, point, marker, args, wait_s=300)

    live = store.read_manifest(settings.index_dir)
    serving = _assistant(settings, embedder)
    if point == "publishing":  # killed after the swap: the new build serves, named by the manifest
        assert "rivers.txt" in live["files"] and "Danube" in serving.ask("Which river crosses ten countries?").answer
    else:
        assert (settings.index_dir / store.MANIFEST).read_bytes() == manifest_bytes
        assert [e.passage.start for e in serving.ask("Who leads a bee colony?").excerpts] == before
        assert "rivers.txt" not in live["files"]

    # The next build finishes the work; the aliases follow the manifest and the killed build's collections go.
    build_index(settings, embedder)
    live = store.read_manifest(settings.index_dir)
    entry = live["vector_store"]
    assert "rivers.txt" in live["files"]
    if shared:
        names = _collections(settings, live)
        assert {entry["passages"], entry["sentences"]} <= set(names) and len(names) <= 4
        client = milvus_store.connect(uri)
        assert client.describe_alias("qa_passages")["collection_name"] == entry["passages"]
    assert "Danube" in _assistant(settings, embedder).ask("Which river flows through ten countries?").answer


SERVER = r"""
import json, sys
from pathlib import Path
from qa.assistant import Assistant
from qa.web.workspace import Workspace
from tests.conftest import make_settings

corpus, index, upload = map(Path, sys.argv[1:4])
settings = make_settings(corpus, index, query_encoder="onnx", vector_store="milvus")
workspace = Workspace(settings, Assistant.load(settings, build=False))
before = workspace.assistant(workspace.default_key).manifest["vector_store"]["passages"]
result = workspace.add_files(workspace.default_key, [(upload, upload.name)])
assistant = workspace.assistant(workspace.default_key)
print(json.dumps({"saved": result.saved, "answer": assistant.ask("What do barn owls hunt?").answer,
                  "before": before, "after": assistant.manifest["vector_store"]["passages"]}))
"""


def test_a_server_answering_from_milvus_lite_indexes_an_upload_in_a_child_process(
    small_corpus: Path, tmp_path: Path, embedder
) -> None:
    """Each build has its own Lite folder, so the child that builds never opens the one the server reads."""
    settings = _milvus(small_corpus, tmp_path / "index")
    build_index(settings, embedder)
    seen = upload_owls_in_child(SERVER, small_corpus, settings.index_dir, tmp_path)
    assert seen["saved"] == ["owls.txt"] and "mice" in seen["answer"]
    assert seen["before"] != seen["after"]
