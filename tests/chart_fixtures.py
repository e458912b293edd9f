"""Small synthetic Reports for the chart tests (and nothing else; no pytest fixtures here).

Holders are built through the real pipeline — ``pipeline.assemble.label_holders`` with
user labels, then ``analyze_holders`` — from made-up balances, so every category, share and
verdict in these reports is what the scoring engine computes. Fee and vote numbers are
made up and only ever used in tests.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from core.categories import Category
from core.fees import FeeReport, FeeSplit
from core.governance import Delegate, GovernanceReport
from core.labels import Label
from core.report import Report, SourceRef
from core.votes import ProposalPower, VoteReport
from pipeline.assemble import analyze_holders
from pipeline.labels import LabelBook, label_holders
from scoring.fees import split_fees
from scoring.metrics import score_balances
from scoring.power import score_power

#: ../shared beside the repository (real holder lists); may be absent.
SHARED = Path(__file__).resolve().parents[2] / "shared"
HOLDER_DIR = SHARED / "data" / "holders_dune_2026-02-19"

LONG_LABEL = ("Extremely long custodian label " * 7)[:200]

# (label, category) of the first synthetic holders; the rest are unlabelled.
_LABELS: tuple[tuple[str, Category], ...] = (
    ("DAO treasury (timelock)", Category.TREASURY),
    ("Big Exchange 14", Category.EXCHANGE),
    ("Staked TOKEN (stkTOKEN)", Category.STAKING),
    ("L2 bridge escrow", Category.BRIDGE),
    ("Burn address", Category.BURN),
    ("Venture fund multisig", Category.FUND),
    ("", Category.UNLABELED_CONTRACT),
    ("", Category.WALLET),
)


def address(i: int) -> str:
    """A deterministic 42-character address for holder ``i``."""
    return "0x" + f"{i + 1:040x}"


def synthetic_report(
    n: int = 40,
    *,
    name: str = "Testswap",
    symbol: str = "TST",
    supply: float | None = 2_000_000.0,
    fees: FeeSplit | None = None,
    first_label: str | None = None,
    seed: int = 1,
) -> Report:
    """A report of ``n`` holders with Pareto-like balances (token units), labelled through
    the real label book; ``first_label`` overrides the largest holder's label."""
    rng = np.random.default_rng(seed)
    balances = np.sort(rng.pareto(1.2, size=n) + 1.0)[::-1] * 10_000.0
    balances[0] = max(balances[0], balances[1] * 1.5) if n > 1 else balances[0]
    book = LabelBook()
    for i, (label, category) in enumerate(_LABELS[:n]):
        text = first_label if i == 0 and first_label is not None else label
        book.add(address(i), Label(text, category, "test"))
    holders = label_holders([address(i) for i in range(n)], balances.tolist(), book)
    total = float(balances.sum())
    report = analyze_holders(
        holders, name=name, symbol=symbol,
        supply=max(supply, total) if supply is not None else None,
        holder_count=None, sources=("test fixture",), as_of="2026-02-19T06:27:38Z",
    )
    if fees is None:
        return report
    return _with_fees(report, fees)


def _with_fees(report: Report, fees: FeeSplit) -> Report:
    return replace(report, fees=FeeReport(split_30d=fees),
                   sources=(SourceRef("fees", "DefiLlama fees (test)"),))


def full_fees() -> FeeSplit:
    """A fully reported 30-day split (USD): 12 M fees, 3 M revenue, 1 M to holders."""
    return split_fees(12_000_000.0, 3_000_000.0, 1_000_000.0)


def fees_without_holders_part() -> FeeSplit:
    """Fees and revenue reported, holders revenue not (treasury/holders unknown)."""
    return split_fees(8_500_000.0, 2_100_000.0, None)


def fees_only_report(fees: FeeSplit | None = None) -> Report:
    """A report with fees but no holder data (holders/views/verdict None)."""
    return Report(
        name="Feeswap", symbol="FEE", holders=None, views=None, verdict=None,
        provenance=None, fees=FeeReport(split_30d=fees or full_fees()),
        sources=(SourceRef("fees", "DefiLlama fees (test)"),),
        missing=("holder list: the holder API did not answer",),
    )


def example_votes(n: int = 6, *, with_empty: bool = True) -> VoteReport:
    """A VoteReport of ``n`` proposals with made-up voting power; the last one without votes
    when ``with_empty``."""
    rng = np.random.default_rng(3)
    proposals = []
    for i in range(n):
        end = 1_767_225_600 - i * 86_400 * 5
        if with_empty and i == n - 1:
            proposals.append(ProposalPower(f"p{i}", f"Proposal {i}: nobody voted", end, 0, None))
            continue
        vp = rng.lognormal(3.0, 2.0, size=50 + 10 * i)
        proposals.append(ProposalPower(f"p{i}", f"Proposal {i}: adjust parameter {i}", end,
                                       vp.size, score_balances(vp)))
    return VoteReport("test.eth", tuple(proposals), note="test data")


def real_report(symbol: str) -> Report:
    """The report of a real Dune holder list from ``../shared`` (caller skips if absent)."""
    from sources.holder_files import read_holder_file

    path = HOLDER_DIR / f"dune_balance_b_{symbol.lower()}.json"
    holder_list = read_holder_file(path, symbol)
    holders = label_holders(holder_list.addresses, holder_list.balances, LabelBook(),
                            holder_list.live_labels)
    return analyze_holders(holders, name=symbol, symbol=symbol,
                           supply=holder_list.supply_hint, holder_count=None,
                           sources=(f"dune file {path.name}",), as_of=holder_list.as_of)


def governance(votes: tuple[float, ...] = (9e6, 8e6, 7e6, 6e6, 5e6, 4e6, 3e6, 2e6, 1e6, 5e5,
                                          2e5, 1e5),
               *, quorum: float | None = 20e6, complete: bool = True, symbol: str = "TST",
               block: int = 20_000_000) -> GovernanceReport:
    """Made-up on-chain delegates (largest first, tokens) scored by the real
    :func:`scoring.power.score_power`, read "at" ``block`` from "Ethereum JSON-RPC"."""
    delegated = sum(votes)
    delegates = tuple(Delegate(address(900 + i), v, v / delegated, v / 1e9)
                      for i, v in enumerate(votes))
    return GovernanceReport(
        dao="Testswap", symbol=symbol, chain="ethereum", governor="0x" + "40" * 20,
        governor_label="Testswap GovernorBravo", kind="bravo", block=block,
        as_of="2024-05-01T12:30:00Z", quorum=quorum, quorum_rule="For votes ≥ quorum",
        proposal_threshold=2.5e6, supply=1e9, delegated_votes=delegated,
        delegated_exact=complete, delegates=delegates, delegates_found=len(votes),
        scores=score_power(votes, quorum=quorum, threshold=2.5e6, delegated=delegated,
                           supply=1e9, delegated_exact=complete),
        method="test fixture", complete=complete,
        completeness="complete: a full log scan" if complete else "lower bound: top holders",
        source="Ethereum JSON-RPC")


def with_governance(report: Report, gov: GovernanceReport | None = None) -> Report:
    """``report`` with on-chain delegates (:func:`governance` by default)."""
    return replace(report, governance=gov if gov is not None else governance())
