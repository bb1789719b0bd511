"""The reading list: `sources.yaml` of a debate pack, validated whole before anything uses it."""

from __future__ import annotations

import re
from datetime import date as Date
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
)


class Kind(StrEnum):
    post = "post"
    proposal = "proposal"
    existing_project = "existing_project"
    background = "background"
    event = "event"
    news = "news"


class Format(StrEnum):
    wordpress_json = "wordpress_json"
    html = "html"
    pdf = "pdf"
    markdown = "markdown"
    text = "text"


_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class Source(BaseModel):
    """One entry of the reading list."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    title: str = Field(min_length=1)
    author: str = ""
    date: str = Field("", description="YYYY, YYYY-MM or YYYY-MM-DD; empty when unknown.")
    url: str
    kind: Kind
    cluster: str | None = Field(
        None, description="Id of one of the pack's clusters (debate.yaml); checked on load."
    )
    format: Format
    page: int | None = Field(None, ge=1, description="The PDF page the post points at.")
    page_url: str = Field(
        "",
        description="The page a person opens, where `url` is a machine endpoint (a WordPress "
        "REST URL); empty means `url` itself.",
    )
    linked_as: list[str] = Field(default_factory=list, description="Anchor texts in the post.")
    note: str = ""

    @field_validator("id")
    @classmethod
    def _id_shape(cls, v: str) -> str:
        if not _ID.match(v):
            raise ValueError("id must be lowercase letters, digits, '-' or '_' (2-64 chars)")
        return v

    @field_validator("date", mode="before")
    @classmethod
    def _date_shape(cls, v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, Date):
            v = v.isoformat()
        v = str(v)
        if v and not _DATE.match(v):
            raise ValueError("date must be YYYY, YYYY-MM or YYYY-MM-DD")
        return v

    @field_validator("url", "page_url")
    @classmethod
    def _url_shape(cls, v: str, info: ValidationInfo) -> str:
        if (v or info.field_name == "url") and not re.match(r"^https?://", v):
            raise ValueError("url must start with http:// or https://")
        return v

    @property
    def human_url(self) -> str:
        """Where a reader should be sent to read the source."""
        return self.page_url or self.url

    @property
    def base_url(self) -> str:
        """The URL without its fragment (a PDF's #page=N is added back per passage)."""
        return self.url.split("#", 1)[0]


class RegistryError(ValueError):
    """A sources.yaml that cannot be used; the message names the line and id."""


def _line_numbers(text: str) -> list[int]:
    """The 1-based line where each top-level list entry of `sources:` starts."""
    node = yaml.compose(text)
    lines: list[int] = []
    if node is None or not hasattr(node, "value"):
        return lines
    for key, value in node.value:
        if getattr(key, "value", None) == "sources" and hasattr(value, "value"):
            lines = [item.start_mark.line + 1 for item in value.value]
    return lines


def load_registry(path: Path) -> list[Source]:
    """Parse and validate a registry file; raise RegistryError on the first bad entry."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RegistryError(f"{path}: cannot read the reading list ({exc})") from exc
    try:
        data = yaml.safe_load(text)
        lines = _line_numbers(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise RegistryError(f"{path}{where}: malformed YAML ({exc})") from exc
    if not isinstance(data, dict) or not isinstance(data.get("sources"), list):
        raise RegistryError(f"{path}: expected a top-level 'sources:' list")
    sources: list[Source] = []
    seen: dict[str, int] = {}
    for i, raw in enumerate(data["sources"]):
        line = lines[i] if i < len(lines) else 0
        sid = raw.get("id", "?") if isinstance(raw, dict) else "?"
        if not isinstance(raw, dict):
            raise RegistryError(f"{path} line {line}: entry {i + 1} is not a mapping")
        try:
            src = Source.model_validate(raw)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'entry'}: {e['msg']}" for e in exc.errors()
            )
            raise RegistryError(f"{path} line {line}, source '{sid}': {problems}") from exc
        if src.id in seen:
            raise RegistryError(
                f"{path} line {line}, source '{src.id}': duplicate id "
                f"(first at line {seen[src.id]})"
            )
        seen[src.id] = line
        sources.append(src)
    return sources


def by_id(sources: list[Source]) -> dict[str, Source]:
    return {s.id: s for s in sources}
