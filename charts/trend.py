"""The trend chart: one metric of a protocol over its stored snapshots, one line per view.

Input is plain data (picklable, no store objects): the holder lists' times and, per view, the
metric's values (``None`` where a snapshot lacks it: a gap, never a made-up point). Shares
are drawn in percent.
"""

from __future__ import annotations

import datetime as dt

from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

from charts import style
from charts.canvas import LOCK, add_axes, figure_to_png, new_figure

#: Metrics that are shares (0–1), drawn as percent.
SHARES = {"top1_share", "top10_share", "top100_share", "identified_share", "coverage"}
_FALLBACK = ("#9ccc65", "#f06292", "#ffd54f", "#90a4ae")


def render_trend_png(name: str, metric: str, dates: list[dt.datetime],
                     lines: dict[str, list[float | None]]) -> bytes:
    """PNG bytes (1200 × 675 px, dark card) of ``metric`` over ``dates`` per view.

    A single snapshot is drawn as points. Thread-safe (module lock).
    """
    scale = 100.0 if metric in SHARES else 1.0
    with LOCK:
        fig = new_figure()
        fig.text(0.025, 0.965, f"{name} — {metric.replace('_', ' ')}"
                 + (" (%)" if scale == 100 else ""), ha="left", va="top",
                 fontsize=style.TITLE_SIZE, fontweight="bold", parse_math=False,
                 **style.TEXT_KW)
        ax = style.style_axes(add_axes(fig, (0.07, 0.14, 0.9, 0.7)), grid_axis="y")
        spare = iter(_FALLBACK)
        for view, values in lines.items():
            points = [(d, v * scale) for d, v in zip(dates, values, strict=True)
                      if v is not None]
            if not points:
                continue
            colour = style.VIEW_COLORS.get(view) or next(spare, style.MUTED)
            xs, ys = zip(*points, strict=True)
            ax.plot(xs, ys, marker="o", markersize=4, linewidth=2, color=colour, label=view)
        locator = AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        if ax.lines:
            ax.legend(loc="upper left", fontsize=style.LEGEND_SIZE, frameon=False,
                      labelcolor=style.TEXT)
        fig.text(0.025, 0.018, f"{len(dates)} snapshot(s), {dates[0]:%Y-%m-%d} → "
                 f"{dates[-1]:%Y-%m-%d} (UTC, holder lists' fetch times)" if dates else
                 "no snapshots", ha="left", va="bottom", fontsize=style.FOOTER_SIZE,
                 parse_math=False, **style.MUTED_KW)
        return figure_to_png(fig)
