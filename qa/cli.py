"""The ``qa`` command line: index, ask, chat, serve, feedback, eval, bench."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from qa.settings import Settings, SettingsError, load_settings

EXIT_USAGE = 2
EXIT_FAILURE = 1


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--corpus", dest="corpus_dir", type=Path, help="folder of documents (default: corpus/)")
    parser.add_argument("--index-dir", dest="index_dir", type=Path, help="where the index lives (default: embeddings/)")
    parser.add_argument("--config", type=Path, help="TOML file of settings (default: ./qa.toml if present)")
    parser.add_argument("--model", dest="model_path", help="a local sentence-transformers model folder")
    parser.add_argument("--top-k", dest="top_k", type=int, help="excerpts per answer")
    parser.add_argument("--fusion", choices=["blend", "rrf", "dense", "bm25"], help="how retrievers combine")
    parser.add_argument(
        "--rerank", dest="rerank", action="store_true", default=None, help="sentence-level second stage"
    )
    parser.add_argument("--no-rerank", dest="rerank", action="store_false", help="skip the second stage")
    parser.add_argument("--threshold", dest="abstain_threshold", type=float, help="abstain below this confidence")
    parser.add_argument(
        "--vector-store", dest="vector_store", choices=["faiss", "milvus"], help="where vectors are searched"
    )
    parser.add_argument("--milvus-uri", dest="milvus_uri", help="Milvus Lite folder (.db) or http://host:19530")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")


def _doc_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--doc",
        dest="documents",
        action="append",
        metavar="NAME",
        help="search only this document, or every document under a folder such as manuals/ (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Offline question answering over your documents.")
    # Also accepted before the command (qa --corpus DIR eval ...); the command's own flag wins. Separate dests,
    # because a subcommand's defaults would overwrite the same dest set at the top level.
    parser.add_argument("--corpus", dest="global_corpus_dir", type=Path, help="folder of documents (any command)")
    parser.add_argument("--index-dir", dest="global_index_dir", type=Path, help="where the index lives (any command)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="build or update the index of a corpus folder")
    _common(p)
    p.add_argument("--force", action="store_true", help="re-embed everything")
    p.add_argument(
        "--ray",
        dest="build_engine",
        action="store_const",
        const="ray",
        help="chunk and encode on Ray, started on this machine (pip install .[scale])",
    )
    p.add_argument(
        "--ray-address", dest="ray_address", metavar="ADDR", help="build on this Ray cluster (implies --ray)"
    )
    p.add_argument("--ray-actors", dest="ray_actors", type=int, metavar="N", help="encoding actors, one model each")

    p = sub.add_parser("ask", help="answer one question")
    _common(p)
    p.add_argument("question", help="the question, in quotes")
    p.add_argument("--json", action="store_true", help="print the answer as one JSON object")
    _doc_option(p)

    p = sub.add_parser("chat", help="a conversation in the terminal (follow-ups understood)")
    _common(p)
    _doc_option(p)

    p = sub.add_parser("serve", help="start the web chat")
    _common(p)
    p.add_argument("--host", help="address to bind (default 127.0.0.1; others need --auth)")
    p.add_argument("--port", type=int, help="port (default 7860)")
    p.add_argument("--auth", help="user:password required by the web chat")
    p.add_argument(
        "--watch",
        action="store_true",
        default=None,
        help="update the index when files in the corpus folder are added, changed, removed or renamed",
    )

    sub.add_parser(
        "bench",
        help="speed benchmarks beside the plain way (qa bench [--json] [--quick] [--skip-scale]; see bench/run.py)",
        add_help=False,
    )

    p = sub.add_parser("feedback", help="the users' marks on answers: how many, and refit the abstention on them")
    _common(p)
    p.add_argument("action", choices=["show", "refit"], help="show: the marks and the calibration in use; refit")
    p.add_argument("--dry-run", action="store_true", help="report the refit without saving it")
    p.add_argument("--json", action="store_true", help="print the report as one JSON object")

    p = sub.add_parser("eval", help="evaluate on gold questions or a benchmark")
    _common(p)
    try:
        from qa.evaluation.cli import add_arguments
    except ImportError:  # the harness is optional for a bare install
        add_arguments = None
    if add_arguments:
        add_arguments(p)
    return parser


def settings_from_args(args: argparse.Namespace) -> Settings:
    keys = [
        "corpus_dir",
        "index_dir",
        "model_path",
        "top_k",
        "fusion",
        "rerank",
        "abstain_threshold",
        "vector_store",
        "milvus_uri",
        "host",
        "port",
        "auth",
        "watch",
        "build_engine",
        "ray_address",
        "ray_actors",
    ]
    overrides: dict[str, Any] = {k: getattr(args, k, None) for k in keys}
    if overrides["ray_address"]:
        overrides["build_engine"] = "ray"
    # --threshold is the threshold of whichever confidence is in use (the learned one by default)
    overrides["calibrated_abstain_threshold"] = overrides["abstain_threshold"]
    for key in ("corpus_dir", "index_dir"):
        if overrides[key] is None:
            overrides[key] = getattr(args, f"global_{key}", None)
    corpus = overrides.get("corpus_dir")
    if corpus is not None and overrides.get("index_dir") is None and Path(corpus).resolve() != Settings().corpus_dir:
        # Each corpus gets its own index beside it, so switching folders never clobbers another index.
        overrides["index_dir"] = Path(overrides["corpus_dir"]).resolve().parent / (
            Path(overrides["corpus_dir"]).resolve().name + ".index"
        )
    if getattr(args, "quiet", False):
        overrides["show_progress"] = False
    return load_settings(overrides, config_file=getattr(args, "config", None))


def _print_answer(answer: Any) -> None:
    if answer.message:
        print(answer.message)
        return
    print(answer.answer)
    print(f"\n(confidence {answer.confidence:.2f}; {answer.timings_ms.get('total', 0):.0f} ms)")


def cmd_index(args: argparse.Namespace, settings: Settings) -> int:
    from qa.encode.embedder import Embedder
    from qa.index.build import build_index

    embedder = Embedder(settings)
    report = build_index(settings, embedder, force=args.force)
    for line in report.lines():
        print(line, file=sys.stderr if line.startswith("skipped") else sys.stdout)
    _prepare_stage(settings, embedder)
    print(f"index: {settings.index_dir}")
    return 0


def _prepare_stage(settings: Settings, embedder: Any) -> None:
    """Encode the paraphrase stage's vectors of a new corpus now, with the build's progress bar, rather than at
    the first question (minutes on a long manual). A failure leaves the built index as it is: the first
    question then encodes them instead."""
    if not settings.paraphrase_model:
        return
    import time

    from qa.assistant import Assistant
    from qa.index.store import IndexError_

    start = time.perf_counter()
    try:
        assistant = Assistant.load(settings, build=False, embedder=embedder)
    except (OSError, IndexError_) as exc:
        print(f"note: the paraphrase stage was not prepared ({exc}); the first question will do it", file=sys.stderr)
        return
    if assistant.retriever_stage_on():
        print(f"paraphrase stage: ready in {time.perf_counter() - start:.1f} s")


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    from qa.assistant import Assistant

    assistant = Assistant.load(settings)
    _say_repair(assistant)
    answer = assistant.ask(args.question, documents=args.documents)
    if args.json:
        print(json.dumps(answer.to_json(), ensure_ascii=False))
    else:
        _print_answer(answer)
    return 0 if not answer.message else EXIT_USAGE


def _say_repair(assistant: Any) -> None:
    """A damaged index was rebuilt on the way: one line on stderr says what was wrong (stdout stays the answer)."""
    report = assistant.build_report
    if report is not None and report.repaired:
        print(report.lines()[0], file=sys.stderr)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    from qa.assistant import Assistant

    assistant = Assistant.load(settings)
    _say_repair(assistant)
    chat = assistant.chat()
    if args.documents:
        only = assistant.document_filter(args.documents)  # a name that chooses nothing stops here
        print(f"Searching {len(only.docs) if only else 0} chosen document(s) only.")
    print("Ask a question (empty line or Ctrl-D to leave, /new for a new conversation).")
    while True:
        try:
            question = input("\nyou> ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question.strip():
            return 0
        if question.strip() == "/new":
            chat.reset()
            print("(new conversation)")
            continue
        _print_answer(chat.ask(question, documents=args.documents))


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    """The web chat (qa/web): imported only here, so the rest of the library never loads gradio."""
    from qa.web.app import serve

    return serve(settings)


def cmd_feedback(args: argparse.Namespace, settings: Settings) -> int:
    """``qa feedback show|refit``: the marks the chat and POST /api/feedback keep, and the refit on them."""
    from qa.assistant import Assistant
    from qa.evaluation.feedback import FEEDBACK_FILE, read_marks, refit_corpus

    assistant = Assistant.load(settings, build=False)
    marks = read_marks(settings.index_dir)
    if args.action == "show":
        answered = sum(1 for m in marks if m.get("doc") is not None)
        summary = {"marks": len(marks), "answered": answered, "not_this": len(marks) - answered}
        calibration = assistant.calibration_in_use()
        if args.json:
            print(json.dumps({**summary, "file": str(settings.index_dir / FEEDBACK_FILE), "calibration": calibration}))
        else:
            print(
                f"{len(marks)} marks ({answered} answered, {len(marks) - answered} not this) in "
                f"{settings.index_dir / FEEDBACK_FILE}; a refit needs {settings.feedback_min_marks}"
            )
            print(calibration)
        return 0
    report, lines = refit_corpus(assistant, dry_run=args.dry_run)
    if args.json:
        out = {k: v for k, v in (report or {}).items() if k != "calibration"}
        print(json.dumps({**out, "refused": report is None, "lines": lines}, default=str))
    else:
        print("\n".join(lines))
    return 0 if report is not None else EXIT_FAILURE


def cmd_bench(argv: Sequence[str]) -> int:
    """``qa bench ...``: the benchmarks live in the checkout's bench/ (timed work never runs in the library or
    tests). A child process, not an import: bench/ imports the library, and the library never imports it."""
    import subprocess

    from qa.settings import PROJECT_ROOT

    if not (PROJECT_ROOT / "bench" / "run.py").is_file():
        print(f"qa: the benchmarks come with a checkout of the project (no {PROJECT_ROOT / 'bench'})", file=sys.stderr)
        return EXIT_FAILURE
    return subprocess.run([sys.executable, "-m", "bench.run", *argv], cwd=PROJECT_ROOT).returncode


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["bench"]:
        return cmd_bench(args_list[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = settings_from_args(args)
        handlers = {"index": cmd_index, "ask": cmd_ask, "chat": cmd_chat, "serve": cmd_serve, "feedback": cmd_feedback}
        if args.command == "eval":
            from qa.evaluation.cli import run as run_eval

            return run_eval(args, settings)
        return handlers[args.command](args, settings)
    except SettingsError as exc:
        print(f"qa: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("\nqa: interrupted; finished work is kept and the next run carries on.", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - one clear line, never a traceback for known failures
        from qa.encode.embedder import ModelUnavailable
        from qa.index.build import EmptyCorpus
        from qa.index.milvus_store import MilvusUnavailable
        from qa.index.raybuild import RayUnavailable
        from qa.index.store import IndexError_
        from qa.search.filter import UnknownDocuments

        if isinstance(exc, UnknownDocuments):
            print(f"qa: {exc}", file=sys.stderr)
            return EXIT_USAGE
        if isinstance(exc, (ModelUnavailable, EmptyCorpus, IndexError_, MilvusUnavailable, RayUnavailable)):
            print(f"qa: {exc}", file=sys.stderr)
            return EXIT_FAILURE
        if isinstance(exc, OSError):  # a folder that cannot be written, a full disk: the path says where
            where = f" ({exc.filename})" if exc.filename else ""
            print(f"qa: {exc.strerror or exc}{where}", file=sys.stderr)
            return EXIT_FAILURE
        raise


if __name__ == "__main__":
    sys.exit(main())
