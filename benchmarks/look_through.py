"""Benchmark of looking through a wrapper (:func:`pipeline.look_through.look_through`).

Run from the repository root::

    python benchmarks/look_through.py                 # 1,000 holders, a 10,000-holder wrapper
    python benchmarks/look_through.py --repeats 41 --wrapper-holders 100000

A synthetic, labelled top-1,000 list (heavy-tailed balances, the wrapper its largest holder)
and a synthetic 10,000-holder list of the wrapper, a tenth of whose holders also hold the
token directly. The baseline, measured in the same run and taking turns with it, is scoring
the plain views of the list (:func:`scoring.views.score_views`); the table prints the median
and minimum of each and the ratio of the medians. This is a benchmark, not a test: nothing
here asserts a time; the numbers are fixtures, never shown as real data.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.scoring import time_calls
from pipeline.labels import LabelBook, label_holders
from pipeline.look_through import WrapperHolders, look_through
from scoring.views import score_views

WRAPPER = "0x4da27a545c0c5b758a6ba100e3a049001de870f5"  # stkAAVE's address (a built-in fact)


def make_inputs(holders: int, wrapper_holders: int, seed: int = 0):
    """The labelled direct list, its supply, and the wrapper's holder list."""
    rng = np.random.default_rng(seed)
    direct = [f"0x{int(x):040x}" for x in rng.integers(1, 2**62, holders)]
    direct[0] = WRAPPER
    balances = np.sort((rng.pareto(1.16, holders) + 1.0) * 1e3)[::-1].copy()
    book = LabelBook()
    table = label_holders(direct, balances, book)
    supply = float(balances.sum()) * 2
    shared = direct[1:1 + wrapper_holders // 10]
    own = [f"0x{int(x):040x}" for x in rng.integers(2**62, 2**63,
                                                    wrapper_holders - len(shared))]
    w_balances = (rng.pareto(1.3, wrapper_holders) + 1.0) * 10.0
    wrapper = WrapperHolders(WRAPPER, tuple(shared + own), w_balances,
                             float(w_balances.sum()) * 1.25, "benchmark fixture", "")
    return table, supply, wrapper, book


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--holders", type=int, default=1_000)
    parser.add_argument("--wrapper-holders", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=21)
    args = parser.parse_args(argv)
    table, supply, wrapper, book = make_inputs(args.holders, args.wrapper_holders)
    views = score_views(table, supply=supply)
    result = look_through(views, table, [wrapper], book)
    assert result.beneficial is not None and result.looked_through
    times = time_calls({
        "plain views (baseline)": lambda: score_views(table, supply=supply),
        "look-through": lambda: look_through(views, table, [wrapper], book),
    }, args.repeats)
    base = statistics.median(times["plain views (baseline)"])
    print(f"{args.holders:,} holders, a {args.wrapper_holders:,}-holder wrapper, "
          f"{args.repeats} repeats")
    print(f"{'what':<24} {'median ms':>10} {'min ms':>8} {'× baseline':>11}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:<24} {median:>10.2f} {min(values):>8.2f} {median / base:>11.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
