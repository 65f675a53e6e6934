"""Fault injection: crashes, a full disk, a read-only index and files changing under a build, at random times.

On a tiny corpus (2 shipped documents) a fixed set of questions is answered once; then, round after round,
each kind of fault is injected:

- ``kill_build``: ``qa index`` (updating the index for a document added or removed) is SIGKILLed at a random
  moment of its run;
- ``kill_upload``: a process playing the server (a ``Workspace``, as app.py holds) uploads a document and is
  SIGKILLed, with its build child, at a random moment;
- ``disk_full``: the index folder is a tmpfs mount shrunk to a random size that the next build cannot fit;
- ``read_only``: the index folder's mount is remounted read-only while the corpus has changed;
- ``changing_file``: while ``qa index`` runs, a question's source document is rewritten in place (truncated,
  then written back slowly, ending as it was) and another document flips between two versions.

After each fault the questions are asked again on the index as it is (``Assistant.load(build=False)``, what a
running server holds, and for the read-only and full-disk faults also as ``qa ask`` does, which tries to
update the index first); an answer that differs from before (other top passage, or none) counts as lost.
Then the corpus is put back, the next ``qa index`` must finish, and the answers are compared once more.

    .venv/bin/python -m bench.faults               # 2 rounds of each fault (a few minutes)
    .venv/bin/python -m bench.faults --rounds 10 --seed 7

Needs root for the tmpfs mount (``mount -t tmpfs -o size=...``); without it the full-disk and read-only
faults are reported as not run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from qa.settings import PROJECT_ROOT

QUESTIONS = [
    "Who presented on diaspora engagement?",
    "What are remittances used for?",
    "What did the closing remarks say about policy?",
    "Which organisation hosted the conference?",
    "What is brain drain?",
]
DOCS = ("001_5f14862b3cd51082.txt", "004_c89f68d176e111dd.txt")
EXTRA = "bees.txt"  # added and removed to give builds work; no question is about it
EXTRA_TEXT = (
    "HONEY BEES\n\nHoney bees live in colonies led by a single queen. Worker bees collect nectar and pollen.\n\n"
    "The waggle dance tells other bees the direction and distance of food.\n"
)
KINDS = ("kill_build", "kill_upload", "disk_full", "read_only", "changing_file")
ROOMY = "256m"

ANSWERS = r"""
import json, sys
from pathlib import Path
from qa.assistant import Assistant
from qa.settings import load_settings
corpus, index, build = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3] == "build"
settings = load_settings({"corpus_dir": corpus, "index_dir": index, "show_progress": False}, environ={})
assistant = Assistant.load(settings, build=build)
out = []
for q in json.loads(sys.argv[4]):
    a = assistant.ask(q)
    top = a.excerpts[0].passage if a.excerpts else None
    out.append([a.abstained, None if top is None else [top.doc_id, top.start, top.end]])
print(json.dumps(out))
"""

UPLOAD = r"""
import sys
from pathlib import Path
from qa.assistant import Assistant
from qa.settings import load_settings
from qa.web.workspace import Workspace
corpus, index, upload = map(Path, sys.argv[1:4])
settings = load_settings({"corpus_dir": corpus, "index_dir": index, "show_progress": False}, environ={})
workspace = Workspace(settings, Assistant.load(settings, build=False))
print("ready", flush=True)
workspace.add_files(workspace.default_key, [(upload, upload.name)])
"""


def env() -> dict[str, str]:
    out = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    out["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), os.environ.get("PYTHONPATH")]))
    return out


class Faults:
    """The corpus, the index on its own tmpfs mount, the answers before any fault, and the tallies."""

    def __init__(self, work: Path, seed: int):
        self.rng = random.Random(seed)
        self.corpus = work / "corpus"
        self.index = work / "index"
        self.corpus.mkdir()
        self.index.mkdir()
        for name in DOCS:
            shutil.copy(PROJECT_ROOT / "corpus" / name, self.corpus / name)
        self.mounted = self._mount()
        self.injected: Counter[str] = Counter()
        self.lost: Counter[str] = Counter()
        self.unfinished: Counter[str] = Counter()  # next builds that did not finish
        self.missed: Counter[str] = Counter()  # kills that came after the work had finished
        self.unclean: Counter[str] = Counter()  # failed commands without a one-line `qa:` message
        self.notes: list[str] = []
        self.must(self.qa_index(), "first build")
        self.build_s = 0.0  # how long an update takes: the window the kills fall in
        for _ in range(2):  # the extra document added, then removed
            self.toggle_extra()
            started = time.perf_counter()
            self.must(self.qa_index(), "an update")
            self.build_s = max(self.build_s, time.perf_counter() - started)
        self.messages: dict[str, str] = {}
        self.before = self.answers()
        if self.before is None:
            raise SystemExit("faults: the first index gives no answers")

    # --- plumbing ---------------------------------------------------------------------------------------
    def _mount(self) -> bool:
        if os.geteuid() != 0 or not shutil.which("mount"):
            return False
        run = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={ROOMY}", "tmpfs", str(self.index)], check=False)
        return run.returncode == 0

    def remount(self, options: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{options}", str(self.index)], check=True)

    def close(self) -> None:
        if self.mounted:
            subprocess.run(["umount", "-l", str(self.index)], check=False)

    def qa_index(self, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        args = ["--corpus", str(self.corpus), "--index-dir", str(self.index)]
        cmd = [sys.executable, "-m", "qa.cli", "index", *args]
        return subprocess.run(cmd, capture_output=True, text=True, env=env(), timeout=timeout, check=False)

    def answers(self, build: bool = False) -> list | None:
        """Top passage and abstention per question, from a fresh process; None when it gives no answer."""
        args = [str(self.corpus), str(self.index), "build" if build else "serve", json.dumps(QUESTIONS)]
        run = subprocess.run(
            [sys.executable, "-c", ANSWERS, *args], capture_output=True, text=True, env=env(), timeout=600, check=False
        )
        if run.returncode != 0:
            self.notes.append(f"no answers ({'qa ask' if build else 'serving'}): {run.stderr.strip()[-300:]}")
            return None
        return json.loads(run.stdout.strip().splitlines()[-1])

    def check(self, kind: str, build: bool = False) -> None:
        now = self.answers(build)
        lost = len(QUESTIONS) if now is None else sum(a != b for a, b in zip(now, self.before))
        self.lost[kind] += lost
        if lost and now is not None:
            self.notes.append(f"{kind}: {lost} answer(s) changed")

    def must(self, run: subprocess.CompletedProcess[str], what: str) -> bool:
        if run.returncode != 0:
            self.notes.append(f"{what} failed: {run.stderr.strip()[-300:]}")
        return run.returncode == 0

    def clean_failure(self, kind: str, run: subprocess.CompletedProcess[str]) -> None:
        """A build that could not write must say so in one `qa:` line, without a traceback."""
        said = [line for line in run.stderr.splitlines() if line.startswith("qa: ")]
        if said:
            self.messages.setdefault(kind, said[0])
        if run.returncode == 0:
            self.notes.append(f"{kind}: the build succeeded anyway")
        elif len(said) != 1 or "Traceback" in run.stderr:
            self.unclean[kind] += 1
            self.notes.append(f"{kind}: unclear failure: {run.stderr.strip()[-300:]}")

    def toggle_extra(self) -> None:
        path = self.corpus / EXTRA
        if path.exists():
            path.unlink()
        else:
            # A new text each time: its vectors are in no checkpoint, so the build has encoding to do.
            path.write_text(EXTRA_TEXT + f"\nHive survey number {self.rng.randrange(10**9)}.\n", encoding="utf-8")

    def next_build(self, kind: str) -> None:
        """Put the corpus back as it was, then the next plain build must finish and answer as before."""
        (self.corpus / EXTRA).unlink(missing_ok=True)
        for leftover in self.corpus.glob("upload_*.txt"):
            leftover.unlink()
        if not self.must(self.qa_index(), f"{kind}: next build"):
            self.unfinished[kind] += 1
        self.check(kind)

    def kill_at_random(self, cmd: list[str], kind: str) -> None:
        proc = subprocess.Popen(
            cmd, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
        )
        time.sleep(self.rng.uniform(0.0, self.build_s))
        finished = proc.poll() is not None
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the process and any build child it started
        except ProcessLookupError:
            pass
        proc.wait()
        if finished:
            self.missed[kind] += 1  # the work was done before the kill came: no fault injected
        else:
            self.injected[kind] += 1

    # --- the faults ---------------------------------------------------------------------------------------
    def kill_build(self) -> None:
        self.toggle_extra()
        self.kill_at_random(
            [sys.executable, "-m", "qa.cli", "index", "--corpus", str(self.corpus), "--index-dir", str(self.index)],
            "kill_build",
        )
        self.check("kill_build")
        self.next_build("kill_build")

    def kill_upload(self, round_no: int) -> None:
        upload = self.corpus.parent / f"upload_{round_no}.txt"
        nonce = self.rng.randrange(10**9)
        text = EXTRA_TEXT.replace("HONEY BEES", f"BEES {round_no}") + f"\nSurvey {nonce}.\n"
        upload.write_text(text, encoding="utf-8")
        cmd = [sys.executable, "-c", UPLOAD, str(self.corpus), str(self.index), str(upload)]
        self.kill_at_random(cmd, "kill_upload")
        self.check("kill_upload")
        partial = list(self.corpus.glob(".upload-*"))
        if partial:
            self.notes.append(f"kill_upload: {len(partial)} partial upload(s) left, hidden (removed after an hour)")
            for p in partial:
                p.unlink()
        self.next_build("kill_upload")

    def disk_full(self) -> None:
        if not self.mounted:
            return
        used = shutil.disk_usage(self.index).used  # whole pages, as tmpfs counts them
        live = max(1, sum(f.stat().st_size for f in (self.index / "builds").rglob("*") if f.is_file()))
        size_kb = (used + int(self.rng.uniform(0.05, 0.9) * live)) // 1024 + 8
        self.remount(f"size={size_kb}k")
        self.toggle_extra()
        run = self.qa_index()
        self.injected["disk_full"] += 1
        self.clean_failure("disk_full", run)
        self.check("disk_full")
        self.check("disk_full", build=True)  # `qa ask`: cannot update the index, answers from the old one
        self.remount(f"size={ROOMY}")
        self.next_build("disk_full")

    def read_only(self) -> None:
        if not self.mounted:
            return
        self.toggle_extra()
        self.remount("ro")
        run = self.qa_index()
        self.injected["read_only"] += 1
        self.clean_failure("read_only", run)
        self.check("read_only")
        self.check("read_only", build=True)
        self.remount("rw")
        self.next_build("read_only")

    def changing_file(self) -> None:
        source = self.corpus / DOCS[0]
        original = source.read_bytes()
        stop = threading.Event()

        def rewrite() -> None:
            flip = 0
            while not stop.is_set():
                with source.open("wb") as fh:  # truncated, then written back in slices
                    for i in range(0, len(original), 4096):
                        fh.write(original[i : i + 4096])
                        fh.flush()
                        time.sleep(0.002)
                flip += 1
                (self.corpus / EXTRA).write_text(EXTRA_TEXT * (1 + flip % 2), encoding="utf-8")
                time.sleep(self.rng.uniform(0.0, 0.3))

        writer = threading.Thread(target=rewrite)
        build = subprocess.Popen(
            [sys.executable, "-m", "qa.cli", "index", "--corpus", str(self.corpus), "--index-dir", str(self.index)],
            env=env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(self.rng.uniform(0.0, 0.5 * self.build_s))
        writer.start()
        time.sleep(self.rng.uniform(0.0, 0.8 * self.build_s))
        stop.set()
        writer.join()
        _, err = build.communicate(timeout=600)
        self.injected["changing_file"] += 1
        if build.returncode != 0 and "Traceback" in err:
            self.unclean["changing_file"] += 1
            self.notes.append(f"changing_file: the build crashed: {err.strip()[-300:]}")
        source.write_bytes(original)
        self.next_build("changing_file")

    def litter(self) -> list[str]:
        """What the faults left in the index folder besides the live build, its manifest, lock, ONNX graph and
        embedding checkpoints (``cache/``: vectors an interrupted build had finished, kept by design until a
        build completes)"""
        live = json.loads((self.index / "manifest.json").read_text())["build_id"]
        expected = {"manifest.json", ".build.lock", "builds", f"builds/{live}", "cache"}
        out = []
        for path in self.index.rglob("*"):
            rel = path.relative_to(self.index).as_posix()
            if rel in expected or rel.startswith((f"builds/{live}/", "question-encoder-", "cache/")):
                continue
            out.append(rel)
        return sorted(out)

    def report(self) -> dict:
        return {
            "left_in_index_folder": self.litter(),
            "faults_injected": {k: self.injected[k] for k in KINDS},
            "kills_after_the_work_had_finished": {k: self.missed[k] for k in ("kill_build", "kill_upload")},
            "answers_lost": {k: self.lost[k] for k in KINDS},
            "next_build_unfinished": {k: self.unfinished[k] for k in KINDS},
            "unclear_failures": {k: self.unclean[k] for k in KINDS},
            "disk": "tmpfs mount (mount -t tmpfs -o size=...)" if self.mounted else "not run (no tmpfs mount)",
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every kind of fault (default 2)")
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"which faults, comma-separated ({', '.join(KINDS)})")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="qa-faults-"))
    faults = None
    started = time.perf_counter()
    try:
        faults = Faults(work, args.seed)
        print(f"seed {args.seed}; an update takes {faults.build_s:.1f} s; {len(QUESTIONS)} questions", flush=True)
        kinds = [k for k in args.kinds.split(",") if k in KINDS]
        for r in range(args.rounds):
            for kind in kinds:
                t = time.perf_counter()
                if kind == "kill_upload":
                    faults.kill_upload(r)
                else:
                    getattr(faults, kind)()
                print(
                    f"  round {r + 1} {kind}: {time.perf_counter() - t:.0f} s, lost so far {sum(faults.lost.values())}"
                )
        result = faults.report()
        for note in faults.notes:
            print("note:", note)
        for kind, line in faults.messages.items():
            print(f"{kind} said: {line}")
        print(json.dumps(result, indent=1))
        print(f"total {time.perf_counter() - started:.0f} s")
        ok = not sum(faults.lost.values()) and not sum(faults.unfinished.values()) and not sum(faults.unclean.values())
        return 0 if ok else 1
    finally:
        if faults is not None:
            faults.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
