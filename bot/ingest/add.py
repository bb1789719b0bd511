"""Organiser-added sources: a local PDF, HTML or text file (or a URL) into the pack's registry.

Many sources refuse robots or sit behind a paywall, and an organiser often already has the
PDF. `add_source` checks everything before it writes anything: the entry (a valid id, no id or
URL the reading list already has, a cluster of the pack), and the file (it loads as the
ingester will load it). Then it stores the snapshot with the same sha256 meta `fetch` writes
and appends the entry to sources.yaml as text, so the file's comments and layout stay; if the
registry does not load afterwards, the old file is put back.
"""

from __future__ import annotations

import html
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from pydantic import ValidationError

from bot import pack
from bot.ingest.fetch import fetch_sources
from bot.ingest.loaders import LoadError, load_document
from bot.ingest.snapshots import EXTENSIONS, snapshot_path, write_snapshot
from bot.registry import Format, Kind, RegistryError, Source, load_registry
from bot.settings import Settings

# Suffix -> format of a local file; content types as `fetch` records them.
SUFFIXES = {
    ".pdf": Format.pdf,
    ".html": Format.html,
    ".htm": Format.html,
    ".txt": Format.text,
    ".md": Format.markdown,
    ".markdown": Format.markdown,
    ".json": Format.wordpress_json,
}
CONTENT_TYPES = {
    Format.pdf: "application/pdf",
    Format.html: "text/html",
    Format.text: "text/plain",
    Format.markdown: "text/markdown",
    Format.wordpress_json: "application/json",
}
_SLUG = re.compile(r"[^a-z0-9]+")


class AddError(ValueError):
    """An addition refused before anything was written; the message says what to change."""


@dataclass(frozen=True)
class Added:
    source: Source
    snapshot: Path
    sha256: str
    attached: bool  # True: the file became the snapshot of an entry the registry already had


def slug(text: str, limit: int = 64) -> str:
    """A registry id from any text: lowercase letters, digits and '-', at most `limit` long."""
    s = _SLUG.sub("-", text.lower()).strip("-")[:limit].strip("-")
    return s if len(s) >= 2 else f"source-{s}".strip("-")


def id_from_url(url: str) -> str:
    """An id from a URL: its host without 'www.' or the top-level domain, and its last path
    segment without extension ("https://arxiv.org/pdf/2402.08797" -> "arxiv-2402-08797")."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    host = host.removeprefix("www.").rsplit(".", 1)[0] if "." in host else host
    tail = [p for p in parts.path.split("/") if p]
    last = Path(tail[-1]).stem if tail else ""
    return slug(f"{host}-{last}" if last else host)


def format_of(name: str) -> Format:
    """The registry format a file name or URL stands for; a web page unless it says otherwise."""
    return SUFFIXES.get(Path(urlsplit(name).path).suffix.lower(), Format.html)


def is_url(target: str) -> bool:
    return bool(re.match(r"^https?://", target))


def _known(settings: Settings) -> list[Source]:
    try:
        return pack.sources(settings)
    except RegistryError as exc:
        raise AddError(f"the reading list does not load, so nothing was added: {exc}") from exc


def _refuse_duplicates(entry: Source, known: list[Source]) -> None:
    def same(a: str, b: str) -> bool:
        return bool(a) and a.split("#", 1)[0].rstrip("/") == b.split("#", 1)[0].rstrip("/")

    for s in known:
        if s.id == entry.id:
            raise AddError(
                f"the reading list already has a source with id '{entry.id}' ({s.title}); "
                f"choose another --id, or add --attach to make this file its snapshot"
            )
        if any(same(u, v) for u in (entry.url, entry.page_url) for v in (s.url, s.page_url)):
            raise AddError(
                f"the reading list already has {entry.url} as '{s.id}'; "
                f"use --attach --id {s.id} to make this file its snapshot"
            )


def _check_loads(source: Source, data: bytes, max_mb: float) -> str:
    """Load the bytes as the ingester will; return the document's own title, if it has one."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"check.{EXTENSIONS[source.format]}"
        path.write_bytes(data)
        try:
            doc = load_document(source, path, max_mb)
        except LoadError as exc:
            raise AddError(f"cannot use this file: {exc}") from exc
    return doc.title if doc.title != source.title else ""


def _pdf_title(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    try:
        meta = PdfReader(io.BytesIO(data)).metadata
    except Exception:  # a PDF without readable metadata simply has no title
        return ""
    return str(meta.title or "").strip() if meta else ""


def _html_title(data: bytes) -> str:
    m = re.search(rb"<title[^>]*>(.*?)</title>", data[:65536], re.I | re.S)
    return " ".join(html.unescape(m.group(1).decode("utf-8", "replace")).split()) if m else ""


def _own_title(fmt: Format, data: bytes, loaded: str) -> str:
    """The title a document gives itself: PDF metadata, an HTML <title>, a post's title."""
    if fmt is Format.pdf:
        return _pdf_title(data)
    if fmt is Format.html:
        return _html_title(data)
    return loaded


def entry_yaml(source: Source) -> str:
    """The entry as sources.yaml writes one: a '  - id: ...' block, empty fields left out."""
    data = source.model_dump(mode="json", exclude_defaults=True)
    data = {"id": source.id, **{k: v for k, v in data.items() if k != "id"}}
    text = yaml.safe_dump([data], sort_keys=False, allow_unicode=True, width=100)
    return "".join(f"  {line}\n" if line else "\n" for line in text.splitlines())


def append_source(settings: Settings, source: Source) -> None:
    """Append an entry to the pack's sources.yaml as text; restore the file if it then fails
    to load (the comments and the other entries are never rewritten)."""
    path = settings.sources_file
    old = path.read_text(encoding="utf-8")
    path.write_text(old.rstrip("\n") + "\n\n" + entry_yaml(source), encoding="utf-8")
    try:
        load_registry(path)
        pack.sources(settings)
    except RegistryError as exc:
        path.write_text(old, encoding="utf-8")
        raise AddError(
            f"the entry would break the reading list, so it was not added: {exc}"
        ) from exc


def build_entry(fields: dict[str, Any]) -> Source:
    """A registry entry from the given fields, validated; the message names what is wrong."""
    clean = {k: v for k, v in fields.items() if v not in (None, "")}
    try:
        return Source.model_validate(clean)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in exc.errors()
        )
        raise AddError(f"the entry is not valid: {problems}") from exc


def fetch_one(settings: Settings, source: Source) -> bytes:
    """Download a URL with the pack's fetcher into a scratch folder; its bytes, or AddError."""
    with tempfile.TemporaryDirectory() as tmp:
        (result,) = fetch_sources([source], Path(tmp), settings.fetch, only_missing=False)
        if result.status not in ("fetched", "unchanged"):
            raise AddError(f"could not fetch {source.url}: {result.reason}")
        return snapshot_path(Path(tmp), source).read_bytes()


def add_source(
    settings: Settings,
    target: str,
    *,
    source_id: str | None = None,
    title: str | None = None,
    kind: Kind = Kind.background,
    author: str = "",
    date: str = "",
    cluster: str | None = None,
    url: str | None = None,
    attach: bool = False,
) -> Added:
    """Add a local file or a URL to the reading list, with its snapshot; nothing is written
    unless the entry and the file are both good."""
    known = _known(settings)
    if attach:
        return _attach(settings, target, source_id, known)
    remote = is_url(target)
    path = Path(target).expanduser()
    if not remote and not path.is_file():
        raise AddError(f"{target}: no such file (give a PDF, HTML or text file, or a URL)")
    if not remote and not url:
        raise AddError(
            "a local file needs --url: the address where readers can open it (its page, even "
            "a paywalled one); citations link there, a PDF with #page=N"
        )
    address = target if remote else str(url)
    fmt = format_of(target if remote else path.name)
    fields = {
        "id": source_id or (id_from_url(address) if remote else slug(path.stem)),
        "title": title or "-",  # the document's own title is read once the file is checked
        "author": author,
        "date": date,
        "url": address,
        "kind": kind,
        "cluster": cluster,
        "format": fmt,
    }
    source = build_entry(fields)
    _refuse_duplicates(source, known)
    data = fetch_one(settings, source) if remote else path.read_bytes()
    own_title = _check_loads(source, data, settings.ingest.max_file_mb)
    if not title:
        found = _own_title(fmt, data, own_title) or ("" if remote else path.stem)
        source = build_entry({**fields, "title": found or address})
    meta, _ = write_snapshot(
        settings.snapshots_dir, source, data, CONTENT_TYPES[fmt], "fetch" if remote else "shared"
    )
    try:
        append_source(settings, source)
    except AddError:
        for name in (meta.file, f"{source.id}.meta.json"):
            (settings.snapshots_dir / name).unlink(missing_ok=True)
        raise
    return Added(source, settings.snapshots_dir / meta.file, meta.sha256, attached=False)


def _attach(settings: Settings, target: str, source_id: str | None, known: list[Source]) -> Added:
    """A local file as the snapshot of an entry the reading list already has."""
    by_id = {s.id: s for s in known}
    if not source_id or source_id not in by_id:
        raise AddError("--attach needs --id of a source the reading list already has")
    source = by_id[source_id]
    path = Path(target).expanduser()
    if not path.is_file():
        raise AddError(f"{target}: no such file")
    if format_of(path.name) is not source.format:
        raise AddError(
            f"'{source.id}' is registered as {source.format.value}, but {path.name} looks like "
            f"{format_of(path.name).value}: change the entry's format first, or give the right file"
        )
    data = path.read_bytes()
    _check_loads(source, data, settings.ingest.max_file_mb)
    meta, _ = write_snapshot(
        settings.snapshots_dir, source, data, CONTENT_TYPES[source.format], "shared"
    )
    return Added(source, settings.snapshots_dir / meta.file, meta.sha256, attached=True)
