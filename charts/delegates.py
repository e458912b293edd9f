"""The delegates chart: the top delegates' combined votes against the quorum line.

:func:`plot_delegates` draws on an ``Axes`` it is given (so any layout can host it as a
panel); :func:`render_delegates_png` makes a whole 1200 × 675 px card of it (the ``/votes``
reply for an on-chain DAO). Bar *k* is the votes of the top *k* delegates together; the
dashed line is the quorum; the first bar that reaches it is drawn in the warning colour, so
"how many delegates can pass a proposal alone" is read off the picture.
"""

from __future__ import annotations

import itertools

from matplotlib.axes import Axes
from matplotlib.figure import Figure

from charts import style
from charts.canvas import LOCK, add_axes, figure_to_png, new_figure
from core.governance import GovernanceReport
from scoring.formatting import short_address
from scoring.power_text import amount, quorum_clause

#: Delegates drawn.
MAX_DELEGATES = 12
_RECT = (0.08, 0.2, 0.88, 0.58)
REACHED = style.MAJORITY
BELOW = style.VOTE_TOP10  # the bars still short of quorum (the vote chart's muted blue)


def plot_delegates(ax: Axes, gov: GovernanceReport, *, top: int = MAX_DELEGATES) -> Axes:
    """Cumulative votes of the top ``top`` delegates (bars) and the quorum (dashed line).

    Units on the y axis are tokens ("40M"); the x labels are the delegates' labels or short
    addresses. No delegates: a "no delegates found" notice. Unknown quorum: no line, and
    the title says so.
    """
    style.style_axes(ax, grid_axis="y")
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
    ax.bar(range(len(shown)), cumulative, color=colours, width=0.7)
    ceiling = max([*cumulative, gov.quorum or 0.0]) * 1.12
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
