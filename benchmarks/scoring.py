"""Benchmark of :func:`scoring.metrics.score_balances` on heavy-tailed holder lists.

Run from the repository root::

    python benchmarks/scoring.py            # 1e5, 1e6 and 5e6 balances, 11 repeats
    python benchmarks/scoring.py --repeats 21 --sizes 1000000

Balances are drawn from a Pareto (α = 1.16, the "80/20" tail) and a lognormal (σ = 2.5)
distribution, scaled to token units like a real top-N list, with a few exact zeros (dropped
by the scorer). Every timing is taken after one untimed warm-up call, the scorer and
``np.sort`` taking turns; the table prints the median and the minimum over the repeats,
with ``np.sort`` alone as the floor a one-sort implementation cannot beat. Target: 1e6
balances in ≤ 40 ms (median). This is a benchmark, not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scoring.metrics import score_balances

TARGET_MS = {1_000_000: 40.0}


def make_balances(kind: str, n: int, seed: int = 0) -> np.ndarray:
    """``n`` heavy-tailed balances in token units (float64), about 0.1% of them zero."""
    rng = np.random.default_rng(seed)
    if kind == "pareto":
        x = (rng.pareto(1.16, n) + 1.0) * 10.0
    elif kind == "lognormal":
        x = rng.lognormal(mean=3.0, sigma=2.5, size=n)
    else:
        raise ValueError(kind)
    x[rng.integers(0, n, size=max(n // 1000, 1))] = 0.0
    return x


def time_calls(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Wall times (ms) of each ``fn()``, after one warm-up call each.

    The functions take turns within every repeat, so a neighbour process that slows the
    machine down for a while slows all of them alike (the machine is shared).
    """
    for fn in fns.values():
        fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append((time.perf_counter() - t0) * 1e3)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 5_000_000])
    parser.add_argument("--repeats", type=int, default=11, help="timed repeats (≥ 9)")
    parser.add_argument("--kinds", nargs="+", default=["pareto", "lognormal"])
    args = parser.parse_args(argv)
    repeats = max(args.repeats, 9)

    print(f"numpy {np.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
          f"{repeats} repeats after a warm-up")
    header = (f"{'distribution':<12} {'n':>10} {'score med':>10} {'score min':>10} "
              f"{'sort med':>9} {'sort min':>9} {'ratio':>6} {'target':>7}")
    print(header)
    print("-" * len(header))
    for kind in args.kinds:
        for n in args.sizes:
            x = make_balances(kind, n)
            times = time_calls({"score": lambda x=x: score_balances(x),
                                "sort": lambda x=x: np.sort(x)}, repeats)
            score_med, score_min = statistics.median(times["score"]), min(times["score"])
            sort_med, sort_min = statistics.median(times["sort"]), min(times["sort"])
            target = TARGET_MS.get(n)
            verdict = "" if target is None else ("ok" if score_med <= target else "SLOW")
            print(f"{kind:<12} {n:>10,} {score_med:>8.1f}ms {score_min:>8.1f}ms "
                  f"{sort_med:>7.1f}ms {sort_min:>7.1f}ms {score_med / sort_med:>6.2f} "
                  f"{verdict:>7}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
