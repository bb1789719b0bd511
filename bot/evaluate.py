"""The evaluation harness: retrieval and answer quality on a question set with gold quotes.

Metrics (all in 0..1 except latency):
- recall@5 / MRR: a retrieved passage contains a gold quote (whitespace-normalised).
- evidence_hit: the answer cites a passage containing a gold quote (answerable questions).
- first_citation_evidence: the answer's first citation is such a passage (answerable questions;
  an abstention counts as a miss): does the answer lead with what answers?
- evidence_share: the share of an answer's cited quotes that are evidence, averaged over the
  answered answerable questions: how much of what is quoted is on point.
- citation_validity: every marker resolves, every quote is verbatim in its source's extracted
  snapshot text, every link is that sentence's deep link.
- abstention precision / recall: over the questions marked `abstain: true`.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from bot.citations import markers
from bot.ingest.loaders import load_document
from bot.ingest.snapshots import snapshot_status
from bot.models import Answer, Citation
from bot.settings import ROOT

EVAL_DIR = ROOT / "tests" / "eval"
DEFAULT_SET = EVAL_DIR / "dev.jsonl"
# Written blind (from the post alone, without running the bot): how far the engine carries to
# strangers' questions, and the labelled data the scoring model is fitted on, each set left out
# in turn (`debatebot fit`). A sealed set joins them when the change it judged is over.
HELD_OUT_SETS = tuple(
    EVAL_DIR / f"{name}.jsonl"
    for name in (
        "heldout",
        "blind",
        "final",
        "check",
        "fresh",
        "frozen",
        "strangers-a",
        "strangers-b",
        "sealed",
        "sealed-2",
        "sealed-3",
        "strangers-c",
        "strangers-d",
        "sealed-4",
        "sealed-5",
        "sealed-6",
        "sealed-7",
        "sealed-8",
        "sealed-9",
        "sealed-10",
        "sealed-11",
        "sealed-12",
        "sealed-13",
        "sealed-14",
        "sealed-15",
        "sealed-16",
        "sealed-17",
        "sealed-18",
        "sealed-19",
        "sealed-20",
        "sealed-21",
        "sealed-22",
        "sealed-23",
        "sealed-24",
        "sealed-25",
        "sealed-26",
        "sealed-27",
        "sealed-28",
        "sealed-29",
        "sealed-30",
        "sealed-31",
        "strangers-e",
        "strangers-f",
        "strangers-g",
        "sealed-32",
        "strangers-h",
        "strangers-i",
        "sealed-33",
    )
)
# Written blind and sealed: scored once at the start of a change to the engine and once at its
# end, never fitted on and its misses never read in between (tests/eval/README.md). Until the
# file is there, no change to the engine can be judged: write it first.
SEALED_SET = EVAL_DIR / "sealed-34.jsonl"

# What CI holds the offline engine to on dev.jsonl: one question under what it measures, so
# noise does not fail the build but a regression does. These are in-sample figures (the model
# and the pack's query adapter are fitted on dev.jsonl too); the sealed set tells the truth.
# The share of quotes that are evidence went from 0.80 to 0.70 when the fit chose to quote a
# second sentence more often (more answers quote their evidence; docs/BENCHMARKS.md).
FLOORS: dict[str, float] = {
    "recall@5": 0.95,
    "mrr": 0.78,
    "evidence_hit": 0.98,
    "first_citation_evidence": 0.88,
    "evidence_share": 0.70,
    "citation_validity": 1.0,
    "abstention_precision": 0.93,
    "abstention_recall": 0.93,
}


def norm(text: str) -> str:
    return " ".join(text.split()).lower()


def contains_gold(text: str, gold: list[str]) -> bool:
    hay = norm(text)
    return any(norm(g) in hay for g in gold)


@dataclass
class EvalItem:
    id: str
    question: str
    gold: list[str]
    abstain: bool
    category: str
    history: list[str] = field(default_factory=list)  # earlier questions, oldest first


@dataclass
class EvalReport:
    n: int
    metrics: dict[str, float]
    failures: list[str] = field(default_factory=list)

    def below_floors(self) -> list[str]:
        return [
            f"{k} {self.metrics[k]:.3f} < {v:.2f}"
            for k, v in FLOORS.items()
            if self.metrics.get(k, 0.0) < v
        ]


def load_set(path: Path) -> list[EvalItem]:
    items = []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if line.strip():
            d = json.loads(line)
            items.append(
                EvalItem(
                    d["id"],
                    d["question"],
                    d.get("gold", []),
                    d.get("abstain", False),
                    d.get("category", ""),
                    list(d.get("history", [])),
                )
            )
    return items


@lru_cache(maxsize=64)
def _snapshot_text(snapshots_dir: Path, source_key: str) -> str:
    """The extracted text of a source's snapshot, whitespace-normalised (cached per run)."""
    from bot import pack
    from bot.settings import Settings

    settings = Settings(pack=snapshots_dir.parent)
    source = pack.source_map(settings)[source_key]
    _, meta = snapshot_status(snapshots_dir, source)
    if meta is None:
        return ""
    doc = load_document(source, snapshots_dir / meta.file, settings.ingest.max_file_mb)
    return " ".join(doc.text.split())


def citation_problems(answer: Answer, bot) -> list[str]:
    """Why an answer's citations are not valid (empty when they are)."""
    problems = []
    refs: list[Citation] = answer.citations + answer.related
    by_n = {c.n: c for c in refs}
    for n in markers(answer.answer):
        if n not in by_n:
            problems.append(f"marker [{n}] resolves to nothing")
    chunks = bot.corpus.chunks
    for c in refs:
        text = _snapshot_text(bot.settings.snapshots_dir, c.source_id)
        if " ".join(c.quote.split()) not in text:
            problems.append(f"[{c.n}] quote not verbatim in snapshot of {c.source_id}")
        chunk = chunks.get(c.chunk_id)
        if chunk is None:
            problems.append(f"[{c.n}] names unknown chunk {c.chunk_id}")
        elif c.url not in chunk.sentence_urls and c.url != chunk.url:
            problems.append(f"[{c.n}] link is not the passage's deep link")
    return problems


def is_evidence(quote: str, gold: list[str]) -> bool:
    """A cited quote proves the answer: it contains a gold quote, or lies inside one."""
    return contains_gold(quote, gold) or any(norm(quote) in norm(g) for g in gold)


def _history(bot, item: EvalItem) -> list[tuple[str, str]]:
    """The conversation before a follow-up: each earlier question asked and answered."""
    turns: list[tuple[str, str]] = []
    for q in item.history:
        turns.append((q, bot.ask(q, history=list(turns)).answer))
    return turns


def evaluate(bot, path: Path = DEFAULT_SET) -> EvalReport:
    """Run every question through search and ask; return the metrics and notable failures."""
    items = load_set(path)
    bot.warm()
    recall_hits, rr, evidence, first, share, valid, latencies = [], [], [], [], [], [], []
    tp = fp = fn = 0
    failures: list[str] = []
    for item in items:
        history = _history(bot, item)
        answer = bot.ask(item.question, history=history, qid=item.id)
        latencies.append(answer.latency_ms)
        problems = citation_problems(answer, bot)
        valid.append(not problems)
        failures += [f"{item.id}: {p}" for p in problems]
        if item.abstain:
            tp += answer.abstained
            fn += not answer.abstained
            if not answer.abstained:
                failures.append(f"{item.id}: answered, should abstain")
            continue
        fp += answer.abstained
        context = " ".join(q for q, _ in history[-2:])
        passages = bot.search(item.question, k=10, context=context)
        rank = next(
            (i + 1 for i, p in enumerate(passages) if contains_gold(p.chunk.text, item.gold)), None
        )
        recall_hits.append(rank is not None and rank <= 5)
        rr.append(1.0 / rank if rank else 0.0)
        cited = (
            [] if answer.abstained else [is_evidence(c.quote, item.gold) for c in answer.citations]
        )
        hit = any(cited)
        evidence.append(hit)
        first.append(bool(cited) and cited[0])
        if cited:
            share.append(sum(cited) / len(cited))
        if not hit:
            why = "abstained" if answer.abstained else "cited other passages"
            failures.append(f"{item.id}: evidence missed ({why}; retrieval rank {rank})")

    def mean(xs: list) -> float:
        return sum(xs) / len(xs) if xs else 0.0

    lat = sorted(latencies)
    metrics = {
        "recall@5": mean(recall_hits),
        "mrr": mean(rr),
        "evidence_hit": mean(evidence),
        "first_citation_evidence": mean(first),
        "evidence_share": mean(share),
        "citation_validity": mean(valid),
        "abstention_precision": tp / (tp + fp) if tp + fp else 1.0,
        "abstention_recall": tp / (tp + fn) if tp + fn else 1.0,
        "latency_p50_ms": statistics.median(lat) if lat else 0.0,
        "latency_p95_ms": lat[min(len(lat) - 1, int(0.95 * len(lat)))] if lat else 0.0,
    }
    return EvalReport(len(items), metrics, failures)
