"""Optional WordNet query expansion for BM25: a bridge for questions asked in other words than the passage's.

"What fraction of humanity lives outside its country of birth?" shares few words with the paragraph that
answers it ("proportion", "population", "people"). With ``wordnet_dir`` set, each content word of the
question brings the other words of its first ``wordnet_senses`` senses and of their hypernyms, those that
occur in the corpus, at most ``wordnet_neighbours`` per word; they are scored as a second BM25 query whose
scores are added with ``wordnet_weight``. Fitted on the hard gold set's tune split and measured held out in
docs/notes/2026-12-06-lexical-bridges.md (GloVe neighbours and document-side expansion lost there, and are not
here).

``wordnet_dir = "bundled"`` (the default) reads the table shipped beside this module: WordNet 3.0's senses,
lemmas and hypernyms without glosses (3 MB, built by scripts/build_wordnet_table.py; licence in
WORDNET-LICENSE). A folder is read as Debian's ``wordnet-base`` installs WordNet (``/usr/share/wordnet``:
``index.*``, ``data.*``, ``*.exc``): a synset's offset is its line's byte offset in ``data.<pos>``, so a question
reads only the lines it needs after the index files are loaded once (about a second).
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path

from qa.index.bm25 import QUESTION_WORDS, _stemmer, _stopwords

BUNDLED = "bundled"
TABLE = Path(__file__).with_name("wordnet-3.0.json.gz")
_WORD = re.compile(r"(?u)\b[a-z][a-z-]+\b")
_POS = ("noun", "verb", "adj", "adv")
_POS_OF = {"n": "noun", "v": "verb", "a": "adj", "s": "adj", "r": "adv"}
_HYPERNYM = {"@", "@i"}  # hypernym, instance hypernym
# WordNet's morphy detachment rules: the base forms an inflected word may have.
_SUFFIXES = {
    "noun": [("s", ""), ("ses", "s"), ("xes", "x"), ("zes", "z"), ("ches", "ch"), ("shes", "sh"), ("men", "man"),
             ("ies", "y")],
    "verb": [("s", ""), ("ies", "y"), ("es", "e"), ("es", ""), ("ed", "e"), ("ed", ""), ("ing", "e"), ("ing", "")],
    "adj": [("er", ""), ("est", ""), ("er", "e"), ("est", "e")],
    "adv": [],
}  # fmt: skip


class WordNetUnavailable(OSError):
    """``wordnet_dir`` holds no WordNet database; the message says which folder and how to get one."""


def content_words(text: str) -> list[str]:
    """The words that carry the question's meaning: no stop words, none of the words framing it as a question."""
    stop = _stopwords() | QUESTION_WORDS
    return list(dict.fromkeys(w for w in _WORD.findall(text.lower()) if w not in stop and len(w) > 2))


class WordNet:
    """Lemma -> synset offsets per part of speech, loaded once; synsets read from the data files on demand."""

    def __init__(self, folder: Path):
        self.folder = folder
        missing = [
            f"{kind}.{pos}" for kind in ("index", "data") for pos in _POS if not (folder / f"{kind}.{pos}").is_file()
        ]
        if missing:
            raise WordNetUnavailable(
                f"wordnet_dir {folder} holds no WordNet database (no {', '.join(missing[:2])}…): install Debian's "
                'wordnet-base (apt-get install wordnet-base) and set wordnet_dir = "/usr/share/wordnet"'
            )
        self.index = {pos: _read_index(folder / f"index.{pos}") for pos in _POS}
        self.exceptions = {pos: _read_exceptions(folder / f"{pos}.exc") for pos in _POS}
        self._data = {pos: (folder / f"data.{pos}").open("rb") for pos in _POS}
        self._reading = threading.Lock()  # the web server answers in threads; a seek and its read go together
        self._synsets: dict[tuple[str, int], tuple[list[str], list[tuple[str, str, int]]]] = {}

    def synset(self, pos: str, offset: int) -> tuple[list[str], list[tuple[str, str, int]]]:
        """(lemmas, pointers as (symbol, pos, offset)) of the synset at ``offset`` in ``data.<pos>``."""
        key = (pos, offset)
        if key not in self._synsets:
            with self._reading:
                handle = self._data[pos]
                handle.seek(offset)
                line = handle.readline()
            f = line.decode("latin-1").split(" | ")[0].split()
            w_cnt = int(f[3], 16)
            lemmas = [re.sub(r"\(.*\)$", "", f[4 + 2 * k].lower()) for k in range(w_cnt)]
            at = 4 + 2 * w_cnt
            fields = [f[at + 1 + 4 * k : at + 4 + 4 * k] for k in range(int(f[at]))]  # symbol, offset, pos
            self._synsets[key] = (lemmas, [(symbol, _POS_OF[p], int(off)) for symbol, off, p in fields])
        return self._synsets[key]

    def base_forms(self, word: str, pos: str) -> list[str]:
        """The forms of ``word`` WordNet lists under ``pos`` (its morphy, simplified)."""
        forms = [word, *self.exceptions[pos].get(word, [])]
        forms += [word[: -len(a)] + b for a, b in _SUFFIXES[pos] if word.endswith(a)]
        return [f for f in dict.fromkeys(forms) if f in self.index[pos]]

    def related(self, word: str, senses: int) -> list[str]:
        """Single words sharing one of ``word``'s first senses, or naming what such a sense is a kind of."""
        out: list[str] = []
        for pos in _POS:
            for lemma in self.base_forms(word, pos):
                for offset in self.index[pos][lemma][:senses]:
                    names, pointers = self.synset(pos, offset)
                    out += names
                    for symbol, other_pos, other in pointers:
                        if symbol in _HYPERNYM:
                            out += self.synset(other_pos, other)[0]
        return [w for w in dict.fromkeys(out) if "_" not in w]


def _read_index(path: Path) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for line in path.read_text(encoding="latin-1").splitlines():
        if line and not line.startswith(" "):  # the licence header lines start with two spaces
            f = line.split()
            out[f[0]] = [int(x) for x in f[6 + int(f[3]) :]]
    return out


def _read_exceptions(path: Path) -> dict[str, list[str]]:
    if not path.is_file():
        return {}
    rows = (line.split() for line in path.read_text(encoding="latin-1").splitlines())
    return {r[0]: r[1:] for r in rows if len(r) >= 2}


class _LazyLemmas(dict):
    """lemma -> synset offsets, kept as the table's "off off …" string and parsed when read."""

    def __getitem__(self, lemma: str) -> list[int]:
        return [int(x) for x in super().__getitem__(lemma).split()]


class WordNetTable(WordNet):
    """The same lookups from the shipped table, kept in memory as one string a synset and parsed when read."""

    def __init__(self, path: Path = TABLE):
        if not path.is_file():
            raise WordNetUnavailable(
                f"the bundled WordNet table {path} is missing: rebuild it with python scripts/build_wordnet_table.py, "
                'or set wordnet_dir = "" to answer without query expansion'
            )
        data = json.loads(gzip.decompress(path.read_bytes()))
        self.folder = path
        self.index = {pos: _LazyLemmas(lemmas) for pos, lemmas in data["index"].items()}
        self.exceptions = data["exceptions"]
        self._table = data["synsets"]
        self._synsets = {}

    def synset(self, pos: str, offset: int) -> tuple[list[str], list[tuple[str, str, int]]]:
        key = (pos, offset)
        if key not in self._synsets:
            lemmas, hypernyms = self._table[pos][str(offset)].split("|")
            self._synsets[key] = (lemmas.split(), [("@", _POS_OF[h[0]], int(h[1:])) for h in hypernyms.split()])
        return self._synsets[key]


@lru_cache(maxsize=2)
def open_wordnet(folder: str) -> WordNet:
    """One reader per folder and process (a folder's index files take about a second; the shipped table, about
    0.1 s). ``bundled``: the shipped table."""
    return WordNetTable() if folder == BUNDLED else WordNet(Path(folder).expanduser())


def expansion_terms(wordnet: WordNet, question: str, vocab: Collection[str], neighbours: int, senses: int) -> list[str]:
    """BM25 terms (stems) the question's content words bring from WordNet: in ``vocab`` (the corpus's terms),
    not the question's own, at most ``neighbours`` per word, in WordNet's order (most frequent senses first)."""
    stem = _stemmer().stemWord
    words = content_words(question)
    own = {stem(w) for w in words}
    out: dict[str, None] = {}
    for word in words:
        found = [s for s in dict.fromkeys(stem(w) for w in wordnet.related(word, senses)) if s != stem(word)]
        out.update((s, None) for s in [s for s in found if s in vocab][:neighbours] if s not in own)
    return list(out)
