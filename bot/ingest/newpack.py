"""A new debate pack from any WordPress post: its reading list, its snapshot, a debate.yaml to fill.

The post (the REST JSON a WordPress site serves at /wp-json/wp/v2/posts/ID) becomes the
`post` entry, with `page_url` its human page; every distinct link in its content becomes an
entry, titled by its anchor text, as a background source (the organiser decides which are
proposals), with no date (none is guessed). The links are read by the same loader the
ingester uses, so the pack's links match what the index will see. debate.yaml gets the event
from the post's title and date and empty clusters and open questions, with the post's headings
listed in comments as candidates to fill: it loads as it is, and says what to fill.
"""

from __future__ import annotations

import html
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.ingest.add import AddError, build_entry, entry_yaml, fetch_one, id_from_url, slug
from bot.ingest.loaders import LoadError, load_document
from bot.ingest.snapshots import write_snapshot
from bot.models import Document
from bot.pack import load_debate
from bot.pack import sources as pack_sources
from bot.prompts import lookup, render
from bot.registry import Format, Kind, Source
from bot.settings import Settings


@dataclass(frozen=True)
class NewPack:
    folder: Path
    post: Source
    links: list[Source]
    headings: list[str]


def pack_text(key: str) -> str:
    """A word that init and add write into a pack (prompts/pack/text.yaml)."""
    return lookup("pack/text.yaml", key, "pack text")


def _post_json(settings: Settings, target: str) -> tuple[bytes, dict[str, Any], str]:
    """The post's bytes (as served or as given), the post object, and its REST URL if known."""
    if target.startswith(("http://", "https://")):
        probe = Source(id="post", title="post", url=target, kind=Kind.post,
                       format=Format.wordpress_json)  # fmt: skip
        data, rest_url = fetch_one(settings, probe), target
    else:
        path = Path(target).expanduser()
        if not path.is_file():
            raise AddError(f"{target}: no such file (give a WordPress post JSON file or URL)")
        data, rest_url = path.read_bytes(), ""
    try:
        post = json.loads(data.decode("utf-8-sig"))
        post = post[0] if isinstance(post, list) and len(post) == 1 else post
        if not isinstance(post["content"]["rendered"], str):
            raise TypeError("content.rendered is not text")
    except (ValueError, KeyError, TypeError, IndexError) as exc:
        raise AddError(f"{target}: not a WordPress post JSON ({exc})") from exc
    if not rest_url:
        rest_url = ((post.get("_links") or {}).get("self") or [{}])[0].get("href", "")
    return data, post, rest_url


def _unique(base: str, taken: set[str]) -> str:
    new, n = base, 2
    while new in taken:
        new = f"{base[:60]}-{n}"
        n += 1
    taken.add(new)
    return new


def _same_page(a: str, b: str) -> bool:
    return a.split("#", 1)[0].rstrip("/") == b.split("#", 1)[0].rstrip("/")


def _links(doc: Document, post: Source, taken: set[str]) -> list[Source]:
    """One entry per distinct http(s) link of the post, in order of first appearance."""
    anchors: dict[str, list[str]] = {}
    for link in doc.links:
        href = link.href.strip()
        if urlsplit(href).scheme not in ("http", "https"):
            continue
        if any(_same_page(href, u) for u in (post.url, post.page_url) if u):
            continue  # the post linking to itself
        anchors.setdefault(href, [])
        if link.anchor not in anchors[href]:
            anchors[href].append(link.anchor)
    out = []
    for href, names in anchors.items():
        out.append(
            build_entry(
                {
                    "id": _unique(id_from_url(href), taken),
                    "title": names[0],
                    "url": href,
                    "kind": Kind.background,
                    "format": Format.pdf if urlsplit(href).path.lower().endswith(".pdf")
                    else Format.html,
                    "linked_as": names,
                    "note": pack_text("link_note"),
                }
            )
        )  # fmt: skip
    return out


def _debate_yaml(post: Source, headings: list[str]) -> str:
    """A debate.yaml that loads as it is, with what to fill marked as such."""
    event = {"title": post.title, "series": "", "date": post.date, "start": "", "end": "",
             "venue": "", "url": "", "post_source": post.id}  # fmt: skip
    event_yaml = yaml.safe_dump({"event": event}, sort_keys=False, allow_unicode=True, width=100)
    return render("pack/debate.yaml.j2", title=post.title, event_yaml=event_yaml, headings=headings)


def init_pack(settings: Settings, folder: Path, target: str) -> NewPack:
    """Make a new pack in `folder` (which must not hold one yet) from a post JSON file or URL."""
    folder = folder.expanduser().resolve()
    if (folder / "sources.yaml").exists() or (folder / "debate.yaml").exists():
        raise AddError(f"{folder} already holds a debate pack; choose a new folder")
    data, post, rest_url = _post_json(settings, target)
    link = str(post.get("link") or "")
    title = html.unescape(str((post.get("title") or {}).get("rendered", ""))).strip()
    fields = {
        "id": slug(str(post.get("slug") or title or "post")),
        "title": title or pack_text("untitled"),
        "date": str(post.get("date") or "")[:10],
        "url": rest_url or link,
        "page_url": link if rest_url and link != rest_url else "",
        "kind": Kind.post,
        "format": Format.wordpress_json,
        "note": pack_text("post_note"),
    }
    post_src = build_entry(fields)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "post.wp.json"
        path.write_bytes(data)
        try:
            doc = load_document(post_src, path, settings.ingest.max_file_mb)
        except LoadError as exc:
            raise AddError(f"cannot read the post: {exc}") from exc
    links = _links(doc, post_src, {post_src.id})
    headings = list(dict.fromkeys(
        doc.text[b.start : b.end] for b in doc.blocks if b.kind == "heading"
    ))  # fmt: skip
    new = settings.model_copy(update={"pack": folder})
    folder.mkdir(parents=True, exist_ok=True)
    header = render("pack/sources_header.yaml.j2", title=post_src.title)
    body = "\n".join(entry_yaml(s) for s in [post_src, *links])
    new.sources_file.write_text(header + body, encoding="utf-8")
    new.debate_file.write_text(_debate_yaml(post_src, headings), encoding="utf-8")
    write_snapshot(
        new.snapshots_dir,
        post_src,
        data,
        "application/json",
        "fetch" if target.startswith(("http://", "https://")) else "shared",
    )
    pack_sources(new)  # the pack loads as written, or says why not
    load_debate(new)
    return NewPack(folder, post_src, links, headings)
