"""One chart, one story (issue 13, item 4): every panel names its view and denominator, the
top-holder bars are the verdict's view with what it left out listed, coinciding Lorenz
curves both show, category colours stay apart for colour-blind readers, comparison panels
say which direction is more concentrated, and a panel without data shrinks to a line."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from charts import style
from charts.render import bars_view, build_comparison_figure, build_report_figure
from core.categories import VIEWS, Category, in_view
from tests import chart_fixtures as cf
from tests.test_charts import all_text, axes_titled, bars, lorenz_names, texts_with_gid

# Machado, Oliveira & Fernandes (2009), severity 1: colour-vision deficiency simulated on
# linear RGB.
CVD = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}
#: Categories that share most charts (a token's top holders).
COMMON = (Category.TREASURY, Category.BURN, Category.EXCHANGE, Category.UNDISTRIBUTED,
          Category.WALLET, Category.UNLABELED, Category.UNLABELED_CONTRACT)


def _linear(hex_color: str) -> np.ndarray:
    c = np.array([int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of a linear-RGB colour."""
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                    [0.0193, 0.1192, 0.9505]]) @ np.clip(linear, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 216 / 24389, np.cbrt(t), (24389 / 27 * t + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, vision: str) -> float:
    """CIE76 colour difference of two sRGB colours as seen with ``vision``."""
    m = CVD[vision]
    return float(np.linalg.norm(_lab(m @ _linear(a)) - _lab(m @ _linear(b))))


@pytest.mark.parametrize("vision", CVD)
def test_category_colours_stay_apart_for_colour_blind_readers(vision):
    colours = style.CATEGORY_COLORS
    worst = min(delta_e(colours[a], colours[b], vision)
                for a, b in itertools.combinations(Category, 2))
    assert worst >= 7, worst  # every pair visibly different
    common = min(delta_e(colours[a], colours[b], vision)
                 for a, b in itertools.combinations(COMMON, 2))
    assert common >= 12, common  # the usual top-10 categories clearly different
    # burn is never one more grey next to the unlabelled ones (it was ΔE 11 before)
    for grey in (Category.UNLABELED, Category.WALLET, Category.UNLABELED_CONTRACT):
        assert delta_e(colours[Category.BURN], colours[grey], vision) >= 20


def test_the_bars_are_the_verdicts_view_and_what_it_left_out_is_listed():
    report = cf.synthetic_report(fees=cf.full_fees())
    view = bars_view(report)
    assert view == report.verdict.basis_view == "owners"
    fig = build_report_figure(report)
    holders = axes_titled(fig, "Top 10 · owners view · % of owner-held supply")
    kept = [h for h in report.holders if in_view(h.category, "owners")][:10]
    denominator = report.views.owners.denominator
    widths = [b.get_width() for b in bars(holders)]
    assert widths == pytest.approx([h.balance / denominator for h in kept])
    # the treasury, the exchange… are not among the bars but named under them
    left_out = [t.get_text() for t in fig.texts if t.get_gid() == "left-out"]
    assert len(left_out) == 1
    assert left_out[0].startswith("Left out (% of total supply): DAO treasur")
    # the subtitle says which view the verdict's numbers are from
    assert "Owners view: " in all_text(fig) or report.verdict.withheld
    lorenz = axes_titled(fig, "Lorenz curves")
    assert [t.split(" ·")[0] for t in lorenz_names(lorenz)] == [
        "raw view", "owners view"]


@pytest.mark.parametrize("view", VIEWS)
def test_a_chart_per_view_shows_that_views_bars(view):
    report = cf.synthetic_report()
    fig = build_report_figure(report, view=view)
    holders = axes_titled(fig, f"Top 10 · {view} view")
    kept = [h for h in report.holders if in_view(h.category, view)][:10]
    labels = texts_with_gid(holders, "holder-label")
    assert len(labels) == len(kept)
    assert all(in_view(h.category, view) for h in kept)
    assert bool([t for t in fig.texts if t.get_gid() == "left-out"]) == (view != "raw")


def test_coinciding_curves_both_show():
    report = cf.synthetic_report(n=30)
    plain = cf.synthetic_report(n=30, first_label="")  # nothing the owners view leaves out
    for r in (report, plain):
        fig = build_report_figure(r)
        lorenz = axes_titled(fig, "Lorenz curves")
        raw, owners = (next(line for line in lorenz.lines if line.get_gid() == g)
                       for g in ("raw view", "owners view"))
        assert raw.get_linestyle() == "-" and owners.get_linestyle() == "--"
        assert owners.get_zorder() > raw.get_zorder()  # dashed on top: both visible
        assert owners.get_linewidth() < raw.get_linewidth()


def test_a_curve_identical_to_another_says_so():
    from matplotlib.figure import Figure

    from charts.plots import LorenzSeries, plot_lorenz

    balances = np.array([5.0, 3.0, 1.0, 1.0])
    fig = Figure()
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    plot_lorenz(ax, [LorenzSeries("raw view", balances, 0.3, "#56b4e9"),
                     LorenzSeries("owners view", balances, 0.3, "#e69f00", dashes=(5.0, 2.5))])
    names = lorenz_names(ax)
    assert names[1] == "owners view · Gini 0.30 of the listed · same curve as raw view"
    assert [line.get_gid() for line in ax.lines if line.get_gid()] == [
        "raw view", "owners view"]  # both curves drawn


def test_comparison_panels_say_which_way_is_more_concentrated():
    reports = [cf.synthetic_report(name="Alpha", symbol="ALPHA", fees=cf.full_fees()),
               cf.synthetic_report(name="Beta", symbol="BETA", seed=2)]
    fig = build_comparison_figure(reports)
    top10 = axes_titled(fig, "Top-10 share")
    nakamoto = axes_titled(fig, "Nakamoto · owners view")
    assert texts_with_gid(top10, "panel-note") == ["↑ higher = more concentrated"]
    assert texts_with_gid(nakamoto, "panel-note") == ["↓ lower = more concentrated"]
    assert {t for t in texts_with_gid(top10, "series-name")} == {"raw view", "owners view"}


def test_a_panel_without_data_shrinks_to_a_line():
    no_fees = [cf.synthetic_report(name="Alpha", symbol="A"),
               cf.synthetic_report(name="Beta", symbol="B", seed=2)]
    fig = build_comparison_figure(no_fees)
    assert len(fig.axes) == 2
    line = [t.get_text() for t in fig.texts if t.get_gid() == "missing-part"]
    assert line == ["Fees to holders, 30 d: no fee data for any of them"]
    # the report chart: fees asked for but missing → one line, no empty panel
    from dataclasses import replace

    report = replace(cf.synthetic_report(), missing=("Testswap: DefiLlama does not track "
                                                     "its fees",))
    fig = build_report_figure(report)
    assert len(fig.axes) == 2
    assert [t.get_text() for t in fig.texts if t.get_gid() == "missing-part"] == [
        "Testswap: DefiLlama does not track its fees"]
