"""Download the reading list into local snapshots, for an organiser who is online before the event.

Only a complete, type-checked body ever replaces a snapshot, so a flaky network, a login wall
or a moved page can never leave the pack with a half-written or wrong-kind file.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx
from pypdf import PdfReader

from bot.ingest.snapshots import snapshot_status, write_snapshot
from bot.registry import Format, Source
from bot.settings import FetchSettings

Status = Literal["fetched", "unchanged", "failed", "skipped"]

MAX_REDIRECTS = 5
MAX_RETRY_AFTER_S = 60.0  # honour a server's Retry-After, but never stall the run for long
_OPAQUE_TYPES = {"", "application/octet-stream", "binary/octet-stream"}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}


@dataclass(frozen=True)
class FetchResult:
    """The outcome for one source, reported as it happens and returned at the end."""

    source_id: str
    url: str
    status: Status
    reason: str = ""
    bytes: int = 0
    sha256: str = ""


class FetchError(Exception):
    """A failure with a short human reason; `retryable` marks the transient ones."""

    def __init__(self, reason: str, *, retryable: bool = False, delay: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.delay = delay  # the wait a server asked for (Retry-After), if any


def _msg(exc: BaseException) -> str:
    """An exception's message, falling back to its type when the message is empty."""
    return str(exc) or type(exc).__name__


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1_000_000 else f"{n / 1e3:.1f} kB"


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a numeric Retry-After header, capped; dates and junk are ignored."""
    value = response.headers.get("retry-after", "").strip()
    try:
        return min(max(float(value), 0.0), MAX_RETRY_AFTER_S)
    except ValueError:
        return None


def _accepts(fmt: Format, media_type: str, body: bytes | None) -> bool:
    """Whether a response of this media type can be the registry's format.

    `body` is None before the body is read: an opaque type is then given the benefit of
    the doubt, and decided by the `%PDF-` magic once the bytes are in.
    """
    if fmt is Format.pdf:
        if media_type == "application/pdf":
            return True
        return media_type in _OPAQUE_TYPES and (body is None or body.startswith(b"%PDF-"))
    if fmt is Format.html:
        return media_type in _HTML_TYPES
    if fmt is Format.wordpress_json:
        return media_type == "application/json"
    return media_type.startswith("text/")  # markdown and text


def _validate(fmt: Format, body: bytes) -> None:
    """Refuse bodies that have the right label but cannot be read by the ingester."""
    if fmt is Format.pdf:
        try:
            reader = PdfReader(io.BytesIO(body))
            if reader.is_encrypted:
                reader.decrypt("")
            if len(reader.pages) == 0:
                raise ValueError("no pages")
        except Exception as exc:
            raise FetchError(f"corrupt PDF: {_msg(exc)}") from exc
    elif fmt is Format.wordpress_json:
        try:
            json.loads(body)
        except ValueError as exc:
            raise FetchError(f"invalid JSON: {_msg(exc)}") from exc


def _download_once(
    client: httpx.Client, source: Source, settings: FetchSettings
) -> tuple[bytes, str]:
    """One GET of the source; return (body, content type) or raise FetchError."""
    cap = settings.max_bytes
    too_big = f"body exceeds {_size(cap)} cap"
    try:
        with client.stream(
            "GET",
            source.base_url,  # never send the #page=N fragment
            timeout=settings.timeout_s,
            headers={"User-Agent": settings.user_agent},
            follow_redirects=True,
        ) as response:
            code = response.status_code
            if code == 429 or code >= 500:
                raise FetchError(f"HTTP {code}", retryable=True, delay=_retry_after(response))
            if not response.is_success:
                raise FetchError(f"HTTP {code}")
            declared = response.headers.get("content-length", "").strip()
            if declared.isdigit() and int(declared) > cap:
                raise FetchError(too_big)
            content_type = response.headers.get("content-type", "")
            media_type = content_type.split(";", 1)[0].strip().lower()
            if not _accepts(source.format, media_type, None):
                raise FetchError(f"expected {source.format}, got {media_type or 'no content type'}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > cap:  # stop reading now, not after the whole body arrived
                    raise FetchError(too_big)
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out after {settings.timeout_s:g} s", retryable=True) from exc
    except httpx.TooManyRedirects as exc:
        raise FetchError("too many redirects") from exc
    except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
        raise FetchError(f"connection failed: {_msg(exc)}", retryable=True) from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"request failed: {_msg(exc)}") from exc
    if not body:
        raise FetchError("empty body")
    if not _accepts(source.format, media_type, bytes(body[:5])):
        raise FetchError(f"expected {source.format}, got {media_type or 'no content type'}")
    return bytes(body), content_type


def _download(
    client: httpx.Client,
    source: Source,
    settings: FetchSettings,
    sleep: Callable[[float], None],
) -> tuple[bytes, str]:
    """Download with exponential backoff on transient failures; 4xx (but 429) fail at once."""
    attempts = max(1, settings.retries)
    attempt = 1
    while True:
        try:
            return _download_once(client, source, settings)
        except FetchError as exc:
            if not exc.retryable or attempt >= attempts:
                if attempt > 1:
                    raise FetchError(f"{exc.reason} ({attempt} attempts)") from exc
                raise
            delay = settings.backoff_s * 2 ** (attempt - 1)
            sleep(max(delay, exc.delay or 0.0))
            attempt += 1


def _fetch_one(
    source: Source,
    snapshots_dir: Path,
    settings: FetchSettings,
    client: httpx.Client,
    only_missing: bool,
    sleep: Callable[[float], None],
) -> FetchResult:
    _, meta = snapshot_status(snapshots_dir, source)
    if meta is not None and (only_missing or source.format is Format.wordpress_json):
        # The post's own JSON is the pack's anchor; a present copy is never replaced.
        why = "snapshot present" if only_missing else "wordpress_json snapshot is kept"
        return FetchResult(source.id, source.url, "skipped", why, meta.bytes, meta.sha256)
    try:
        data, content_type = _download(client, source, settings, sleep)
        _validate(source.format, data)
    except FetchError as exc:
        return FetchResult(source.id, source.url, "failed", exc.reason)
    meta, changed = write_snapshot(snapshots_dir, source, data, content_type)
    status: Status = "fetched" if changed else "unchanged"
    return FetchResult(source.id, source.url, status, "", meta.bytes, meta.sha256)


def fetch_sources(
    sources: list[Source],
    snapshots_dir: Path,
    settings: FetchSettings,
    *,
    only_missing: bool = True,
    progress: Callable[[FetchResult], None] | None = None,
    client: httpx.Client | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[FetchResult]:
    """Snapshot each source in order; one source failing never stops the others.

    `client` lets a caller share a connection pool (it is left open); `sleep` is the
    backoff wait, injectable so tests do not actually wait.
    """
    own_client = client is None
    http = client or httpx.Client(
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=settings.timeout_s,
        headers={"User-Agent": settings.user_agent},
    )
    results: list[FetchResult] = []
    try:
        for source in sources:
            try:
                result = _fetch_one(source, snapshots_dir, settings, http, only_missing, sleep)
            except Exception as exc:  # a bug or a disk error for one source must not end the run
                reason = f"unexpected error: {type(exc).__name__}: {exc}"
                result = FetchResult(source.id, source.url, "failed", reason)
            results.append(result)
            if progress is not None:
                progress(result)
    finally:
        if own_client:
            http.close()
    return results
