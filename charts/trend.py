"""The trend chart: one metric of a protocol over its stored snapshots, one line per view.

Input is plain data (picklable, no store objects): the holder lists' times and, per view, the
metric's values (``None`` where a snapshot lacks it: a gap, never a made-up point). Shares
are drawn in percent.
"""

from __future__ import annotations

import datetime as dt

from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

from charts import style
from charts.canvas import LOCK, add_axes, figure_to_png, new_figure
from scoring.formatting import metric_name

#: Metrics that are shares (0–1), drawn as percent.
SHARES = {"top1_share", "top10_share", "top100_share", "identified_share", "coverage"}
_FALLBACK = ("#9ccc65", "#f06292", "#ffd54f", "#90a4ae")


def render_trend_png(name: str, metric: str, dates: list[dt.datetime],
                     lines: dict[str, list[float | None]], source: str = "") -> bytes:
    """PNG bytes (1200 × 675 px, dark card) of :func:`build_trend_figure`. Thread-safe
    (module lock)."""
    with LOCK:
        return figure_to_png(build_trend_figure(name, metric, dates, lines, source))


def build_trend_figure(name: str, metric: str, dates: list[dt.datetime],
                       lines: dict[str, list[float | None]], source: str = "") -> Figure:
    """``metric`` over ``dates``, one line per view (shares in percent).

    ``source`` (e.g. "holders from Blockscout") goes into the footer with the span. The
    view key sits above the plot, never over a line. A single snapshot is drawn as larger
    points with a day either side. Draw from one thread only (the shared renderer).
    """
    scale = 100.0 if metric in SHARES else 1.0
    fig = new_figure()
    fig.text(0.025, 0.965, f"{name} — {metric_name(metric)}"
             + (" (% of each view's denominator)" if scale == 100 else ""), ha="left",
             va="top", fontsize=style.TITLE_SIZE, fontweight="bold", parse_math=False,
             **style.TEXT_KW)
    ax = style.style_axes(add_axes(fig, (0.07, 0.14, 0.9, 0.68)), grid_axis="y")
    single = len(set(dates)) == 1
    _draw_lines(ax, dates, lines, scale, marker=8 if single else 4)
    locator = AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
    if single:
        day = dt.timedelta(days=1)
        ax.set_xlim(date2num(dates[0] - day), date2num(dates[0] + day))
    if ax.lines:
        ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.01), ncol=len(ax.lines),
                  fontsize=style.LEGEND_SIZE, frameon=False, labelcolor=style.TEXT,
                  borderaxespad=0.0)
    fig.text(0.025, 0.018, _footer(dates, source), ha="left", va="bottom",
             fontsize=style.FOOTER_SIZE, parse_math=False, **style.MUTED_KW)
    return fig


def _draw_lines(ax: Axes, dates: list[dt.datetime], lines: dict[str, list[float | None]],
                scale: float, marker: float = 4) -> None:
    """One line per view with values (gaps where a snapshot lacks it), labelled "X view"."""
    spare = iter(_FALLBACK)
    for view, values in lines.items():
        points = [(d, v * scale) for d, v in zip(dates, values, strict=True) if v is not None]
        if not points:
            continue
        colour = style.VIEW_COLORS.get(view) or next(spare, style.MUTED)
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, marker="o", markersize=marker, linewidth=2, color=colour,
                label=f"{view} view")


def _footer(dates: list[dt.datetime], source: str) -> str:
    if not dates:
        return "no snapshots"
    span = (f"{len(dates)} snapshot(s), {dates[0]:%Y-%m-%d} → {dates[-1]:%Y-%m-%d} "
            "(UTC, holder lists' fetch times)")
    return f"{span} · {source}" if source else span
