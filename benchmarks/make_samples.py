"""Render the sample charts in docs/ (README "Charts" section).

    python benchmarks/make_samples.py [--data DIR] [--out DIR]

* ``docs/report_uni.png``, ``docs/report_aave.png`` — the report chart of the real Dune
  top-1000 holder lists (``holders_dune_2026-02-19``), scored exactly like
  ``lorenz analyze --holders-file … --symbol UNI`` (no fees: none are recorded offline, and
  no made-up number goes into a chart presented as real);
* ``docs/compare.png`` — UNI / AAVE / COMP / CRV from the same real lists (fees n/a);
* ``docs/votes_example.png`` — the voting chart from clearly-labelled *example data* (no
  real Snapshot data exists offline), built by :func:`example_votes`.

The data folder defaults to ``../shared/data/holders_dune_2026-02-19`` beside the
repository; nothing is copied from it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if sys.path[0] != str(ROOT):  # run as a script: import the repository's packages
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from charts.render import (  # noqa: E402
    render_comparison_png,
    render_report_png,
    render_votes_png,
)
from core.report import Report  # noqa: E402
from core.votes import ProposalPower, VoteReport  # noqa: E402
from pipeline.assemble import analyze_holders  # noqa: E402
from pipeline.labels import LabelBook, label_holders  # noqa: E402
from scoring.metrics import score_balances  # noqa: E402
from sources.holder_files import read_holder_file  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "holders_dune_2026-02-19"
SYMBOLS = ("UNI", "AAVE", "COMP", "CRV")


def real_report(path: Path, symbol: str) -> Report:
    """Score one real holder file as ``lorenz analyze --holders-file PATH --symbol SYM`` does
    (built-in labels for Ethereum, supply = the file's hint or the listed sum)."""
    holder_list = read_holder_file(path, symbol)
    holders = label_holders(holder_list.addresses, holder_list.balances,
                            LabelBook(chain="ethereum"), holder_list.live_labels)
    notes = ("supply inferred from the file's share column",) if holder_list.supply_hint else ()
    return analyze_holders(
        holders, name=symbol, symbol=symbol, supply=holder_list.supply_hint,
        holder_count=None, sources=(f"{holder_list.format} file {path.name}",),
        as_of=holder_list.as_of, notes=notes, warnings=holder_list.warnings,
    )


def example_votes(seed: int = 7) -> VoteReport:
    """A made-up VoteReport for the sample voting chart: EXAMPLE DATA, not Snapshot's.

    Eight proposals with log-normal voting power (a few whales, many small voters) and one
    proposal without votes; deterministic for a given ``seed``.
    """
    rng = np.random.default_rng(seed)
    titles = (
        "Raise the treasury diversification cap",
        "Fund the grants program for Q3",
        "Onboard a new collateral asset",
        "Temperature check, fee switch",
        "Renew the security council",
        "Deploy on a new L2",
        "Adjust the emission schedule",
        "Ratify the delegate code of conduct",
        "Test proposal",
    )
    proposals = []
    end = 1_767_225_600  # 2026-01-01 UTC
    for i, title in enumerate(titles):
        end -= 6 * 86_400
        if i == len(titles) - 1:
            proposals.append(ProposalPower(f"0xexample{i}", title, end, 0, None))
            continue
        votes = int(rng.integers(40, 900))
        vp = rng.lognormal(mean=3.0, sigma=2.2 + 0.15 * i, size=votes)
        proposals.append(ProposalPower(f"0xexample{i}", title, end, votes, score_balances(vp)))
    return VoteReport("example.eth", tuple(proposals),
                      note="EXAMPLE DATA, not real Snapshot votes")


def main(argv: list[str] | None = None) -> int:
    """Write the four sample PNGs; returns the exit status (2 when the data is absent)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA, help="holder-list folder")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="output folder")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"make_samples: data folder {args.data} not found", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    reports = {s: real_report(args.data / f"dune_balance_b_{s.lower()}.json", s)
               for s in SYMBOLS}
    outputs = {
        "report_uni.png": render_report_png(reports["UNI"]),
        "report_aave.png": render_report_png(reports["AAVE"]),
        "compare.png": render_comparison_png([reports[s] for s in SYMBOLS]),
        "votes_example.png": render_votes_png(example_votes(), "Example DAO (example data)",
                                              ""),
    }
    for name, png in outputs.items():
        (args.out / name).write_bytes(png)
        print(f"{args.out / name}: {len(png) / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
