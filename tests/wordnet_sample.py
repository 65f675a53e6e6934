"""A few WordNet 3.0 synsets (lemmas, hypernym links and glosses as WordNet has them), written in its database
format (``index.*``, ``data.*``) so the expansion is tested on the real layout without Debian's package."""

from __future__ import annotations

from pathlib import Path

# key: (part of speech, lemmas, hypernym keys, gloss)
SYNSETS: dict[str, tuple[str, list[str], list[str], str]] = {
    "activity": ("n", ["activity"], [], "any specific behavior"),
    "aid": ("n", ["aid", "assist", "assistance", "help"], ["activity"],
            "the activity of contributing to the fulfillment of a need or furtherance of an effort or purpose"),
    "novice": ("n", ["novice", "beginner", "tyro", "tiro", "initiate"], [], "someone new to a field or activity"),
    "newcomer": ("n", ["newcomer", "fledgling", "fledgeling", "starter", "neophyte", "freshman", "newbie", "entrant"],
                 ["novice"], "any new participant in some activity"),
    "arrival": ("n", ["arrival", "arriver", "comer"], [], "someone who arrives (or has arrived)"),
    "newcomer.2": ("n", ["newcomer"], ["arrival"], "a recent arrival"),
    "help.v": ("v", ["help", "assist", "aid"], [], "give help or assistance; be of service"),
}  # fmt: skip
_NAMES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}


def write_wordnet(folder: Path) -> Path:
    """index.* and data.* for SYNSETS: a synset's offset is its line's byte offset, as in WordNet's own files."""
    folder.mkdir(parents=True, exist_ok=True)
    offsets: dict[str, int] = {}
    lines: dict[str, list[tuple[str, str]]] = {p: [] for p in _NAMES}
    for pos in _NAMES:
        at = len("  1 licence header line\n")
        for key, (p, lemmas, hypernyms, gloss) in SYNSETS.items():
            if p != pos:
                continue
            offsets[key] = at
            at += len(_line(0, pos, lemmas, [0] * len(hypernyms), gloss).encode("latin-1"))
    for key, (pos, lemmas, hypernyms, gloss) in SYNSETS.items():
        lines[pos].append((key, _line(offsets[key], pos, lemmas, [offsets[h] for h in hypernyms], gloss)))
    for pos, name in _NAMES.items():
        data = "  1 licence header line\n" + "".join(line for _, line in lines[pos])
        (folder / f"data.{name}").write_text(data, encoding="latin-1")
        senses: dict[str, list[int]] = {}
        for key, (p, lemmas, _, _) in SYNSETS.items():
            for lemma in lemmas if p == pos else []:
                senses.setdefault(lemma, []).append(offsets[key])
        rows = [
            f"{w} {pos} {len(o)} 1 @ {len(o)} 0 " + " ".join(f"{x:08d}" for x in o) + "  \n" for w, o in senses.items()
        ]
        (folder / f"index.{name}").write_text("  1 licence header line\n" + "".join(sorted(rows)), encoding="latin-1")
    return folder


def _line(offset: int, pos: str, lemmas: list[str], hypernyms: list[int], gloss: str) -> str:
    words = " ".join(f"{w} 0" for w in lemmas)
    pointers = "".join(f" @ {h:08d} {pos} 0000" for h in hypernyms)
    return f"{offset:08d} 04 {pos} {len(lemmas):02x} {words} {len(hypernyms):03d}{pointers} | {gloss}  \n"
