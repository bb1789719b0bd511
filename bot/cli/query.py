"""Commands that read the index: `search`, `ask`, `eval`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markdown import Markdown
from rich.table import Table

from bot.cli import app, fail, settings
from bot.index.store import IndexMismatchError, StoreUnavailableError
from bot.models import Answer
from bot.prompts import lookup
from bot.registry import RegistryError
from bot.retrieve.hybrid import Filters
from bot.service import Bot, IndexNotReadyError, get_bot

console = Console()

SourceOpt = Annotated[list[str] | None, typer.Option("--source", help="Only this source id.")]
KindOpt = Annotated[list[str] | None, typer.Option("--kind", help="Only sources of this kind.")]
ClusterOpt = Annotated[list[str] | None, typer.Option("--cluster", help="Only this cluster.")]


def _filters(source: list[str] | None, kind: list[str] | None, cluster: list[str] | None):
    return Filters(tuple(source or ()), tuple(kind or ()), tuple(cluster or ()))


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="What to look for.")],
    k: Annotated[
        int | None, typer.Option("-k", help="How many passages (default: retrieval.k).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    source: SourceOpt = None,
    kind: KindOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """The raw ranked passages for a query, with scores and citations."""
    try:
        passages = get_bot(settings()).search(query, k=k, filters=_filters(source, kind, cluster))
    except (IndexNotReadyError, IndexMismatchError, StoreUnavailableError, RegistryError) as exc:
        raise fail(str(exc)) from exc
    rows = [
        {
            "rank": i + 1,
            "score": round(p.score, 4),
            "dense": None if p.dense is None else round(p.dense, 4),
            "lexical": None if p.lexical is None else round(p.lexical, 4),
            "source_id": p.chunk.source_id,
            "section": p.chunk.section,
            "page": p.chunk.page,
            "url": p.chunk.url,
            "chunk_id": p.chunk.id,
            "text": p.chunk.text,
        }
        for i, p in enumerate(passages)
    ]
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        where = r["section"] or (f"page {r['page']}" if r["page"] else "")
        console.print(f"[bold]{r['rank']}.[/bold] {r['score']:.3f}  {r['source_id']}  {where}")
        console.print(f"   {r['text'][:300]}", highlight=False)
        console.print(f"   [link={r['url']}]{r['url']}[/link]", style="dim")


def print_answer(answer: Answer) -> None:
    """Render an answer for the terminal: the text, then its numbered sources."""
    for notice in answer.notices:
        console.print(f"[yellow]note:[/yellow] {notice}")
    console.print(Markdown(answer.answer))
    refs = answer.citations or answer.related
    if refs:
        console.print()
        for c in refs:
            where = ", ".join(x for x in (c.section, f"p. {c.page}" if c.page else "") if x)
            console.print(f"[{c.n}] {c.title}{' — ' + where if where else ''}", highlight=False)
            console.print(f"    {c.url}", style="dim", highlight=False)
    console.print(f"({answer.engine}, {answer.latency_ms:.0f} ms)", style="dim")


def _json_kind(value: object) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "true/false"}
    kinds |= {int: "a number", float: "a number", type(None): "null"}
    return kinds.get(type(value), type(value).__name__)


def batch_items(lines: Iterable[bytes]) -> Iterator[tuple[int, str | None, str | None, str]]:
    """(line number, id, question, error) per non-blank line; exactly one of question/error.

    Lines are decoded one by one, so a stray byte or a malformed line costs that line only.
    """
    for lineno, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw.decode("utf-8").lstrip("\ufeff"))
        except UnicodeDecodeError as exc:
            yield lineno, None, None, _batch_text("not_utf8", detail=str(exc))
            continue
        except ValueError as exc:
            yield lineno, None, None, _batch_text("not_json", detail=str(exc))
            continue
        if not isinstance(item, dict):
            yield lineno, None, None, _batch_text("not_object", kind=_json_kind(item))
            continue
        qid = None if item.get("id") is None else str(item["id"])
        if "question" not in item:
            yield lineno, qid, None, _batch_text("no_question")
        elif not isinstance(item["question"], str):
            kind = _json_kind(item["question"])
            yield lineno, qid, None, _batch_text("question_not_text", kind=kind)
        else:
            yield lineno, qid, item["question"], ""


def _batch_text(key: str, **values: object) -> str:
    return lookup("cli/batch.yaml", key, "batch message", True, **values)


def _answer_batch(bot: Bot, batch: Path, filters: Filters) -> None:
    """One JSON line out per line in: the answer, or {"line", "id", "error"}."""
    try:
        stream = sys.stdin.buffer if str(batch) == "-" else batch.open("rb")
    except OSError as exc:
        raise fail(f"cannot read {batch}: {exc.strerror}") from exc
    with stream:
        for lineno, qid, question, error in batch_items(stream):
            if question is not None:
                try:
                    typer.echo(bot.ask(question, filters=filters, qid=qid).model_dump_json())
                    continue
                except Exception as exc:  # one question's failure must not end the batch
                    error = _batch_text("failed", detail=f"{type(exc).__name__}: {exc}")
            typer.echo(json.dumps({"line": lineno, "id": qid, "error": error}, ensure_ascii=False))


@app.command("ask")
def ask_cmd(
    question: Annotated[str | None, typer.Argument(help="The question.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer contract.")] = False,
    batch: Annotated[
        Path | None, typer.Option("--batch", help="JSONL of {id, question}; '-' for stdin.")
    ] = None,
    source: SourceOpt = None,
    kind: KindOpt = None,
    cluster: ClusterOpt = None,
) -> None:
    """Answer a question from the reading list, with a citation on every sentence."""
    try:
        bot = get_bot(settings())
    except RegistryError as exc:
        raise fail(str(exc)) from exc
    filters = _filters(source, kind, cluster)
    if batch is not None:
        _answer_batch(bot, batch, filters)
        return
    if question is None:
        raise fail("give a question, or --batch FILE")
    answer = bot.ask(question, filters=filters)
    if as_json:
        typer.echo(answer.model_dump_json(indent=2))
    else:
        print_answer(answer)


@app.command("eval")
def eval_cmd(
    dataset: Annotated[
        Path | None, typer.Option("--set", help="Evaluation JSONL (default tests/eval/dev.jsonl).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the metrics as JSON.")] = False,
    check_floors: Annotated[
        bool, typer.Option("--check-floors", help="Exit 1 if a metric is below its floor.")
    ] = False,
) -> None:
    """Score retrieval and answers on the evaluation set."""
    from bot.evaluate import DEFAULT_SET, FLOORS, evaluate

    report = evaluate(get_bot(settings()), dataset or DEFAULT_SET)
    if as_json:
        typer.echo(json.dumps(report.metrics, indent=2))
    else:
        table = Table(title=f"Evaluation ({report.n} questions)")
        table.add_column("metric")
        table.add_column("value", justify="right")
        table.add_column("floor", justify="right")
        for name, value in report.metrics.items():
            floor = FLOORS.get(name)
            table.add_row(name, f"{value:.3f}", "" if floor is None else f"{floor:.2f}")
        console.print(table)
        for line in report.failures[:15]:
            console.print(f"  {line}", style="dim", highlight=False)
    below = report.below_floors()
    if check_floors and below:
        raise fail("below floor: " + ", ".join(below))


@app.command("fit")
def fit_cmd(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report the cross-validated figures; write nothing.")
    ] = False,
) -> None:
    """Fit the offline engine's scoring model and the pack's query adapter on the labelled sets
    (never the sealed one), every setting chosen by cross-validation across sets; writes
    bot/answer/weights.json and <pack>/query_adapter.npz."""
    from bot.answer import ADAPTER_FILE, WEIGHTS_FILE, fit_model
    from bot.evaluate import DEFAULT_SET, HELD_OUT_SETS

    bot = get_bot(settings())
    try:
        bot.ready()
    except (IndexNotReadyError, IndexMismatchError, StoreUnavailableError) as exc:
        raise fail(str(exc)) from exc
    sets = {p.stem: p for p in (DEFAULT_SET, *HELD_OUT_SETS)}
    try:
        model, adapter, per_set = fit_model(sets, bot.context(), bot.query, command="debatebot fit")
    except ValueError as exc:
        raise fail(str(exc)) from exc
    table = Table(title="Cross-validated (each set scored by a model fitted on the others)")
    table.add_column("set")
    metrics = list(per_set["all"])
    for m in metrics:
        table.add_column(m, justify="right")
    for name, row in per_set.items():
        table.add_row(name, *(str(row[m]) for m in metrics))
    console.print(table)
    if not dry_run:
        model.save(WEIGHTS_FILE)
        adapter_file = bot.settings.pack / ADAPTER_FILE
        adapter.save(adapter_file, bot.settings.embedding.model)
        console.print(f"wrote {WEIGHTS_FILE} and {adapter_file}")
