"""Axes-level plot functions: each draws on an ``Axes`` it is given and returns it.

No function here creates a figure, touches pyplot or rcParams, or does I/O; the layout
(where each axes sits) belongs to :mod:`charts.render`, the look to :mod:`charts.style`.
Inputs are plain data — numpy arrays, :class:`core.views.Holder`,
:class:`core.fees.FeeSplit`, :class:`core.votes.ProposalPower` — and missing values are
drawn as missing ("n/a", "not reported", "no votes"), never as 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from matplotlib.axes import Axes
from matplotlib.container import BarContainer
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.transforms import offset_copy
from numpy.typing import ArrayLike, NDArray

from charts import style
from charts.format import TextFitter
from core.categories import Category
from core.fees import FeeSplit
from core.scores import GiniBounds
from core.views import Holder
from core.votes import ProposalPower
from scoring.formatting import gini_texts, nakamoto_text, pct, short_address, usd

#: Lorenz curves: the points of the largest holders kept exactly, and the total budget.
LORENZ_EXACT_TOP = 50
LORENZ_MAX_POINTS = 300


# --- building blocks: keys (light-weight legends), frames, bars, labels -----------------


def _figure(ax: Axes) -> Figure:
    """The (root) Figure ``ax`` is drawn on: every axes here is added to one by
    :mod:`charts.render` before it is plotted on.

    Raises:
        ValueError: for an axes that is on no figure.
    """
    fig = ax.get_figure(root=True)
    if fig is None:
        raise ValueError("the axes is not on a figure")
    return fig


def _fitter(ax: Axes) -> TextFitter:
    """A text fitter measuring with the renderer of ``ax``'s figure."""
    return TextFitter.for_figure(_figure(ax))


def _axes_width_px(ax: Axes) -> float:
    """The width of ``ax`` in pixels."""
    return float(ax.get_position().width * _figure(ax).bbox.width)


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One entry of a key: a swatch (filled, or outlined and hatched) and a text."""

    text: str
    color: str
    hatched: bool = False


def layout_key(entries: Sequence[KeyEntry], max_px: float, fitter: TextFitter,
               size: float = style.LEGEND_SIZE) -> list[list[tuple[KeyEntry, float]]]:
    """Rows of ``(entry, x offset in px)``, wrapping before an entry that would pass
    ``max_px`` (an entry wider than ``max_px`` gets a row of its own)."""
    swatch = size * fitter.dpi / 72  # a square one font-size wide, plus a gap of half that
    rows: list[list[tuple[KeyEntry, float]]] = [[]]
    x = 0.0
    for entry in entries:
        width = swatch * 1.5 + fitter.estimate(entry.text, size)
        if rows[-1] and x + width > max_px:
            rows.append([])
            x = 0.0
        rows[-1].append((entry, x))
        x += width + swatch * 1.2
    return rows if rows[0] else []


def draw_key(ax: Axes, entries: Sequence[KeyEntry], *, x_px: float, y_px: float,
             max_px: float, size: float = style.LEGEND_SIZE) -> int:
    """Draw a key on ``ax`` with its first row's top-left at ``(x_px, y_px)`` pixels from
    the axes' lower-left corner (negative = left of / below the axes); rows go downwards,
    each 1.5 font sizes high. Cheaper than ``Axes.legend`` (no offset boxes, one text and
    one rectangle per entry).

    Returns:
        the number of rows drawn.
    """
    fig = _figure(ax)
    box = ax.get_position()
    ax_w = box.width * fig.bbox.width
    ax_h = box.height * fig.bbox.height
    font_px = size * fig.dpi / 72
    rows = layout_key(entries, max_px, TextFitter.for_figure(fig), size)
    for i, row in enumerate(rows):
        y_mid = y_px - font_px * (0.75 + 1.5 * i)
        for entry, dx in row:
            x0 = x_px + dx
            swatch = Rectangle(
                (x0 / ax_w, (y_mid - font_px * 0.45) / ax_h), font_px / ax_w,
                font_px * 0.9 / ax_h, transform=ax.transAxes, clip_on=False,
                facecolor="none" if entry.hatched else entry.color,
                edgecolor=entry.color if entry.hatched else "none",
                hatch="///" if entry.hatched else None, linewidth=1.0, gid="key-swatch")
            ax.add_artist(swatch)
            ax.text((x0 + font_px * 1.5) / ax_w, y_mid / ax_h, entry.text, ha="left",
                    va="center_baseline", fontsize=size, transform=ax.transAxes,
                    parse_math=False, gid="key-text", **style.TEXT_KW)
    return len(rows)


def _percent_frame(ax: Axes, *, xlabel: str, ylabel: str) -> None:
    """0 / 50 % / 100 % marks, grid lines at 50 % and axis labels on a unit-square axes.

    Drawn as plain texts and lines with the axis ticks switched off: matplotlib's tick
    machinery costs ~10 ms per axes per render for these five labels.
    """
    fig = _figure(ax)
    ax.set_xticks(())
    ax.set_yticks(())
    ax.axvline(0.5, color=style.GRID, linewidth=0.8, zorder=0.5)
    ax.axhline(0.5, color=style.GRID, linewidth=0.8, zorder=0.5)
    below = offset_copy(ax.transAxes, fig=fig, y=-6, units="points")
    left = offset_copy(ax.transAxes, fig=fig, x=-6, units="points")
    kw = {"fontsize": style.TICK_SIZE, "gid": "tick", **style.TEXT_KW}
    for x, text in ((0.0, "0"), (0.5, "50%"), (1.0, "100%")):
        ax.text(x, 0.0, text, ha="center", va="top", transform=below, **kw)
    for y, text in ((0.5, "50%"), (1.0, "100%")):
        ax.text(0.0, y, text, ha="right", va="center", transform=left, **kw)
    label_kw = {"fontsize": style.LABEL_SIZE, "gid": "axis-label", **style.MUTED_KW}
    ax.text(0.5, 0.0, xlabel, ha="center", va="top", transform=offset_copy(
        ax.transAxes, fig=fig, y=-28, units="points"), **label_kw)
    ax.text(0.0, 0.5, ylabel, ha="right", va="center", rotation=90, transform=offset_copy(
        ax.transAxes, fig=fig, x=-44, units="points"), **label_kw)


def add_bar(ax: Axes, x: float, y: float, width: float, height: float,
            **patch_kw: Any) -> Rectangle:
    """A bar from ``(x, y)`` (lower-left, data units) added without autoscaling.

    ``Axes.bar``/``barh`` update the data limits patch by patch (~0.5 ms a bar); every
    caller here sets its limits itself. Group the bars with :func:`add_container`.
    """
    patch_kw.setdefault("linewidth", 0)
    rect = Rectangle((x, y), width, height, **patch_kw)
    ax.add_artist(rect)
    return rect


def add_container(ax: Axes, bars: Sequence[Rectangle],
                  orientation: Literal["vertical", "horizontal"]) -> BarContainer:
    """Register ``bars`` as one :class:`BarContainer` (``ax.containers``), as ``bar`` does."""
    container = BarContainer(list(bars), orientation=orientation)
    ax.add_container(container)
    return container


def row_labels(ax: Axes, rows: Sequence[float], labels: Sequence[str], *, gid: str,
               size: float = style.TICK_SIZE) -> None:
    """Labels right-aligned just left of the axes, one per row (data y): the cheap
    equivalent of y tick labels (a Tick per row costs ~2 ms per render)."""
    to = offset_copy(ax.get_yaxis_transform(), fig=_figure(ax), x=-6, units="points")
    for row, label in zip(rows, labels, strict=True):
        ax.text(0.0, row, label, ha="right", va="center", fontsize=size, transform=to,
                parse_math=False, gid=gid, **style.TEXT_KW)


def column_labels(ax: Axes, columns: Sequence[float], labels: Sequence[str], *, gid: str,
                  size: float = style.TICK_SIZE) -> None:
    """Labels centred just below the axes, one per column (data x): cheap x tick labels."""
    to = offset_copy(ax.get_xaxis_transform(), fig=_figure(ax), y=-6, units="points")
    for column, label in zip(columns, labels, strict=True):
        ax.text(column, 0.0, label, ha="center", va="top", fontsize=size, transform=to,
                parse_math=False, gid=gid, **style.TEXT_KW)


# --- Lorenz curves ---------------------------------------------------------------------


def lorenz_points(
    balances: ArrayLike,
    exact_top: int = LORENZ_EXACT_TOP,
    max_points: int = LORENZ_MAX_POINTS,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The Lorenz curve of ``balances``, downsampled for drawing.

    The curve runs through ``(k/n, L_k)`` for k = 0…n, where L_k is the share of the listed
    total held by the k *smallest* balances (balances in token units; both coordinates are
    fractions in [0, 1]). Zero and negative balances are dropped.

    When there are more than ``max_points`` points, the last ``exact_top`` segments — the
    largest holders, where the curve bends — are kept exactly and the rest (the long flat
    tail of small holders, where the curve is nearly straight) is sampled evenly, so a
    million balances still draw as a few hundred points. Both ends (0, 0) and (1, 1) are
    always kept.

    Returns:
        ``(x, y)`` float arrays of equal length; empty when no balance is positive.
    """
    b = np.asarray(balances, dtype=np.float64).ravel()
    b = np.sort(b[np.isfinite(b) & (b > 0)])
    n = int(b.size)
    if n == 0:
        empty = np.empty(0, dtype=np.float64)
        return empty, empty
    cum = np.empty(n + 1, dtype=np.float64)
    cum[0] = 0.0
    np.cumsum(b, out=cum[1:])
    y = cum / cum[-1]
    x = np.arange(n + 1, dtype=np.float64) / n
    exact_top = max(int(exact_top), 0)
    if n + 1 <= max_points or exact_top + 2 > max_points:
        return x, y
    head_end = max(n - exact_top, 0)  # points head_end…n are the top holders' (exact)
    head = np.linspace(0, head_end, max_points - exact_top).round().astype(np.intp)
    idx = np.unique(np.concatenate((head, np.arange(head_end, n + 1, dtype=np.intp))))
    return x[idx], y[idx]


@dataclass(frozen=True, slots=True)
class LorenzSeries:
    """One Lorenz curve to draw: a name, the balances (token units), the view's Gini of
    the listed holders and — for a truncated list — the bounds on the Gini of all holders,
    and a dash pattern (``None`` = solid; a later curve drawn dashed over an earlier one
    keeps both visible where they coincide)."""

    name: str
    balances: NDArray[np.float64]
    gini: float | None
    color: str
    gini_all: GiniBounds | None = None
    dashes: tuple[float, float] | None = None


def plot_lorenz(ax: Axes, series: Sequence[LorenzSeries], title: str = "Lorenz curve",
                xlabel: str = "share of holders") -> Axes:
    """Lorenz curves with the (dashed) line of equality; each curve named with its Gini.

    Axes: x = share of the *listed* holders (smallest first; ``xlabel`` says how many of
    how many, e.g. "share of the top 1,000 of 384,211 holders"), y = share of the listed
    total, both 0–100 %. The names ("owners · Gini 0.32 of the listed · 0.95–0.99 of all
    holders") are written in the curves' colours in the empty upper left triangle. A series
    without positive balances is named "… nothing left", no curve.
    Later series are drawn on top, thinner, with their ``dashes``: where two curves
    coincide both stay visible (the dashed one over the solid one), and the name of a
    series whose curve matches an earlier one says "same curve as …".
    """
    style.style_axes(ax, grid_axis=None)
    ax.set_xlim(0, 1)  # limits first: changing them later re-invalidates every transform
    ax.set_ylim(0, 1)
    ax.set_autoscale_on(False)
    ax.plot((0, 1), (0, 1), color=style.EQUALITY, linewidth=1.5, linestyle=(0, (4, 3)))
    drawn: list[tuple[str, NDArray[np.float64], NDArray[np.float64]]] = []
    fitter = _fitter(ax)
    name_px = _axes_width_px(ax) * 0.92
    top = 0.95
    for i, s in enumerate(series):
        x, y = lorenz_points(s.balances)
        if x.size == 0:
            name = f"{s.name}: nothing left"
        else:
            ginis = gini_texts(s.gini, s.gini_all)
            name = f"{s.name} · {ginis}" if ginis else s.name
            same = next((n for n, dx, dy in drawn if _same_curve(x, y, dx, dy)), None)
            if same is not None:
                name += f" · same curve as {same.split(' ·')[0]}"
            ax.plot(x, y, color=s.color, linewidth=2.6 - 0.8 * min(i, 1),
                    linestyle=(0, s.dashes) if s.dashes else "-", solid_joinstyle="round",
                    zorder=2 + i, gid=s.name)
            drawn.append((s.name, x, y))
        lines = wrap_at(name, " · ", name_px, fitter, style.LEGEND_SIZE + 1, "bold")
        ax.text(0.04, top, "\n".join(lines), ha="left", va="top", color=s.color,
                fontsize=style.LEGEND_SIZE + 1, fontweight="bold", family=style.FONT_FAMILY,
                transform=ax.transAxes, parse_math=False, gid="lorenz-name", linespacing=1.25)
        top -= 0.085 + 0.06 * (len(lines) - 1)
    _percent_frame(ax, xlabel=xlabel, ylabel="share of tokens")
    style.panel_title(ax, title)
    return ax


def wrap_at(text: str, separator: str, max_px: float, fitter: TextFitter, size: float,
            weight: str = "normal") -> list[str]:
    """``text`` in lines of at most ``max_px`` pixels, broken only at ``separator`` (which
    ends a line it breaks); a part too long on its own is cut with "…"."""
    lines: list[str] = []
    for part in text.split(separator):
        joined = f"{lines[-1]}{separator}{part}" if lines else part
        if lines and fitter.fits(joined, max_px, size, weight):
            lines[-1] = joined
        else:
            lines.append(fitter.fit(part, max_px, size, weight))
    return lines


def _same_curve(x: NDArray[np.float64], y: NDArray[np.float64], x2: NDArray[np.float64],
                y2: NDArray[np.float64], tolerance: float = 0.01) -> bool:
    """Whether two Lorenz curves are within ``tolerance`` (share of tokens) everywhere."""
    grid = np.linspace(0.0, 1.0, 101)
    return bool(np.max(np.abs(np.interp(grid, x, y) - np.interp(grid, x2, y2))) <= tolerance)


# --- top holders -----------------------------------------------------------------------


def holder_name(holder: Holder) -> str:
    """The label of a holder on one line, or its short address (0x1234…abcd) when unlabelled."""
    label = " ".join(holder.label.split())
    return label if label else short_address(holder.address)


def plot_top_holders(
    ax: Axes,
    holders: Sequence[Holder],
    denominator: float,
    *,
    title: str = "Top 10 holders",
    label_px: float = 250.0,
    title_pad: float = 10.0,
) -> Axes:
    """Horizontal bars of the given holders, largest on top, coloured by category.

    Args:
        holders: the holders to draw, largest first (pass the top 10); may be empty.
        denominator: what shares are taken of (token units): the raw view's denominator,
            i.e. the total supply when known, else the listed sum. Not positive → no bars.
        title: the panel title, left-aligned over the labels (say what the shares are of,
            e.g. "Top 10 holders · % of total supply").
        label_px: width in pixels left of the axes for the labels; longer labels are cut
            with "…". The category key under the axes starts there too.
        title_pad: points between the axes' top and the title's baseline.

    Shares are printed at the bar ends in %. Under the axes, a key names each category
    present: :func:`category_key_rows` rows of ~27 px (leave room for them).
    """
    style.style_axes(ax, grid_axis=None)
    ax_w = _axes_width_px(ax)
    # The title starts over the labels: the whole panel is labels + bars.
    ax.set_title(title, loc="left", x=-label_px / ax_w, fontsize=style.PANEL_TITLE_SIZE,
                 fontweight="bold", pad=title_pad, parse_math=False, **style.TEXT_KW)
    ax.spines["bottom"].set_visible(False)
    ax.set_xticks(())
    ax.set_yticks(())
    if not holders or denominator <= 0:
        ax.text(0.5, 0.5, "no holders listed", ha="center", va="center",
                fontsize=style.LABEL_SIZE, transform=ax.transAxes, **style.MUTED_KW)
        return ax
    fitter = _fitter(ax)
    shares = np.array([h.balance / denominator for h in holders], dtype=np.float64)
    colors = [style.CATEGORY_COLORS.get(h.category, style.MUTED) for h in holders]
    rows = range(len(holders))
    # Limits first: changing them later re-invalidates every artist's transform.
    # Always room for 10 rows so bars keep their thickness with a short list.
    ax.set_ylim(max(len(holders), 10) - 0.5, -0.5)
    top = float(shares.max())
    ax.set_xlim(0, top / 0.85 if top > 0 else 1)
    add_container(ax, [add_bar(ax, 0.0, row - 0.36, share, 0.72, facecolor=color)
                       for row, share, color in zip(rows, shares, colors, strict=True)],
                  "horizontal")
    row_labels(ax, rows, [fitter.fit(holder_name(h), label_px, style.TICK_SIZE)
                          for h in holders], gid="holder-label")
    offset = top * 0.015
    for row, share in zip(rows, shares, strict=True):
        ax.text(share + offset, row, pct(share), va="center", ha="left",
                fontsize=style.VALUE_SIZE, gid="holder-share", **style.TEXT_KW)
    draw_key(ax, category_key(holders), x_px=-label_px, y_px=-6, max_px=label_px + ax_w)
    return ax


def category_key(holders: Sequence[Holder]) -> list[KeyEntry]:
    """One key entry per category of ``holders``, in order of first appearance."""
    return [KeyEntry(style.CATEGORY_NAMES.get(c, c.value), style.CATEGORY_COLORS.get(c,
                     style.MUTED)) for c in categories_present(holders)]


def category_key_rows(holders: Sequence[Holder], max_px: float, fitter: TextFitter) -> int:
    """How many rows the category key of ``holders`` takes at ``max_px`` pixels wide."""
    return len(layout_key(category_key(holders), max_px, fitter))


def categories_present(holders: Sequence[Holder]) -> list[Category]:
    """The distinct categories of ``holders``, in order of first appearance."""
    present: list[Category] = []
    for h in holders:
        if h.category not in present:
            present.append(h.category)
    return present


# --- fees ------------------------------------------------------------------------------


def fee_parts(split: FeeSplit) -> list[tuple[str, str, str, float | None]]:
    """``(key, name, colour, usd)`` per fee part in drawing order; usd ``None`` = not reported."""
    values = {"supply_side": split.supply_side, "treasury": split.treasury,
              "holders": split.holders_revenue}
    return [(key, name, color, values[key]) for key, name, color in style.FEE_PARTS]


def plot_fee_split(ax: Axes, split: FeeSplit) -> Axes:
    """The fees of one period as ONE stacked horizontal bar: supply side / treasury / holders.

    Segment widths are USD (the x axis runs from 0 to the fees paid); segments of at least
    12 % carry their share as text, the key under the bar (one row of ~27 px) carries the
    USD amounts. Parts that are ``None`` are never drawn as 0: one key entry names them
    "not reported", and when the fees total is known the unexplained rest of the bar is an
    outlined, hatched segment marked "not reported". Fees of 0 or unknown fees draw no bar,
    only a note.
    """
    _bare_panel(ax)
    total_text = usd(split.fees) if split.fees is not None else "total not reported"
    style.panel_title(ax, f"Fees, {split.period_days} days: {total_text}")
    parts = fee_parts(split)
    known = [(color, v) for _, _, color, v in parts if v is not None and v > 0]
    width = (split.fees if split.fees is not None and split.fees > 0
             else sum(v for _, v in known))
    if split.fees is not None and split.fees <= 0:
        return _panel_note(ax, "no fees in this period")
    if width <= 0:
        return _panel_note(ax, "fee split not reported")
    ax.set_xlim(0, width)
    ax.set_ylim(-0.5, 0.5)
    segments, left = _known_fee_segments(ax, known, width)
    missing = [name for _, name, _, v in parts if v is None]
    rest = width - left
    if missing and rest > width * 1e-6:
        segments.append(_not_reported_segment(ax, left, rest, width))
    add_container(ax, segments, "horizontal")
    _fee_key(ax, parts, missing)
    return ax


def _bare_panel(ax: Axes) -> None:
    """A panel for one bar: card-coloured, no spines, no ticks."""
    style.style_axes(ax, grid_axis=None)
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xticks(())
    ax.set_yticks(())
    ax.set_facecolor(style.CARD)


def _panel_note(ax: Axes, text: str) -> Axes:
    """A muted note at the left of the panel instead of a bar; returns ``ax``."""
    ax.text(0.0, 0.5, text, ha="left", va="center", fontsize=style.LABEL_SIZE,
            transform=ax.transAxes, **style.MUTED_KW)
    return ax


def _known_fee_segments(ax: Axes, known: Sequence[tuple[str, float]],
                        width: float) -> tuple[list[Rectangle], float]:
    """The reported fee parts ``(colour, usd)`` as adjacent segments from x = 0, those of at
    least 12 % of ``width`` labelled with their share; returns them and where they end."""
    left = 0.0
    segments = []
    for color, value in known:
        segments.append(add_bar(ax, left, -0.5, value, 1.0, facecolor=color))
        if value / width >= 0.12:
            ax.text(left + value / 2, 0, pct(value / width), ha="center", va="center",
                    fontsize=style.VALUE_SIZE, fontweight="bold", color=style.CARD,
                    family=style.FONT_FAMILY)
        left += value
    return segments, left


def _not_reported_segment(ax: Axes, left: float, rest: float, width: float) -> Rectangle:
    """The unexplained ``rest`` of the fees from ``left`` as an outlined, hatched segment,
    marked "not reported" when it is at least 20 % of ``width``."""
    segment = add_bar(ax, left, -0.5, rest, 1.0, facecolor="none", hatch="///",
                      edgecolor=style.NOT_REPORTED_EDGE, linewidth=1.0)
    if rest / width >= 0.2:
        ax.text(left + rest / 2, 0, "not reported", ha="center", va="center",
                fontsize=style.VALUE_SIZE, bbox={"facecolor": style.CARD,
                                                 "edgecolor": "none", "pad": 2},
                **style.TEXT_KW)
    return segment


def _fee_key(ax: Axes, parts: Sequence[tuple[str, str, str, float | None]],
             missing: Sequence[str]) -> None:
    """The key under the fee bar: each reported part with its USD amount, then one hatched
    entry naming the parts that are not reported."""
    entries = [KeyEntry(f"{name} {usd(value)}", color)
               for _, name, color, value in parts if value is not None]
    if missing:
        entries.append(KeyEntry("not reported: " + ", ".join(missing), style.NOT_REPORTED_EDGE,
                                hatched=True))
    draw_key(ax, entries, x_px=0.0, y_px=-6, max_px=_axes_width_px(ax))


# --- comparison ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BarValue:
    """One bar of a grouped-bar panel.

    ``value`` is the bar height (``None`` = missing: no bar, "n/a" on the baseline);
    ``text`` is printed above the bar; ``lower_bound`` hatches the bar (the true value is
    at least this, e.g. a Nakamoto coefficient beyond the listed holders).
    """

    value: float | None
    text: str
    lower_bound: bool = False


@dataclass(frozen=True, slots=True)
class BarSeries:
    """One coloured series of a grouped-bar panel: a name and one value per group."""

    name: str
    color: str
    values: tuple[BarValue, ...]


def plot_grouped_bars(
    ax: Axes,
    groups: Sequence[str],
    series: Sequence[BarSeries],
    title: str,
    *,
    legend: bool = False,
    empty_note: str = "",
    note: str = "",
) -> Axes:
    """Vertical grouped bars: one group per protocol, one bar per series, values printed.

    Args:
        groups: group names (under the bars), e.g. token symbols; cut to fit.
        series: each with exactly ``len(groups)`` values.
        title: the panel title (units go here, e.g. "Top-10 share").
        legend: name the series in their colours, top right (for more than one series).
        empty_note: written in the middle of the panel when no value at all is known.
        note: one muted line under the title (which direction is more concentrated).

    The y axis is unlabelled: every bar carries its value. Missing values show "n/a" at the
    baseline and no bar.

    Raises:
        ValueError: when a series does not have one value per group.
    """
    for s in series:
        if len(s.values) != len(groups):
            raise ValueError(f"series {s.name!r} has {len(s.values)} values for "
                             f"{len(groups)} groups")
    style.style_axes(ax, grid_axis=None)
    style.panel_title(ax, title, pad=28 if note else 10)
    if note:  # between the title and the panel
        ax.text(0.0, 1.0, note, ha="left", va="bottom", fontsize=style.LEGEND_SIZE,
                transform=offset_copy(ax.transAxes, fig=_figure(ax), y=5, units="points"),
                parse_math=False, gid="panel-note", **style.MUTED_KW)
    ax.set_yticks(())
    ax.spines["left"].set_visible(False)
    n_series = max(len(series), 1)
    width = 0.8 / n_series
    x = np.arange(len(groups), dtype=np.float64)
    heights = [v.value for s in series for v in s.values if v.value is not None]
    top = max(heights) if heights and max(heights) > 0 else 1.0
    ax.set_xlim(-0.6, len(groups) - 0.4)  # limits first (see plot_top_holders)
    ax.set_ylim(0, top * (1.32 if legend else 1.18))
    value_size = style.VALUE_SIZE - (1 if n_series > 1 else 0)
    for i, s in enumerate(series):
        _draw_series(ax, x - 0.4 + width * (i + 0.5), s, width=width, top=top,
                     value_size=value_size)
    if empty_note and not heights:
        ax.text(0.5, 0.5, empty_note, ha="center", va="center", fontsize=style.LABEL_SIZE,
                transform=ax.transAxes, gid="empty-note", **style.MUTED_KW)
    if legend:
        _series_names(ax, series)
    _group_labels(ax, groups)
    return ax


def _draw_series(ax: Axes, xs: NDArray[np.float64], s: BarSeries, *, width: float,
                 top: float, value_size: float) -> None:
    """One series' bars centred at ``xs`` (data x), each with its text above it; a missing
    value gets "n/a" on the baseline and no bar. A lower bound is hatched."""
    drawn: list[Rectangle] = []
    for xi, v in zip(xs, s.values, strict=True):
        if v.value is None:
            ax.text(xi, top * 0.02, "n/a", ha="center", va="bottom",
                    fontsize=style.VALUE_SIZE - 1, **style.MUTED_KW)
            continue
        drawn.append(add_bar(ax, xi - width * 0.45, 0.0, width * 0.9, v.value,
                             facecolor=s.color, hatch="//" if v.lower_bound else None,
                             edgecolor=style.PANEL if v.lower_bound else "none"))
        ax.text(xi, v.value + top * 0.02, v.text, ha="center", va="bottom",
                fontsize=value_size, **style.TEXT_KW)
    add_container(ax, drawn, "vertical")


def _series_names(ax: Axes, series: Sequence[BarSeries]) -> None:
    """The series' names in their colours, top right, one per line (the legend)."""
    for i, s in enumerate(series):
        ax.text(0.97, 0.96 - 0.075 * i, s.name, ha="right", va="top", color=s.color,
                fontsize=style.LEGEND_SIZE + 1, fontweight="bold",
                family=style.FONT_FAMILY, transform=ax.transAxes, gid="series-name")


def _group_labels(ax: Axes, groups: Sequence[str]) -> None:
    """The group names under the groups (at x = 0, 1, …), each cut to its group's width."""
    group_px = _axes_width_px(ax) / max(len(groups), 1)
    fitter = _fitter(ax)
    ax.set_xticks(())
    column_labels(ax, range(len(groups)),
                  [fitter.fit(g, group_px * 0.92, style.TICK_SIZE) for g in groups],
                  gid="group-label")


# --- voting power ----------------------------------------------------------------------


#: Right edges of the vote chart's two value columns, in points right of the axes.
_NAKAMOTO_COL_PT = 68
_VOTES_COL_PT = 165


def plot_vote_power(
    ax: Axes,
    proposals: Sequence[ProposalPower],
    *,
    label_px: float = 350.0,
) -> Axes:
    """Share of the voting power cast held by the top voter and the top 10, per proposal.

    One row per proposal (in the given order, first on top): a light bar for the top-10
    share behind a solid bar for the top-1 share, x in % of all power cast on the proposal,
    and a dashed line at 50 %. Titles are cut to ``label_px`` pixels (the room left of the
    axes). Two columns right of the axes (keep ~170 pt free there) give the Nakamoto
    coefficient of the power cast and the number of votes. Proposals whose ``scores`` are
    ``None`` show "no votes", no bar and "–" as Nakamoto.
    """
    style.style_axes(ax, grid_axis=None)
    ax.set_xticks(())
    ax.set_yticks(())
    if not proposals:
        ax.text(0.5, 0.5, "no recent proposals", ha="center", va="center",
                fontsize=style.NOTICE_SIZE, transform=ax.transAxes, **style.MUTED_KW)
        return ax
    ax.set_ylim(len(proposals) - 0.5, -0.5)  # limits first (see plot_top_holders)
    ax.set_xlim(0, 1)
    _vote_rows(ax, proposals)
    _vote_column_headers(ax)
    fitter = _fitter(ax)
    row_labels(ax, range(len(proposals)),
               [fitter.fit(p.title or p.id, label_px, style.TICK_SIZE) for p in proposals],
               gid="proposal-label")
    _vote_scale_and_key(ax)
    return ax


def _vote_rows(ax: Axes, proposals: Sequence[ProposalPower]) -> None:
    """Per proposal (row 0, 1, …): the top-10 and top-1 bars (or "no votes"), and the
    Nakamoto and vote-count columns right of the axes."""
    fig = _figure(ax)
    rows_to = ax.get_yaxis_transform()  # x: axes fraction, y: data (row)
    nakamoto_col = offset_copy(rows_to, fig=fig, x=_NAKAMOTO_COL_PT, units="points")
    votes_col = offset_copy(rows_to, fig=fig, x=_VOTES_COL_PT, units="points")
    drawn: list[Rectangle] = []
    for row, p in enumerate(proposals):
        if p.scores is None:
            ax.text(0.01, row, "no votes", ha="left", va="center", fontsize=style.VALUE_SIZE,
                    fontstyle="italic", gid="no-votes", **style.MUTED_KW)
        else:
            drawn.append(add_bar(ax, 0.0, row - 0.35, p.scores.top10_share, 0.7,
                                 facecolor=style.VOTE_TOP10))
            drawn.append(add_bar(ax, 0.0, row - 0.35, p.scores.top1_share, 0.7,
                                 facecolor=style.VOTE_TOP1))
        naka = nakamoto_text(p.scores) if p.scores is not None else "–"
        ax.text(1.0, row, naka, ha="right", va="center", fontsize=style.VALUE_SIZE,
                transform=nakamoto_col, gid="nakamoto", **style.TEXT_KW)
        ax.text(1.0, row, f"{p.votes:,}", ha="right", va="center", fontsize=style.VALUE_SIZE,
                transform=votes_col, gid="votes", **style.TEXT_KW)
    add_container(ax, drawn, "horizontal")


def _vote_column_headers(ax: Axes) -> None:
    """"Nakamoto" and "votes" over the two value columns right of the axes."""
    for col, header in ((_NAKAMOTO_COL_PT, "Nakamoto"), (_VOTES_COL_PT, "votes")):
        ax.text(1.0, 1.0, header, ha="right", va="bottom", fontsize=style.LEGEND_SIZE,
                transform=offset_copy(ax.transAxes, fig=_figure(ax), x=col, y=4,
                                      units="points"),
                **style.MUTED_KW)


def _vote_scale_and_key(ax: Axes) -> None:
    """Grid lines at 25/75/100 %, the dashed majority line at 50 %, the % labels under the
    axes and the key (top voter, top 10 voters, majority) under those."""
    for x in (0.25, 0.75, 1.0):
        ax.axvline(x, color=style.GRID, linewidth=0.8, zorder=0.5)
    ax.axvline(0.5, color=style.MAJORITY, linewidth=1.6, linestyle=(0, (4, 3)))
    column_labels(ax, (0, 0.25, 0.5, 0.75, 1.0), ("0", "25%", "50%", "75%", "100%"),
                  gid="tick")
    draw_key(ax, [KeyEntry("top voter", style.VOTE_TOP1),
                  KeyEntry("top 10 voters", style.VOTE_TOP10),
                  KeyEntry("majority (50%)", style.MAJORITY)],
             x_px=0.0, y_px=-30, max_px=_axes_width_px(ax))
