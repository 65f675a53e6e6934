"""Building the index: load, chunk, embed only what changed, write a new build atomically."""

from __future__ import annotations

import contextlib
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from qa.encode.cache import EmbeddingCache, cache_key, fill_from_cache, text_digest
from qa.encode.embedder import Embedder
from qa.index import store
from qa.index.bm25 import TOKENS_VERSION, passage_search_text, read_bm25, update_bm25, write_bm25
from qa.index.dense import index_factory_string, read_dense_index, read_sentence_lists, write_dense_index
from qa.index.salvage import Salvage, problem_of, salvage_build, spot_check
from qa.ingest.chunking import CHUNKER_VERSION, ChunkConfig, chunk_document
from qa.ingest.loading import (
    COPY_REASON,
    LoadReport,
    UnreadableFile,
    load_corpus,
    read_document,
    reader_version,
    skip_record,
)
from qa.settings import Settings
from qa.types import Document, Passage, Skipped

EMBED_SLICE = 256  # texts per encode call: the unit of progress updates and of resumable checkpoints
Progress = Callable[[float, str], None]
"""Called with the fraction done (0..1) and what is happening, for progress bars outside a terminal."""


class EmptyCorpus(RuntimeError):
    """No document of the corpus folder could be read."""


@dataclass
class BuildReport:
    documents: int
    passages: int
    sentences: int
    embedded_documents: int  # documents whose passages were (re-)embedded in this build
    reused_documents: int
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0
    up_to_date: bool = False
    reused_vectors: int = 0  # texts of re-read documents whose vector an earlier build already held
    encoded: int = 0  # texts the model encoded in this build
    repaired: str = ""  # what was wrong with the index this build replaced, when it was damaged

    def lines(self) -> list[str]:
        if self.repaired:
            head = (
                f"repaired a damaged index: {self.repaired}; rebuilt in {self.seconds:.1f} s reusing the "
                f"{self.reused_vectors:,} vectors still valid ({self.encoded:,} texts encoded)"
            )
            return [head] + skipped_lines(self.skipped)
        if self.up_to_date:
            head = f"index up to date: {self.documents} documents, {self.passages} passages"
        else:
            done = "read again" if self.reused_vectors else "embedded"
            head = (
                f"indexed {self.documents} documents into {self.passages} passages and {self.sentences} sentences "
                f"in {self.seconds:.1f} s ({self.embedded_documents} {done}, {self.reused_documents} reused)"
            )
        if self.reused_vectors:
            head += f"; of their texts {self.reused_vectors:,} kept their vectors and {self.encoded:,} were encoded"
        return [head] + skipped_lines(self.skipped)


COPIES = "copies"


def skipped_lines(skipped: Sequence[Skipped], most: int = 5) -> list[str]:
    """One line per skipped file, except where more than ``most`` share a reason: a documentation build dropped
    in whole skips dozens of images and style sheets, and a line each would bury the one that matters."""
    groups: dict[str, list[Skipped]] = {}
    for item in skipped:
        key = "unsupported file type" if item.reason.startswith("unsupported file type") else item.reason
        key = COPIES if item.reason.startswith(COPY_REASON) else key
        groups.setdefault(key, []).append(item)
    lines = []
    for key, items in groups.items():
        if len(items) <= most:
            lines += [f"skipped {s.path}: {s.reason}" for s in items]
        elif key == COPIES:
            lines.append(f"skipped {len(items)} files that are copies of others, indexed once (first: {items[0].path})")
        elif key == "unsupported file type":
            kinds = Counter(Path(s.path).suffix.lower() or "(none)" for s in items)
            listed = ", ".join(f"{suffix} {n}" for suffix, n in kinds.most_common())
            lines.append(f"skipped {len(items)} files of unsupported types: {listed}")
        else:
            lines.append(f"skipped {len(items)} files: {key} (first: {items[0].path})")
    return lines


def chunk_config(settings: Settings) -> ChunkConfig:
    return ChunkConfig(settings.chunk_target_tokens, settings.chunk_max_tokens, settings.chunk_overlap_sentences)


def build_signature(settings: Settings, embedder: Embedder) -> dict[str, Any]:
    """What, besides a file's bytes, decides its vectors: a change here re-embeds everything."""
    info = embedder.info
    return {
        "model": {
            "name": info.name,
            "path": info.path,
            "weights_sha256": info.weights_sha256,
            "dimension": info.dimension,
            "query_prefix": info.query_prefix,
            "passage_prefix": info.passage_prefix,
        },
        "chunking": {
            "version": CHUNKER_VERSION,
            "target_tokens": settings.chunk_target_tokens,
            "max_tokens": settings.chunk_max_tokens,
            "overlap_sentences": settings.chunk_overlap_sentences,
            "prepend_section": settings.prepend_section,
        },
    }


def _same_signature(manifest: dict[str, Any] | None, signature: dict[str, Any]) -> bool:
    return bool(manifest) and all(manifest.get(k) == v for k, v in signature.items())


def staleness(
    settings: Settings, embedder: Embedder, manifest: dict[str, Any] | None, report: LoadReport | None = None
) -> str | None:
    """Why the index must be rebuilt, or None when it matches the corpus and the model.

    ``report`` is the corpus as just loaded, when the caller has it (a build reads the folder once)."""
    if manifest is None:
        return "no index yet"
    # A corpus folder copied or moved with its index is not stale for that: its files are compared by
    # content below (read afresh, since their recorded sizes and times belong to the other folder).
    if not _same_signature(manifest, build_signature(settings, embedder)):
        return "the model or the chunking settings changed"
    if store_wanted(settings) != store_built(manifest):
        return "the vector store settings changed"
    if manifest.get("bm25_tokens", 1) != TOKENS_VERSION:
        return "the keyword index reads words differently now"  # its terms are counted again; vectors are kept
    report = report or load_corpus(settings, manifest)
    now = {d.doc_id: (d.sha256, d.title, reader_version(d.fmt)) for d in report.documents}
    before = {k: (v["sha256"], v.get("title"), v.get("reader", 1)) for k, v in manifest.get("files", {}).items()}
    if now != before:
        changed = sorted(set(now.items()) ^ set(before.items()))
        return f"{len({k for k, _ in changed})} document(s) added, changed or removed"
    if sorted(s.path for s in report.skipped) != sorted(s["file"] for s in manifest.get("skipped", [])):
        return "the set of unreadable files changed"
    return None


def store_wanted(settings: Settings) -> dict[str, Any]:
    """What the settings ask of the vector store; a build made for other ones is stale (its vectors are reused)."""
    if settings.vector_store != "milvus":
        return {"kind": "faiss"}
    from qa.index.milvus_store import normal_uri  # no pymilvus import: that happens only when it connects

    return {
        "kind": "milvus",
        "uri": normal_uri(settings.milvus_uri),
        "collection": settings.milvus_collection,
        "index_type": settings.milvus_index_type.upper(),
        "index_params": json.loads(settings.milvus_index_params or "{}"),
        "shards": settings.milvus_shards,
    }


def store_built(manifest: dict[str, Any]) -> dict[str, Any]:
    """The same, as the manifest records it (builds from before the setting are FAISS builds)."""
    entry = manifest.get("vector_store") or {"kind": "faiss"}
    if entry.get("kind") != "milvus":
        return {"kind": "faiss"}
    return {"kind": "milvus", **{k: entry.get(k) for k in ("uri", "collection")}, **entry.get("asked", {})}


@dataclass
class _Previous:
    """The live build, as the next build reuses it: per document its rows, passed on without parsing."""

    folder: Path
    lines: list[bytes]  # passages.jsonl, one line per passage row
    vectors: np.ndarray  # memory-mapped
    sentence_vectors: np.ndarray
    rows: dict[str, tuple[int, int, int, int]]  # doc -> passage rows [a, b), sentence rows [c, d)
    sha256: dict[str, str | None]
    titles: dict[str, str | None]
    readers: dict[str, int]  # the reader version each file was read with (1 before versions were kept)
    prepend_section: bool  # whether its passage texts were encoded with their section title in front
    sentence_counts: np.ndarray | None = None  # per passage row, when the build recorded its offsets

    def counts(self, a: int, b: int) -> np.ndarray:
        """Sentences of passage rows [a, b): recorded, or read from the rows of an older build."""
        if self.sentence_counts is not None:
            return self.sentence_counts[a:b]
        return np.array([len(json.loads(line).get("sentences", [])) for line in self.lines[a:b]], np.int64)

    def passages(self, doc_id: str) -> list[Passage]:
        a, b, _, _ = self.rows[doc_id]
        return [Passage.from_json(json.loads(line)) for line in self.lines[a:b]]


def _doc_rows(lines: list[bytes], files: dict[str, Any]) -> dict[str, tuple[int, int, int, int]]:
    """Each document's rows: from the manifest (``rows``), or by reading the passage table (older builds)."""
    rows = {d: tuple(f["rows"]) for d, f in files.items() if isinstance(f.get("rows"), list) and len(f["rows"]) == 4}
    if len(rows) == len(files) and all(0 <= r[0] <= r[1] <= len(lines) for r in rows.values()):
        return rows  # type: ignore[return-value]
    out: dict[str, list[int]] = {}
    s_row = 0
    for i, line in enumerate(lines):
        row = json.loads(line)
        n = len(row.get("sentences", []))
        entry = out.setdefault(row["doc"], [i, i, s_row, s_row])
        entry[1], entry[3] = i + 1, s_row + n
        s_row += n
    return {d: (a, b, c, e) for d, (a, b, c, e) in out.items()}


def _reusable(index_dir: Path, manifest: dict[str, Any] | None, signature: dict[str, Any]) -> _Previous | None:
    """The live build, when the signature still holds and its files can be read."""
    if not _same_signature(manifest, signature) or manifest is None:
        return None
    return _read_build(index_dir, manifest)


def _read_build(index_dir: Path, manifest: dict[str, Any]) -> _Previous | None:
    """The build the manifest points to, memory-mapped; None when its files cannot be read or disagree."""
    try:
        folder = store.build_folder(index_dir, manifest["build_id"])
        lines = store.read_passage_lines(folder)
        vectors = np.load(folder / "vectors.npy", mmap_mode="r", allow_pickle=False)
        sent_vectors = np.load(folder / "sentence_vectors.npy", mmap_mode="r", allow_pickle=False)
        files = manifest.get("files", {})
        rows = _doc_rows(lines, files)
        offsets = store.read_sentence_offsets(folder, len(lines))
        prepend = bool(manifest["chunking"]["prepend_section"])
    except store.DAMAGE:  # json's decode error is a ValueError
        return None
    n_sent = max((r[3] for r in rows.values()), default=0)
    if vectors.ndim != 2 or sent_vectors.ndim != 2 or len(vectors) != len(lines) or len(sent_vectors) != n_sent:
        return None
    return _Previous(
        folder=folder,
        lines=lines,
        vectors=vectors,
        sentence_vectors=sent_vectors,
        rows=rows,
        sha256={d: f.get("sha256") for d, f in files.items()},
        titles={d: f.get("title") for d, f in files.items()},
        readers={d: f.get("reader", 1) for d, f in files.items()},
        prepend_section=prepend,
        sentence_counts=None if offsets is None else np.diff(offsets),
    )


def earlier_vectors(index_dir: Path, key: str) -> dict[bytes, np.ndarray]:
    """The live build's vectors by the digest of the text each encodes, when the same model and prefix
    made them (``key``, as in :func:`cache_key`); empty when there is none or it cannot be read.

    Why: a vector depends only on the model and its text, so after a chunking change (a new chunker
    version, other sizes) the passages and sentences whose text did not change keep their vectors and
    only the rest is encoded; a benchmark cache lends its vectors to one built under other settings.
    """
    try:
        manifest = store.read_manifest(index_dir)
    except store.IndexError_:
        return {}
    if manifest is None or cache_key(manifest) != key:
        return {}
    build = _read_build(index_dir, manifest)
    dim = manifest.get("model", {}).get("dimension")
    if build is None or build.vectors.shape[1] != dim or build.sentence_vectors.shape[1] != dim:
        return {}
    return _vectors_by_text(build)


def _vectors_by_text(build: _Previous, only: set[str] | None = None) -> dict[bytes, np.ndarray]:
    """Each passage's and sentence's vector in ``build`` by the digest of its text (as that build encoded
    it); ``only`` limits it to those documents. Empty when the rows do not fit the tables."""
    out: dict[bytes, np.ndarray] = {}
    try:
        for doc_id, (a, b, c, d) in build.rows.items():
            if only is not None and doc_id not in only:
                continue
            s_row = c
            for i in range(a, b):
                p = Passage.from_json(json.loads(build.lines[i]))
                out[text_digest(passage_search_text(p, build.prepend_section))] = build.vectors[i]
                for start, end in p.sentences:
                    out[text_digest(doc_text(p, start, end))] = build.sentence_vectors[s_row]
                    s_row += 1
            if s_row != d:  # the rows do not fit the table: trust none of it
                return {}
    except store.DAMAGE:
        return {}
    return out


def _embed_with_progress(
    embedder: Embedder,
    texts: list[str],
    label: str,
    show: bool,
    progress: Progress | None = None,
    span: tuple[float, float] = (0.0, 1.0),
    cache: EmbeddingCache | None = None,
) -> np.ndarray:
    """Encode in slices under one tqdm bar so the user sees rate and ETA on long builds.

    ``progress`` (if given) hears the same advance as a fraction within ``span`` of the whole build.
    With a ``cache``, texts it already holds are not encoded again and every slice is checkpointed to
    it as soon as it is done, so an interrupted build resumes where it stopped. Texts are encoded
    longest first across the whole list (not only within a batch), which wastes less work on padding.
    """
    from tqdm.auto import tqdm

    dim = embedder.info.dimension
    if not texts:
        return np.zeros((0, dim), dtype=np.float32)
    out, digests, todo = fill_from_cache(cache, texts, dim)
    done = len(texts) - len(todo)
    step = max(embedder.settings.embed_batch_size * 8, EMBED_SLICE)
    with tqdm(total=len(texts), initial=done, desc=label, unit="text", disable=not show, dynamic_ncols=True) as bar:
        for i in range(0, len(todo), step):
            if progress:
                at = done + i
                progress(span[0] + (span[1] - span[0]) * at / len(texts), f"{label} ({at:,}/{len(texts):,})")
            rows = todo[i : i + step]
            vectors = embedder.encode_passages([texts[r] for r in rows])
            out[rows] = vectors
            if cache is not None:
                cache.save([digests[r] for r in rows], vectors)
            bar.update(len(rows))
    return out


def build_index(
    settings: Settings,
    embedder: Embedder,
    force: bool = False,
    loaded: LoadReport | None = None,
    progress: Progress | None = None,
    donors: Sequence[Path] = (),
    repair: str = "",
) -> BuildReport:
    """Bring the index in line with the corpus, embedding only documents that changed (see ``_build``);
    with ``build_engine = "ray"``, chunking and encoding run on Ray (``qa.index.raybuild``)."""
    with _engine(settings):
        return _build(settings, embedder, force, loaded, progress, donors, repair)


def _engine(settings: Settings) -> contextlib.AbstractContextManager[Any]:
    if settings.build_engine != "ray":
        return contextlib.nullcontext()
    from qa.index.raybuild import ray_session

    return ray_session(settings)


def _keep_question_graph(embedder: Embedder) -> None:
    """The question encoder's graph is in memory after encoding: keep it in the index folder now, rather than
    export it again (seconds, and a torch import) at the first question."""
    encoder = embedder.questions
    if encoder is not None:
        encoder.keep()


def _build(
    settings: Settings,
    embedder: Embedder,
    force: bool = False,
    loaded: LoadReport | None = None,
    progress: Progress | None = None,
    donors: Sequence[Path] = (),
    repair: str = "",
) -> BuildReport:
    """Bring the index in line with the corpus, embedding only documents that changed.

    ``loaded`` supplies documents directly (benchmarks read JSON Lines, not a folder); the staleness
    check is then skipped and the index is built from exactly those documents. ``progress`` is told
    how far the build has come (the web page's progress bar). Texts whose vector the live build (unless
    ``force``) or a ``donors`` index folder already holds, made by the same model, are not encoded again.
    ``repair`` says what is wrong with the live build, when the caller found it damaged: it is rebuilt,
    reusing every vector it still holds that can be tied to its text (see ``qa.index.salvage``).
    """
    started = time.time()
    if settings.vector_store == "milvus":  # fail before the embedding, not after it
        from qa.index.milvus_store import check_reachable

        check_reachable(settings)
    if progress:
        progress(0.0, "reading documents")
    manifest = None
    try:
        manifest = store.read_manifest(settings.index_dir)
    except store.IndexError_ as exc:
        repair = repair or problem_of(str(exc))  # broken manifest: rebuild from what the build folder holds
    signature = build_signature(settings, embedder)
    scanned_ns = time.time_ns()
    report = loaded or load_corpus(settings, manifest)
    current = not force and not repair and loaded is None and manifest is not None
    if current and staleness(settings, embedder, manifest, report) is None:
        try:
            open_index(settings)
        except store.IndexError_ as exc:
            # The manifest matches the corpus but its build folder is damaged: rebuild, reusing what it holds.
            return build_index(settings, embedder, progress=progress, repair=problem_of(str(exc)))
        store.tidy(settings.index_dir)
        if settings.vector_store == "milvus":  # a build killed after its swap left the aliases behind
            from qa.index.milvus_store import publish

            publish(settings, manifest, store.build_folder(settings.index_dir, manifest["build_id"]))
        return _up_to_date(manifest)
    if not report.documents:
        raise _empty_corpus(settings, report, loaded)
    previous = None if force or repair else _reusable(settings.index_dir, manifest, signature)
    if previous is None and not force and not repair and _same_signature(manifest, signature):
        repair = _damage(settings)  # a changed corpus, and the live build it would update is unreadable
    salvage = salvage_build(settings.index_dir, manifest, signature, settings.prepend_section) if repair else None
    plan, new_passages, salvaged = _plan(settings, report, previous, embedder, salvage)
    texts = [passage_search_text(p, settings.prepend_section) for p in new_passages]
    cache = EmbeddingCache(settings.index_dir, cache_key(signature), embedder.info.dimension)
    if new_passages:
        _adopt_earlier(cache, settings, signature, previous, new_passages, force, donors)
        if salvage is not None and spot_check(salvage, embedder.encode_passages):
            cache.adopt(salvaged)
    built = _embed_and_assemble(settings, embedder, plan, previous, new_passages, texts, cache, progress)
    new_manifest = _manifest(settings, signature, built, len(plan), report, started, scanned_ns)
    _write(settings, new_manifest, built, previous, texts, manifest)
    cache.clear()  # its vectors now live in the build folder
    if new_passages:
        _keep_question_graph(embedder)
    if progress:
        progress(1.0, "index ready")
    return BuildReport(
        documents=len(plan),
        passages=len(built.lines),
        sentences=len(built.sentence_vectors),
        embedded_documents=built.embedded,
        reused_documents=len(plan) - built.embedded,
        skipped=report.skipped,
        seconds=time.time() - started,
        reused_vectors=cache.hits,
        encoded=cache.encoded,
        repaired=repair,
    )


def _adopt_earlier(
    cache: EmbeddingCache,
    settings: Settings,
    signature: dict[str, Any],
    previous: _Previous | None,
    new_passages: list[Passage],
    force: bool,
    donors: Sequence[Path],
) -> None:
    """Vectors an earlier build already made for these texts, so they are not encoded again."""
    if previous is not None:  # the live build, already open: only the re-read documents' old rows
        cache.adopt(_vectors_by_text(previous, {p.doc_id for p in new_passages}))
    elif not force:  # the live build under other chunking settings
        cache.adopt(earlier_vectors(settings.index_dir, cache_key(signature)))
    for donor in donors:
        cache.adopt(earlier_vectors(donor, cache_key(signature)))


def _damage(settings: Settings) -> str:
    """Why the live build cannot be opened (it could not be read for reuse), in a few words."""
    try:
        open_index(settings)
    except store.IndexError_ as exc:
        return problem_of(str(exc))
    return "the live build could not be read"


def _manifest(
    settings: Settings,
    signature: dict[str, Any],
    built: _Assembled,
    documents: int,
    report: LoadReport,
    started: float,
    scanned_ns: int,
) -> dict[str, Any]:
    return {
        "format_version": store.FORMAT_VERSION,
        "build_id": store.new_build_id(),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(time.time() - started, 2),
        "corpus_dir": str(settings.corpus_dir),
        "scanned_ns": scanned_ns,
        **signature,
        "index": {"dense": index_factory_string(len(built.vectors), settings), "bm25": "bm25s lucene k1=1.2 b=0.75"},
        "bm25_tokens": TOKENS_VERSION,
        "counts": {
            "documents": documents,
            "passages": len(built.lines),
            "sentences": len(built.sentence_vectors),
            "skipped": len(report.skipped),
        },
        "files": built.files,
        "skipped": [skip_record(settings, s) for s in report.skipped],
    }


def _up_to_date(manifest: dict[str, Any]) -> BuildReport:
    counts = manifest.get("counts", {})
    return BuildReport(
        documents=counts.get("documents", 0),
        passages=counts.get("passages", 0),
        sentences=counts.get("sentences", 0),
        embedded_documents=0,
        reused_documents=counts.get("documents", 0),
        skipped=[Skipped(s["file"], s["reason"]) for s in manifest.get("skipped", [])],
        up_to_date=True,
    )


def _empty_corpus(settings: Settings, report: LoadReport, loaded: LoadReport | None) -> EmptyCorpus:
    if loaded is None and not settings.corpus_dir.is_dir():
        return EmptyCorpus(f"the corpus folder {settings.corpus_dir} does not exist; pass --corpus DIR")
    reasons = "; ".join(f"{s.path}: {s.reason}" for s in report.skipped[:5])
    return EmptyCorpus(
        f"no readable documents in {settings.corpus_dir}"
        + (f" ({reasons})" if reasons else "")
        + "; add .txt, .md, .html, .pdf or .docx files"
    )


_Plan = list[tuple[Document, tuple[int, int, int, int] | None, list[Passage]]]


def _plan(
    settings: Settings, report: LoadReport, previous: _Previous | None, embedder: Embedder, salvage: Salvage | None
) -> tuple[_Plan, list[Passage], dict[bytes, np.ndarray]]:
    """Per document, in corpus order: its rows in the previous build (reused), or fresh passages; the
    fresh passages (unreadable documents join ``report.skipped``); and, when a damaged build is being
    repaired, the vectors it still holds for those passages' texts."""
    config = chunk_config(settings)
    counter = embedder.count_tokens
    plan: _Plan = []
    new_passages: list[Passage] = []
    salvaged = salvage.by_text() if salvage is not None else {}
    fresh: list[int] = []  # plan entries of documents to chunk
    for doc in report.documents:
        rows = previous.rows.get(doc.doc_id) if previous else None
        read_as = (doc.sha256, reader_version(doc.fmt))  # the same bytes, read by the same reader
        if previous and rows and (previous.sha256.get(doc.doc_id), previous.readers.get(doc.doc_id)) == read_as:
            # A new title alone: the same rows, the passages rewritten with it.
            same = previous.titles.get(doc.doc_id) == doc.title
            plan.append((doc, rows, [] if same else [_retitled(p, doc.title) for p in previous.passages(doc.doc_id)]))
        else:
            try:
                full = read_document(settings, doc)  # its text, where the stat check did not read it
            except UnreadableFile as exc:
                report.skipped.append(Skipped(doc.doc_id, str(exc)))
                continue
            fresh.append(len(plan))
            plan.append((full, None, []))
    for i, passages in zip(fresh, _chunk_all(settings, [plan[i][0] for i in fresh], config, counter)):
        full = plan[i][0]
        if salvage is not None:
            salvaged.update(salvage.for_document(full, passages, reader_version(full.fmt)))
        plan[i] = (full, None, passages)
        new_passages.extend(passages)
    return plan, new_passages, salvaged


def _chunk_all(
    settings: Settings, docs: list[Document], config: ChunkConfig, counter: Callable[[str], int]
) -> list[list[Passage]]:
    """Each document's passages: here, or as a Ray Data job."""
    if settings.build_engine == "ray" and docs:
        from qa.index.raybuild import chunk_on_ray

        return chunk_on_ray(settings, docs, config)
    return [chunk_document(doc, config, counter) for doc in docs]


def _embed_and_assemble(
    settings: Settings,
    embedder: Embedder,
    plan: _Plan,
    previous: _Previous | None,
    new_passages: list[Passage],
    texts: list[str],
    cache: EmbeddingCache,
    progress: Progress | None,
) -> _Assembled:
    sentence_texts = [doc_text(p, a, b) for p in new_passages for a, b in p.sentences]
    # Progress: reading and chunking ~10 %, passages and sentences by their share of texts, writing ~5 %.
    share = len(texts) / max(1, len(texts) + len(sentence_texts))
    middle = 0.1 + 0.85 * share
    if settings.build_engine == "ray":  # one job for both, so each actor loads its model once
        from qa.index.raybuild import encode_on_ray

        both = encode_on_ray(
            settings, embedder.info, texts + sentence_texts, cache, progress=progress, span=(0.1, 0.95)
        )
        new_vectors, new_sent_vectors = both[: len(texts)], both[len(texts) :]
    else:
        new_vectors = _embed_with_progress(
            embedder, texts, "embedding passages", settings.show_progress, progress, (0.1, middle), cache
        )
        new_sent_vectors = _embed_with_progress(
            embedder, sentence_texts, "embedding sentences", settings.show_progress, progress, (middle, 0.95), cache
        )
    if progress:
        progress(0.95, "writing the index")
    return _assemble(plan, previous, new_vectors, new_sent_vectors, embedder.info.dimension)


def _write(
    settings: Settings,
    manifest: dict[str, Any],
    built: _Assembled,
    previous: _Previous | None,
    texts: list[str],
    replaced: dict[str, Any] | None = None,
) -> None:
    """The build folder (and, for Milvus, the build's collections), then the manifest that makes it live
    (store.write_build); ``replaced`` is the manifest it replaces."""

    def write_bm25_index(folder: Path, _lines: Any) -> None:
        if previous is not None:
            try:
                update_bm25(folder, previous.folder / "bm25", built.kept_rows, texts, built.bm25_order)
                return
            except (OSError, ValueError):
                pass  # an older build without term counts: index every passage
        every = [Passage.from_json(json.loads(line)) for line in built.lines]
        write_bm25(folder, [passage_search_text(p, settings.prepend_section) for p in every])

    def write_dense(path: Path, vectors: np.ndarray) -> None:
        if settings.vector_store == "milvus":
            from qa.index.milvus_store import write_collections

            write_collections(
                settings,
                manifest,
                path.parent,
                built.lines,
                vectors,
                built.sentence_vectors,
                built.sentence_offsets,
                replaced,
            )
            asked = ("index_type", "index_params", "shards")
            manifest["vector_store"]["asked"] = {k: v for k, v in store_wanted(settings).items() if k in asked}
            return
        write_dense_index(
            path,
            vectors,
            settings,
            sentence_vectors=built.sentence_vectors,
            previous=previous.folder if previous else None,
            sentence_lists=built.sentence_lists,
        )

    final = store.write_build(
        settings.index_dir,
        manifest,
        built.lines,
        built.vectors,
        built.sentence_vectors,
        write_dense=write_dense,
        write_bm25=write_bm25_index,
        sentence_offsets=built.sentence_offsets,
    )
    if settings.vector_store == "milvus":
        from qa.index.milvus_store import publish

        publish(settings, manifest, final)


@dataclass
class _Assembled:
    """The new build's tables, in corpus order, and how its passages map to the previous build's."""

    lines: list[bytes]
    vectors: np.ndarray
    sentence_vectors: np.ndarray
    files: dict[str, Any]
    kept_rows: np.ndarray  # previous passage rows carried over, in the order they were kept
    bm25_order: np.ndarray  # passage i is entry bm25_order[i] of [kept rows..., new passages...]
    sentence_lists: np.ndarray | None  # IVF list per sentence row where known (-1: new)
    embedded: int
    sentence_offsets: np.ndarray  # passage i owns sentence rows [offsets[i], offsets[i + 1])


def _assemble(
    plan: list[tuple[Document, tuple[int, int, int, int] | None, list[Passage]]],
    previous: _Previous | None,
    new_vectors: np.ndarray,
    new_sent_vectors: np.ndarray,
    dim: int,
) -> _Assembled:
    """Reused documents' rows are copied from the previous build as they are: no JSON parsing, no
    re-tokenizing, no new vectors; only the changed documents' rows are new."""
    n_pass = sum(r[1] - r[0] if r else len(ps) for _, r, ps in plan)
    n_sent = sum(r[3] - r[2] if r else sum(len(p.sentences) for p in ps) for _, r, ps in plan)
    vectors = np.empty((n_pass, dim), np.float32)
    sent_vectors = np.empty((n_sent, dim), np.float32)
    old_lists = read_sentence_lists(previous.folder, len(previous.sentence_vectors)) if previous else None
    lists = np.full(n_sent, -1, np.int32) if old_lists is not None else None
    lines: list[bytes] = []
    files: dict[str, Any] = {}
    kept: list[np.ndarray] = []
    order = np.empty(n_pass, np.int64)  # new passages marked -1 - j for now, j their place among new ones
    sentence_counts = np.empty(n_pass, np.int64)
    p_at = s_at = p_new = s_new = n_kept = embedded = 0
    for doc, rows, passages in plan:
        if rows is not None and previous is not None:
            a, b, c, d = rows
            n_p, n_s = b - a, d - c
            vectors[p_at : p_at + n_p] = previous.vectors[a:b]
            sent_vectors[s_at : s_at + n_s] = previous.sentence_vectors[c:d]
            if lists is not None and old_lists is not None:
                lists[s_at : s_at + n_s] = old_lists[c:d]
            lines.extend([_line(p) for p in passages] if passages else previous.lines[a:b])
            sentence_counts[p_at : p_at + n_p] = (
                [len(p.sentences) for p in passages] if passages else previous.counts(a, b)
            )
            kept.append(np.arange(a, b, dtype=np.int64))
            order[p_at : p_at + n_p] = np.arange(n_kept, n_kept + n_p)
            n_kept += n_p
        else:
            n_p, n_s = len(passages), sum(len(p.sentences) for p in passages)
            vectors[p_at : p_at + n_p] = new_vectors[p_new : p_new + n_p]
            sent_vectors[s_at : s_at + n_s] = new_sent_vectors[s_new : s_new + n_s]
            lines.extend(_line(p) for p in passages)
            sentence_counts[p_at : p_at + n_p] = [len(p.sentences) for p in passages]
            order[p_at : p_at + n_p] = -1 - np.arange(p_new, p_new + n_p)
            p_new, s_new = p_new + n_p, s_new + n_s
            embedded += 1
        files[doc.doc_id] = {
            "sha256": doc.sha256,
            "title": doc.title,
            "format": doc.fmt,
            "reader": reader_version(doc.fmt),
            "chars": doc.length,
            "passages": n_p,
            "rows": [p_at, p_at + n_p, s_at, s_at + n_s],
            "size": doc.size,
            "mtime_ns": doc.mtime_ns,
            "title_source": doc.title_source,
        }
        p_at, s_at = p_at + n_p, s_at + n_s
    order = np.where(order >= 0, order, n_kept - 1 - order)
    kept_rows = np.concatenate(kept) if kept else np.zeros(0, np.int64)
    offsets = np.concatenate([[0], np.cumsum(sentence_counts)]).astype(np.int64)
    return _Assembled(lines, vectors, sent_vectors, files, kept_rows, order, lists, embedded, offsets)


def _line(p: Passage) -> bytes:
    return json.dumps(p.to_json(), ensure_ascii=False).encode("utf-8")


def doc_text(p: Passage, start: int, end: int) -> str:
    """Text of an absolute span that lies inside passage ``p``."""
    return p.text[start - p.start : end - p.start]


def _retitled(p: Passage, title: str) -> Passage:
    if p.title == title:
        return p
    return replace(p, title=title)


def open_index(settings: Settings) -> store.StoredIndex:
    manifest = store.read_manifest(settings.index_dir)
    if manifest is None:
        raise store.IndexError_(f"no index in {settings.index_dir}; run `qa index`")
    engine = manifest.get("vector_store") or {}
    if engine.get("kind") != "milvus":
        return store.load_build(
            settings.index_dir,
            manifest,
            read_dense=lambda path: read_dense_index(path, settings),
            read_bm25=read_bm25,
            lazy_from=settings.lazy_passages_from,
        )
    from qa.index.milvus_store import MilvusIndex

    # The build folder's tables (passages, vectors for exact re-scoring, BM25) first, then its collections.
    index = store.load_build(
        settings.index_dir,
        manifest,
        read_dense=lambda _: None,
        read_bm25=read_bm25,
        lazy_from=settings.lazy_passages_from,
    )
    index.faiss_index = MilvusIndex(settings, engine, index.folder)
    if (index.faiss_index.ntotal, index.faiss_index.sentences.ntotal) != (
        len(index.passages),
        len(index.sentence_vectors),
    ):
        raise store.IndexError_(f"the Milvus collections of build {manifest['build_id']} do not fit it; run `qa index`")
    return index
