"""Charts: PNG signature and size, axes content, partial data, no overflow, thread safety.

Reports are built through the real pipeline from small synthetic balances
(:mod:`chart_fixtures`); the real-data tests read the Dune lists in ``../shared`` and skip
when it is absent. Nothing here asserts wall-clock times (see benchmarks/charts.py).
"""

from __future__ import annotations

import io
import pickle
import struct
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import chart_fixtures as cf
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from PIL import Image

from charts import style
from charts.format import TextFitter, fit
from charts.plots import lorenz_points
from charts.render import (
    build_comparison_figure,
    build_report_figure,
    build_votes_figure,
    encode_png,
    figure_to_png,
    new_figure,
    render_comparison_png,
    render_report_png,
    render_votes_png,
    warm_up,
)
from core.categories import Category
from core.verdict import Level
from core.votes import VoteReport
from scoring.fees import split_fees
from scoring.formatting import LEVEL_COLOURS, NO_VERDICT_COLOUR, pct, short_address, usd
from scoring.views import score_views

ROOT = Path(__file__).resolve().parents[1]
WIDTH, HEIGHT = 1200, 675


# --- helpers ---------------------------------------------------------------------------


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG's IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


def texts_of(fig: Figure) -> list[Text]:
    """Every visible, non-empty Text artist of the figure (titles and ticks included)."""
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def all_text(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in texts_of(fig))


def axes_titled(fig: Figure, prefix: str):
    matches = [ax for ax in fig.axes if ax.get_title(loc="left").startswith(prefix)]
    assert len(matches) == 1, [ax.get_title(loc="left") for ax in fig.axes]
    return matches[0]


def texts_with_gid(ax, gid: str) -> list[str]:
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


def lorenz_names(ax) -> list[str]:
    """The curves' names on one line each (they wrap at " · " to stay in the panel)."""
    return [t.replace("\n", " · ") for t in texts_with_gid(ax, "lorenz-name")]


def bars(ax) -> list[Rectangle]:
    """The bar rectangles of an axes (from its bar containers, not the key swatches)."""
    return [patch for container in ax.containers for patch in container.patches]


def assert_inside(fig: Figure, tolerance: float = 1.0) -> None:
    """After drawing, every text lies inside the figure and no two header/footer lines
    collide."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    for t in texts_of(fig):
        ext = t.get_window_extent(renderer)
        assert ext.x0 >= box.x0 - tolerance, (t.get_text(), ext)
        assert ext.x1 <= box.x1 + tolerance, (t.get_text(), ext)
        assert ext.y0 >= box.y0 - tolerance, (t.get_text(), ext)
        assert ext.y1 <= box.y1 + tolerance, (t.get_text(), ext)


def need_shared() -> None:
    if not cf.HOLDER_DIR.is_dir():
        pytest.skip(f"real holder lists not available: {cf.HOLDER_DIR} is absent "
                    "(../shared sits beside the repository in development and CI)")


# --- formatting ------------------------------------------------------------------------


def test_formatting_helpers():
    assert pct(0.4812) == "48%"
    assert pct(0.057) == "5.7%"
    assert pct(0.0004) == "0.04%"
    assert pct(None) == "n/a"
    assert usd(12_345_678) == "$12.3M"
    assert usd(None) == "not reported"
    assert short_address("0x1a9c8182c09f50c8318d769245bea52c32be35bc") == "0x1a9c…35bc"
    assert fit("a  b\nc", 10) == "a b c"
    assert fit("abcdefghij", 5) == "abcd…"


def test_text_fitter_cuts_to_pixels():
    fitter = TextFitter.for_figure(new_figure())
    wide = "W" * 80
    cut = fitter.fit(wide, 300, style.TITLE_SIZE, "bold")
    assert cut.endswith("…") and len(cut) < 80
    assert fitter.width(cut, style.TITLE_SIZE, "bold") <= 300
    assert fitter.fit("short", 300, style.TICK_SIZE) == "short"
    assert fitter.fit("anything", 1, style.TICK_SIZE) == ""
    # the estimate stays close to the real width
    text = "Uniswap treasury (governance timelock) 0x1a9c…35bc"
    real = fitter.width(text, style.TICK_SIZE)
    assert abs(fitter.estimate(text, style.TICK_SIZE) - real) <= 0.05 * real


# --- Lorenz points ---------------------------------------------------------------------


def test_lorenz_points_small_list_is_exact():
    x, y = lorenz_points([3, 1, 2])
    np.testing.assert_allclose(x, [0, 1 / 3, 2 / 3, 1])
    np.testing.assert_allclose(y, [0, 1 / 6, 3 / 6, 1])


def test_lorenz_points_downsampled_keeps_top_holders_exact():
    balances = np.random.default_rng(0).pareto(1.1, 100_000) + 1
    x, y = lorenz_points(balances, exact_top=50, max_points=300)
    assert len(x) <= 300
    asc = np.sort(balances)
    full_y = np.concatenate(([0.0], np.cumsum(asc))) / asc.sum()
    n = balances.size
    # the last 51 points (the 50 largest holders' segments) are the full curve's
    np.testing.assert_allclose(x[-51:], np.arange(n - 50, n + 1) / n)
    np.testing.assert_allclose(y[-51:], full_y[-51:])
    assert (x[0], y[0]) == (0.0, 0.0)
    assert x[-1] == pytest.approx(1.0) and y[-1] == pytest.approx(1.0)


def test_lorenz_points_empty_and_zeros():
    x, y = lorenz_points([0, 0])
    assert x.size == 0 and y.size == 0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e12, allow_nan=False), min_size=1,
                max_size=800))
def test_lorenz_points_properties(balances):
    x, y = lorenz_points(balances, exact_top=20, max_points=100)
    if not any(b > 0 for b in balances):
        assert x.size == 0
        return
    assert len(x) == len(y) <= max(100, 2)
    assert np.all(np.diff(x) > 0)
    assert np.all(np.diff(y) >= -1e-12)
    assert np.all(y <= x + 1e-9)  # a Lorenz curve never rises above equality
    assert x[-1] == pytest.approx(1.0) and y[-1] == pytest.approx(1.0)


# --- report chart ----------------------------------------------------------------------


def test_report_png_signature_and_size():
    png = render_report_png(cf.synthetic_report(fees=cf.full_fees()))
    assert png.startswith(b"\x89PNG")
    assert png_size(png) == (WIDTH, HEIGHT)


def test_report_png_pixel_size_via_pil():
    image = Image.open(io.BytesIO(render_report_png(cf.synthetic_report())))
    assert image.size == (WIDTH, HEIGHT)
    assert image.format == "PNG"


def test_report_figure_panels_and_content():
    report = cf.synthetic_report(fees=cf.full_fees())
    fig = build_report_figure(report, view="raw")  # the raw view's bars (as /holders raw)
    assert len(fig.axes) == 3
    lorenz = axes_titled(fig, "Lorenz curves")
    holders = axes_titled(fig, "Top 10 · raw view")
    fees = axes_titled(fig, "Fees, 30 days")
    # Lorenz: one curve per view (raw, owners), each named with the view's Gini
    assert {line.get_gid() for line in lorenz.lines} >= {"raw view", "owners view"}
    names = lorenz_names(lorenz)
    # which Gini: of the listed holders (no holder count, so no all-holder bounds)
    assert names == [f"raw view · Gini {report.views.raw.scores.gini:.2f} of the listed",
                     f"owners view · Gini {report.views.owners.scores.gini:.2f} of the listed"]
    assert texts_with_gid(lorenz, "axis-label") == [
        "share of the 40 listed holders", "share of tokens"]
    # top holders: 10 bars, labels, shares of the raw denominator
    assert holders.get_title(loc="left") == "Top 10 · raw view · % of total supply"
    assert len(bars(holders)) == 10
    labels = texts_with_gid(holders, "holder-label")
    assert labels[:3] == ["DAO treasury (timelock)", "Big Exchange 14", "Staked TOKEN (stkTOKEN)"]
    assert labels[7] == cf.address(7)[:6] + "…" + cf.address(7)[-4:]
    denominator = report.views.raw.denominator
    shares = texts_with_gid(holders, "holder-share")
    assert shares[0] == pct(report.holders[0].balance / denominator)
    widths = [b.get_width() for b in bars(holders)]
    assert widths[0] == pytest.approx(report.holders[0].balance / denominator)
    # a colour per category, and a key entry per category present
    assert bars(holders)[0].get_facecolor()[:3] == pytest.approx(
        _rgb(style.CATEGORY_COLORS[Category.TREASURY]))
    key = texts_with_gid(holders, "key-text")
    assert key[:3] == ["treasury", "exchange", "staking/escrow"]
    assert "unlabeled contract" in key and "unlabeled wallet" in key
    # fees: ONE stacked bar of three parts with USD amounts in the key
    assert len(bars(fees)) == 3
    assert texts_with_gid(fees, "key-text") == ["supply side $9.0M", "treasury $2.0M",
                                                "holders $1.0M"]
    text = all_text(fig)
    assert "Testswap (TST)" in text
    # the list's largest holders are labelled, its owners are not: medium confidence
    assert f"{report.verdict.level.upper()} · MEDIUM CONFIDENCE" in text
    assert ("Holders as of 2026-02-19 06:27 UTC · Sources: test fixture, DefiLlama fees (test)"
            in text)


def _rgb(hex_color: str) -> tuple[float, float, float]:
    return tuple(int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))


def test_every_category_has_a_colour_and_a_name():
    assert set(style.CATEGORY_COLORS) == set(Category)
    assert set(style.CATEGORY_NAMES) == set(Category)
    assert len(set(style.CATEGORY_COLORS.values())) == len(Category)


def test_lorenz_uses_only_holders_the_view_keeps():
    report = cf.synthetic_report(n=12)
    fig = build_report_figure(report)
    lorenz = axes_titled(fig, "Lorenz curves")
    owners = next(line for line in lorenz.lines if line.get_gid() == "owners view")
    kept = report.views.owners.scores.holders
    assert len(owners.get_xdata()) == kept + 1  # (0, 0) plus one point per kept holder
    everyone = next(line for line in lorenz.lines if line.get_gid() == "raw view")
    assert len(everyone.get_xdata()) == 13


def test_holders_only_has_no_fee_panel():
    fig = build_report_figure(cf.synthetic_report())
    assert len(fig.axes) == 2
    assert not any(ax.get_title(loc="left").startswith("Fees") for ax in fig.axes)
    assert_inside(fig)


def test_fees_only_says_holder_data_unavailable():
    report = cf.fees_only_report()
    fig = build_report_figure(report)
    text = all_text(fig)
    assert "holder data unavailable" in text
    assert "NO VERDICT" in text
    assert "holder list: the holder API did not answer" in text
    assert len(fig.axes) == 1
    assert len(bars(axes_titled(fig, "Fees, 30 days: $12.0M"))) == 3
    assert_inside(fig)
    assert png_size(render_report_png(report)) == (WIDTH, HEIGHT)


def test_no_holders_and_no_fees_still_renders():
    report = replace(cf.fees_only_report(), fees=None)
    fig = build_report_figure(report)
    assert fig.axes == []
    assert "holder data unavailable" in all_text(fig)
    assert png_size(render_report_png(report)) == (WIDTH, HEIGHT)


def test_fee_parts_not_reported_are_never_drawn_as_zero():
    report = cf.synthetic_report(fees=cf.fees_without_holders_part())
    fig = build_report_figure(report)
    fees = axes_titled(fig, "Fees, 30 days: $8.5M")
    parts = bars(fees)
    filled = [b for b in parts if b.get_facecolor()[3] > 0]
    assert len(filled) == 1  # supply side only; treasury/holders are unknown
    assert filled[0].get_width() == pytest.approx(6_400_000)
    hatched = [b for b in parts if b.get_hatch()]
    assert len(hatched) == 1 and hatched[0].get_width() == pytest.approx(2_100_000)
    assert all(b.get_width() > 0 for b in parts)
    key = texts_with_gid(fees, "key-text")
    assert key == ["supply side $6.4M", "not reported: treasury, holders"]
    assert_inside(fig)


def test_fee_split_with_nothing_but_the_total():
    fig = build_report_figure(cf.fees_only_report(split_fees(5e6, None, None)))
    fees = axes_titled(fig, "Fees, 30 days: $5.0M")
    assert not [b for b in bars(fees) if b.get_facecolor()[3] > 0]
    assert texts_with_gid(fees, "key-text") == ["not reported: supply side, treasury, holders"]


def test_fee_split_zero_and_unknown_total():
    fig = build_report_figure(cf.fees_only_report(split_fees(0.0, 0.0, 0.0)))
    assert "no fees in this period" in all_text(fig)
    fig = build_report_figure(cf.fees_only_report(split_fees(None, None, None)))
    assert "fee split not reported" in all_text(fig)
    assert "total not reported" in all_text(fig)


@pytest.mark.parametrize("n", [1, 2, 3])
def test_short_holder_lists(n):
    report = cf.synthetic_report(n=n, supply=None)
    fig = build_report_figure(report, view="raw")
    holders = axes_titled(fig, "Top")
    assert len(bars(holders)) == n
    expected = "Top holder" if n == 1 else f"Top {n}"
    assert holders.get_title(loc="left") == f"{expected} · raw view · % of {n} listed"
    assert_inside(fig)
    assert png_size(render_report_png(report)) == (WIDTH, HEIGHT)


def test_no_symbol_uses_the_name():
    report = cf.synthetic_report(symbol="", name="holders in list.csv")
    fig = build_report_figure(report)
    assert fig.texts[1].get_text() == "holders in list.csv"  # texts[0] is the badge
    assert "()" not in all_text(fig)
    assert png_size(render_report_png(report)) == (WIDTH, HEIGHT)


@pytest.mark.parametrize("level", list(Level))
def test_badge_is_coloured_by_the_level_member(level):
    report = cf.synthetic_report()
    report = replace(report, verdict=replace(report.verdict, level=level))
    badge = build_report_figure(report).texts[0]
    assert badge.get_text() == f"{level.value.upper()} · MEDIUM CONFIDENCE"
    assert badge.get_bbox_patch().get_facecolor()[:3] == pytest.approx(
        _rgb(LEVEL_COLOURS[level]))


def test_withheld_badge_is_grey_and_says_why():
    report = cf.synthetic_report(supply=None)  # no valid supply: no level
    assert report.verdict is not None and report.verdict.level is None
    fig = build_report_figure(report)
    badge = fig.texts[0]
    assert badge.get_text() == "WITHHELD · LOW CONFIDENCE"
    assert badge.get_bbox_patch().get_facecolor()[:3] == pytest.approx(_rgb(NO_VERDICT_COLOUR))
    assert "No verdict: " in all_text(fig)


def test_no_verdict_badge_is_grey():
    badge = build_report_figure(cf.fees_only_report()).texts[0]
    assert badge.get_text() == "NO VERDICT"
    assert badge.get_bbox_patch().get_facecolor()[:3] == pytest.approx(_rgb(NO_VERDICT_COLOUR))


def test_long_label_and_name_stay_inside():
    report = cf.synthetic_report(first_label=cf.LONG_LABEL, name="W" * 200,
                                 fees=cf.full_fees())
    fig = build_report_figure(report, view="raw")
    holders = axes_titled(fig, "Top 10 · raw view")
    first = texts_with_gid(holders, "holder-label")[0]
    assert first.endswith("…") and len(first) < 60
    assert_inside(fig)
    # labels stay right of the Lorenz panel
    renderer = fig.canvas.get_renderer()
    lorenz = axes_titled(fig, "Lorenz curves")
    lorenz_right = lorenz.get_window_extent(renderer).x1
    for t in holders.texts:
        if t.get_gid() == "holder-label":
            assert t.get_window_extent(renderer).x0 > lorenz_right
    # the title does not run into the verdict badge
    badge, title = fig.texts[0], fig.texts[1]
    assert title.get_window_extent(renderer).x1 < badge.get_window_extent(renderer).x0


def test_dollar_signs_in_labels_are_not_mathtext():
    report = cf.synthetic_report(first_label="$UNI whale $$ fund")
    png = render_report_png(report)
    assert png_size(png) == (WIDTH, HEIGHT)


def test_many_categories_key_does_not_hit_the_fee_panel():
    fig = build_report_figure(cf.synthetic_report(fees=cf.full_fees()), view="raw")
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    holders = axes_titled(fig, "Top 10 · raw view")
    fees = axes_titled(fig, "Fees")
    key_bottom = min(t.get_window_extent(renderer).y0 for t in holders.texts
                     if t.get_gid() == "key-text")
    fee_title_top = fees.title.get_window_extent(renderer).y1
    assert key_bottom > fee_title_top


# --- comparison ------------------------------------------------------------------------


def _four_reports():
    return [
        cf.synthetic_report(name="Alpha", symbol="ALPHA", fees=cf.full_fees(), seed=1),
        cf.synthetic_report(name="Beta", symbol="", seed=2),
        cf.synthetic_report(name="Gamma protocol with a very long name indeed", symbol="",
                            fees=cf.fees_without_holders_part(), seed=3),
        cf.fees_only_report(),
    ]


def test_comparison_four_protocols():
    reports = _four_reports()
    fig = build_comparison_figure(reports)
    assert len(fig.axes) == 3
    top10 = axes_titled(fig, "Top-10 share")
    nakamoto = axes_titled(fig, "Nakamoto · owners view")
    fees = axes_titled(fig, "Fees to holders")
    # raw + owners bars for the three reports with holders; none for the fees-only one
    assert len(bars(top10)) == 6
    assert len(bars(nakamoto)) == 3
    assert len(bars(fees)) == 2  # Beta has no fees, Gamma no holders revenue
    assert texts_with_gid(fees, "group-label")[0] == "ALPHA"
    assert texts_of_axes(fees).count("n/a") == 2
    assert texts_of_axes(top10).count("n/a") == 2
    assert texts_of_axes(nakamoto).count("n/a") == 1
    share = reports[0].fees.split_30d.holders_share
    assert bars(fees)[0].get_height() == pytest.approx(share)
    assert pct(share) in texts_of_axes(fees)
    assert_inside(fig)
    assert png_size(render_comparison_png(reports)) == (WIDTH, HEIGHT)


def texts_of_axes(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_comparison_two_protocols_and_limits():
    reports = _four_reports()
    assert png_size(render_comparison_png(reports[:2])) == (WIDTH, HEIGHT)
    with pytest.raises(ValueError):
        render_comparison_png(reports[:1])
    with pytest.raises(ValueError):
        render_comparison_png([*reports, reports[0]])


def test_comparison_nakamoto_beyond_the_list_is_a_lower_bound():
    flat = cf.synthetic_report(n=30, name="Flat", symbol="FLAT", supply=1e9)
    fig = build_comparison_figure([flat, cf.synthetic_report()])
    nakamoto = axes_titled(fig, "Nakamoto · owners view")
    assert flat.views.owners.scores.nakamoto is None
    expected = f">{flat.views.owners.scores.nakamoto_lower_bound - 1}"
    assert expected in texts_of_axes(nakamoto)
    assert bars(nakamoto)[0].get_hatch()


# --- votes -----------------------------------------------------------------------------


def test_votes_chart():
    votes = cf.example_votes(6)
    fig = build_votes_figure(votes, "Testswap", "TST")
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    labels = texts_with_gid(ax, "proposal-label")
    assert labels[0] == "Proposal 0: adjust parameter 0"  # most recent first
    assert labels[-1] == "Proposal 5: nobody voted"
    assert len(bars(ax)) == 2 * 5  # top-10 and top-1 bar for each proposal with votes
    assert texts_with_gid(ax, "no-votes") == ["no votes"]
    assert texts_with_gid(ax, "nakamoto") == [
        *(str(p.scores.nakamoto) for p in votes.proposals[:-1]), "–"]
    assert texts_with_gid(ax, "votes") == [f"{p.votes:,}" for p in votes.proposals]
    top1 = [b.get_width() for b in bars(ax)][1::2]
    assert top1 == pytest.approx([p.scores.top1_share for p in votes.proposals[:-1]])
    assert "Testswap (TST): voting power" in all_text(fig)
    assert "Snapshot space test.eth" in all_text(fig)
    assert_inside(fig)
    assert png_size(render_votes_png(votes, "Testswap", "TST")) == (WIDTH, HEIGHT)


def test_votes_chart_empty_and_long_titles():
    empty = VoteReport("empty.eth", ())
    assert "no recent proposals" in all_text(build_votes_figure(empty, "X", ""))
    long = cf.example_votes(12)
    long = replace(long, proposals=tuple(replace(p, title="W" * 200)
                                          for p in long.proposals))
    fig = build_votes_figure(long, "Y" * 120, "LONG")
    assert len(texts_with_gid(fig.axes[0], "proposal-label")) == 10  # at most 10 proposals
    assert "10 most recent proposals" in all_text(fig)
    assert_inside(fig)


# --- machinery -------------------------------------------------------------------------


def test_render_is_deterministic_and_thread_safe():
    report = cf.synthetic_report(fees=cf.full_fees())
    expected = render_report_png(report)
    results: list[bytes] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(2):
                results.append(render_report_png(report))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(results) == 8
    assert all(r == expected for r in results)


def test_reports_are_picklable_for_a_process_pool():
    report = cf.synthetic_report(fees=cf.full_fees())
    clone = pickle.loads(pickle.dumps(report))
    assert render_report_png(clone) == render_report_png(report)


def test_process_pool_render():
    import concurrent.futures
    import multiprocessing

    report = cf.with_governance(cf.synthetic_report())  # with the delegates panel
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        png = pool.submit(render_report_png, report).result(timeout=120)
    assert png_size(png) == (WIDTH, HEIGHT)
    assert png == render_report_png(report)  # the worker drew what this process draws


def test_png_pixels_match_the_canvas():
    fig = build_report_figure(cf.synthetic_report(fees=cf.full_fees()))
    png = figure_to_png(fig)
    canvas = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    image = Image.open(io.BytesIO(png))
    assert image.mode == "RGB"
    assert np.array_equal(np.asarray(image), canvas)


def test_encode_png_small_buffer():
    rgba = np.zeros((3, 2, 4), dtype=np.uint8)
    rgba[1, 0] = (255, 0, 0, 255)
    png = encode_png(rgba.tobytes(), 2, 3)
    assert png_size(png) == (2, 3)
    assert Image.open(io.BytesIO(png)).getpixel((0, 1)) == (255, 0, 0)


def test_warm_up_then_render():
    warm_up()
    assert png_size(render_report_png(cf.synthetic_report())) == (WIDTH, HEIGHT)


def test_figure_to_png_of_a_plain_figure():
    fig = new_figure()
    assert png_size(figure_to_png(fig)) == (WIDTH, HEIGHT)


def test_no_pyplot_and_no_rcparams_change():
    code = (
        "import sys, matplotlib\n"
        "keys = [k for k in matplotlib.rcParams if k != 'backend']  # 'backend' loads pyplot\n"
        "before = {k: str(matplotlib.rcParams[k]) for k in keys}\n"
        "sys.path[:0] = [sys.argv[1], sys.argv[1] + '/tests']\n"
        "import chart_fixtures as cf\n"
        "from charts.render import render_report_png, render_comparison_png, "
        "render_votes_png\n"
        "r = cf.synthetic_report(fees=cf.full_fees())\n"
        "render_report_png(r); render_comparison_png([r, r]);"
        " render_votes_png(cf.example_votes(), 'X', 'Y')\n"
        "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'\n"
        "changed = [k for k in keys if str(matplotlib.rcParams[k]) != before[k]]\n"
        "assert not changed, changed\n"
    )
    result = subprocess.run([sys.executable, "-c", code, str(ROOT)], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# --- CLI -------------------------------------------------------------------------------


def test_cli_analyze_writes_the_chart(tmp_path, capsys):
    from bot.cli import main

    holders = tmp_path / "holders.csv"
    rows = ["address,balance"] + [f"{cf.address(i)},{1000 / (i + 1):.4f}" for i in range(25)]
    holders.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "chart.png"
    assert main(["analyze", "--holders-file", str(holders), "--symbol", "TST",
                 "--chart", str(out)]) == 0
    assert png_size(out.read_bytes()) == (WIDTH, HEIGHT)
    assert "chart written to" in capsys.readouterr().err


def test_cli_chart_unwritable_path(tmp_path, capsys):
    from bot.cli import main

    holders = tmp_path / "holders.csv"
    holders.write_text("address,balance\n" + f"{cf.address(1)},5\n", encoding="utf-8")
    out = tmp_path / "missing-dir" / "chart.png"
    assert main(["analyze", "--holders-file", str(holders), "--chart", str(out)]) == 2
    assert "cannot write" in capsys.readouterr().err


# --- real data (../shared) -------------------------------------------------------------


@pytest.mark.parametrize(("symbol", "first_label"), [
    ("UNI", "Uniswap treasury"),
    ("AAVE", "Aave: Staked Aave"),
])
def test_real_report(symbol, first_label):
    need_shared()
    report = cf.real_report(symbol)
    fig = build_report_figure(report, view="raw")
    holders = axes_titled(fig, "Top 10 · raw view")
    assert holders.get_title(loc="left") == "Top 10 · raw view · % of 1,000 listed"
    assert len(bars(holders)) == 10
    assert texts_with_gid(holders, "holder-label")[0].startswith(first_label)
    assert f"dune file dune_balance_b_{symbol.lower()}.json" in all_text(fig)
    assert "as of 2026-02-19" in all_text(fig)
    assert len(fig.axes) == 2  # no fee panel: no fee data offline
    assert_inside(fig)
    png = render_report_png(report)
    assert png_size(png) == (WIDTH, HEIGHT)
    assert len(png) <= 200 * 1024


def test_real_comparison():
    need_shared()
    reports = [cf.real_report(s) for s in ("UNI", "AAVE", "COMP", "CRV")]
    fig = build_comparison_figure(reports)
    assert texts_with_gid(axes_titled(fig, "Top-10 share"), "group-label") == [
        "UNI", "AAVE", "COMP", "CRV"]
    # no fee data for any of them offline: the fee panel shrinks to one line
    assert len(fig.axes) == 2
    assert "Fees to holders, 30 d: no fee data for any of them" in all_text(fig)
    assert_inside(fig)
    assert png_size(render_comparison_png(reports)) == (WIDTH, HEIGHT)


# --- figures kept between renders, strings drawn whole -----------------------------------


def test_a_reused_figure_draws_what_a_fresh_one_does():
    with_fees = cf.synthetic_report(fees=cf.full_fees())
    without = cf.synthetic_report(n=3)
    fresh = figure_to_png(build_report_figure(with_fees))
    for report in (with_fees, without, cf.fees_only_report(), with_fees):
        png = render_report_png(report)
    assert png == fresh
    votes = cf.example_votes()
    fresh_votes = figure_to_png(build_votes_figure(votes, "Example DAO", "EX"))
    render_votes_png(cf.example_votes(n=2, with_empty=False), "Other", "")
    assert render_votes_png(votes, "Example DAO", "EX") == fresh_votes
    pair = [cf.synthetic_report(symbol="AAA"), cf.synthetic_report(symbol="BBB", seed=2)]
    fresh_pair = figure_to_png(build_comparison_figure(pair))
    render_comparison_png([*pair, cf.synthetic_report(symbol="CCC", seed=3)])
    assert render_comparison_png(pair) == fresh_pair


def test_build_functions_hand_out_fresh_figures():
    report = cf.synthetic_report()
    first, second = build_report_figure(report), build_report_figure(report)
    assert first is not second
    render_report_png(cf.synthetic_report(fees=cf.full_fees()))  # reuses its own figure
    assert all_text(first) == all_text(second) and len(first.axes) == 2


def _ink(rgba: np.ndarray) -> tuple[int, int, int, int, float]:
    """Bounding box (x0, y0, x1, y1) and total of the pixels that differ from the card."""
    card = np.array([int(style.CARD[i:i + 2], 16) for i in (1, 3, 5)])
    diff = np.abs(rgba[..., :3].astype(int) - card).sum(axis=2)
    ys, xs = np.nonzero(diff > 30)
    return int(xs.min()), int(ys.min()), int(xs.max()), int(ys.max()), float(diff.sum())


@pytest.mark.parametrize("rotation", [0, 90])
def test_strings_drawn_whole_look_like_matplotlibs_own(rotation):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from charts.canvas import clear_text_caches

    def draw(fig: Figure) -> np.ndarray:
        fig.text(0.3, 0.5, "Binance 8 · Top 10 holders … 27%", fontsize=style.TICK_SIZE,
                 rotation=rotation, parse_math=False, **style.TEXT_KW)
        fig.canvas.draw()
        return np.asarray(fig.canvas.buffer_rgba()).copy()

    stock = Figure(figsize=style.FIGSIZE, dpi=style.DPI, facecolor=style.CARD)
    FigureCanvasAgg(stock)
    clear_text_caches()
    ours, cached, theirs = draw(new_figure()), draw(new_figure()), draw(stock)
    assert np.array_equal(ours, cached)  # the kept bitmap draws the same pixels
    *box, total = _ink(ours)
    *their_box, their_total = _ink(theirs)
    assert np.abs(np.subtract(box, their_box)).max() <= 2  # same place, within 2 px
    assert total == pytest.approx(their_total, rel=0.05)  # same amount of ink


def test_lorenz_curves_of_a_holder_table_use_its_columns():
    report = cf.synthetic_report()
    fig = build_report_figure(report)
    as_objects = build_report_figure(replace(report, holders=tuple(report.holders)))
    for a, b in zip(fig.axes[0].lines, as_objects.axes[0].lines, strict=True):
        assert np.array_equal(a.get_xydata(), b.get_xydata())


def test_kept_strings_are_kept_per_font_size_and_weight():
    def ink(**kw) -> float:
        fig = new_figure()
        fig.text(0.3, 0.5, "Top 10 holders", parse_math=False, **style.TEXT_KW, **kw)
        fig.canvas.draw()
        return _ink(np.asarray(fig.canvas.buffer_rgba()))[4]

    normal, bold, big = ink(fontsize=14), ink(fontsize=14, fontweight="bold"), ink(fontsize=20)
    assert normal == ink(fontsize=14)  # drawn again from the kept bitmap: the same
    assert len({normal, bold, big}) == 3 and bold > normal and big > normal


def test_truncated_list_says_how_many_and_both_ginis():
    """The Lorenz panel of a top-40 list of 5,000 holders: the axis says "top 40 of 5,000",
    and each curve names the listed Gini and the all-holder bounds."""
    base = cf.synthetic_report()
    views = score_views(base.holders, supply=base.views.raw.denominator, holder_count=5000)
    report = replace(base, views=views)
    lorenz = axes_titled(build_report_figure(report), "Lorenz curve")
    assert texts_with_gid(lorenz, "axis-label")[0] == "share of the top 40 of 5,000 holders"
    raw = views.raw
    assert raw.gini_all is not None
    assert lorenz_names(lorenz)[0] == (
        f"raw view · Gini {raw.scores.gini:.2f} of the listed · "
        f"{raw.gini_all.low:.2f}–{raw.gini_all.high:.2f} of all holders")


def test_subtitle_keeps_the_unidentified_caveat():
    report = cf.synthetic_report()
    caveat = next(r for r in report.verdict.reasons if "unidentified" in r)
    short = caveat.replace(" holders are unidentified", " unidentified")
    assert short.endswith("owner-held unidentified")
    assert short in all_text(build_report_figure(report))
