"""Benchmark the charts: median render time and PNG size per chart kind.

    python benchmarks/charts.py [--repeats 21] [--data DIR] [--json]

Each kind is rendered 3 times to warm up (fonts, caches), then ``--repeats`` times (≥ 15);
the table shows the median, 90th percentile and minimum wall time of the public
``render_*_png`` call (build + draw + PNG encode), the median process CPU time (less
disturbed when other processes share the cores) and the PNG size. Targets for the report
chart: ≤ 150 ms median, ≤ 200 KB.

The baseline: the same report chart drawn the plain way — ``matplotlib.pyplot`` figure and
axes, ``barh`` with tick labels, ``legend``, default ticks, ``savefig`` (:func:`pyplot_report_png`:
same texts, curves, bars, colours and size). It is timed interleaved with the report chart,
run for run, so both see the same load; ``report / pyplot`` is the ratio of their medians
(target ≤ 0.4), for wall clock and for CPU time.

The "report + delegates" row is the same UNI report with an on-chain delegates panel (a
third column, :func:`charts.render.build_report_figure`); its governance part is a made-up
benchmark input (:func:`benchmark_governance`: twelve delegates scored by the real
``score_power``), never shown as a real figure. It is also timed interleaved with the
plain report, run for run: ``delegates / plain`` is the ratio of their medians.

Strings are rasterised and measured once per process and kept (:mod:`charts.canvas`,
:mod:`charts.format`), so repeated renders of one report reuse every label: the "cold text"
row empties those caches before each render — every string of that chart laid out and
rasterised anew, the cost of a chart whose labels were never drawn before.

Data: the real Dune top-1000 lists in ``../shared`` when present (as in the samples), else
synthetic 1000-holder lists. The fee split of the "report + fees" row is a made-up
benchmark input (it only exercises the fee panel), never shown as a real figure.
Timings are wall clock on a shared machine: run it when the machine is otherwise idle.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on sys.path and its name would shadow the
# ``charts`` package: put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.make_samples import DATA, SYMBOLS, example_votes, real_report  # noqa: E402
from charts import render, style  # noqa: E402
from charts.canvas import clear_text_caches  # noqa: E402
from charts.plots import holder_name, lorenz_points  # noqa: E402
from charts.render import (  # noqa: E402
    render_comparison_png,
    render_report_png,
    render_votes_png,
)
from core.categories import in_view  # noqa: E402
from core.fees import FeeReport  # noqa: E402
from core.governance import Delegate, GovernanceReport  # noqa: E402
from core.report import Report  # noqa: E402
from pipeline.assemble import analyze_holders  # noqa: E402
from pipeline.labels import LabelBook, label_holders  # noqa: E402
from scoring.fees import split_fees  # noqa: E402
from scoring.formatting import pct  # noqa: E402
from scoring.power import score_power  # noqa: E402

WARMUP = 3


def synthetic_report(symbol: str, seed: int, n: int = 1000) -> Report:
    """A 1000-holder report from Pareto balances (token units), for machines without data."""
    rng = np.random.default_rng(seed)
    balances = (rng.pareto(1.1, n) + 1.0) * 1_000.0
    addresses = [f"0x{seed:04x}{i:036x}" for i in range(n)]
    holders = label_holders(addresses, balances.tolist(), LabelBook())
    return analyze_holders(holders, name=symbol, symbol=symbol, supply=None, holder_count=None,
                           sources=("synthetic benchmark list",), as_of="2026-02-19T00:00:00Z")


def benchmark_governance(symbol: str = "UNI") -> GovernanceReport:
    """Made-up on-chain delegates for the "report + delegates" row (benchmark input only):
    twelve delegates from 9M tokens down, a 40M quorum, scored by ``score_power``."""
    votes = [9e6 * 0.8 ** i for i in range(12)]
    delegated = sum(votes)
    return GovernanceReport(
        dao="Benchmark DAO", symbol=symbol, chain="ethereum", governor="0x" + "40" * 20,
        governor_label="Benchmark GovernorBravo", kind="bravo", block=20_000_000,
        as_of="2026-02-19T00:00:00Z", quorum=40e6, quorum_rule="For votes ≥ quorum",
        proposal_threshold=2.5e6, supply=1e9, delegated_votes=delegated,
        delegated_exact=True,
        delegates=tuple(Delegate(f"0x{i:040x}", v, v / delegated, v / 1e9)
                        for i, v in enumerate(votes)),
        delegates_found=len(votes),
        scores=score_power(votes, quorum=40e6, threshold=2.5e6, delegated=delegated,
                           supply=1e9),
        method="benchmark input", complete=True, completeness="complete (benchmark input)",
        source="Ethereum JSON-RPC")


def load_reports(data: Path) -> tuple[dict[str, Report], str]:
    """Reports for UNI, AAVE, COMP, CRV: real when ``data`` exists, else synthetic."""
    if data.is_dir():
        reports = {s: real_report(data / f"dune_balance_b_{s.lower()}.json", s)
                   for s in SYMBOLS}
        return reports, f"real Dune lists in {data}"
    reports = {s: synthetic_report(s, i) for i, s in enumerate(SYMBOLS, 1)}
    return reports, "synthetic lists (../shared not found)"


def pyplot_report_png(report: Report) -> bytes:
    """The report chart's content drawn with plain pyplot (the baseline; see the module doc).

    Same figure size, texts, Lorenz curves (the same downsampled points), top-10 bars and
    category key, drawn with the usual calls: ``plt.figure``, ``add_axes``, ``plot``,
    ``barh`` + ``set_yticks(labels=…)``, default tick machinery, ``legend``, ``savefig``.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    assert report.holders is not None and report.verdict is not None
    fig = plt.figure(figsize=style.FIGSIZE, dpi=style.DPI, facecolor=style.CARD)
    fig.text(0.025, 0.965, report.title, ha="left", va="top", fontsize=style.TITLE_SIZE,
             fontweight="bold", color=style.TEXT)
    fig.text(0.975, 0.935, str(report.verdict.level or "withheld").upper(), ha="right", va="center",
             fontsize=style.SUBTITLE_SIZE + 1, fontweight="bold", color=style.CARD,
             bbox={"boxstyle": "round,pad=0.45", "facecolor": "#4cd6a0", "edgecolor": "none"})
    fig.text(0.025, 0.885, "; ".join(report.verdict.reasons[:2]), ha="left", va="top",
             fontsize=style.SUBTITLE_SIZE, color=style.MUTED)
    _pyplot_lorenz(fig.add_axes((0.07, 0.175, 0.29, 0.6), facecolor=style.PANEL), report)
    _pyplot_top_holders(fig.add_axes((0.65, 0.175, 0.325, 0.6), facecolor=style.PANEL),
                        report)
    fig.text(0.025, 0.018, render._report_footer(report), fontsize=style.FOOTER_SIZE,
             color=style.MUTED)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", facecolor=style.CARD)
    plt.close(fig)
    return buffer.getvalue()


def _pyplot_lorenz(ax: Any, report: Report) -> None:
    """The Lorenz panel of :func:`pyplot_report_png` (default ticks, labels and grid)."""
    assert report.holders is not None and report.views is not None
    ax.plot((0, 1), (0, 1), color=style.EQUALITY, linewidth=1.5, linestyle="--")
    for i, view in enumerate(("raw", "owners")):
        x, y = lorenz_points(report.holders.view_balances(view)  # type: ignore[attr-defined]
                             if hasattr(report.holders, "view_balances") else
                             [h.balance for h in report.holders if in_view(h.category, view)])
        ax.plot(x, y, color=style.VIEW_COLORS[view], linewidth=2.6)
        scores = report.views.get(view).scores
        ax.text(0.04, 0.95 - 0.085 * i, f"{style.VIEW_NAMES[view]} · Gini {scores.gini:.2f}"
                if scores else view, transform=ax.transAxes, va="top", fontweight="bold",
                color=style.VIEW_COLORS[view], fontsize=style.LEGEND_SIZE + 1)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xticks([0, 0.5, 1], ["0", "50%", "100%"])
    ax.set_yticks([0.5, 1], ["50%", "100%"])
    ax.tick_params(colors=style.TEXT, labelsize=style.TICK_SIZE)
    ax.grid(True, color=style.GRID)
    ax.set_xlabel("share of holders", color=style.MUTED, fontsize=style.LABEL_SIZE)
    ax.set_ylabel("share of tokens", color=style.MUTED, fontsize=style.LABEL_SIZE)
    ax.set_title("Lorenz curve", loc="left", color=style.TEXT, fontweight="bold",
                 fontsize=style.PANEL_TITLE_SIZE)


def _pyplot_top_holders(bx: Any, report: Report) -> None:
    """The top-10 panel of :func:`pyplot_report_png` (``barh``, tick labels, ``legend``)."""
    from matplotlib.patches import Patch

    assert report.holders is not None and report.views is not None
    top = report.holders[:10]
    denominator = report.views.raw.denominator
    shares = [h.balance / denominator for h in top]
    colors = [style.CATEGORY_COLORS[h.category] for h in top]
    bx.barh(range(len(top)), shares, color=colors)
    bx.set_yticks(range(len(top)), [holder_name(h)[:24] for h in top])
    bx.invert_yaxis()
    bx.tick_params(colors=style.TEXT, labelsize=style.TICK_SIZE)
    bx.set_xticks([])
    for row, share in enumerate(shares):
        bx.text(share, row, " " + pct(share), va="center", color=style.TEXT,
                fontsize=style.VALUE_SIZE)
    categories = list(dict.fromkeys(h.category for h in top))
    bx.legend(handles=[Patch(color=style.CATEGORY_COLORS[c], label=style.CATEGORY_NAMES[c])
                       for c in categories], loc="upper left", bbox_to_anchor=(-0.5, -0.01),
              ncol=len(categories), frameon=False, labelcolor=style.TEXT,
              fontsize=style.LEGEND_SIZE)
    bx.set_title("Top 10 holders", loc="left", color=style.TEXT, fontweight="bold",
                 fontsize=style.PANEL_TITLE_SIZE)


def interleaved(ours: Callable[[], bytes], baseline: Callable[[], bytes],
                repeats: int) -> tuple[tuple[list[float], list[float]],
                                       tuple[list[float], list[float]]]:
    """Wall and CPU times of ``ours`` and ``baseline``, called in turn ``repeats`` times
    each after :data:`WARMUP` calls each (so both see the same load)."""
    for _ in range(WARMUP):
        ours()
        baseline()
    times: list[list[float]] = [[], [], [], []]
    for _ in range(repeats):
        for k, render_once in enumerate((ours, baseline)):
            start, start_cpu = time.perf_counter(), time.process_time()
            render_once()
            times[2 * k + 1].append(time.process_time() - start_cpu)
            times[2 * k].append(time.perf_counter() - start)
    return (times[0], times[1]), (times[2], times[3])


def measure(render: Callable[[], bytes], repeats: int) -> tuple[list[float], list[float], int]:
    """Wall and process-CPU times (seconds) of ``repeats`` calls after :data:`WARMUP`
    calls, and the PNG size in bytes. CPU time is less disturbed by other processes."""
    png = b""
    for _ in range(WARMUP):
        png = render()
    wall, cpu = [], []
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        png = render()
        cpu.append(time.process_time() - start_cpu)
        wall.append(time.perf_counter() - start)
    return wall, cpu, len(png)


def _median_ms(values: list[float]) -> float:
    """The median of ``values`` (seconds) in ms, to 0.1 ms."""
    return round(statistics.median(values) * 1000, 1)


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table (or ``--json``); returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21, help="timed runs per kind (≥ 15)")
    parser.add_argument("--data", type=Path, default=DATA, help="holder-list folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    repeats = max(args.repeats, 15)
    reports, origin = load_reports(args.data)
    uni = reports["UNI"]
    # Benchmark input only: exercises the fee panel with a fully reported split.
    uni_fees = replace(uni, fees=FeeReport(split_30d=split_fees(12e6, 3e6, 1e6)))
    # Benchmark input only: exercises the delegates panel (see benchmark_governance).
    uni_gov = replace(uni, governance=benchmark_governance(uni.symbol))
    votes = example_votes()
    kinds: list[tuple[str, Callable[[], bytes]]] = [
        ("report (UNI)", lambda: render_report_png(uni)),
        ("report, cold text", lambda: (clear_text_caches(), render_report_png(uni))[1]),
        ("report + fees", lambda: render_report_png(uni_fees)),
        ("report + delegates", lambda: render_report_png(uni_gov)),
        ("comparison ×4", lambda: render_comparison_png([reports[s] for s in SYMBOLS])),
        ("votes (9 proposals)", lambda: render_votes_png(votes, "Example DAO", "")),
    ]
    charts = {}
    for name, render_once in kinds:
        wall, cpu, size = measure(render_once, repeats)
        ms = sorted(t * 1000 for t in wall)
        charts[name] = {"median_ms": _median_ms(wall),
                        "p90_ms": round(ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))], 1),
                        "min_ms": round(ms[0], 1), "cpu_ms": _median_ms(cpu),
                        "png_kb": round(size / 1024)}
    (ours_wall, ours_cpu), (plt_wall, plt_cpu) = interleaved(
        lambda: render_report_png(uni), lambda: pyplot_report_png(uni), repeats)
    (gov_wall, gov_cpu), (plain_wall, plain_cpu) = interleaved(
        lambda: render_report_png(uni_gov), lambda: render_report_png(uni), repeats)
    result = {
        "data": origin, "repeats": repeats, "charts": charts,
        "delegates_ms": _median_ms(gov_wall), "plain_report_ms": _median_ms(plain_wall),
        "delegates_vs_plain": round(statistics.median(gov_wall)
                                    / statistics.median(plain_wall), 3),
        "delegates_vs_plain_cpu": round(statistics.median(gov_cpu)
                                        / statistics.median(plain_cpu), 3),
        "report_ms": _median_ms(ours_wall), "pyplot_report_ms": _median_ms(plt_wall),
        "report_vs_pyplot": round(statistics.median(ours_wall) / statistics.median(plt_wall), 3),
        "report_vs_pyplot_cpu": round(statistics.median(ours_cpu) / statistics.median(plt_cpu),
                                      3),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"data: {origin}; {repeats} timed runs after {WARMUP} warm-up runs\n")
    print(f"{'chart':<22}{'median ms':>10}{'p90 ms':>9}{'min ms':>9}{'CPU ms':>9}"
          f"{'PNG KB':>9}")
    for name, row in charts.items():
        print(f"{name:<22}{row['median_ms']:>10.1f}{row['p90_ms']:>9.1f}{row['min_ms']:>9.1f}"
              f"{row['cpu_ms']:>9.1f}{row['png_kb']:>9}")
    print(f"\nreport vs plain pyplot, interleaved: {result['report_ms']:.1f} ms vs "
          f"{result['pyplot_report_ms']:.1f} ms = {result['report_vs_pyplot']:.2f}× wall "
          f"({result['report_vs_pyplot_cpu']:.2f}× CPU; target ≤ 0.4)")
    print(f"report + delegates vs plain report, interleaved: {result['delegates_ms']:.1f} ms "
          f"vs {result['plain_report_ms']:.1f} ms = {result['delegates_vs_plain']:.2f}× wall "
          f"({result['delegates_vs_plain_cpu']:.2f}× CPU)")
    print("median/p90/min: wall clock; CPU ms: median process CPU time · load average "
          "{:.2f} {:.2f} {:.2f}".format(*result["load_average"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
