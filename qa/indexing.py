"""Building the index: load, chunk, embed only what changed, write a new build atomically."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from qa import store
from qa.chunking import CHUNKER_VERSION, ChunkConfig, chunk_document
from qa.dense import index_factory_string, read_dense_index, write_dense_index
from qa.embedcache import EmbeddingCache, cache_key, text_digest
from qa.embedding import Embedder
from qa.lexical import passage_search_text, read_bm25, write_bm25
from qa.loading import LoadReport, load_corpus
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

    def lines(self) -> list[str]:
        head = (
            f"index up to date: {self.documents} documents, {self.passages} passages"
            if self.up_to_date
            else f"indexed {self.documents} documents into {self.passages} passages and {self.sentences} sentences "
            f"in {self.seconds:.1f} s ({self.embedded_documents} embedded, {self.reused_documents} reused)"
        )
        return [head] + [f"skipped {s.path}: {s.reason}" for s in self.skipped]


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


def staleness(settings: Settings, embedder: Embedder, manifest: dict[str, Any] | None) -> str | None:
    """Why the index must be rebuilt, or None when it matches the corpus and the model."""
    if manifest is None:
        return "no index yet"
    if Path(manifest.get("corpus_dir", "")) != settings.corpus_dir:
        return "the index was built from another corpus folder"
    if not _same_signature(manifest, build_signature(settings, embedder)):
        return "the model or the chunking settings changed"
    report = load_corpus(settings)
    now = {d.doc_id: (d.sha256, d.title) for d in report.documents}
    before = {k: (v["sha256"], v.get("title")) for k, v in manifest.get("files", {}).items()}
    if now != before:
        changed = sorted(set(now.items()) ^ set(before.items()))
        return f"{len({k for k, _ in changed})} document(s) added, changed or removed"
    if sorted(s.path for s in report.skipped) != sorted(s["file"] for s in manifest.get("skipped", [])):
        return "the set of unreadable files changed"
    return None


def _reusable(settings: Settings, manifest: dict[str, Any] | None, signature: dict[str, Any]) -> dict[str, Any]:
    """Passages and vectors of the live build, by document, when the signature still holds."""
    if not _same_signature(manifest, signature) or manifest is None:
        return {}
    try:
        folder = store.build_folder(settings.index_dir, manifest["build_id"])
        passages = store.read_passages(folder)
        vectors = np.load(folder / "vectors.npy", allow_pickle=False)
        sent_vectors = np.load(folder / "sentence_vectors.npy", allow_pickle=False)
    except store.DAMAGE:
        return {}
    if vectors.ndim != 2 or sent_vectors.ndim != 2:
        return {}
    if len(vectors) != len(passages) or len(sent_vectors) != sum(len(p.sentences) for p in passages):
        return {}
    by_doc: dict[str, dict[str, Any]] = {}
    s_row = 0
    for i, p in enumerate(passages):
        entry = by_doc.setdefault(p.doc_id, {"passages": [], "rows": [], "sent_rows": []})
        entry["passages"].append(p)
        entry["rows"].append(i)
        entry["sent_rows"].extend(range(s_row, s_row + len(p.sentences)))
        s_row += len(p.sentences)
    files = manifest.get("files", {})
    out: dict[str, Any] = {}
    for doc_id, entry in by_doc.items():
        out[doc_id] = {
            "sha256": files.get(doc_id, {}).get("sha256"),
            "passages": entry["passages"],
            "vectors": vectors[entry["rows"]],
            "sentence_vectors": sent_vectors[entry["sent_rows"]],
        }
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
    out = np.zeros((len(texts), dim), dtype=np.float32)
    digests = [text_digest(t) for t in texts] if cache is not None else []
    todo = list(range(len(texts)))
    if cache is not None:
        todo = []
        for i, v in enumerate(cache.lookup(digests)):
            if v is None:
                todo.append(i)
            else:
                out[i] = v
    todo.sort(key=lambda i: -len(texts[i]))
    done = len(texts) - len(todo)
    step = max(embedder.settings.embed_batch_size * 8, EMBED_SLICE)
    with tqdm(
        total=len(texts), initial=done, desc=label, unit="text", disable=not show, dynamic_ncols=True
    ) as bar:
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
) -> BuildReport:
    """Bring the index in line with the corpus, embedding only documents that changed.

    ``loaded`` supplies documents directly (benchmarks read JSON Lines, not a folder); the staleness
    check is then skipped and the index is built from exactly those documents. ``progress`` is told
    how far the build has come (the web page's progress bar).
    """
    started = time.time()
    if progress:
        progress(0.0, "reading documents")
    manifest = None
    try:
        manifest = store.read_manifest(settings.index_dir)
    except store.IndexError_:
        manifest = None  # broken manifest: rebuild everything
    signature = build_signature(settings, embedder)
    if not force and loaded is None and manifest is not None and staleness(settings, embedder, manifest) is None:
        try:
            open_index(settings)
        except store.IndexError_:
            # The manifest matches the corpus but its build folder is damaged: redo it all.
            return build_index(settings, embedder, force=True, progress=progress)
        store.tidy(settings.index_dir)
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

    report = loaded or load_corpus(settings)
    if not report.documents:
        if loaded is None and not settings.corpus_dir.is_dir():
            raise EmptyCorpus(f"the corpus folder {settings.corpus_dir} does not exist; pass --corpus DIR")
        reasons = "; ".join(f"{s.path}: {s.reason}" for s in report.skipped[:5])
        raise EmptyCorpus(
            f"no readable documents in {settings.corpus_dir}"
            + (f" ({reasons})" if reasons else "")
            + "; add .txt, .md, .html, .pdf or .docx files"
        )
    reuse = {} if force else _reusable(settings, manifest, signature)
    config = chunk_config(settings)
    counter = embedder.count_tokens

    per_doc: list[tuple[Document, list[Passage], np.ndarray | None, np.ndarray | None]] = []
    new_passages: list[Passage] = []
    for doc in report.documents:
        old = reuse.get(doc.doc_id)
        if old and old["sha256"] == doc.sha256:
            passages = [_retitled(p, doc.title) for p in old["passages"]]
            per_doc.append((doc, passages, old["vectors"], old["sentence_vectors"]))
        else:
            passages = chunk_document(doc, config, counter)
            per_doc.append((doc, passages, None, None))
            new_passages.extend(passages)

    texts = [passage_search_text(p, settings.prepend_section) for p in new_passages]
    sentence_texts = [doc_text(p, a, b) for p in new_passages for a, b in p.sentences]
    # Progress: reading and chunking ~10 %, passages and sentences by their share of texts, writing ~5 %.
    share = len(texts) / max(1, len(texts) + len(sentence_texts))
    middle = 0.1 + 0.85 * share
    cache = EmbeddingCache(settings.index_dir, cache_key(signature), embedder.info.dimension)
    new_vectors = _embed_with_progress(
        embedder, texts, "embedding passages", settings.show_progress, progress, (0.1, middle), cache
    )
    new_sent_vectors = _embed_with_progress(
        embedder, sentence_texts, "embedding sentences", settings.show_progress, progress, (middle, 0.95), cache
    )
    if progress:
        progress(0.95, "writing the index")

    all_passages: list[Passage] = []
    vec_parts: list[np.ndarray] = []
    sent_parts: list[np.ndarray] = []
    p_row = s_row = 0
    embedded = 0
    for _doc, passages, vecs, svecs in per_doc:
        if vecs is None:
            n_sent = sum(len(p.sentences) for p in passages)
            vecs = new_vectors[p_row : p_row + len(passages)]
            svecs = new_sent_vectors[s_row : s_row + n_sent]
            p_row += len(passages)
            s_row += n_sent
            embedded += 1
        all_passages.extend(passages)
        vec_parts.append(np.asarray(vecs, dtype=np.float32))
        sent_parts.append(np.asarray(svecs, dtype=np.float32))
    dim = embedder.info.dimension
    vectors = np.concatenate(vec_parts) if vec_parts else np.zeros((0, dim), np.float32)
    sent_vectors = np.concatenate(sent_parts) if sent_parts else np.zeros((0, dim), np.float32)

    n_sentences = int(sum(len(p.sentences) for p in all_passages))
    files: dict[str, Any] = {}
    for doc, passages, _, _ in per_doc:
        files[doc.doc_id] = {
            "sha256": doc.sha256,
            "title": doc.title,
            "format": doc.fmt,
            "chars": len(doc.text),
            "passages": len(passages),
        }
    elapsed = time.time() - started
    new_manifest = {
        "format_version": store.FORMAT_VERSION,
        "build_id": store.new_build_id(),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build_seconds": round(elapsed, 2),
        "corpus_dir": str(settings.corpus_dir),
        **signature,
        "index": {"dense": index_factory_string(len(vectors), settings), "bm25": "bm25s lucene k1=1.2 b=0.75"},
        "counts": {
            "documents": len(per_doc),
            "passages": len(all_passages),
            "sentences": n_sentences,
            "skipped": len(report.skipped),
        },
        "files": files,
        "skipped": [{"file": s.path, "reason": s.reason} for s in report.skipped],
    }
    store.write_build(
        settings.index_dir,
        new_manifest,
        all_passages,
        vectors,
        sent_vectors,
        write_dense=lambda path, v: write_dense_index(path, v, settings, sentence_vectors=sent_vectors),
        write_bm25=lambda folder, ps: write_bm25(
            folder, [passage_search_text(p, settings.prepend_section) for p in ps]
        ),
    )
    cache.clear()  # its vectors now live in the build folder
    if progress:
        progress(1.0, "index ready")
    return BuildReport(
        documents=len(per_doc),
        passages=len(all_passages),
        sentences=n_sentences,
        embedded_documents=embedded,
        reused_documents=len(per_doc) - embedded,
        skipped=report.skipped,
        seconds=time.time() - started,
    )


def doc_text(p: Passage, start: int, end: int) -> str:
    """Text of an absolute span that lies inside passage ``p``."""
    return p.text[start - p.start : end - p.start]


def _retitled(p: Passage, title: str) -> Passage:
    if p.title == title:
        return p
    return Passage(p.doc_id, title, p.section, p.start, p.end, p.text, p.sentences)


def open_index(settings: Settings) -> store.StoredIndex:
    manifest = store.read_manifest(settings.index_dir)
    if manifest is None:
        raise store.IndexError_(f"no index in {settings.index_dir}; run `qa index`")
    return store.load_build(
        settings.index_dir,
        manifest,
        read_dense=lambda path: read_dense_index(path, settings),
        read_bm25=read_bm25,
    )
