"""A debate pack: the reading list (`sources.yaml`), its snapshots, and the event half
(`debate.yaml`: the event, clusters, open questions, agenda), found under one folder."""

from __future__ import annotations

from datetime import date as Date
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.registry import RegistryError, Source, by_id, load_registry
from bot.settings import Settings


@lru_cache(maxsize=8)
def _load_sources(path: Path, mtime: float) -> tuple[Source, ...]:
    return tuple(load_registry(path))


def sources(settings: Settings) -> list[Source]:
    """The pack's validated reading list (re-read when the file changes)."""
    path = settings.sources_file
    if not path.exists():
        raise RegistryError(f"{path}: no reading list in the pack {settings.pack}")
    registry = list(_load_sources(path, path.stat().st_mtime))
    _check_clusters(settings, registry)
    return registry


def _check_clusters(settings: Settings, registry: list[Source]) -> None:
    """Every cluster a source names is one of the pack's clusters (debate.yaml), when it has
    any: the clusters are the debate's, not the code's."""
    if not settings.debate_file.exists():
        return
    try:
        known = {c.id for c in load_debate(settings).clusters}
    except DebatePackError:
        return  # reported where debate.yaml is used; the reading list itself is still good
    for s in registry:
        if s.cluster is not None and s.cluster not in known:
            raise RegistryError(
                f"{settings.sources_file}, source '{s.id}': unknown cluster '{s.cluster}' "
                f"(debate.yaml has {', '.join(sorted(known)) or 'none'})"
            )


def source_map(settings: Settings) -> dict[str, Source]:
    return by_id(sources(settings))


# --- debate.yaml ---------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Event(_Model):
    title: str
    series: str = ""
    date: Date
    start: str = ""
    end: str = ""
    venue: str = ""
    url: str = ""
    post_source: str = Field(description="Registry id of the post the debate is built on.")


class ClusterInfo(_Model):
    id: str
    heading: str = Field(description="The post's exact heading text for this cluster.")
    label: str
    aliases: list[str] = Field(
        default_factory=list,
        description='Words an attendee may call the cluster by ("the academic one").',
    )


class OpenQuestion(_Model):
    id: str
    heading: str = Field(description="The post's exact heading text for this question.")
    label: str
    clusters: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)
    prompts: list[str] = Field(
        default_factory=list, description="Discussion prompts in the pack's own words."
    )

    @property
    def wording(self) -> str:
        """The question without its "a) " prefix."""
        head = self.heading
        return head.split(") ", 1)[1] if ") " in head[:4] else head


class AgendaItem(_Model):
    id: str
    kind: Literal["opening", "open_question", "audience_qa", "closing", "other"]
    title: str
    minutes: int = Field(gt=0)
    question: str | None = None


class DebatePack(_Model):
    id: str | None = Field(
        None,
        description="The pack's id, naming its index and databases in a shared data folder "
        "(bot/index/namespace.py); unset means one made from the pack folder's name and path.",
    )
    event: Event
    clusters: list[ClusterInfo]
    open_questions: list[OpenQuestion]
    agenda: list[AgendaItem]

    @model_validator(mode="after")
    def _references(self) -> DebatePack:
        qids = {q.id for q in self.open_questions}
        cids = {c.id for c in self.clusters}
        for item in self.agenda:
            if item.kind == "open_question" and item.question not in qids:
                raise ValueError(f"agenda item '{item.id}' names unknown question {item.question}")
        for q in self.open_questions:
            unknown = set(q.clusters) - cids
            if unknown:
                raise ValueError(f"open question '{q.id}' names unknown clusters {sorted(unknown)}")
        return self

    def question(self, qid: str) -> OpenQuestion:
        for q in self.open_questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    @property
    def total_minutes(self) -> int:
        return sum(i.minutes for i in self.agenda)


class DebatePackError(ValueError):
    """A debate.yaml that cannot be used."""


M = TypeVar("M", bound=BaseModel)


@lru_cache(maxsize=16)
def read_model(path: Path, mtime: float, model: type[M], error: type[ValueError]) -> M:
    """A pack file parsed and validated as `model` (cached until the file changes); a bad one
    raises `error` naming the file and every problem."""
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
    except yaml.YAMLError as exc:
        raise error(f"{path}: malformed YAML ({exc})") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'file'}: {e['msg']}" for e in exc.errors()
        )
        raise error(f"{path}: {problems}") from exc


def load_debate(settings: Settings) -> DebatePack:
    """The pack's debate.yaml, validated (re-read when the file changes)."""
    path = settings.debate_file
    if not path.exists():
        raise DebatePackError(f"{path}: the pack has no debate.yaml")
    return read_model(path, path.stat().st_mtime, DebatePack, DebatePackError)
