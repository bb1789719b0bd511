"""Pictures of the reading list (matplotlib's Agg, no pyplot): a timeline and the clusters.

Both are drawn from the registry alone, on Figure objects rather than pyplot's global state,
so app threads can draw at once. A date is placed only as precisely as the registry
knows it: a day as a point, a month or a year as a bar over the whole month or year. Sources
with no date are listed beside the timeline, never placed by guess.
"""

from __future__ import annotations

import calendar
import io
import textwrap
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from bot.brief.base import display_name, text
from bot.pack import DebatePack
from bot.registry import Kind, Source

if TYPE_CHECKING:  # matplotlib is imported when a picture is drawn, not with the pack
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# One colour per cluster, in the order debate.yaml lists them (any pack's clusters).
PALETTE = ("#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2")
NO_CLUSTER = "#7f7f7f"
TITLE_CHARS = 90  # a figure title wraps rather than runs off the picture
TIMELINE_KINDS = (Kind.proposal, Kind.existing_project)


@dataclass(frozen=True)
class Dated:
    source: Source
    start: date
    end: date  # equal to start for a day; the last day of the month or year otherwise

    @property
    def exact(self) -> bool:
        return self.start == self.end


def date_span(value: str) -> tuple[date, date] | None:
    """The period a registry date stands for ('2023' is all of 2023); None when unknown."""
    if not value:
        return None
    parts = [int(p) for p in value.split("-")]
    if len(parts) == 3:
        d = date(*parts)
        return d, d
    if len(parts) == 2:
        y, m = parts
        return date(y, m, 1), date(y, m, calendar.monthrange(y, m)[1])
    return date(parts[0], 1, 1), date(parts[0], 12, 31)


def split_by_date(registry: list[Source]) -> tuple[list[Dated], list[Source]]:
    """Proposals and projects with a date (in date order), and those without."""
    dated, undated = [], []
    for src in registry:
        if src.kind not in TIMELINE_KINDS:
            continue
        span = date_span(src.date)
        if span is None:
            undated.append(src)
        else:
            dated.append(Dated(src, *span))
    return sorted(dated, key=lambda d: (d.start, d.source.id)), undated


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130, bbox_inches="tight")  # Agg, without pyplot
    return buf.getvalue()


def _label(src: Source) -> str:
    return f"{display_name(src)} ({src.date})" if src.date else display_name(src)


def colour(debate: DebatePack, cluster: str | None) -> str:
    """The colour of a cluster of the pack (grey for none)."""
    ids = [cl.id for cl in debate.clusters]
    return PALETTE[ids.index(cluster) % len(PALETTE)] if cluster in ids else NO_CLUSTER


def _title(fig: Figure, key: str) -> None:
    """The figure's title at its top left, wrapped: never cut off by an axis beside it."""
    fig.suptitle("\n".join(textwrap.wrap(text(key), TITLE_CHARS)), x=0.01, ha="left", fontsize=10)


def _legend(ax: Axes, debate: DebatePack) -> None:
    from matplotlib.lines import Line2D

    labels = {cl.id: cl.label for cl in debate.clusters}
    handles = [
        Line2D([], [], color=colour(debate, cid), lw=6, label=label)
        for cid, label in [*labels.items(), (None, text("no_cluster"))]
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=False)


def timeline_png(registry: list[Source], debate: DebatePack) -> bytes:
    """The dated proposals and projects on a time axis, coloured by cluster; undated apart."""
    import matplotlib.dates as mdates
    from matplotlib.figure import Figure

    dated, undated = split_by_date(registry)
    fig = Figure(figsize=(11, 0.45 * max(len(dated), len(undated) * 0.6, 6) + 1.2))
    ax, side = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1.3]})
    for y, d in enumerate(dated):
        tint = colour(debate, d.source.cluster)
        if d.exact:
            ax.plot([d.start], [y], "o", color=tint, ms=8)
        else:
            ax.barh(y, (d.end - d.start).days + 1, left=d.start, height=0.5, color=tint)
        ax.annotate(
            _label(d.source),
            (d.end, y),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    ax.set_yticks([])
    ax.set_ylim(-1, max(len(dated), 1) + 1.5)
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    if dated:
        last = max(d.end for d in dated)
        ax.set_xlim(date(dated[0].start.year, 1, 1), date(last.year + 1, 12, 31))
    _title(fig, "timeline_title")
    ax.set_xlabel(text("timeline_span_note"), fontsize=7)
    for spine in ("top", "right", "left"):
        ax.spines[spine].set_visible(False)
    _legend(ax, debate)
    side.axis("off")
    side.set_title(text("timeline_undated"), fontsize=9, loc="left")
    for i, src in enumerate(undated):
        side.text(
            0,
            1 - (i + 1) / (len(undated) + 1),
            "■ " + display_name(src),
            color=colour(debate, src.cluster),
            fontsize=8,
            va="center",
            transform=side.transAxes,
        )
    return _png(fig)


def clusters_png(registry: list[Source], debate: DebatePack) -> bytes | None:
    """One column per cluster with its examples, projects in italics; None for a pack with
    no clusters."""
    if not debate.clusters:
        return None
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    fig = Figure(figsize=(11, 3.4))
    axes = fig.subplots(1, len(debate.clusters), squeeze=False)[0]
    for ax, cl in zip(axes, debate.clusters, strict=True):
        ax.axis("off")
        tint = colour(debate, cl.id)
        ax.add_patch(
            Rectangle((0, 0), 1, 1, transform=ax.transAxes, fill=False, edgecolor=tint, lw=2)
        )
        ax.text(
            0.5,
            0.94,
            "\n".join(textwrap.wrap(cl.label, 24)),
            ha="center",
            va="top",
            fontsize=9,
            weight="bold",
            color=tint,
            transform=ax.transAxes,
        )
        members = [s for s in registry if s.cluster == cl.id]
        y = 0.76
        for src in members:
            lines = textwrap.wrap(display_name(src), 26)
            ax.text(
                0.06,
                y,
                "• " + "\n  ".join(lines),
                fontsize=8,
                va="top",
                style="italic" if src.kind == Kind.existing_project else "normal",
                transform=ax.transAxes,
            )
            y -= 0.08 * len(lines) + 0.05
    _title(fig, "clusters_title")
    fig.text(0.125, -0.02, "• " + text("clusters_legend_proposal"), fontsize=8)
    fig.text(0.22, -0.02, "• " + text("clusters_legend_project"), fontsize=8, style="italic")
    return _png(fig)
