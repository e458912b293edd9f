"""Benchmark the charts: median render time and PNG size per chart kind.

    python benchmarks/charts.py [--repeats 21] [--data DIR]

Each kind is rendered 3 times to warm up (fonts, caches), then ``--repeats`` times (≥ 15);
the table shows the median, 90th percentile and minimum wall time of the public
``render_*_png`` call (build + draw + PNG encode), the median process CPU time (less
disturbed when other processes share the cores) and the PNG size. Targets for the report
chart: ≤ 150 ms median, ≤ 200 KB.

Data: the real Dune top-1000 lists in ``../shared`` when present (as in the samples), else
synthetic 1000-holder lists. The fee split of the "report + fees" row is a made-up
benchmark input (it only exercises the fee panel), never shown as a real figure.
Timings are wall clock on a shared machine: run it when the machine is otherwise idle.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder comes first on sys.path and its name would shadow the
# ``charts`` package: put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "benchmarks"]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks.make_samples import DATA, SYMBOLS, example_votes, real_report  # noqa: E402
from charts.render import (  # noqa: E402
    render_comparison_png,
    render_report_png,
    render_votes_png,
)
from core.fees import FeeReport  # noqa: E402
from core.report import Report  # noqa: E402
from pipeline.assemble import analyze_holders  # noqa: E402
from pipeline.labels import LabelBook, label_holders  # noqa: E402
from scoring.fees import split_fees  # noqa: E402

WARMUP = 3


def synthetic_report(symbol: str, seed: int, n: int = 1000) -> Report:
    """A 1000-holder report from Pareto balances (token units), for machines without data."""
    rng = np.random.default_rng(seed)
    balances = (rng.pareto(1.1, n) + 1.0) * 1_000.0
    addresses = [f"0x{seed:04x}{i:036x}" for i in range(n)]
    holders = label_holders(addresses, balances.tolist(), LabelBook())
    return analyze_holders(holders, name=symbol, symbol=symbol, supply=None, holder_count=None,
                           sources=("synthetic benchmark list",), as_of="2026-02-19T00:00:00Z")


def load_reports(data: Path) -> tuple[dict[str, Report], str]:
    """Reports for UNI, AAVE, COMP, CRV: real when ``data`` exists, else synthetic."""
    if data.is_dir():
        reports = {s: real_report(data / f"dune_balance_b_{s.lower()}.json", s)
                   for s in SYMBOLS}
        return reports, f"real Dune lists in {data}"
    reports = {s: synthetic_report(s, i) for i, s in enumerate(SYMBOLS, 1)}
    return reports, "synthetic lists (../shared not found)"


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


def main(argv: list[str] | None = None) -> int:
    """Print the benchmark table; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21, help="timed runs per kind (≥ 15)")
    parser.add_argument("--data", type=Path, default=DATA, help="holder-list folder")
    args = parser.parse_args(argv)
    repeats = max(args.repeats, 15)
    reports, origin = load_reports(args.data)
    uni = reports["UNI"]
    # Benchmark input only: exercises the fee panel with a fully reported split.
    uni_fees = replace(uni, fees=FeeReport(split_30d=split_fees(12e6, 3e6, 1e6)))
    votes = example_votes()
    kinds: list[tuple[str, Callable[[], bytes]]] = [
        ("report (UNI)", lambda: render_report_png(uni)),
        ("report + fees", lambda: render_report_png(uni_fees)),
        ("comparison ×4", lambda: render_comparison_png([reports[s] for s in SYMBOLS])),
        ("votes (9 proposals)", lambda: render_votes_png(votes, "Example DAO", "")),
    ]
    print(f"data: {origin}; {repeats} timed runs after {WARMUP} warm-up runs\n")
    print(f"{'chart':<22}{'median ms':>10}{'p90 ms':>9}{'min ms':>9}{'CPU ms':>9}"
          f"{'PNG KB':>9}")
    for name, render in kinds:
        wall, cpu, size = measure(render, repeats)
        ms = sorted(t * 1000 for t in wall)
        p90 = ms[min(len(ms) - 1, round(0.9 * (len(ms) - 1)))]
        print(f"{name:<22}{statistics.median(ms):>10.1f}{p90:>9.1f}{ms[0]:>9.1f}"
              f"{statistics.median(cpu) * 1000:>9.1f}{size / 1024:>9.0f}")
    try:
        load = " · load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load = ""
    print(f"\nmedian/p90/min: wall clock; CPU ms: median process CPU time{load}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
