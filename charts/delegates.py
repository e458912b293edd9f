"""The delegates chart: the top delegates' combined votes against the quorum line.

:func:`plot_delegates` draws on an ``Axes`` it is given (so any layout can host it as a
panel); :func:`render_delegates_png` makes a whole 1200 × 675 px card of it (the ``/votes``
reply for an on-chain DAO). Bar *k* is the votes of the top *k* delegates together; the
dashed line is the quorum; the first bar that reaches it is drawn in the warning colour, so
"how many delegates can pass a proposal alone" is read off the picture. The report chart
(:func:`charts.render.build_report_figure`) hosts the same plot as a panel, ``compact``.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import offset_copy

from charts import style
from charts.canvas import LOCK, add_axes, figure_to_png, new_figure
from charts.format import TextFitter
from charts.plots import add_bar, add_container, column_labels, row_labels
from core.governance import GovernanceReport
from scoring.formatting import short_address
from scoring.power_text import amount, quorum_clause

#: Delegates drawn.
MAX_DELEGATES = 12
_RECT = (0.08, 0.2, 0.88, 0.58)
REACHED = style.MAJORITY
BELOW = style.VOTE_TOP10  # the bars still short of quorum (the vote chart's muted blue)


def plot_delegates(ax: Axes, gov: GovernanceReport, *, top: int = MAX_DELEGATES,
                   compact: bool = False) -> Axes:
    """Cumulative votes of the top ``top`` delegates (bars) and the quorum (dashed line).

    Units on the y axis are tokens ("40M"); the x labels are the delegates' labels or short
    addresses. No delegates: a "no delegates found" notice. Unknown quorum: no line, and
    the title says so.

    ``compact`` (the report chart's panel): the x labels count the delegates instead (bar
    *k* is the top *k* together; the label of the first bar at quorum is in the warning
    colour), with "top N delegates together" under them; ticks are plain texts (no tick
    machinery, ~10 ms less per render) and no title is set (the caller titles the panel).
    """
    style.style_axes(ax, grid_axis=None if compact else "y")
    shown = gov.delegates[:top]
    if not shown:
        ax.text(0.5, 0.5, "no delegates found", ha="center", va="center",
                transform=ax.transAxes, fontsize=style.LABEL_SIZE, **style.MUTED_KW)
        ax.set_xticks(())
        ax.set_yticks(())
        return ax
    cumulative = list(itertools.accumulate(d.votes for d in shown))
    k = gov.scores.delegates_to_quorum
    colours = [REACHED if k is not None and i + 1 >= k else BELOW for i in range(len(shown))]
    ceiling = max([*cumulative, gov.quorum or 0.0]) * 1.12
    if compact:  # a fifth of the height free above the bars and the line, for the key
        roof = max([*cumulative, gov.quorum or 0.0]) * 1.25
        return _compact_panel(ax, gov, cumulative, colours, roof if roof > 0 else 1.0)
    ax.bar(range(len(shown)), cumulative, color=colours, width=0.7)
    ax.set_ylim(0, ceiling if ceiling > 0 else 1)
    if gov.quorum is not None:
        ax.axhline(gov.quorum, color=style.TEXT, linestyle="--", linewidth=1.5)
        ax.text(-0.45, gov.quorum, f"quorum {amount(gov.quorum)} {gov.symbol}".strip(),
                va="bottom", ha="left", fontsize=style.LABEL_SIZE, **style.TEXT_KW)
    ax.set_xticks(range(len(shown)))
    ax.set_xticklabels([(d.label or short_address(d.address))[:14] for d in shown],
                       rotation=30, ha="right", fontsize=style.TICK_SIZE - 3, **style.MUTED_KW)
    ticks = ax.get_yticks()
    ax.set_yticks(ticks)
    ax.set_yticklabels([amount(t) for t in ticks], fontsize=style.TICK_SIZE, **style.MUTED_KW)
    ax.set_ylim(0, ceiling if ceiling > 0 else 1)
    title = quorum_clause(gov) or "quorum unknown"
    ax.set_title(f"{title[0].upper()}{title[1:]}", loc="left", fontsize=style.PANEL_TITLE_SIZE,
                 fontweight="bold", pad=10, parse_math=False, **style.TEXT_KW)
    return ax


def _compact_panel(ax: Axes, gov: GovernanceReport, cumulative: Sequence[float],
                   colours: Sequence[str], ceiling: float) -> Axes:
    """The bars of :func:`plot_delegates` drawn as a report-chart panel (see there)."""
    n = len(cumulative)
    ax.set_xlim(-0.6, n - 0.4)  # limits first: later changes re-invalidate every transform
    ax.set_ylim(0, ceiling)
    ax.set_autoscale_on(False)
    ax.set_xticks(())
    ax.set_yticks(())
    ticks = [t for t in MaxNLocator(nbins=4).tick_values(0, ceiling)  # none by the key
             if 0 <= t <= 0.82 * ceiling]
    across = ax.get_yaxis_transform()  # x: axes fraction, y: tokens
    for t in ticks[1:]:  # grid lines (add_artist: axhline costs ~2 ms, updating limits)
        ax.add_artist(Line2D((0, 1), (t, t), transform=across, color=style.GRID,
                             linewidth=0.8, zorder=0.5))
    row_labels(ax, ticks, [amount(t) for t in ticks], gid="delegate-tick")
    add_container(ax, [add_bar(ax, i - 0.35, 0.0, 0.7, votes, facecolor=colour)
                       for i, (votes, colour) in enumerate(zip(cumulative, colours,
                                                               strict=True))], "vertical")
    column_labels(ax, range(n), [str(i + 1) for i in range(n)], gid="delegate-rank")
    k = gov.scores.delegates_to_quorum
    if k is not None and k <= n:  # the count that reaches quorum, in the bar's colour
        rank = [t for t in ax.texts if t.get_gid() == "delegate-rank"][k - 1]
        rank.set_color(REACHED)
        rank.set_fontweight("bold")
    fig = ax.get_figure(root=True)
    assert fig is not None
    fitter = TextFitter.for_figure(fig)
    width_px = ax.get_position().width * fig.bbox.width
    xlabel = f"top k delegates' {gov.symbol} votes" if gov.symbol else "top k delegates' votes"
    ax.text(0.5, 0.0, fitter.fit(xlabel, width_px, style.LABEL_SIZE), ha="center", va="top",
            fontsize=style.LABEL_SIZE, gid="axis-label", parse_math=False,
            transform=offset_copy(ax.transAxes, fig=fig, y=-28, units="points"),
            **style.MUTED_KW)
    if gov.quorum is not None:  # the line, and its key in the top-left corner (the
        # smallest bars are on the left, and the ceiling leaves a fifth free above them all)
        ax.add_artist(Line2D((0, 1), (gov.quorum, gov.quorum), transform=across,
                             color=style.TEXT, linestyle="--", linewidth=1.5,
                             gid="quorum-line"))
        ax.add_artist(Line2D((0.03, 0.11), (0.925, 0.925), transform=ax.transAxes,
                             color=style.TEXT, linestyle="--", linewidth=1.5,
                             gid="quorum-key"))
        label = fitter.fit(f"quorum {amount(gov.quorum)} {gov.symbol}".strip(),
                           0.85 * width_px, style.LABEL_SIZE)
        ax.text(0.13, 0.925, label, va="center", ha="left", fontsize=style.LABEL_SIZE,
                gid="quorum-label", transform=ax.transAxes, parse_math=False,
                **style.TEXT_KW)
        unseen = _unseen_reach(gov, n)
        if unseen:  # the bars do not show who reaches it: say so under the key
            ax.text(0.03, 0.845, fitter.fit(unseen, 0.95 * width_px, style.LEGEND_SIZE),
                    va="center", ha="left", fontsize=style.LEGEND_SIZE, gid="quorum-note",
                    transform=ax.transAxes, parse_math=False, **style.MUTED_KW)
    return ax


def _unseen_reach(gov: GovernanceReport, drawn: int) -> str:
    """What the ``drawn`` bars cannot show: "the top 25 reach it" when more delegates than
    drawn are needed, "the 40 found do not reach it" when none suffice; else ""."""
    k = gov.scores.delegates_to_quorum
    if k is not None:
        return f"the top {k:,} reach it" if k > drawn else ""
    return f"the {gov.delegates_found:,} found do not reach it"


def build_delegates_figure(gov: GovernanceReport) -> Figure:
    """The delegates card (not rasterised)."""
    fig = new_figure()
    fig.text(0.04, 0.93, f"{gov.dao}: who can pass a proposal", fontsize=style.TITLE_SIZE,
             fontweight="bold", va="center", parse_math=False, **style.TEXT_KW)
    fig.text(0.04, 0.865, f"Top delegates' combined votes vs the quorum · {gov.governor_label}"
             f" · block {gov.block:,}", fontsize=style.SUBTITLE_SIZE, va="center",
             parse_math=False, **style.MUTED_KW)
    plot_delegates(add_axes(fig, _RECT), gov)
    footer = (f"Source: {gov.source}, {gov.as_of} · delegate set: "
              f"{'complete' if gov.complete else 'lower bound'} · {gov.quorum_rule}")
    fig.text(0.04, 0.03, footer[:170], fontsize=style.FOOTER_SIZE, parse_math=False,
             **style.MUTED_KW)
    return fig


def render_delegates_png(gov: GovernanceReport) -> bytes:
    """The delegates card as PNG bytes (1200 × 675 px); picklable input, thread-safe."""
    with LOCK:
        return figure_to_png(build_delegates_figure(gov))
