"""The event half of a debate pack (`debate.yaml`): the event, clusters, open questions, agenda."""

from __future__ import annotations

from datetime import date as Date
from functools import lru_cache
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.settings import Settings


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


class OpenQuestion(_Model):
    id: str
    heading: str = Field(description="The post's exact heading text for this question.")
    label: str
    clusters: list[str] = Field(default_factory=list)
    keywords: list[str] = Field(default_factory=list)

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


@lru_cache(maxsize=8)
def _load(path: Path, mtime: float) -> DebatePack:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return DebatePack.model_validate(data)
    except yaml.YAMLError as exc:
        raise DebatePackError(f"{path}: malformed YAML ({exc})") from exc
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise DebatePackError(f"{path}: {problems}") from exc


def load_debate(settings: Settings) -> DebatePack:
    """The pack's debate.yaml, validated (re-read when the file changes)."""
    path = settings.debate_file
    if not path.exists():
        raise DebatePackError(f"{path}: the pack has no debate.yaml")
    return _load(path, path.stat().st_mtime)
