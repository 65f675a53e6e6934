"""The REST API over real HTTP, and asking within chosen documents, on a small corpus with the real model.

The corpus is built so that filtering after retrieval would fail: sixty passages about honey bees outrank
every passage of the pump manual for a question about bees, in the dense top 50, in BM25 (the manual has
none of its words) and among the best sentences; only a filter applied inside retrieval finds the manual's.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from qa.assistant import Assistant
from qa.cli import main as cli_main
from qa.evaluation.gold import load_gold
from qa.web.feedback import FEEDBACK_FILE
from tests.conftest import make_settings
from tests.webserver import serving

QUESTION = "How do honey bees find flowers and tell the colony where the nectar is?"
BEE_TOPICS = ["waggle dance", "nectar", "pollen", "queen", "drones", "hive", "swarm", "wax", "honey", "foraging"]
BEE_FACTS = [
    "Honey bees find flowers by scent and colour, and foragers tell the colony where nectar is with a dance.",
    "A forager bee returning with nectar performs a waggle dance that points other bees toward the flowers.",
    "Bees remember the colour and scent of flowers that gave nectar and fly back to them the next day.",
    "The colony learns where the flowers are from dancing bees; the angle of the dance gives the direction.",
    "Scout bees search for new flowers and recruit foragers to good nectar sources by dancing in the hive.",
    "Honey bees see ultraviolet patterns on flowers that guide them to the nectar at the centre.",
]
PUMP_SECTIONS = [
    "Check the oil level of the pump gearbox every month and top it up with ISO VG 68 oil.",
    "Replace the mechanical seal when the drip rate exceeds ten drops per minute at the shaft.",
    "Tighten the coupling bolts to 45 newton metres after the first hundred hours of operation.",
    "Clean the suction strainer whenever the inlet pressure gauge reads below minus 0.3 bar.",
    "Bleed trapped air from the casing through the vent screw before starting a dry impeller.",
    "Store spare impellers flat in their crates, away from direct sunlight and solvents.",
]


def write_corpus(root: Path) -> Path:
    corpus = root / "corpus"
    (corpus / "manuals").mkdir(parents=True)
    for d in range(6):
        sections = [
            f"## {BEE_TOPICS[s].title()} in colony {d + 1}\n\n{BEE_FACTS[(d + s) % len(BEE_FACTS)]} "
            f"Colony {d + 1} was observed for {s + 2} seasons; its bees visited clover, lavender and "
            f"apple blossom for nectar, and the {BEE_TOPICS[s]} of the colony was recorded each week."
            for s in range(10)
        ]
        (corpus / f"bees{d + 1}.md").write_text(f"# Honey bee colony {d + 1}\n\n" + "\n\n".join(sections) + "\n")
    pump = [f"## Step {i + 1}\n\n{text}" for i, text in enumerate(PUMP_SECTIONS)]
    (corpus / "manuals" / "pump.md").write_text("# Pump maintenance manual\n\n" + "\n\n".join(pump) + "\n")
    (corpus / "manuals" / "valve.md").write_text(
        "# Valve manual\n\n## Seats\n\nLap the valve seat with fine grinding paste until the contact ring is even.\n"
    )
    return corpus


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory, embedder) -> Assistant:
    root = tmp_path_factory.mktemp("api")
    return Assistant.load(make_settings(write_corpus(root), root / "index", top_k=3), embedder=embedder)


@pytest.fixture(scope="module")
def url(assistant: Assistant):
    with serving(assistant) as base:
        yield base


def call(url: str, path: str, body: Any = None, method: str | None = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url + path, data=data, method=method or ("POST" if data else "GET"))
    req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_the_corpus_puts_the_manual_below_every_retrievers_cut(assistant: Assistant) -> None:
    """Why the filter tests below can fail: unfiltered, no retriever brings in a single manual passage."""
    spans = assistant.retriever.index.doc_spans
    a, b = spans["manuals/pump.md"]
    assert b - a >= 5
    found = assistant.retriever.search(QUESTION)
    rows = {c.index for c in found.candidates}
    assert len(assistant.retriever.index.passages) > assistant.settings.dense_k
    assert not rows & set(range(a, b)), "a manual passage was among the unfiltered candidates"


def test_a_document_filter_returns_top_k_excerpts_from_inside_the_chosen_document(assistant: Assistant) -> None:
    answer = assistant.chat().ask(QUESTION, documents=["manuals/pump.md"], top_k=5)
    assert [e.passage.doc_id for e in answer.excerpts] == ["manuals/pump.md"] * 5
    texts = " ".join(e.passage.text for e in answer.excerpts)
    assert "bees" not in texts.lower()
    # Filtering the unfiltered answer afterwards would have shown nothing:
    unfiltered = assistant.ask(QUESTION, top_k=5)
    assert not [e for e in unfiltered.excerpts if e.passage.doc_id.startswith("manuals/")]


def test_a_folder_chooses_every_document_under_it_and_an_unknown_name_is_reported(assistant: Assistant) -> None:
    answer = assistant.ask("How is the valve seat lapped?", documents=["manuals/"], top_k=7)
    docs = {e.passage.doc_id for e in answer.excerpts}
    assert docs == {"manuals/pump.md", "manuals/valve.md"} and len(answer.excerpts) == 7
    assert "grinding paste" in answer.excerpts[0].passage.text
    answer = assistant.ask(QUESTION, documents=["manual/pump.md"])
    assert answer.message and "'manual/pump.md'" in answer.message and not answer.excerpts


def test_cli_doc_flag_restricts_qa_ask(assistant: Assistant, capsys) -> None:
    s = assistant.settings
    base = ["ask", "--corpus", str(s.corpus_dir), "--index-dir", str(s.index_dir), "--quiet", "--json"]
    assert cli_main([*base, "--doc", "manuals/valve.md", "--doc", "bees2.md", "--top-k", "4", QUESTION]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {p["doc"] for p in out["passages"]} <= {"manuals/valve.md", "bees2.md"} and len(out["passages"]) == 4
    assert cli_main([*base, "--doc", "nothing.md", QUESTION]) == 2
    assert "'nothing.md'" in capsys.readouterr().out


def test_cli_doc_flag_restricts_qa_chat(assistant: Assistant, capsys, monkeypatch) -> None:
    import io

    s = assistant.settings
    monkeypatch.setattr("sys.stdin", io.StringIO(QUESTION + "\n\n"))
    base = ["chat", "--corpus", str(s.corpus_dir), "--index-dir", str(s.index_dir), "--quiet"]
    assert cli_main([*base, "--doc", "manuals/"]) == 0
    out = capsys.readouterr().out
    assert "Searching 2 chosen document(s) only." in out and "Pump maintenance manual" in out
    assert "Honey bee colony" not in out


def test_post_ask_returns_the_json_of_qa_ask(url: str, assistant: Assistant, capsys) -> None:
    status, body = call(url, "/api/ask", {"question": QUESTION})
    assert status == 200
    s = assistant.settings
    cli_main(["ask", "--corpus", str(s.corpus_dir), "--index-dir", str(s.index_dir), "--quiet", "--json", QUESTION])
    cli = json.loads(capsys.readouterr().out)
    assert set(body) == set(cli)
    drop = ("timings_ms",)
    assert {k: v for k, v in body.items() if k not in drop} == {k: v for k, v in cli.items() if k not in drop}
    assert len(body["passages"]) == 3 and body["passages"][0]["doc"].startswith("bees")


def test_post_ask_with_documents_top_k_and_history(url: str) -> None:
    status, body = call(url, "/api/ask", {"question": QUESTION, "documents": ["manuals/pump.md"], "top_k": 5})
    assert status == 200 and [p["doc"] for p in body["passages"]] == ["manuals/pump.md"] * 5
    turns = [{"role": "user", "content": "How often is the gearbox oil of the pump checked?"}, {"role": "assistant"}]
    status, body = call(url, "/api/ask", {"question": "And the coupling bolts?", "history": turns})
    assert status == 200 and body["query"] != body["question"]  # the follow-up borrowed the first question's words
    assert "45 newton metres" in body["passages"][0]["text"]
    status, plain = call(url, "/api/ask", {"question": "And the coupling bolts?", "history": [turns[0]["content"]]})
    assert plain["query"] == body["query"]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"question": "   "}, 400, "Please type a question"),
        ({"question": 42}, 400, "as text"),
        ({"question": "bees? " * 1000}, 413, "the limit is 2,000"),
        ({"question": QUESTION, "documents": ["nope.md"]}, 400, "'nope.md'"),
    ],
)
def test_post_ask_refuses_bad_questions_with_a_json_error(url: str, body: dict, status: int, says: str) -> None:
    got, answer = call(url, "/api/ask", body)
    assert got == status and says in answer["error"]


def test_get_documents_lists_the_index(url: str) -> None:
    status, body = call(url, "/api/documents")
    docs = {d["doc"]: d for d in body["documents"]}
    assert status == 200 and len(docs) == 8
    assert docs["manuals/pump.md"]["title"] == "Pump maintenance manual"
    assert docs["manuals/pump.md"]["format"] and docs["manuals/pump.md"]["passages"] >= 5


def test_get_passage_gives_the_text_title_and_section(url: str, assistant: Assistant) -> None:
    p = assistant.retriever.index.doc_passages("manuals/pump.md")[2]
    status, body = call(url, f"/api/passage/manuals/pump.md?start={p.start}&end={p.end}")
    assert status == 200 and body["text"] == p.text and body["section"] == p.section
    assert body["title"] == "Pump maintenance manual" and "45 newton metres" in body["text"]
    assert body["stale"] is False
    status, whole = call(url, f"/api/passage/manuals/pump.md?start={p.start}")
    assert whole["end"] == p.end  # without an end, the passage holding start
    for bad in ("start=50&end=10", "start=0&end=999999", "start=-1&end=5", "start=999999"):
        status, body = call(url, f"/api/passage/manuals/pump.md?{bad}")
        assert status == 400 and "range" in body["error"], bad
    status, body = call(url, "/api/passage/nope.md?start=0&end=5")
    assert status == 404 and "nope.md" in body["error"]
    status, _ = call(url, "/api/passage/../../etc/passwd?start=0&end=5")
    assert status == 404


def test_feedback_is_kept_as_gold_items_that_qa_eval_reads(url: str, assistant: Assistant) -> None:
    status, answer = call(url, "/api/ask", {"question": "When are the coupling bolts tightened?"})
    top = answer["passages"][0]
    mark = {"question": answer["question"], "doc": top["doc"], "start": top["start"], "end": top["end"]}
    assert call(url, "/api/feedback", {**mark, "verdict": "answered"})[0] == 200
    status, body = call(url, "/api/feedback", {**mark, "question": "Who painted the hive?", "verdict": "not_this"})
    assert status == 200 and body["stored"] == 2
    assert call(url, "/api/feedback", {**mark, "verdict": "maybe"})[0] == 422
    assert call(url, "/api/feedback", {**mark, "doc": "nope.md", "verdict": "answered"})[0] == 404
    assert call(url, "/api/feedback", {**mark, "end": 10**6, "verdict": "answered"})[0] == 400
    path = assistant.settings.index_dir / FEEDBACK_FILE
    items = load_gold(path, assistant.settings)
    assert len(items) == 2
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[0]["evidence"] == top["text"] and rows[0]["doc"] == top["doc"]
    assert rows[1]["doc"] is None and rows[1]["evidence"] is None and rows[1]["passage"]["doc"] == top["doc"]


def test_a_feedback_mark_keeps_what_the_chat_keeps(url: str, assistant: Assistant) -> None:
    """The same mark as the page's buttons: the confidence the assistant gives, the conversation, no passage
    needed for "not this"."""
    first = "When are the coupling bolts tightened?"
    status, answer = call(url, "/api/ask", {"question": first})
    body = {"question": "What torque?", "history": [first], "session": "api-1", "verdict": "not_this"}
    status, stored = call(url, "/api/feedback", body)
    assert status == 200
    assert call(url, "/api/feedback", {**body, "verdict": "answered"})[0] == 400  # "answered" names its passage
    rows = [json.loads(line) for line in (assistant.settings.index_dir / FEEDBACK_FILE).read_text().splitlines()]
    row = next(r for r in rows if r["id"] == stored["id"])
    assert row["session"] == "api-1" and [h["question"] for h in row["history"]] == [first]
    assert row["doc"] is None and row["kind"] == "rejected" and row["passage"]["rank"] == 1
    again = assistant.chat()
    again.ask(first)
    shown = again.ask("What torque?")
    assert row["shown"]["confidence"] == round(shown.confidence, 4) and row["shown"]["abstained"] == shown.abstained
    assert answer["confidence"] == assistant.ask(first).to_json()["confidence"]


def test_past_the_scan_limit_an_ann_index_searches_the_chosen_rows_with_a_selector(
    assistant: Assistant, tmp_path: Path, monkeypatch, embedder
) -> None:
    import qa.search.retriever as retriever

    monkeypatch.setattr(retriever, "SCAN_LIMIT", 0)  # every choice goes to the ANN index's selector
    s = assistant.settings
    ann = Assistant.load(
        make_settings(s.corpus_dir, tmp_path / "ann-index", top_k=3, ann_threshold=10), embedder=embedder
    )
    assert type(ann.retriever.index.faiss_index).__name__ == "IndexHNSWSQ"
    answer = ann.ask(QUESTION, documents=["manuals/pump.md"], top_k=5)
    assert [e.passage.doc_id for e in answer.excerpts] == ["manuals/pump.md"] * 5
    a, b = ann.retriever.index.doc_spans["manuals/pump.md"]
    found = ann.retriever.search(QUESTION, only=ann.document_filter(["manuals/pump.md"]))
    assert {c.index for c in found.candidates} == set(range(a, b))
    assert all(c.dense_rank is not None for c in found.candidates)  # the dense side found every one of them
