"""Figures → PNG bytes: the one place that owns matplotlib Figures (DESIGN.md §3.5–3.7).

Public entry points take plain, picklable data and return PNG bytes, so the bot can run
them in a process pool (``loop.run_in_executor(pool, render_report_png, report)``):

* :func:`render_report_png` — Lorenz curves, top-10 holders, 30-day fee split, and the
  top delegates against the quorum for a DAO that decides on-chain;
* :func:`render_comparison_png` — 2–4 reports side by side;
* :func:`render_votes_png` — voting power per recent Snapshot proposal.

Every chart is :data:`charts.style.FIGSIZE` at :data:`charts.style.DPI`: 1200 × 675 px.
The ``build_*_figure`` functions return the un-rasterised :class:`~matplotlib.figure.Figure`
(for tests that inspect axes, bars and texts); :mod:`charts.canvas` holds the lock, the
shared renderer and the PNG encoder. Only ``matplotlib.figure.Figure`` and the Agg canvas
are used — no pyplot, no global rcParams changes. The layout is fixed (figure-fraction
rectangles below), so no layout engine runs on each render.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from charts import style
from charts.canvas import LOCK, add_axes, encode_png, figure_to_png, new_figure, reused_figure
from charts.delegates import plot_delegates
from charts.format import TextFitter, fit
from charts.plots import (
    BarSeries,
    BarValue,
    LorenzSeries,
    category_key_rows,
    holder_name,
    plot_fee_split,
    plot_grouped_bars,
    plot_lorenz,
    plot_top_holders,
    plot_vote_power,
    wrap_at,
)
from core.categories import VIEWS, in_view
from core.governance import GovernanceReport
from core.holder_table import HolderTable
from core.report import Report, token_title
from core.verdict import Verdict
from core.views import Holder, ViewSet
from core.votes import VoteReport
from scoring.formatting import (
    NO_VERDICT_COLOUR,
    date_text,
    denominator_text,
    level_colour,
    listed_text,
    moment_text,
    nakamoto_text,
    pct,
)
from scoring.windows import fee_window, vote_window

__all__ = [
    "build_comparison_figure",
    "build_report_figure",
    "build_votes_figure",
    "encode_png",
    "figure_to_png",
    "new_figure",
    "render_comparison_png",
    "render_report_png",
    "render_votes_png",
    "warm_up",
]

#: How many holders the report chart shows, and proposals the voting chart.
TOP_HOLDERS = 10
MAX_PROPOSALS = 10
MAX_COMPARED = 4

# Layout rectangles (left, bottom, width, height) in figure fractions.
_PANELS_TOP = 0.775
_LORENZ_RECT = (0.07, 0.175, 0.29, _PANELS_TOP - 0.175)
_HOLDERS_LEFT = 0.65
_HOLDERS_LEFT_BOTTOM = 0.175
_FEES_RECT_RIGHT = (0.44, 0.105, 0.535, 0.06)
_FEES_RECT_WIDE = (0.08, 0.25, 0.84, 0.09)
_VOTES_RECT = (0.33, 0.19, 0.44, 0.6)

#: The report chart with on-chain delegates: three columns — Lorenz curves, top holders,
#: top delegates vs the quorum — the last two with a muted line between title and axes.
_LORENZ_RECT_3 = (0.072, 0.175, 0.23, _PANELS_TOP - 0.175)
_SUBLINE = 0.04  # figure fraction (27 px) for that muted line
_DELEGATES_LEFT = 0.745  # the delegates' axes; its tick labels start at _DELEGATES_TEXT
_DELEGATES_TEXT = 0.705
_DELEGATES_WIDE = (0.6, 0.56)  # axes left, text left: beside "holder data unavailable"
#: Under the delegates' axes: ranks, axis label and the source line (figure fraction).
_DELEGATES_BELOW = 0.13
#: How many delegates the panel draws (bar k = the top k together).
PANEL_DELEGATES = 10

_BADGE_SIZE = style.SUBTITLE_SIZE + 1
#: Vertical room of one key row under the top-holder bars (figure fraction, ~27 px).
_KEY_ROW = 0.04


@dataclass(frozen=True, slots=True)
class _Columns:
    """Where the holder panels go (figure fractions): the Lorenz rectangle, the bars' axes
    left and right edges, the gap between the Lorenz axes and the holder labels (which,
    and the key under them, fill the rest up to the bars), and whether the bars'
    denominator takes a muted line under the title (a narrow column)."""

    lorenz: tuple[float, float, float, float]
    bars_left: float
    bars_right: float
    gap: float
    subline: bool


_TWO_COLUMNS = _Columns(_LORENZ_RECT, _HOLDERS_LEFT, 0.975, 0.05, False)
_THREE_COLUMNS = _Columns(_LORENZ_RECT_3, 0.5, 0.665, 0.055, True)


def _fig_px(fig: Figure, fraction: float) -> float:
    """A figure fraction of the width in pixels."""
    return fraction * fig.bbox.width


def _header(fig: Figure, title: str, subtitle: str, badge: str | None,
            badge_color: str = NO_VERDICT_COLOUR) -> None:
    """Title (left), verdict badge (right) and one subtitle line, cut to fit."""
    fitter = TextFitter.for_figure(fig)
    title_right = 0.975
    if badge:
        badge_text = fig.text(0.975, 0.935, badge.upper(), ha="right", va="center",
                              fontsize=_BADGE_SIZE, fontweight="bold", color=style.CARD,
                              family=style.FONT_FAMILY, parse_math=False,
                              bbox={"boxstyle": "round,pad=0.45", "facecolor": badge_color,
                                    "edgecolor": "none"})
        badge_px = fitter.width(badge_text.get_text(), _BADGE_SIZE, "bold") + 40
        title_right -= badge_px / fig.bbox.width + 0.02
    fig.text(0.025, 0.965,
             fitter.fit(title, _fig_px(fig, title_right - 0.025), style.TITLE_SIZE, "bold"),
             ha="left", va="top", fontsize=style.TITLE_SIZE, fontweight="bold",
             parse_math=False, **style.TEXT_KW)
    if subtitle:
        fig.text(0.025, 0.885, fitter.fit(subtitle, _fig_px(fig, 0.95), style.SUBTITLE_SIZE),
                 ha="left", va="top", fontsize=style.SUBTITLE_SIZE, parse_math=False,
                 **style.MUTED_KW)


def _footer(fig: Figure, text: str, max_lines: int = 1) -> None:
    """Sources and as-of time, small and muted, along the bottom edge (wrapped at words,
    at most ``max_lines`` lines, the last one cut with "…")."""
    if not text:
        return
    fitter = TextFitter.for_figure(fig)
    max_px = _fig_px(fig, 0.95)
    size = style.FOOTER_SIZE
    lines: list[str] = []
    rest = " ".join(text.split())
    while rest and len(lines) < max_lines:
        if len(lines) == max_lines - 1 or fitter.fits(rest, max_px, size):
            lines.append(fitter.fit(rest, max_px, size))
            break
        words = rest.split(" ")
        line = words[0]
        k = 1
        while k < len(words) and fitter.fits(f"{line} {words[k]}", max_px, size):
            line = f"{line} {words[k]}"
            k += 1
        lines.append(fitter.fit(line, max_px, size))
        rest = " ".join(words[k:])
    fig.text(0.025, 0.018, "\n".join(lines), ha="left", va="bottom", fontsize=size,
             linespacing=1.4, parse_math=False, **style.MUTED_KW)


def _source_names(report: Report) -> list[str]:
    """Source names: the provenance's first, then the report's extra sources (fees, votes)."""
    names = list(report.provenance.sources) if report.provenance else []
    for src in report.sources:
        if src.source and src.source not in names:
            names.append(src.source)
    return names


def _kept_balances(holders: Sequence[Holder], view: str) -> NDArray[np.float64]:
    """Balances (token units) of the listed holders that ``view`` keeps (read off the
    columns of a :class:`~core.holder_table.HolderTable`, no Holder objects made)."""
    if isinstance(holders, HolderTable):
        return holders.view_balances(view)
    return np.fromiter((h.balance for h in holders if in_view(h.category, view)),
                       dtype=np.float64)


# --- report ----------------------------------------------------------------------------


def _badge(verdict: Verdict | None) -> tuple[str, str]:
    """The badge's text and colour: the verdict's level, coloured by its
    :class:`~core.verdict.Level` member (:func:`scoring.formatting.level_colour`), or
    "no verdict" in grey; a withheld verdict (level ``None``) reads "withheld" in grey. The
    text names the verdict's confidence."""
    if verdict is None:
        return "no verdict", NO_VERDICT_COLOUR
    if verdict.level is None:
        return "withheld · low confidence", level_colour(None)
    return (f"{verdict.level.value} · {verdict.confidence} confidence",
            level_colour(verdict.level))


#: The verdict's caveat, said shorter on the chart ("9 of the top 10 owner-held
#: unidentified").
_UNIDENTIFIED = re.compile(r"(\d[\d,]*) of the top (\d[\d,]*) (.*) holders are unidentified")


def _report_subtitle(report: Report) -> str:
    """The verdict's first reasons, led by the view they are read from ("Owners view: …")."""
    if report.verdict is not None and report.verdict.withheld:
        return "No verdict: " + report.verdict.withheld
    if report.verdict is not None:
        reasons = report.verdict.reasons
        # the caveat that the basis view's top holders are unidentified comes second, so a
        # cut for width never drops it ("…; 9 of the top 10 owner-held holders are
        # unidentified; the top 10 hold 23%")
        caveats = tuple(_UNIDENTIFIED.sub(r"\1 of the top \2 \3 unidentified", r)
                        for r in reasons if "unidentified" in r)
        rest = tuple(r for r in reasons if "unidentified" not in r)
        text = "; ".join((*rest[:1], *caveats, *rest[1:2])) or report.verdict.summary
        if report.verdict.binding != "holdings":  # led by who can pass a proposal
            return text[:1].upper() + text[1:]
        view = report.verdict.basis_view
        return f"{view[:1].upper() + view[1:]} view: {text}"
    if report.holders is None:
        return "No verdict: holder data unavailable"
    return "No verdict"


def _holders_note(views: ViewSet | None, holders: int, view: str = "raw") -> str:
    """What the top-holder shares of ``view`` are of: "% of owner-held supply", or of the
    listed holders' total when the supply is unknown."""
    if views is not None and views.supply_known:
        return "% of " + denominator_text(view, 0.0, "", True, short=True)
    if view != "raw":
        return "% of its listed sum"  # the listed holders the view keeps (supply unknown)
    listed = views.raw.scores.holders if views is not None and views.raw.scores else holders
    return f"% of {listed:,} listed"


def bars_view(report: Report, view: str | None = None) -> str:
    """The view the top-holder bars show: ``view`` when asked (``/holders``), else the
    view the verdict is read from (owners when that is not a holder-list view)."""
    if view in VIEWS:
        return view
    basis = report.verdict.basis_view if report.verdict is not None else "owners"
    return basis if basis in VIEWS else "owners"


def _report_footer(report: Report) -> str:
    """The window of every part first — the holders' as-of time, the fee window, the votes'
    dates (:mod:`scoring.windows`) — then the sources, on one line (a long source list is
    what gets cut, never a date)."""
    parts = []
    if report.provenance is not None:
        parts.append("Holders as of " + moment_text(report.provenance.as_of))
    fees = fee_window(report.fees)
    if fees is not None:
        parts.append(f"fees {fees['from']} → {fees['to']}")
    votes = vote_window(report.votes)
    if votes is not None:
        parts.append(f"votes {votes['from']} → {votes['to']}")
    sources = _source_names(report)
    if sources:
        parts.append("Sources: " + ", ".join(sources))
    return " · ".join(parts)


def build_report_figure(report: Report, *, reuse: bool = False,
                        view: str | None = None, delegates: bool = True) -> Figure:
    """The report chart as a Figure (not rasterised); see :func:`render_report_png`.

    Panels, depending on what the report has:

    * holders: Lorenz curves (the raw view and the bars' view, each named with its view
      and Gini) on the left; on the right the top 10 holders *of one view* — ``view`` when
      given (``/holders``), else the view the verdict is read from (:func:`bars_view`) — as
      bars of that view's denominator (the panel title names both), coloured per category,
      with the largest holders the view left out listed in one line under the key;
    * on-chain delegates (``report.governance`` with delegates and a known quorum, and
      ``delegates``): a third column, "Delegates vs quorum" — bar *k* is the votes of the
      top *k* delegates together (tokens; at most :data:`PANEL_DELEGATES`), the dashed line
      the quorum, the first bar that reaches it in the warning colour — titled with the
      block it was read at and whether the delegate set is complete up to that block or a
      lower bound, with the node and time under it; the Lorenz and holder columns narrow
      to make room (the holders' denominator moves to a line under their title). Without
      holders, the panel sits beside the "holder data unavailable" notice. Delegates
      asked for but failed, none found, or no quorum known: one muted line, no panel;
    * fees (``report.fees``): the 30-day split under the holders, or across the figure
      when there are no holders;
    * no holders: a "holder data unavailable" notice with the first reason from
      ``report.missing``.

    Reports without governance keep the two-column layout exactly.

    The figure draws into the renderer shared by all charts: rasterise it with
    :func:`figure_to_png` (which holds the lock), or draw it from one thread only. With
    ``reuse`` (the ``render_*`` path, under the lock) it is the figure kept for this layout
    (:func:`charts.canvas.reused_figure`), valid until the next render.
    """
    holders = report.holders or ()
    has_fees = report.fees is not None
    fees_alone = not holders and "holders" not in report.parts and has_fees  # /fees
    gov, gov_note = _delegates_part(report) if delegates and not fees_alone else (None, "")
    layout: tuple[object, ...] = ("report", bool(holders), has_fees)
    fig = reused_figure(layout + (("delegates",) if gov else ())) if reuse else new_figure()
    _header(fig, report.title, _report_subtitle(report), *_badge(report.verdict))
    if holders:
        fee_line = not has_fees and any("fee" in m.lower() for m in report.missing)
        columns = _THREE_COLUMNS if gov is not None else _TWO_COLUMNS
        _draw_holder_panels(fig, report, holders, with_fees=has_fees or fee_line,
                            view=bars_view(report, view), columns=columns)
        if gov is not None:
            _draw_delegates_panel(fig, gov, with_fees=has_fees or fee_line)
        if has_fees:
            assert report.fees is not None
            plot_fee_split(add_axes(fig, _FEES_RECT_RIGHT), report.fees.split_30d)
        elif fee_line:  # asked for, none came: one line, not a panel
            _missing_line(fig, report, "fees")
        if gov_note:  # under the Lorenz curves' axis label, above the footer
            _note_line(fig, gov_note, 0.025, 0.066, 0.4, ha="left")
    elif fees_alone:  # /fees: the fee split alone
        assert report.fees is not None
        plot_fee_split(add_axes(fig, _FEES_RECT_WIDE), report.fees.split_30d)
    else:
        _holders_unavailable(fig, report, gov, gov_note)
    _footer(fig, _report_footer(report))
    return fig


def _holders_unavailable(fig: Figure, report: Report, gov: GovernanceReport | None,
                         gov_note: str) -> None:
    """The "holder data unavailable" notice and its reason — centred, or on the left
    beside the delegates panel — with the fee split under it and the delegates' note."""
    has_fees = report.fees is not None
    x, width = (0.5, 0.9) if gov is None else (0.29, 0.48)
    y = 0.62 if has_fees else 0.52
    fig.text(x, y, "holder data unavailable", ha="center", va="center",
             fontsize=style.NOTICE_SIZE, fontweight="bold", **style.TEXT_KW)
    if report.missing:
        reason = TextFitter.for_figure(fig).fit(report.missing[0], _fig_px(fig, width),
                                                style.LABEL_SIZE)
        fig.text(x, y - 0.075, reason, ha="center", va="center",
                 fontsize=style.LABEL_SIZE, parse_math=False, **style.MUTED_KW)
    if gov_note:
        _note_line(fig, gov_note, x, y - 0.13, width, ha="center")
    if gov is not None:
        _draw_delegates_panel(fig, gov, with_fees=False, wide=True)
    if has_fees:
        assert report.fees is not None
        rect = _FEES_RECT_WIDE if gov is None else (0.05, 0.25, 0.46, 0.09)
        plot_fee_split(add_axes(fig, rect), report.fees.split_30d)


def _missing_line(fig: Figure, report: Report, part: str) -> None:
    """A part asked for that did not come back, as one muted line where its panel would
    be (a panel without data shrinks to this line)."""
    why = next((m for m in report.missing if part[:3] in m.lower()),  # names the part
               f"{part.capitalize()}: no data")
    text = TextFitter.for_figure(fig).fit(why, _fig_px(fig, 0.53), style.LABEL_SIZE)
    fig.text(_FEES_RECT_RIGHT[0], _FEES_RECT_RIGHT[1] + 0.06, text, ha="left",
             va="center", fontsize=style.LABEL_SIZE, parse_math=False, gid="missing-part",
             **style.MUTED_KW)


def _note_line(fig: Figure, text: str, x: float, y: float, width: float, *,
               ha: str) -> None:
    """One muted line at ``(x, y)``, cut to ``width`` (figure fractions) — what stands for
    the delegates panel when there is none."""
    fig.text(x, y, TextFitter.for_figure(fig).fit(text, _fig_px(fig, width),
                                                  style.LEGEND_SIZE),
             ha=ha, va="center", fontsize=style.LEGEND_SIZE, parse_math=False,
             gid="delegates-note", **style.MUTED_KW)


#: A failed governance part's line in ``report.missing`` (pipeline.analyze.failure_line:
#: "Uniswap — on-chain delegates: …", or "Uniswap: …, so no on-chain delegates").
_DELEGATES_FAILED = re.compile(r"on-chain delegates")


def _delegates_part(report: Report) -> tuple[GovernanceReport | None, str]:
    """What the report chart shows of on-chain power: the governance report to draw as a
    panel (delegates found and a quorum known), else one line saying why there is none —
    ("", when the report has no on-chain governance part at all)."""
    gov = report.governance
    if gov is None:
        failed = next((m for m in report.missing if _DELEGATES_FAILED.search(m)), "")
        if not failed:
            return None, ""
        why = failed.removeprefix(f"{report.name} — ")  # the title names the protocol
        return None, why[:1].upper() + why[1:]
    if not gov.delegates:  # a partial log scan has not found them yet: not "there are none"
        return None, (f"Delegates: none found at block {gov.block:,}" if gov.complete else
                      f"Delegates: none found yet (block {gov.block:,})")
    if gov.quorum is None:
        return None, f"Delegates: quorum unknown at block {gov.block:,}"
    return gov, ""


def _delegates_titles(gov: GovernanceReport) -> tuple[str, tuple[str, ...]]:
    """The panel's muted line over the axes (as of which block, complete or a lower
    bound) and the one under it (the node read and the block's time: to the minute, or
    the day when that is too long)."""
    block = f"block {gov.block:,}"
    scope = f"complete up to {block}" if gov.complete else f"lower bound at {block}"
    source, moment = gov.source or "JSON-RPC", moment_text(gov.as_of)
    day = moment[:10] if moment.endswith(" UTC") else moment
    return scope, tuple(dict.fromkeys((f"{source} · {moment}", f"{source} · {day}")))


def _fit_first(fitter: TextFitter, texts: Sequence[str], max_px: float) -> str:
    """The first of ``texts`` that fits ``max_px`` (legend size), else the last one cut."""
    for text in texts:
        if fitter.fits(text, max_px, style.LEGEND_SIZE):
            return text
    return fitter.fit(texts[-1], max_px, style.LEGEND_SIZE)


def _draw_delegates_panel(fig: Figure, gov: GovernanceReport, *, with_fees: bool,
                          wide: bool = False) -> None:
    """The delegates-vs-quorum panel: the right-hand column of the three (its bottom
    clearing the fee panel or the footer), or, ``wide``, the right half beside the
    "holder data unavailable" notice."""
    left, text_left = _DELEGATES_WIDE if wide else (_DELEGATES_LEFT, _DELEGATES_TEXT)
    lowest = 0.25 if with_fees else 0.065  # where the source line may end
    bottom = max(_HOLDERS_LEFT_BOTTOM, lowest + _DELEGATES_BELOW)
    top = _PANELS_TOP - _SUBLINE
    ax = add_axes(fig, (left, bottom, 0.975 - left, top - bottom))
    plot_delegates(ax, gov, top=PANEL_DELEGATES, compact=True)
    fitter = TextFitter.for_figure(fig)
    width = _fig_px(fig, 0.975 - text_left)
    ax.set_title(fitter.fit("Delegates vs quorum", width, style.PANEL_TITLE_SIZE, "bold"),
                 loc="left", x=(text_left - left) / (0.975 - left), pad=_subline_pad(fig),
                 fontsize=style.PANEL_TITLE_SIZE, fontweight="bold", parse_math=False,
                 **style.TEXT_KW)
    over, under = _delegates_titles(gov)
    fig.text(text_left, top + 0.006, fitter.fit(over, width, style.LEGEND_SIZE), ha="left",
             va="bottom", fontsize=style.LEGEND_SIZE, parse_math=False, gid="delegates-scope",
             **style.MUTED_KW)
    fig.text(text_left, bottom - 0.095,  # under the ranks and the axis label (~64 px)
             _fit_first(fitter, under, width), ha="left", va="top",
             fontsize=style.LEGEND_SIZE, parse_math=False, gid="delegates-source",
             **style.MUTED_KW)


def _subline_pad(fig: Figure) -> float:
    """Title pad (points) that puts a title over a muted line and an axes top lowered by
    :data:`_SUBLINE` at the height of the other panels' titles (pad 10 over
    :data:`_PANELS_TOP`)."""
    return 10 + _SUBLINE * fig.bbox.height * 72 / fig.dpi


def _lorenz_series(report: Report, holders: Sequence[Holder], view: str
                   ) -> list[LorenzSeries]:
    """The raw view's curve (solid) and ``view``'s (dashed, on top) — or, when ``view`` is
    raw, the owners view's — each named with its view and Gini."""
    views = report.views
    series = []
    for i, name in enumerate(("raw", view if view != "raw" else "owners")):
        scores = views.get(name).scores if views is not None else None
        series.append(LorenzSeries(style.VIEW_NAMES[name], _kept_balances(holders, name),
                                   scores.gini if scores is not None else None,
                                   style.VIEW_COLORS[name],
                                   views.get(name).gini_all if views is not None else None,
                                   dashes=(5.0, 2.5) if i else None))
    return series


def _left_out_line(holders: Sequence[Holder], view: str, raw_denominator: float,
                   fitter: TextFitter, top: int = 3, supply_known: bool = True,
                   name_px: float = 135) -> str:
    """"Left out (% of total supply): Uniswap treasury 26%, burn 10%" — the largest listed
    holders ``view`` (named in the panel title above) leaves out, or "" for the raw view /
    none."""
    if view == "raw" or raw_denominator <= 0:
        return ""
    out = [h for h in holders[:100] if not in_view(h.category, view)][:top]
    if not out:
        return ""
    names = ", ".join(
        fitter.fit(holder_name(h) if h.label else style.CATEGORY_NAMES[h.category], name_px,
                   style.LEGEND_SIZE) + f" {pct(h.balance / raw_denominator)}" for h in out)
    of = "total supply" if supply_known else "the listed sum"
    return f"Left out (% of {of}): {names}"  # the view is the panel title's


def _wrap_left_out(text: str, max_px: float, fitter: TextFitter, lines: int) -> list[str]:
    """The left-out line (:func:`_left_out_line`) in at most ``lines`` lines of ``max_px``,
    broken after its "(% of …):" and between holders; the last line cut with "…"."""
    if not text:
        return []
    if lines == 1:
        return [fitter.fit(text, max_px, style.LEGEND_SIZE)]
    head, _, names = text.partition(": ")
    parts = wrap_at(f"{head}:, {names}", ", ", max_px, fitter, style.LEGEND_SIZE)
    parts = [p.replace(":, ", ": ").removesuffix(",") for p in parts]
    if len(parts) > lines:
        parts = [*parts[:lines - 1], ", ".join(parts[lines - 1:])]
    return [fitter.fit(p, max_px, style.LEGEND_SIZE) for p in parts]


def _draw_holder_panels(fig: Figure, report: Report, holders: Sequence[Holder],
                        *, with_fees: bool, view: str,
                        columns: _Columns = _TWO_COLUMNS) -> None:
    """Lorenz curves (left) and the top-holder bars of ``view`` (right of them), the bars'
    bottom edge placed so that the category key (1–3 rows) and the left-out line clear
    the fee panel or the footer; ``columns`` says where (two columns, or three with the
    delegates)."""
    views = report.views
    listed = views.raw.scores.holders if views is not None and views.raw.scores else len(holders)
    count = views.holder_count if views is not None else None
    lorenz = columns.lorenz
    plot_lorenz(add_axes(fig, lorenz), _lorenz_series(report, holders, view),
                title="Lorenz curves", xlabel=f"share of the {listed_text(listed, count)}")
    kept = [h for h in holders[:max(TOP_HOLDERS * 20, 200)] if in_view(h.category, view)]
    top = kept[:TOP_HOLDERS]
    denominator = (views.get(view).denominator if views is not None
                   else float(sum(h.balance for h in holders)))
    raw_denominator = views.raw.denominator if views is not None else denominator
    fitter = TextFitter.for_figure(fig)
    label_px = _fig_px(fig, columns.bars_left - lorenz[0] - lorenz[2] - columns.gap)
    key_px = label_px + _fig_px(fig, columns.bars_right - columns.bars_left)
    left_out = _left_out_line(holders, view, raw_denominator, fitter,
                              supply_known=views is None or views.supply_known,
                              **({"top": 2, "name_px": 130} if columns.subline else {}))
    left_out_lines = _wrap_left_out(left_out, key_px, fitter, 2 if columns.subline else 1)
    rows = category_key_rows(top, key_px, fitter) + len(left_out_lines)
    lowest = 0.25 if with_fees else 0.065  # where the key may end
    bottom = max(_HOLDERS_LEFT_BOTTOM if not with_fees else 0.0,
                 lowest + rows * _KEY_ROW + 0.01)
    panel_top = _PANELS_TOP - _SUBLINE if columns.subline else _PANELS_TOP
    rect = (columns.bars_left, bottom, columns.bars_right - columns.bars_left,
            panel_top - bottom)
    title = f"Top {len(top)}" if len(top) > 1 else "Top holder"
    note = _holders_note(views, len(holders), view)
    title = fitter.fit(f"{title} · {view} view" + ("" if columns.subline else f" · {note}"),
                       key_px, style.PANEL_TITLE_SIZE, "bold")
    plot_top_holders(add_axes(fig, rect), top, denominator, label_px=label_px, title=title,
                     title_pad=_subline_pad(fig) if columns.subline else 10.0)
    labels_left = columns.bars_left - label_px / fig.bbox.width
    if columns.subline:  # the denominator, between the title and the bars
        fig.text(labels_left, panel_top + 0.006, fitter.fit(note, key_px, style.LEGEND_SIZE),
                 ha="left", va="bottom", fontsize=style.LEGEND_SIZE, parse_math=False,
                 gid="holders-note", **style.MUTED_KW)
    first = rows - len(left_out_lines) + 1  # the row under the category key
    for i, line in enumerate(left_out_lines):
        fig.text(labels_left, bottom - (first + i) * _KEY_ROW + 0.005, line, ha="left",
                 va="center", fontsize=style.LEGEND_SIZE, parse_math=False, gid="left-out",
                 **style.MUTED_KW)


def render_report_png(report: Report, view: str | None = None, *,
                      delegates: bool = True) -> bytes:
    """The report chart of ``report`` as PNG bytes (1200 × 675 px, dark card); the
    top-holder bars of ``view`` when given (``/holders``), else of the verdict's view; the
    delegates-vs-quorum panel when the report has on-chain delegates and ``delegates``.

    Works with partial data: holders without fees, fees without holders ("holder data
    unavailable"), one to three holders, no symbol. Thread-safe (module lock); picklable
    input, so it can also run in a process pool.
    """
    with LOCK:
        fig = build_report_figure(report, reuse=True, view=view, delegates=delegates)
        return figure_to_png(fig)


# --- comparison ------------------------------------------------------------------------


def _short(report: Report) -> str:
    return fit(report.symbol or report.name or "?", 24)


def build_comparison_figure(reports: Sequence[Report], *, reuse: bool = False) -> Figure:
    """2–4 reports side by side (not rasterised); see :func:`render_comparison_png`.
    ``reuse``: as in :func:`build_report_figure`.

    Raises:
        ValueError: with fewer than 2 or more than 4 reports.
    """
    if not 2 <= len(reports) <= MAX_COMPARED:
        raise ValueError(f"compare 2 to {MAX_COMPARED} reports, not {len(reports)}")
    fees = [_holders_share(r) for r in reports]
    with_fees = any(v.value is not None for v in fees)
    fig = reused_figure(("comparison", with_fees)) if reuse else new_figure()
    groups = [_short(r) for r in reports]
    top = 0.73  # panels' top edge (title and direction above); the footer may take 3 lines
    _header(fig, " vs ".join(groups), "Nakamoto = wallets needed for >50% · owners view: "
            "without treasury, burn, custodians · n/a = no data", None)
    # a panel without any data shrinks to one line under the others
    lefts: tuple[float, ...] = (0.03, 0.44, 0.73) if with_fees else (0.03, 0.56)
    widths: tuple[float, ...] = (0.37, 0.25, 0.25) if with_fees else (0.47, 0.41)
    height = 0.48
    bottom = top - height
    plot_grouped_bars(
        add_axes(fig, (lefts[0], bottom, widths[0], height)), groups,
        [BarSeries(style.VIEW_NAMES[v], style.VIEW_COLORS[v],
                   tuple(_top10(r, v) for r in reports)) for v in ("raw", "owners")],
        "Top-10 share", legend=True, note="↑ higher = more concentrated")
    plot_grouped_bars(
        add_axes(fig, (lefts[1], bottom, widths[1], height)), groups,
        [BarSeries("owners view", style.VIEW_COLORS["owners"],
                   tuple(_nakamoto(r) for r in reports))],
        "Nakamoto · owners view", note="↓ lower = more concentrated")
    if with_fees:
        plot_grouped_bars(
            add_axes(fig, (lefts[2], bottom, widths[2], height)), groups,
            [BarSeries("holders", style.FEE_PARTS[2][2], tuple(fees))],
            "Fees to holders, 30 d", note="share of fees paid to token holders")
    else:
        fig.text(lefts[0], bottom - 0.085, "Fees to holders, 30 d: no fee data for any of "
                 "them", ha="left", va="center", fontsize=style.LABEL_SIZE,
                 parse_math=False, gid="missing-part", **style.MUTED_KW)
    _footer(fig, _comparison_footer(reports), max_lines=3)
    return fig


def _top10(r: Report, view: str) -> BarValue:
    """The top-10 share of ``view`` ("n/a" without holders)."""
    s = r.views.get(view).scores if r.views is not None else None
    return BarValue(None, "n/a") if s is None else BarValue(s.top10_share, pct(s.top10_share))


def _nakamoto(r: Report) -> BarValue:
    """The owners view's Nakamoto coefficient (hatched when it is a lower bound)."""
    s = r.views.owners.scores if r.views is not None else None
    if s is None:
        return BarValue(None, "n/a")
    return BarValue(float(s.nakamoto_lower_bound), nakamoto_text(s),
                    lower_bound=s.nakamoto is None)


def _holders_share(r: Report) -> BarValue:
    """The share of the 30-day fees paid to token holders ("n/a" when not reported)."""
    share = r.fees.split_30d.holders_share if r.fees is not None else None
    return BarValue(None, "n/a") if share is None else BarValue(share, pct(share))


def _comparison_footer(reports: Sequence[Report]) -> str:
    dates = {moment_text(r.provenance.as_of)[:10] for r in reports if r.provenance}
    same_day = len(dates) == 1 and all(r.provenance for r in reports)
    parts = []
    for r in reports:
        sources = ", ".join(_source_names(r)) or "no sources"
        when = f" ({moment_text(r.provenance.as_of)[:10]})" if r.provenance and not same_day else ""
        fees = fee_window(r.fees)
        window = f", fees {fees['from']} → {fees['to']}" if fees is not None else ""
        parts.append(f"{_short(r)}: {sources}{when}{window}")
    text = "Sources: " + "; ".join(parts)
    if same_day:
        text += f" · as of {dates.pop()}"
    unknown = [_short(r) for r in reports if r.views is not None and not r.views.supply_known]
    if unknown:
        text += (" · supply unknown for " + ", ".join(unknown)
                 + ": shares are of the listed holders' total")
    return text


def render_comparison_png(reports: Sequence[Report]) -> bytes:
    """Top-10 share (raw and owners), Nakamoto (owners) and holders' share of fees for
    2–4 reports, as PNG bytes (1200 × 675 px). Missing values show "n/a", never 0.

    Raises:
        ValueError: with fewer than 2 or more than 4 reports.
    """
    with LOCK:
        fig = build_comparison_figure(reports, reuse=True)
        return figure_to_png(fig)


# --- votes -----------------------------------------------------------------------------


def build_votes_figure(votes: VoteReport, name: str, symbol: str, *,
                       reuse: bool = False) -> Figure:
    """The voting-power chart (not rasterised); see :func:`render_votes_png`.
    ``reuse``: as in :func:`build_report_figure`."""
    fig = reused_figure(("votes",)) if reuse else new_figure()
    proposals = sorted(votes.proposals, key=lambda p: p.end, reverse=True)[:MAX_PROPOSALS]
    _header(fig, f"{token_title(name, symbol)}: voting power",
            "Share of the power cast on each proposal held by the top voters", None)
    plot_vote_power(add_axes(fig, _VOTES_RECT), proposals,
                    label_px=_fig_px(fig, _VOTES_RECT[0] - 0.04))
    parts = [votes.note] if votes.note else []
    parts.append(f"Snapshot space {votes.space}" if votes.space else "Snapshot")
    if proposals:
        first, last = min(p.end for p in proposals), max(p.end for p in proposals)
        which = ("most recent proposals" if len(votes.proposals) > len(proposals)
                 else "proposals")
        parts.append(f"{len(proposals)} {which}, ended {date_text(first)} – {date_text(last)}")
    parts.append("Nakamoto = voters needed for >50% of the power cast")
    _footer(fig, " · ".join(parts), max_lines=2)
    return fig


def render_votes_png(votes: VoteReport, name: str, symbol: str) -> bytes:
    """Voting power per recent proposal as PNG bytes (1200 × 675 px).

    Per proposal (most recent first, at most 10): the share of the voting power cast held
    by the top voter and by the top 10, with the Nakamoto coefficient and the vote count;
    proposals without votes show "no votes".
    """
    with LOCK:
        fig = build_votes_figure(votes, name, symbol, reuse=True)
        return figure_to_png(fig)


# --- warm-up ---------------------------------------------------------------------------


def warm_up() -> None:
    """Load fonts, fill the character-width cache and create the shared renderer, so the
    first real chart of a (pool worker) process renders as fast as the later ones.

    About half a second once per process; call it from the process pool's initializer.
    """
    with LOCK:
        fig = new_figure()
        fitter = TextFitter.for_figure(fig)
        sample = string.ascii_letters + string.digits + string.punctuation + " …·–→≥"
        for size in {style.TITLE_SIZE, style.SUBTITLE_SIZE, style.PANEL_TITLE_SIZE,
                     style.LABEL_SIZE, style.TICK_SIZE, style.VALUE_SIZE, style.LEGEND_SIZE,
                     style.FOOTER_SIZE, style.NOTICE_SIZE, _BADGE_SIZE}:
            for weight in ("normal", "bold"):
                fitter.estimate(sample, size, weight)
        fig.text(0.5, 0.5, sample, fontsize=style.TICK_SIZE, parse_math=False,
                 **style.TEXT_KW)
        figure_to_png(fig)
