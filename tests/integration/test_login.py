"""Off loopback every route asks for the login: the chat, Gradio's file and API routes, the citation pages,
and any route added later. Corpus keys in URLs cannot be guessed and name only folders this server opened."""

from __future__ import annotations

import base64
import hashlib
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from qa.cli import main as cli_main
from tests.conftest import LOGIN_PASSWORD as PASSWORD
from tests.conftest import LOGIN_USER as USER

SAMPLE = {"path": "corpus/bees.txt", "doc_id": "bees.txt"}  # values for route parameters


def all_routes(routes, prefix: str = "") -> list[tuple[str, set[str]]]:
    """(path, methods) of every route, descending into mounted apps (Gradio is mounted at /)."""
    found = []
    for route in routes:
        path = prefix.rstrip("/") + getattr(route, "path", "")
        included = getattr(route, "original_router", None)  # FastAPI's lazily included router
        inner = getattr(route, "routes", None) or getattr(getattr(route, "app", None), "routes", None)
        if included is not None:
            found += all_routes(included.routes, prefix + route.include_context.prefix)
        elif inner is not None and not hasattr(route, "endpoint"):
            found += all_routes(inner, path)
        else:
            found.append((path or "/", set(getattr(route, "methods", None) or {"GET"})))
    return found


def concrete(path: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE.get(m.group(1), "x"), path)


def request(url: str, method: str = "GET", user: str | None = None, password: str = "") -> tuple[int, bytes]:
    req = urllib.request.Request(url, method=method, data=b"{}" if method in {"POST", "PUT", "PATCH"} else None)
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        req.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.read1(4096)  # a first chunk: event streams never end
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except TimeoutError:  # held open without an answer: the route let the request in
        return 0, b"(no answer in 10 s)"


def test_every_route_refuses_a_request_without_the_login(guarded) -> None:
    url, app = guarded
    routes = all_routes(app.routes)
    paths = {path for path, _ in routes}
    assert "/passage/{doc_id:path}" in paths and any("file=" in p for p in paths)  # both kinds are listed
    assert {"/api/ask", "/api/documents", "/api/passage/{doc:path}", "/api/feedback"} <= paths  # the REST API too
    assert len(routes) > 20
    let_through = []
    for path, methods in routes + [("/a-route-added-later", {"GET"})]:
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            status, body = request(url + concrete(path), method)
            if status != 401:
                let_through.append(f"{method} {path}: {status} {body[:60]!r}")
            status, _ = request(url + concrete(path), method, USER, "wrong")
            if status != 401:
                let_through.append(f"{method} {path} with a wrong password: {status}")
    assert not let_through, "\n".join(let_through)


def test_the_login_opens_the_chat_and_the_citation_pages(guarded) -> None:
    url, _ = guarded
    status, body = request(url + "/passage/bees.txt?start=0&end=10", user=USER, password=PASSWORD)
    assert status == 200 and b"Honey bees live in colonies" in body
    status, body = request(url + "/", user=USER, password=PASSWORD)
    assert status == 200 and b"<html" in body.lower()
    status, body = request(url + "/api/documents", user=USER, password=PASSWORD)
    assert status == 200 and b'"bees.txt"' in body


@pytest.mark.parametrize("auth", [":", "alice:", ":s3cret", "alice"])
def test_an_empty_user_or_password_is_refused(auth: str, tmp_path: Path, capsys) -> None:
    (tmp_path / "a.txt").write_text("Some text.", encoding="utf-8")
    assert cli_main(["serve", "--host", "0.0.0.0", "--auth", auth, "--corpus", str(tmp_path)]) == 2
    assert "user:password" in capsys.readouterr().err


def test_corpus_keys_are_not_guessable_and_name_only_this_servers_folders(guarded, login_assistant) -> None:
    url, _ = guarded
    from qa.web.workspace import Workspace

    first, second = Workspace(login_assistant.settings), Workspace(login_assistant.settings)
    guessed = hashlib.sha256(str(login_assistant.settings.corpus_dir.resolve()).encode()).hexdigest()[:12]
    assert first.default_key != second.default_key  # a key depends on the server's own secret
    assert guessed not in {first.default_key, second.default_key} and len(first.default_key) >= 24
    status, _ = request(f"{url}/passage/bees.txt?corpus={first.default_key}", user=USER, password=PASSWORD)
    assert status == 404  # another server's key reaches nothing here


def test_a_passage_ending_before_it_starts_is_refused_and_ranges_clamp(guarded) -> None:
    url, _ = guarded
    status, body = request(url + "/passage/bees.txt?start=50000&end=10", user=USER, password=PASSWORD)
    assert status == 400
    status, body = request(url + "/passage/bees.txt?start=50000&end=60000", user=USER, password=PASSWORD)
    assert status == 200 and body.count(b"Honey bees live in colonies") == 1
