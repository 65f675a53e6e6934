"""The Milvus side: each build's passages and sentences in two collections with a schema, searched by the engine.

Why a collection per build: a build writes new collections and the manifest that names them is replaced last
(``qa.index.store.write_build``), so a build killed at any point leaves the previous collections serving, as
the FAISS files do. After the swap the aliases ``<milvus_collection>_passages`` / ``_sentences`` move to the
new ones (for other clients of a shared server); collections older than the one just replaced are dropped,
so a server still answering from the replaced build keeps working until it reloads.

Where the data lives: ``milvus_uri`` empty puts a Milvus Lite folder (``milvus.db/``) inside each build
folder, so a serving process and a build in a child process never open the same one (Milvus Lite lets one
process at a time open a folder); a ``.db`` path is one Milvus Lite folder shared by every build; an
``http(s)://`` URI is a Milvus server or cluster.

The writer takes batches (``add_passages`` / ``add_sentences``), so a build that encodes in parallel can
stream its batches in; ``finish`` indexes the collections and returns the manifest's ``vector_store`` entry.
pymilvus is imported only here and only when the store is Milvus: the default install does without it.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
import weakref
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.index.bm25 import _stopwords, passage_search_text
from qa.index.store import ENGINE_FOLDER, IndexError_
from qa.settings import Settings
from qa.types import Passage

LITE_FOLDER = ENGINE_FOLDER  # a build folder's own Milvus Lite data, when milvus_uri is empty
INSERT_ROWS = 2_000  # rows per insert call: a few MB per gRPC message at 384 dimensions
_TEXT_BYTES = 60_000  # VARCHAR holds at most 65,535 bytes
_LABEL_BYTES = 2_000


class MilvusUnavailable(Exception):
    """pymilvus is not installed, or Milvus cannot be reached at the URI; the message says which and what to do.

    Not a RuntimeError: the index is not damaged, so nothing must rebuild it."""


def _pymilvus() -> Any:
    try:
        import pymilvus
    except ImportError:
        raise MilvusUnavailable(
            "vector_store = 'milvus' needs pymilvus and milvus-lite: pip install '.[scale]'"
        ) from None
    return pymilvus


def is_lite(uri: str) -> bool:
    """A local Milvus Lite folder, not a server address."""
    return not re.match(r"^(https?|tcp|grpc|unix)://", uri)


def normal_uri(uri: str) -> str:
    """A Lite folder as an absolute path (the manifest must name it the same from any working folder)."""
    return str(Path(uri).expanduser().resolve()) if uri and is_lite(uri) else uri


def build_uri(settings: Settings, entry: dict[str, Any] | None, folder: Path) -> str:
    """Where a build's collections live: the URI it recorded (empty: its own Lite folder), else the setting's."""
    uri = entry.get("uri", "") if entry is not None else settings.milvus_uri
    return normal_uri(uri) if uri else str(folder / LITE_FOLDER)


def connect(uri: str, token: str = "") -> Any:
    """A client of the Milvus at ``uri``; MilvusUnavailable, in one line, when it cannot be reached."""
    pymilvus = _pymilvus()
    # Each client its own channel (pymilvus shares one per address, and a Milvus Lite folder reopened in this
    # process may get a port a stopped server had). Milvus Lite's gRPC server answers keepalive pings from an
    # idle client with "too many pings" and drops it: no pings to it; a server gets pymilvus's defaults.
    options = {"grpc.keepalive_time_ms": 2**31 - 1, "grpc.keepalive_permit_without_calls": 0} if is_lite(uri) else {}
    try:
        return pymilvus.MilvusClient(uri=uri, token=token, timeout=20, dedicated=True, grpc_options=options)
    except Exception as exc:  # noqa: BLE001 - pymilvus raises several kinds for the same cause
        why = str(getattr(exc, "message", "") or exc).splitlines()[0][:200]
        hint = (
            "is another process using this Milvus Lite folder? it allows one"
            if is_lite(uri)
            else "is the server running? check milvus_uri and milvus_token"
        )
        raise MilvusUnavailable(f"cannot open Milvus at {uri} ({why}); {hint}") from None


def check_reachable(settings: Settings) -> None:
    """MilvusUnavailable now, when pymilvus is missing or the server does not answer, rather than after a build
    has encoded everything (a per-build Lite folder does not exist yet: only the package is checked)."""
    _pymilvus()
    if settings.milvus_uri and not is_lite(settings.milvus_uri):
        client = connect(settings.milvus_uri, settings.milvus_token)
        with contextlib.suppress(Exception):
            client.close()


_HOLDERS: dict[str, int] = {}  # open MilvusIndex objects per Lite folder in this process
_HOLDERS_LOCK = threading.Lock()


def _hold(uri: str, change: int) -> int:
    with _HOLDERS_LOCK:
        _HOLDERS[uri] = _HOLDERS.get(uri, 0) + change
        return _HOLDERS[uri]


def _let_go(uri: str, client: Any) -> None:
    """One reader of a build's own Lite folder is gone (closed or collected); the last one frees it."""
    with contextlib.suppress(Exception):
        client.close()
    if _hold(uri, -1) <= 0:
        release(uri)


def release(uri: str) -> None:
    """Close a Milvus Lite folder this process opened, so that the folder can be moved or opened elsewhere;
    not while a MilvusIndex of this process still answers from it."""
    if not is_lite(uri) or _hold(uri, 0) > 0:
        return
    with contextlib.suppress(ImportError):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)


def collection_names(prefix: str, build_id: str) -> tuple[str, str]:
    """(passages, sentences) collections of one build."""
    tag = re.sub(r"\W", "_", build_id)
    return f"{prefix}_{tag}_passages", f"{prefix}_{tag}_sentences"


def alias_names(prefix: str) -> tuple[str, str]:
    return f"{prefix}_passages", f"{prefix}_sentences"


def index_spec(settings: Settings, rows: int, threshold: int) -> tuple[str, dict[str, Any]]:
    """Exact (FLAT) below the threshold, as the FAISS path does; past it the configured ANN index."""
    if rows < threshold or settings.milvus_index_type.upper() == "FLAT":
        return "FLAT", {}
    return settings.milvus_index_type.upper(), json.loads(settings.milvus_index_params or "{}")


def search_params(index_type: str, settings: Settings, k: int) -> dict[str, Any]:
    if index_type.startswith("HNSW"):
        return {"ef": max(settings.hnsw_ef_search, k)}
    if index_type.startswith("IVF"):
        return {"nprobe": settings.ivf_nprobe}
    return {}


def analyzer_params() -> dict[str, Any]:
    """Milvus's standard tokenizer, lower-cased, without bm25s's English stop words: the nearest Milvus Lite
    gets to bm25s (it has no stemmer; a server's ``{"type": "english"}`` adds one)."""
    return {"tokenizer": "standard", "filter": ["lowercase", {"type": "stop", "stop_words": sorted(_stopwords())}]}


def _clip(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    return text if len(data) <= limit else data[:limit].decode("utf-8", errors="ignore")


class MilvusWriter:
    """One build's two collections, filled batch by batch, indexed by ``finish``."""

    def __init__(self, settings: Settings, build_id: str, dim: int, folder: Path):
        self.settings = settings
        self.uri = build_uri(settings, None, folder)
        self.client = connect(self.uri, settings.milvus_token)
        self.passages, self.sentences = collection_names(settings.milvus_collection, build_id)
        self.dim = dim
        self.counts = [0, 0]
        for name in (self.passages, self.sentences):
            if self.client.has_collection(name):  # left by a killed build of the same id
                self.client.drop_collection(name)
        for name, schema in ((self.passages, self._passage_schema()), (self.sentences, self._sentence_schema())):
            self.client.create_collection(
                name, schema=schema, consistency_level="Strong", num_shards=settings.milvus_shards
            )

    def _passage_schema(self) -> Any:
        pymilvus = _pymilvus()
        kind = pymilvus.DataType
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("row", kind.INT64, is_primary=True)
        schema.add_field("doc", kind.VARCHAR, max_length=_LABEL_BYTES)
        schema.add_field("title", kind.VARCHAR, max_length=_LABEL_BYTES)
        schema.add_field("section", kind.VARCHAR, max_length=_LABEL_BYTES)
        schema.add_field("start", kind.INT64)
        schema.add_field("end", kind.INT64)
        schema.add_field("text", kind.VARCHAR, max_length=65_535)
        # What BM25 reads: the section title and the text, as bm25s indexes them.
        schema.add_field(
            "search_text", kind.VARCHAR, max_length=65_535, enable_analyzer=True, analyzer_params=analyzer_params()
        )
        schema.add_field("meta", kind.JSON)  # sentence spans, pages
        schema.add_field("vector", kind.FLOAT_VECTOR, dim=self.dim)
        schema.add_field("sparse", kind.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            pymilvus.Function(
                name="bm25",
                function_type=pymilvus.FunctionType.BM25,
                input_field_names=["search_text"],
                output_field_names=["sparse"],
            )
        )
        return schema

    def _sentence_schema(self) -> Any:
        kind = _pymilvus().DataType
        schema = self.client.create_schema(auto_id=False, enable_dynamic_field=False)
        schema.add_field("row", kind.INT64, is_primary=True)
        schema.add_field("passage", kind.INT64)  # the passage row that owns the sentence
        schema.add_field("vector", kind.FLOAT_VECTOR, dim=self.dim)
        return schema

    def add_passages(self, first_row: int, passages: Sequence[Passage | bytes], vectors: np.ndarray) -> None:
        """Passage rows ``first_row ..`` with their vectors (table rows as stored are parsed here)."""
        prepend = self.settings.prepend_section
        for at in range(0, len(passages), INSERT_ROWS):
            rows = []
            for i, item in enumerate(passages[at : at + INSERT_ROWS]):
                p = Passage.from_json(json.loads(item)) if isinstance(item, bytes) else item
                record = p.to_json()
                meta = {k: v for k, v in record.items() if k not in {"doc", "title", "section", "start", "end", "text"}}
                rows.append(
                    {
                        "row": first_row + at + i,
                        "doc": _clip(p.doc_id, _LABEL_BYTES),
                        "title": _clip(p.title, _LABEL_BYTES),
                        "section": _clip(p.section, _LABEL_BYTES),
                        "start": p.start,
                        "end": p.end,
                        "text": _clip(p.text, _TEXT_BYTES),
                        "search_text": _clip(passage_search_text(p, prepend), _TEXT_BYTES),
                        "meta": meta,
                        "vector": np.asarray(vectors[at + i], dtype=np.float32),
                    }
                )
            self.client.insert(self.passages, rows)
        self.counts[0] += len(passages)

    def add_sentences(self, first_row: int, owners: np.ndarray, vectors: np.ndarray) -> None:
        """Sentence rows ``first_row ..``, each with the passage row that owns it."""
        for at in range(0, len(owners), INSERT_ROWS):
            part = np.asarray(vectors[at : at + INSERT_ROWS], dtype=np.float32)
            rows = [
                {"row": first_row + at + i, "passage": int(o), "vector": v}
                for i, (o, v) in enumerate(zip(owners[at : at + INSERT_ROWS], part))
            ]
            self.client.insert(self.sentences, rows)
        self.counts[1] += len(owners)

    def finish(self, previous: str = "") -> dict[str, Any]:
        """Index both collections, flush them, and return what the manifest records (``vector_store``);
        ``previous`` is the passage collection this build replaces (kept until the next build)."""
        s = self.settings
        p_type, p_params = index_spec(s, self.counts[0], s.ann_threshold)
        s_type, s_params = index_spec(s, self.counts[1], s.sentence_ann_threshold)
        for name, (kind, params) in ((self.passages, (p_type, p_params)), (self.sentences, (s_type, s_params))):
            spec = self.client.prepare_index_params()
            spec.add_index("vector", index_type=kind, metric_type="IP", params=params)
            if name == self.passages:
                spec.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
            self.client.flush(name)
            self.client.create_index(name, spec)
        self.close()
        return {
            "kind": "milvus",
            "uri": normal_uri(s.milvus_uri),
            "collection": s.milvus_collection,
            "passages": self.passages,
            "sentences": self.sentences,
            "replaces": previous,
            "index": {"passages": [p_type, p_params], "sentences": [s_type, s_params]},
            "counts": {"passages": self.counts[0], "sentences": self.counts[1]},
            "dimension": self.dim,
        }

    def abort(self) -> None:
        """Drop what this build wrote (a failed build); a killed one's are dropped by a later ``publish``."""
        with contextlib.suppress(Exception):
            for name in (self.passages, self.sentences):
                self.client.drop_collection(name)
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.close()
        if not self.settings.milvus_uri:  # the build's own Lite folder: free it before the folder is renamed
            release(self.uri)


def write_collections(
    settings: Settings,
    manifest: dict[str, Any],
    folder: Path,
    passages: Sequence[Passage | bytes],
    vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    sentence_offsets: np.ndarray,
    previous: dict[str, Any] | None,
) -> None:
    """A whole build into new collections (``folder``: its staging folder); the manifest gets their entry."""
    writer = MilvusWriter(settings, manifest["build_id"], int(vectors.shape[1]), folder)
    try:
        writer.add_passages(0, passages, vectors)
        owners = np.repeat(np.arange(len(passages), dtype=np.int64), np.diff(np.asarray(sentence_offsets)))
        writer.add_sentences(0, owners, sentence_vectors)
        replaced = (previous or {}).get("vector_store") or {}
        entry = writer.finish(replaced.get("passages", "") if replaced.get("kind") == "milvus" else "")
    except BaseException:
        writer.abort()
        raise
    manifest["vector_store"] = entry
    manifest["index"] = {**manifest.get("index", {}), "dense": "milvus " + entry["index"]["passages"][0]}


def publish(settings: Settings, manifest: dict[str, Any], folder: Path) -> None:
    """After the manifest swap: point the aliases at the live collections and drop those older than the one
    it replaced (left by earlier or killed builds). Best effort: the manifest already decides what serves."""
    entry = manifest.get("vector_store") or {}
    if entry.get("kind") != "milvus":
        return
    uri = build_uri(settings, entry, folder)
    client = connect(uri, settings.milvus_token)
    try:
        existing = set(client.list_aliases().get("aliases", []))
        for alias, target in zip(alias_names(entry["collection"]), (entry["passages"], entry["sentences"])):
            if alias in existing:
                client.alter_alias(target, alias)
            else:
                client.create_alias(target, alias)
        keep = {entry["passages"], entry["sentences"]}
        if entry.get("replaces"):
            keep |= {entry["replaces"], entry["replaces"].removesuffix("_passages") + "_sentences"}
        for name in stale_collections(client.list_collections(), entry["collection"], keep):
            client.drop_collection(name)
    finally:
        with contextlib.suppress(Exception):
            client.close()
        if not entry.get("uri"):
            release(uri)


def stale_collections(names: Iterable[str], prefix: str, keep: set[str]) -> list[str]:
    """This prefix's build collections other than ``keep`` (the aliases are not collections)."""
    pattern = re.compile(re.escape(prefix) + r"_\d{8}_\d{6}_[0-9a-f]{8}_(passages|sentences)")
    return sorted(n for n in names if pattern.fullmatch(n) and n not in keep)


class _Collection:
    """One collection's vector search, shaped like a FAISS index for ``qa.index.dense.dense_search``."""

    def __init__(self, client: Any, name: str, rows: int, dim: int, index_type: str, settings: Settings):
        self.client, self.name, self.ntotal, self.d = client, name, rows, dim
        self.index_type, self.settings = index_type, settings

    def search(self, queries: np.ndarray, k: int, where: str = "") -> tuple[np.ndarray, np.ndarray]:
        """(scores, rows), each ``len(queries) x k``, padded with -1 rows as FAISS pads them."""
        queries = np.asarray(queries, dtype=np.float32).reshape(-1, self.d)
        params = {"metric_type": "IP", "params": search_params(self.index_type, self.settings, k)}
        found = self.client.search(
            self.name,
            data=[q for q in queries],
            anns_field="vector",
            limit=k,
            filter=where,
            search_params=params,
            output_fields=["row"],
        )
        scores = np.full((len(queries), k), -np.inf, np.float32)
        rows = np.full((len(queries), k), -1, np.int64)
        for i, hits in enumerate(found):
            for j, hit in enumerate(list(hits)[:k]):
                scores[i, j], rows[i, j] = float(hit["distance"]), _row(hit)
        return scores, rows


def _row(hit: Any) -> int:
    """A hit's primary key (the row), under the names pymilvus versions give it."""
    return int(hit.get("row", hit.get("id")) if hasattr(hit, "get") else hit.id)


def range_filter(ranges: Sequence[tuple[int, int]]) -> str:
    """A Milvus boolean expression for passage rows in [a, b) ranges."""
    return " or ".join(f"(row >= {int(a)} and row < {int(b)})" for a, b in ranges)


class MilvusIndex(_Collection):
    """The live build's collections: passage search (FAISS-shaped), ``sentences``, ``bm25`` and ``records``."""

    def __init__(self, settings: Settings, entry: dict[str, Any], folder: Path):
        self.uri = build_uri(settings, entry, folder)
        client = connect(self.uri, settings.milvus_token)
        try:
            for name in (entry["passages"], entry["sentences"]):
                if not client.has_collection(name):
                    raise IndexError_(
                        f"Milvus collection {name} named by the manifest is missing at {self.uri}; run `qa index`"
                    )
                client.load_collection(name, replica_number=settings.milvus_replicas)
        except IndexError_:
            self.close_client(client)
            raise
        self.settings = settings
        # A build's own Lite folder runs a server thread in this process: freed when the last reader goes.
        self._finalizer = None
        if not entry.get("uri"):
            _hold(self.uri, +1)
            self._finalizer = weakref.finalize(self, _let_go, self.uri, client)
        dim, kinds = int(entry["dimension"]), entry["index"]
        counts = [
            int(client.get_collection_stats(n).get("row_count", -1)) for n in (entry["passages"], entry["sentences"])
        ]
        super().__init__(client, entry["passages"], counts[0], dim, kinds["passages"][0], settings)
        self.sentences = _Collection(client, entry["sentences"], counts[1], dim, kinds["sentences"][0], settings)

    def search_within(self, query: np.ndarray, k: int, ranges: Sequence[tuple[int, int]]) -> tuple[np.ndarray, ...]:
        """Top-k among passage rows in ``ranges``, filtered inside the engine."""
        scores, rows = self.search(query, k, range_filter(ranges))
        keep = rows[0] >= 0
        return scores[0][keep], rows[0][keep]

    def bm25(self, text: str, k: int, ranges: Sequence[tuple[int, int]] = ()) -> tuple[np.ndarray, np.ndarray]:
        """Milvus full-text search: (BM25 scores, rows) of the best ``k`` passages, best first."""
        found = self.client.search(
            self.name,
            data=[text],
            anns_field="sparse",
            limit=k,
            filter=range_filter(ranges) if ranges else "",
            search_params={"metric_type": "BM25"},
            output_fields=["row"],
        )
        hits = list(found[0]) if found else []
        # Milvus Lite reports BM25 as a negated distance; a server as the score itself.
        scores = np.array([abs(float(h["distance"])) for h in hits], np.float32)
        return scores, np.array([_row(h) for h in hits], np.int64)

    def records(self, rows: Sequence[int]) -> list[Passage]:
        """The passages at ``rows``, read back from the collection (text, metadata, sentence spans)."""
        got = self.client.get(
            self.name,
            ids=[int(r) for r in rows],
            output_fields=["doc", "title", "section", "start", "end", "text", "meta"],
        )
        by_row = {int(g["row"]): g for g in got}
        return [Passage.from_json({**by_row[int(r)], **by_row[int(r)]["meta"]}) for r in rows]

    def close(self) -> None:
        """Done with this build: a build's own Lite folder is freed once no other reader here uses it."""
        if self._finalizer is not None:
            self._finalizer()

    def close_client(self, client: Any) -> None:
        with contextlib.suppress(Exception):
            client.close()
