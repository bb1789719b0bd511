"""The fetcher against a real loopback HTTP server: no mocks of httpx, no web access needed."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from reportlab.pdfgen import canvas

from bot.ingest.fetch import FetchResult, fetch_sources
from bot.ingest.snapshots import meta_path, read_meta
from bot.registry import Source
from bot.settings import FetchSettings

HTML = b"<!doctype html><html><body><p>Compute governance is contested.</p></body></html>"
SLOW_S = 1.5
TIMEOUT_S = 0.5
CAP = 200_000


def _pdf() -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawString(72, 720, "Open-weight models lower the cost of misuse.")
    c.showPage()
    c.save()
    return buf.getvalue()


PDF = _pdf()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.hits: Counter[str] = Counter()
        self.requests: list[tuple[str, str]] = []  # (raw path, user agent)
        self.changing = b"<html><body>version one</body></html>"
        self.lock = threading.Lock()

    def handle_error(self, request, client_address) -> None:  # client aborts are expected
        pass

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, code: int, ctype: str | None, body: bytes, length: bool = True) -> None:
        self.send_response(code)
        if ctype:
            self.send_header("Content-Type", ctype)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        with contextlib.suppress(OSError):  # the client may have hung up (timeouts, caps)
            self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path
        with self.server.lock:
            self.server.hits[path] += 1
            hit = self.server.hits[path]
            self.server.requests.append((path, self.headers.get("User-Agent", "")))
        if path == "/good.html":
            self._send(200, "text/html; charset=utf-8", HTML)
        elif path == "/good.pdf":
            self._send(200, "application/pdf", PDF)
        elif path == "/octet.pdf":
            self._send(200, "application/octet-stream", PDF)
        elif path == "/post.json":
            self._send(200, "application/json", json.dumps({"id": 1, "title": "t"}).encode())
        elif path == "/changing.html":
            self._send(200, "text/html", self.server.changing)
        elif path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/good.html")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/loop":
            self.send_response(302)
            self.send_header("Location", "/loop")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/slow":
            time.sleep(SLOW_S)
            self._send(200, "text/html", HTML)
        elif path == "/wrongtype.pdf":
            self._send(200, "text/html", HTML)
        elif path == "/corrupt.pdf":
            self._send(200, "application/pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40)
        elif path in ("/huge", "/huge-declared"):
            declared = path == "/huge-declared"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            if declared:
                self.send_header("Content-Length", str(1_000_000))
            self.end_headers()  # HTTP/1.0 without a length: the body runs until close
            with contextlib.suppress(OSError):
                for _ in range(100):
                    self.wfile.write(b"x" * 10_000)
        elif path == "/flaky.html":
            if hit == 1:
                self._send(503, "text/plain", b"busy")
            else:
                self._send(200, "text/html", HTML)
        elif path == "/limited.html":
            if hit == 1:
                self._send(429, "text/plain", b"slow down")
            else:
                self._send(200, "text/html", HTML)
        elif path == "/down.html":
            self._send(503, "text/plain", b"down")
        elif path == "/forbidden.html":
            self._send(403, "text/plain", b"no")
        else:
            self._send(404, "text/plain", b"not found")


@pytest.fixture
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def settings() -> FetchSettings:
    return FetchSettings(
        timeout_s=TIMEOUT_S, max_bytes=CAP, retries=3, backoff_s=0.01, user_agent="debatebot-test"
    )


class _Sleeps(list[float]):
    """Records backoff waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _src(sid: str, url: str, fmt: str = "html", **kw: object) -> Source:
    return Source(id=sid, title=sid, url=url, kind="background", format=fmt, **kw)


def _files(snapshots: Path, sid: str) -> list[str]:
    return sorted(p.name for p in snapshots.glob(f"{sid}.*")) if snapshots.exists() else []


def _by_id(results: list[FetchResult]) -> dict[str, FetchResult]:
    return {r.source_id: r for r in results}


@pytest.mark.timeout(60)
def test_mixed_run_reports_each_source(
    server: _Server, closed_port: int, settings: FetchSettings, tmp_path: Path
) -> None:
    snaps = tmp_path / "snapshots"
    sources = [
        _src("missing", server.url("/missing.html")),  # first, so it must not stop the rest
        _src("good-html", server.url("/good.html")),
        _src("good-pdf", server.url("/good.pdf#page=3"), "pdf", page=3),
        _src("octet-pdf", server.url("/octet.pdf"), "pdf"),
        _src("redirected", server.url("/redirect")),
        _src("slow", server.url("/slow")),
        _src("wrongtype", server.url("/wrongtype.pdf"), "pdf"),
        _src("html-as-pdf", server.url("/good.pdf"), "html"),
        _src("corrupt", server.url("/corrupt.pdf"), "pdf"),
        _src("huge", server.url("/huge")),
        _src("huge-declared", server.url("/huge-declared")),
        _src("loop", server.url("/loop")),
        _src("unreachable", f"http://127.0.0.1:{closed_port}/x.html"),
    ]
    seen: list[FetchResult] = []
    results = fetch_sources(sources, snaps, settings, progress=seen.append, sleep=_Sleeps())
    assert seen == results
    assert [r.source_id for r in results] == [s.id for s in sources]
    r = _by_id(results)

    for sid, body in [("good-html", HTML), ("good-pdf", PDF), ("octet-pdf", PDF)]:
        assert r[sid].status == "fetched", r[sid]
        digest = hashlib.sha256(body).hexdigest()
        assert r[sid].sha256 == digest and r[sid].bytes == len(body)
        meta = read_meta(snaps, sid)
        assert meta is not None and meta.sha256 == digest and meta.origin == "fetch"
        assert (snaps / meta.file).read_bytes() == body
        assert meta.url == next(s.url for s in sources if s.id == sid)
    assert read_meta(snaps, "good-pdf").file == "good-pdf.pdf"
    assert read_meta(snaps, "good-html").content_type == "text/html; charset=utf-8"
    assert r["redirected"].status == "fetched"
    assert r["redirected"].sha256 == hashlib.sha256(HTML).hexdigest()

    assert r["missing"].reason == "HTTP 404"
    assert r["slow"].reason == "timed out after 0.5 s (3 attempts)"
    assert r["wrongtype"].reason == "expected pdf, got text/html"
    assert r["html-as-pdf"].reason == "expected html, got application/pdf"
    assert r["corrupt"].reason.startswith("corrupt PDF: ")
    assert r["huge"].reason == "body exceeds 200.0 kB cap"
    assert r["huge-declared"].reason == "body exceeds 200.0 kB cap"
    assert r["loop"].reason == "too many redirects"
    assert r["unreachable"].reason.startswith("connection failed: ")
    assert r["unreachable"].reason.endswith("(3 attempts)")
    failed = {
        "missing",
        "slow",
        "wrongtype",
        "html-as-pdf",
        "corrupt",
        "huge",
        "huge-declared",
        "loop",
        "unreachable",
    }
    for sid in failed:
        assert r[sid].status == "failed" and not r[sid].sha256 and r[sid].bytes == 0
        assert _files(snaps, sid) == [], sid
    assert not list(snaps.glob(".*")), "no temp files left behind"

    assert server.hits["/slow"] == 3  # timeouts are retried
    assert server.hits["/missing.html"] == 1  # 404 is not
    assert all("#" not in path for path, _ in server.requests)  # fragment never sent
    assert "/good.pdf" in [path for path, _ in server.requests]
    assert {ua for _, ua in server.requests} == {"debatebot-test"}


@pytest.mark.timeout(30)
def test_rerun_reports_unchanged_then_skips(
    server: _Server, settings: FetchSettings, tmp_path: Path
) -> None:
    snaps = tmp_path / "snapshots"
    sources = [_src("page", server.url("/good.html")), _src("doc", server.url("/good.pdf"), "pdf")]
    first = fetch_sources(sources, snaps, settings)
    assert [r.status for r in first] == ["fetched", "fetched"]
    metas = {s.id: meta_path(snaps, s.id).read_bytes() for s in sources}

    again = fetch_sources(sources, snaps, settings, only_missing=False)
    assert [r.status for r in again] == ["unchanged", "unchanged"]
    assert [r.sha256 for r in again] == [r.sha256 for r in first]
    assert {s.id: meta_path(snaps, s.id).read_bytes() for s in sources} == metas
    assert server.hits["/good.html"] == 2

    skipped = fetch_sources(sources, snaps, settings)  # only_missing=True by default
    assert [(r.status, r.reason) for r in skipped] == [("skipped", "snapshot present")] * 2
    assert [r.sha256 for r in skipped] == [r.sha256 for r in first]
    assert server.hits["/good.html"] == 2  # nothing was requested


@pytest.mark.timeout(30)
def test_changed_page_is_refetched(
    server: _Server, settings: FetchSettings, tmp_path: Path
) -> None:
    source = _src("changing", server.url("/changing.html"))
    (first,) = fetch_sources([source], tmp_path, settings)
    server.changing = b"<html><body>version two</body></html>"
    (second,) = fetch_sources([source], tmp_path, settings, only_missing=False)
    assert second.status == "fetched" and second.sha256 != first.sha256
    assert (tmp_path / "changing.html").read_bytes() == server.changing


@pytest.mark.timeout(30)
def test_retries_transient_errors_with_backoff(
    server: _Server, settings: FetchSettings, tmp_path: Path
) -> None:
    sleeps = _Sleeps()
    sources = [
        _src("flaky", server.url("/flaky.html")),
        _src("limited", server.url("/limited.html")),
        _src("down", server.url("/down.html")),
        _src("forbidden", server.url("/forbidden.html")),
    ]
    r = _by_id(fetch_sources(sources, tmp_path, settings, sleep=sleeps))
    assert r["flaky"].status == "fetched" and server.hits["/flaky.html"] == 2
    assert r["limited"].status == "fetched" and server.hits["/limited.html"] == 2
    assert (r["down"].status, r["down"].reason) == ("failed", "HTTP 503 (3 attempts)")
    assert server.hits["/down.html"] == 3
    assert (r["forbidden"].status, r["forbidden"].reason) == ("failed", "HTTP 403")
    assert server.hits["/forbidden.html"] == 1
    # flaky: one wait; limited: one wait; down: two, doubling.
    assert sleeps == [0.01, 0.01, 0.01, 0.02]


@pytest.mark.timeout(30)
def test_wordpress_json_is_fetched_once_and_then_kept(
    server: _Server, settings: FetchSettings, tmp_path: Path
) -> None:
    post = _src("post", server.url("/post.json"), "wordpress_json")
    (first,) = fetch_sources([post], tmp_path, settings)
    assert first.status == "fetched" and (tmp_path / "post.wp.json").exists()
    (again,) = fetch_sources([post], tmp_path, settings, only_missing=False)
    assert again.status == "skipped" and again.sha256 == first.sha256
    assert server.hits["/post.json"] == 1


@pytest.mark.timeout(30)
def test_unexpected_error_for_one_source_does_not_stop_the_rest(
    server: _Server, settings: FetchSettings, tmp_path: Path
) -> None:
    (tmp_path / "blocked.html").mkdir()  # the snapshot file cannot be written
    sources = [
        _src("blocked", server.url("/good.html")),
        _src("fine", server.url("/good.pdf"), "pdf"),
    ]
    r = _by_id(fetch_sources(sources, tmp_path, settings))
    assert r["blocked"].status == "failed"
    assert r["blocked"].reason.startswith("unexpected error: ")
    assert r["fine"].status == "fetched"


@pytest.mark.timeout(30)
def test_caller_client_is_used_and_left_open(
    server: _Server, settings: FetchSettings, tmp_path: Path
) -> None:
    with httpx.Client() as client:
        (result,) = fetch_sources(
            [_src("page", server.url("/redirect"))], tmp_path, settings, client=client
        )
        assert result.status == "fetched"
        assert not client.is_closed
    assert {ua for _, ua in server.requests} == {"debatebot-test"}
