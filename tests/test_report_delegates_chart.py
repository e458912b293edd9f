"""The report chart's delegates panel: top delegates (cumulative) against the quorum line.

The six on-chain DAOs come through the whole pipeline against the JSON-RPC stand-in
(:mod:`tests.fake_governance`, the same answers as ``tests/test_governance.py``); the edge
cases use :func:`chart_fixtures.governance` (made-up votes scored by the real
``score_power``). Every check reads the figure's artists or the PNG's pixels; nothing here
asserts wall-clock times (see benchmarks/charts.py).
"""

from __future__ import annotations

import asyncio
import io
import itertools
import pickle
from dataclasses import replace
from pathlib import Path

import chart_fixtures as cf
import httpx
import numpy as np
import pytest
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from PIL import Image
from test_charts import (
    HEIGHT,
    WIDTH,
    all_text,
    assert_inside,
    axes_titled,
    bars,
    png_size,
    texts_of,
)

from charts import render
from charts.delegates import BELOW, REACHED
from charts.render import PANEL_DELEGATES, build_report_figure, figure_to_png, render_report_png
from core.governance import GovernanceReport
from core.report import Report
from scoring.formatting import moment_text
from tests.fake_governance import default_dao

PANEL = "Delegates vs quorum"
DAOS = ("uniswap", "compound-v3", "aave", "ens", "arbitrum", "optimism")


# --- helpers ---------------------------------------------------------------------------


def overlapping_texts(fig: Figure, tolerance: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of visible texts whose drawn boxes overlap by more than ``tolerance`` px
    both ways (after drawing)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts_of(fig)]
    pairs = []
    for (a, ea), (b, eb) in itertools.combinations(boxes, 2):
        wide = min(ea.x1, eb.x1) - max(ea.x0, eb.x0)
        high = min(ea.y1, eb.y1) - max(ea.y0, eb.y0)
        if wide > tolerance and high > tolerance:
            pairs.append((a, b))
    return pairs


def panels(fig: Figure) -> list[str]:
    return [ax.get_title(loc="left") for ax in fig.axes]


def gid_texts(fig: Figure, gid: str) -> list[str]:
    return [t.get_text() for t in texts_of(fig) if t.get_gid() == gid]


def check_panel(fig: Figure, gov: GovernanceReport) -> None:
    """The panel draws ``gov``: bar k = the top k delegates' votes together, the dashed
    line at the quorum, the first bar at quorum (and only from there on) in the warning
    colour and its count too, the block and completeness over it, node and time under it."""
    ax = axes_titled(fig, PANEL)
    shown = gov.delegates[:PANEL_DELEGATES]
    heights = [b.get_height() for b in bars(ax)]
    assert heights == pytest.approx(list(itertools.accumulate(d.votes for d in shown)))
    quorum = [line for line in ax.get_lines() if line.get_gid() == "quorum-line"]
    assert len(quorum) == 1 and quorum[0].get_ydata()[0] == gov.quorum
    k = gov.scores.delegates_to_quorum
    assert k is not None and 1 <= k <= len(shown)
    colours = [b.get_facecolor() for b in bars(ax)]
    assert colours[:k - 1] == [to_rgba(BELOW)] * (k - 1)
    assert colours[k - 1:] == [to_rgba(REACHED)] * (len(shown) - k + 1)
    ranks = [t for t in ax.texts if t.get_gid() == "delegate-rank"]
    assert [t.get_text() for t in ranks] == [str(i) for i in range(1, len(shown) + 1)]
    assert [to_rgba(t.get_color()) == to_rgba(REACHED) for t in ranks].index(True) == k - 1
    scope = gid_texts(fig, "delegates-scope")
    word = "complete up to" if gov.complete else "lower bound at"
    assert scope == [f"{word} block {gov.block:,}"]
    (source,) = gid_texts(fig, "delegates-source")
    assert source.startswith(f"{gov.source} · {moment_text(gov.as_of)[:10]}")
    label = [t.get_text() for t in ax.texts if t.get_gid() == "quorum-label"]
    assert label and label[0].startswith("quorum ")
    # the quorum's key sits above every bar
    renderer = fig.canvas.get_renderer()
    key = next(t for t in ax.texts if t.get_gid() == "quorum-label")
    key_box = key.get_window_extent(renderer)
    assert all(b.get_window_extent(renderer).y1 < key_box.y0 for b in bars(ax))


async def _analyze(slug: str, cache: Path) -> Report:
    """``slug`` through the whole pipeline against the stand-ins (as test_governance)."""
    from pipeline.analyze import Services, analyze_protocol
    from sources.config import SourcesConfig
    from sources.directory import Directory
    from sources.http import HttpClient, make_http_client
    from sources.protocols import BUILTIN
    from tests.fake_upstream import FakeUpstream

    fake = FakeUpstream.default()  # Ethereum, OP Mainnet and Arbitrum One nodes
    cfg = SourcesConfig(cache_dir=cache)
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(fake.handler)),
                      default_rate=(10_000, 1), rate_limits={})
    services = Services(cfg, http, Directory(http, cfg))
    record = next(b.record for b in BUILTIN if b.record.slug == slug)
    try:
        report = await analyze_protocol(services, record)
        await services.delegate_scans.aclose()
    finally:
        await http.aclose()
    return report


@pytest.fixture(scope="module")
def dao_reports(tmp_path_factory) -> dict[str, Report]:
    return {slug: asyncio.run(_analyze(slug, tmp_path_factory.mktemp(slug))) for slug in DAOS}


# --- the six DAOs through the stand-in --------------------------------------------------


@pytest.mark.parametrize("fees", [True, False], ids=["fees", "no-fees"])
@pytest.mark.parametrize("slug", DAOS)
def test_each_dao_gets_the_panel(dao_reports, slug, fees):
    report = dao_reports[slug]
    gov = report.governance
    assert gov is not None and gov.delegates and gov.quorum is not None
    # uniswap, compound and aave have holders and fees in the stand-in; the others neither
    report = replace(report, fees=dao_reports["uniswap"].fees if fees else None)
    fig = build_report_figure(report)
    check_panel(fig, gov)
    if report.holders:
        assert panels(fig)[:2] == ["Lorenz curves", "Top 10 · owners view"]
        assert gid_texts(fig, "holders-note")[0].startswith("% of ")
    else:
        assert "holder data unavailable" in all_text(fig)
    assert ("Fees, 30 days" in all_text(fig)) == fees
    assert_inside(fig)
    assert overlapping_texts(fig) == []


def test_long_names_labels_and_sources_stay_apart(dao_reports):
    uni = dao_reports["uniswap"]
    assert uni.holders is not None and uni.governance is not None
    long_label = replace(uni.holders[0], label=cf.LONG_LABEL)
    gov = replace(uni.governance, complete=False, block=280_000_000, symbol="LONGSYMBOL",
                  source="Arbitrum One JSON-RPC via a very long provider name",
                  quorum=123_456_789.0)
    report = replace(uni, name="W" * 120, holders=(long_label, *uni.holders[1:]),
                     governance=gov)
    for variant in (report, replace(report, fees=None), replace(report, holders=None)):
        fig = build_report_figure(variant)
        assert_inside(fig)
        assert overlapping_texts(fig) == []
        assert gid_texts(fig, "delegates-scope") == ["lower bound at block 280,000,000"]
        assert gid_texts(fig, "delegates-source")[0].endswith("…")


# --- when the panel is there, and what stands in for it ---------------------------------


def test_no_panel_without_governance_and_the_layout_stays():
    plain = cf.synthetic_report(fees=cf.full_fees())
    fig = build_report_figure(plain)
    assert PANEL not in panels(fig) and len(fig.axes) == 3
    assert axes_titled(fig, "Top 10").get_position().x0 == pytest.approx(0.65)
    assert not gid_texts(fig, "delegates-note")
    assert overlapping_texts(fig) == []
    # /holders (delegates=False) draws a report with delegates exactly like one without
    assert (render_report_png(cf.with_governance(plain), delegates=False)
            == render_report_png(plain))
    with_gov = build_report_figure(cf.with_governance(plain))
    assert panels(with_gov)[2] == PANEL and len(with_gov.axes) == 4
    # /fees: the fee split alone, never a delegates panel
    fees_only = cf.with_governance(replace(cf.fees_only_report(), parts=("fees",)))
    assert PANEL not in panels(build_report_figure(fees_only))


@pytest.mark.parametrize(("gov", "note"), [
    (cf.governance(()), "Delegates: none found at block 20,000,000"),
    (cf.governance((), complete=False),  # a scan under way: not "there are none"
     "Delegates: none found yet (block 20,000,000)"),
    (cf.governance(quorum=None), "Delegates: quorum unknown at block 20,000,000"),
])
def test_no_delegates_or_no_quorum_is_one_line(gov, note):
    for base in (cf.synthetic_report(fees=cf.full_fees()), cf.synthetic_report(),
                 cf.fees_only_report()):
        fig = build_report_figure(cf.with_governance(base, gov))
        assert PANEL not in panels(fig)
        assert gid_texts(fig, "delegates-note") == [note]
        assert_inside(fig)
        assert overlapping_texts(fig) == []


def test_governance_that_failed_is_one_line():
    failure = "Testswap — on-chain delegates: Ethereum JSON-RPC did not answer in time."
    report = replace(cf.synthetic_report(), missing=(failure,))
    fig = build_report_figure(report)
    assert PANEL not in panels(fig) and len(fig.axes) == 2
    (note,) = gid_texts(fig, "delegates-note")
    assert note.startswith("On-chain delegates: Ethereum JSON-RPC")  # no protocol again
    assert overlapping_texts(fig) == []
    # the same without holders: under the notice's reason
    fig = build_report_figure(replace(report, holders=None, missing=("no holders", failure)))
    assert gid_texts(fig, "delegates-note")[0].startswith("On-chain delegates: Ethereum")
    assert overlapping_texts(fig) == []


def test_a_lower_bound_that_never_reaches_quorum():
    gov = cf.governance((5e6, 4e6, 3e6), quorum=40e6, complete=False)
    assert gov.scores.delegates_to_quorum is None
    fig = build_report_figure(cf.with_governance(cf.synthetic_report(), gov))
    ax = axes_titled(fig, PANEL)
    assert [b.get_height() for b in bars(ax)] == [5e6, 9e6, 12e6]
    assert {b.get_facecolor() for b in bars(ax)} == {to_rgba(BELOW)}
    assert gid_texts(fig, "delegates-scope") == ["lower bound at block 20,000,000"]
    assert ax.get_ylim()[1] > 40e6  # the quorum line is on the panel
    assert [t.get_text() for t in ax.texts if t.get_gid() == "quorum-note"] == [
        "the 3 found do not reach it"]
    assert overlapping_texts(fig) == []


def test_quorum_beyond_the_bars_drawn_is_said():
    gov = cf.governance((3e6,) * 15, quorum=36e6)
    assert gov.scores.delegates_to_quorum == 12 > PANEL_DELEGATES
    fig = build_report_figure(cf.with_governance(cf.synthetic_report(), gov))
    ax = axes_titled(fig, PANEL)
    assert len(bars(ax)) == PANEL_DELEGATES
    assert {b.get_facecolor() for b in bars(ax)} == {to_rgba(BELOW)}
    assert [t.get_text() for t in ax.texts if t.get_gid() == "quorum-note"] == [
        "the top 12 reach it"]
    assert overlapping_texts(fig) == []
    # when the bars show it, no note
    fig = build_report_figure(cf.with_governance(cf.synthetic_report()))
    assert not [t for t in axes_titled(fig, PANEL).texts if t.get_gid() == "quorum-note"]


# --- machinery: reused figures, pickling, pixels ---------------------------------------


def test_reused_figures_keep_the_layouts_apart():
    plain = cf.synthetic_report(fees=cf.full_fees())
    with_gov = cf.with_governance(plain)
    fresh_gov = figure_to_png(build_report_figure(with_gov))
    fresh_plain = figure_to_png(build_report_figure(plain))
    render_report_png(plain)
    assert render_report_png(with_gov) == fresh_gov
    render_report_png(cf.with_governance(replace(plain, holders=None)))
    assert render_report_png(plain) == fresh_plain
    assert render_report_png(with_gov) == fresh_gov
    # picklable for the process pool, and drawn the same after the round trip
    assert render_report_png(pickle.loads(pickle.dumps(with_gov))) == fresh_gov


def reached_pixels(png: bytes) -> int:
    """How many pixels of the PNG's right-hand column (the delegates panel) are exactly
    the warning colour of the bars at quorum."""
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))
    colour = np.array([int(REACHED[i:i + 2], 16) for i in (1, 3, 5)])
    column = image[int(HEIGHT * 0.2):int(HEIGHT * 0.8), int(WIDTH * 0.745):]
    return int(np.all(column == colour, axis=2).sum())


def test_cli_analyze_uniswap_chart_has_the_panel(tmp_path, monkeypatch, capsys):
    """``lorenz analyze uniswap --chart PATH`` against the loopback stand-in (holders,
    fees, JSON-RPC): the chart written is the report with the delegates panel."""
    from bot.cli import main
    from tests.fake_upstream import FakeUpstream
    from tests.local_server import LocalUpstream, config_toml

    drawn: list[Figure] = []
    original = render.build_report_figure

    def spy(report: Report, **kwargs) -> Figure:
        drawn.append(original(report, **kwargs))
        return drawn[-1]

    monkeypatch.setattr(render, "build_report_figure", spy)
    monkeypatch.delenv("LORENZ_CONFIG", raising=False)
    server = LocalUpstream(FakeUpstream.default()).start()
    try:
        cfg = config_toml(tmp_path / "config.toml", server.base, tmp_path / "cache")
        out = tmp_path / "uni.png"
        assert main(["analyze", "uniswap", "--config", str(cfg), "--chart", str(out),
                     "--no-votes"]) == 0
    finally:
        server.stop()
    assert "chart written to" in capsys.readouterr().err
    png = out.read_bytes()
    assert png_size(png) == (WIDTH, HEIGHT)
    (fig,) = drawn
    ax = axes_titled(fig, PANEL)
    ranked = sorted(default_dao("uniswap").votes.values(), reverse=True)  # fake_governance
    assert [b.get_height() for b in bars(ax)][:3] == [ranked[0], sum(ranked[:2]),
                                                      sum(ranked[:3])]
    assert "complete up to block" in all_text(fig) or "lower bound at block" in all_text(fig)
    assert reached_pixels(png) > 1_000  # the bars at quorum are in the PNG
    assert reached_pixels(render_report_png(cf.synthetic_report())) == 0
