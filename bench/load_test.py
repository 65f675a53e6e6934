"""Load: many concurrent chat sessions against the running web app, over loopback only.

    .venv/bin/python -m bench.load_test [--sessions 50] [--questions 20] [--deadline 900] [--json FILE]

Starts ``app.py`` in a subprocess on a free 127.0.0.1 port, warms it up, then runs ``--sessions``
concurrent sessions (one ``gradio_client.Client`` each, so each has its own server-side chat state)
that ask ``--questions`` questions one after another, passing the conversation along as the browser
does. Everything is bounded: a per-request timeout, a per-session timeout and a total deadline.
Reports errors, latency percentiles (as the client sees them, queueing included), throughput and the
server's resident memory sampled through the run. Prints one JSON object; exit status 1 on any error.

Questions come from the gold set in conversation order (follow-ups included); ``--hostile-every N``
swaps every Nth one for an empty, huge, control-character or HTML question.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench._common import load_avg

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # before gradio_client is imported

PROJECT_ROOT = Path(__file__).resolve().parents[1]
GOLD = PROJECT_ROOT / "eval" / "gold" / "default.jsonl"
HOST = "127.0.0.1"  # the only address this script ever talks to
HOSTILE = [
    "",
    "   \n\t  ",
    "x" * 100_000,
    "\x00\x07\x1b[31m who\x7f presented?",
    "<script>alert(1)</script><img src=x onerror=alert(2)> remittances?",
    "ما هو 移民 🌍 diaspora?",
]


def gold_questions() -> list[str]:
    rows = [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows]


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def rss_bytes(pid: int) -> int | None:
    """Resident memory of a process: psutil when installed, else /proc (Linux)."""
    try:
        import psutil

        return int(psutil.Process(pid).memory_info().rss)
    except ImportError:
        pass
    except Exception:  # noqa: BLE001 - the process is gone
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a process has used so far (Linux /proc), for CPU per request."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class MemorySampler(threading.Thread):
    def __init__(self, pid: int, every_s: float = 0.5):
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.samples: list[tuple[float, int]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        start = time.perf_counter()
        while not self.stop.is_set():
            rss = rss_bytes(self.pid)
            if rss is not None:
                self.samples.append((time.perf_counter() - start, rss))
            self.stop.wait(self.every_s)


def memory_summary(samples: list[tuple[float, int]], round_peaks_mb: list[float] | None = None) -> dict[str, Any]:
    """RSS over the run, and whether it is flat.

    With two rounds or more, "flat" compares like with like: the peak of the last round against the peak
    of the first (each peak is 50 open conversations at full length), allowing max(32 MB, 5 %). Rounds
    start new sessions, so anything kept per session piles up from round to round and shows there. The
    quarter means compare the start of the first round (conversations two questions long after the
    warm-up) with the end of the last (twenty questions long, still open): they count the open
    conversations' own working set as growth, so they decide only a one-round run.
    """
    if not samples:
        return {}
    mb = [r / 2**20 for _, r in samples]
    quarter = max(1, len(mb) // 4)
    first, last = statistics.mean(mb[:quarter]), statistics.mean(mb[-quarter:])
    growth = last - first
    by_rounds = round_peaks_mb is not None and len(round_peaks_mb) >= 2
    if by_rounds:
        assert round_peaks_mb is not None
        round_growth = round_peaks_mb[-1] - round_peaks_mb[0]
        flat = round_growth <= max(32.0, 0.05 * round_peaks_mb[0])
    else:
        flat = growth <= max(32.0, 0.05 * first)
    return {
        "samples": len(mb),
        "start_mb": round(mb[0], 1),
        "end_mb": round(mb[-1], 1),
        "min_mb": round(min(mb), 1),
        "max_mb": round(max(mb), 1),
        "first_quarter_mean_mb": round(first, 1),
        "last_quarter_mean_mb": round(last, 1),
        "growth_mb": round(growth, 1),
        **(
            {"round_peaks_mb": [round(p, 1) for p in round_peaks_mb], "round_growth_mb": round(round_growth, 1)}
            if by_rounds and round_peaks_mb
            else {}
        ),
        "flat_by": "round peaks, first to last" if by_rounds else "first to last quarter",
        "flat": flat,
    }


def pick_endpoint(client: Any, preferred: str | None = None) -> str:
    """The chat handler's API name: ``/ask`` when the app names it so, else Gradio's default ``/respond``."""
    names = list(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    for name in ([preferred] if preferred else []) + ["/ask", "/respond"]:
        if name in names:
            return name
    raise RuntimeError(f"no chat endpoint among {names}")


def make_client(url: str) -> Any:
    from gradio_client import Client

    return Client(
        url,
        verbose=False,
        download_files=False,
        analytics_enabled=False,
        max_workers=2,
        httpx_kwargs={"timeout": 60.0},  # a busy server is slow, not down; the request timeout bounds it
    )


def reply_text(result: Any) -> str:
    """The assistant's last bubble from the endpoint's outputs (textbox, chatbot, ...)."""
    history = result[1] if isinstance(result, (list, tuple)) and len(result) > 1 else []
    if not history:
        return ""
    content = history[-1].get("content")
    if isinstance(content, list):
        return " ".join(str(c.get("text", "")) for c in content if isinstance(c, dict))
    return str(content or "")


@dataclass
class SessionResult:
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    unfinished: int = 0


def run_session(
    url: str,
    endpoint: str,
    questions: list[str],
    request_timeout_s: float,
    session_timeout_s: float,
    deadline: float,
    make: Callable[[str], Any] = make_client,
) -> SessionResult:
    """One user: one client (one server session), questions asked in turn, the history passed along."""
    out = SessionResult()
    started = time.monotonic()
    try:
        client = make(url)
    except Exception as exc:  # noqa: BLE001 - counted, reported, never raised
        out.errors.append(f"connect: {type(exc).__name__}: {exc}"[:300])
        out.unfinished = len(questions)
        return out
    history: list[Any] = []
    try:
        for i, question in enumerate(questions):
            left = min(deadline - time.monotonic(), started + session_timeout_s - time.monotonic())
            if left <= 0:
                out.unfinished = len(questions) - i
                break
            t = time.perf_counter()
            try:
                result = client.submit(question, history, api_name=endpoint).result(
                    timeout=min(request_timeout_s, left)
                )
            except Exception as exc:  # noqa: BLE001 - a timeout or a server error
                out.errors.append(f"{type(exc).__name__}: {exc}"[:300])
                continue
            out.latencies_ms.append((time.perf_counter() - t) * 1000)
            if question.strip() and not reply_text(result).strip():  # a blank question may be ignored
                out.errors.append(f"empty reply to {question[:60]!r}")
                continue
            history = result[1]
    finally:
        try:
            client.close()
        except Exception:  # noqa: BLE001
            pass
    return out


def combine(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    """One summary over rounds of sessions (latency percentiles over every request)."""
    if len(rounds) == 1:
        return rounds[0]
    latencies = sorted(x for r in rounds for x in r["_latencies"])
    wall = sum(r["wall_s"] for r in rounds)
    keys = ("requests", "answered", "errors", "unfinished")
    out = {"endpoint": rounds[0]["endpoint"], "sessions": rounds[0]["sessions"]}
    out["questions_per_session"] = rounds[0]["questions_per_session"]
    out |= {k: sum(r[k] for r in rounds) for k in keys}
    out["error_samples"] = sorted({e for r in rounds for e in r["error_samples"]})[:10]
    out["wall_s"] = round(wall, 1)
    out["throughput_rps"] = round(len(latencies) / wall, 2) if wall else None
    out["latency_ms"] = latency_summary(latencies)
    return out


def latency_summary(latencies: list[float]) -> dict[str, float | None]:
    def pct(p: float) -> float | None:
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1) if latencies else None

    return {
        "p50": pct(0.50),
        "p95": pct(0.95),
        "p99": pct(0.99),
        "max": round(latencies[-1], 1) if latencies else None,
        "mean": round(statistics.mean(latencies), 1) if latencies else None,
    }


def run_sessions(
    url: str,
    sessions: int,
    questions_per_session: int,
    deadline_s: float,
    request_timeout_s: float = 120.0,
    session_timeout_s: float | None = None,
    hostile_every: int = 0,
    endpoint: str | None = None,
    questions: list[str] | None = None,
) -> dict[str, Any]:
    """Drive ``sessions`` concurrent users; returns counts and latency figures (no memory)."""
    pool_questions = questions or gold_questions()
    first = make_client(url)
    try:
        endpoint = pick_endpoint(first, endpoint)
    finally:
        first.close()
    plans = []
    for s in range(sessions):
        plan = [pool_questions[(s * 7 + k) % len(pool_questions)] for k in range(questions_per_session)]
        if hostile_every:
            for k in range(hostile_every - 1, len(plan), hostile_every):
                plan[k] = HOSTILE[(s + k) % len(HOSTILE)]
        plans.append(plan)
    deadline = time.monotonic() + deadline_s
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=sessions, thread_name_prefix="session") as pool:
        futures = [
            pool.submit(run_session, url, endpoint, plan, request_timeout_s, session_timeout_s or deadline_s, deadline)
            for plan in plans
        ]
        results = [f.result() for f in futures]
    wall = time.perf_counter() - started
    latencies = sorted(x for r in results for x in r.latencies_ms)
    errors = [e for r in results for e in r.errors]
    return {
        "endpoint": endpoint,
        "sessions": sessions,
        "questions_per_session": questions_per_session,
        "requests": sessions * questions_per_session,
        "answered": len(latencies),
        "errors": len(errors),
        "error_samples": sorted(set(errors))[:10],
        "unfinished": sum(r.unfinished for r in results),
        "wall_s": round(wall, 1),
        "throughput_rps": round(len(latencies) / wall, 2) if wall else None,
        "latency_ms": latency_summary(latencies),
        "_latencies": latencies,
    }


def wait_until_up(url: str, proc: subprocess.Popen, timeout_s: float) -> float:
    started = time.perf_counter()
    while time.perf_counter() - started < timeout_s:
        if proc.poll() is not None:
            raise RuntimeError(f"the web app exited with status {proc.returncode} before serving")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return time.perf_counter() - started
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"the web app did not answer on {url} within {timeout_s:.0f} s")


def _parser() -> argparse.ArgumentParser:
    """The flags; every limit has a default so that an unattended run always ends."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--questions", type=int, default=20, help="questions per session")
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds for the whole load phase")
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument("--session-timeout", type=float, default=None, help="default: the deadline")
    parser.add_argument("--startup-timeout", type=float, default=600.0, help="seconds to start (may build)")
    parser.add_argument("--warmup-questions", type=int, default=2, help="per session, before measuring")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the sessions this many times")
    parser.add_argument("--hostile-every", type=int, default=0, help="every Nth question is a hostile one")
    parser.add_argument("--corpus", type=Path, help="corpus folder (default: the app's default)")
    parser.add_argument("--index-dir", type=Path, help="index folder (default: the app's default)")
    parser.add_argument("--json", type=Path, help="also write the result here")
    return parser


def _server_command(args: argparse.Namespace, port: int) -> list[str]:
    """``app.py`` on loopback only, quiet, with the corpus and index asked for (else the app's defaults)."""
    cmd = [sys.executable, str(PROJECT_ROOT / "app.py"), "--host", HOST, "--port", str(port), "--quiet"]
    if args.corpus:
        cmd += ["--corpus", str(args.corpus)]
    if args.index_dir:
        cmd += ["--index-dir", str(args.index_dir)]
    return cmd


def _run_rounds(
    args: argparse.Namespace, url: str, pid: int, sampler: MemorySampler
) -> tuple[list[dict[str, Any]], list[float]]:
    """The measured rounds, all within one ``--deadline``, and each round's peak server memory (the rounds
    start new sessions, so what a session leaves behind shows as peaks rising round after round)."""
    deadline = time.monotonic() + args.deadline
    rounds, round_peaks = [], []
    for _ in range(args.rounds):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        first_sample = len(sampler.samples)
        result = run_sessions(
            url,
            args.sessions,
            args.questions,
            deadline_s=left,
            request_timeout_s=args.request_timeout,
            session_timeout_s=args.session_timeout,
            hostile_every=args.hostile_every,
        )
        result["rss_end_mb"] = round((rss_bytes(pid) or 0) / 2**20, 1)
        result["load_avg"] = load_avg()  # the machine's 1-minute load: timings are read beside it
        in_round = [r for _, r in sampler.samples[first_sample:]] or [rss_bytes(pid) or 0]
        result["rss_peak_mb"] = round(max(in_round) / 2**20, 1)
        round_peaks.append(max(in_round) / 2**20)
        rounds.append(result)
    return rounds, round_peaks


def _measure(
    args: argparse.Namespace, url: str, proc: subprocess.Popen, sampler: MemorySampler, out: dict[str, Any]
) -> None:
    """Start-up, warm-up, the measured rounds, CPU and memory, written into ``out`` as they come, so that a
    failure part-way still reports what was measured before it."""
    out["startup_s"] = round(wait_until_up(url, proc, args.startup_timeout), 1)
    out["rss_after_start_mb"] = round((rss_bytes(proc.pid) or 0) / 2**20, 1)
    # Warm-up at full concurrency, so the model, caches and worker threads exist before measuring.
    warm = run_sessions(url, args.sessions, args.warmup_questions, deadline_s=300)
    out["rss_after_warmup_mb"] = round((rss_bytes(proc.pid) or 0) / 2**20, 1)
    out["load_avg_before"] = load_avg()
    out["warmup_errors"] = warm["errors"]
    sampler.start()
    server_cpu0, own_cpu0 = cpu_seconds(proc.pid), time.process_time()
    rounds, round_peaks = _run_rounds(args, url, proc.pid, sampler)
    out.update({k: v for k, v in combine(rounds).items() if not k.startswith("_")})
    if len(rounds) > 1:
        keep = ("answered", "errors", "wall_s", "latency_ms", "rss_peak_mb", "rss_end_mb", "load_avg")
        out["rounds"] = [{k: r[k] for k in keep} for r in rounds]
    server_cpu1, own_cpu1 = cpu_seconds(proc.pid), time.process_time()
    if server_cpu0 is not None and server_cpu1 is not None and out.get("answered"):
        out["server_cpu_s"] = round(server_cpu1 - server_cpu0, 1)
        out["server_cpu_ms_per_request"] = round(1000 * (server_cpu1 - server_cpu0) / out["answered"], 1)
    out["load_generator_cpu_s"] = round(own_cpu1 - own_cpu0, 1)  # the clients share the machine
    sampler.stop.set()
    sampler.join(timeout=5)
    out["memory"] = memory_summary(sampler.samples, round_peaks)
    out["load_avg_after"] = load_avg()
    out["server_alive"] = proc.poll() is None


def _stop_server(proc: subprocess.Popen, log: Any, out: dict[str, Any]) -> None:
    """Stop the app (killed if it will not end), and keep the tail of its output when something went wrong:
    the server's own words explain a failure better than the client's."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    if "failure" in out or out.get("errors"):
        log.seek(0)
        out["server_output_tail"] = log.read().decode("utf-8", "replace")[-2000:]
    log.close()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    port = free_port()
    url = f"http://{HOST}:{port}/"
    cmd = _server_command(args, port)
    env = {k: v for k, v in os.environ.items() if not k.startswith("QA_")}
    # The server's output goes to a file, never a pipe: a full pipe would stall the server mid-run.
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    out: dict[str, Any] = {"url": url, "cpu_count": os.cpu_count()}
    sampler = MemorySampler(proc.pid)
    try:
        _measure(args, url, proc, sampler, out)
    except Exception as exc:  # noqa: BLE001 - report, do not hide the server's own words
        out["failure"] = f"{type(exc).__name__}: {exc}"
    finally:
        sampler.stop.set()
        _stop_server(proc, log, out)
    text = json.dumps(out, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    ok = "failure" not in out and out.get("errors") == 0 and out.get("unfinished") == 0 and not out["warmup_errors"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
