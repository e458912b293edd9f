"""The score and assemble stages: labelled holders → a :class:`core.report.Report`.

:func:`analyze_holders` scores a labelled holder list into views, a verdict and a
provenance. The offline path (``lorenz analyze --holders-file``, in :mod:`bot.cli`) calls it
directly; the live path (``lorenz analyze uniswap`` and the bot) ends in
:func:`build_report`, which labels the fetched holders (:func:`pipeline.labels.label_snapshot`),
scores them (:func:`score_snapshot`) and adds the fee and vote parts — so both paths give the
same numbers for the same data. Pure CPU work, no I/O: run it off the event loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from core.fees import FeeReport
from core.governance import GovernanceReport
from core.holder_table import as_table
from core.labels import Label
from core.protocol import ProtocolRecord
from core.report import Report, SourceRef
from core.views import Holder
from core.votes import VoteReport
from pipeline.fees import with_profit_flow
from pipeline.labels import LabelBook, label_snapshot
from pipeline.look_through import WrapperHolders, look_through
from scoring.verdict import (
    apply_power,
    fee_clause,
    make_provenance,
    make_verdict,
    power_only_verdict,
)
from scoring.views import score_views
from sources.holders import HolderSnapshot


def analyze_holders(
    holders: Sequence[Holder],
    *,
    name: str,
    symbol: str,
    supply: float | None,
    holder_count: int | None,
    sources: tuple[str, ...],
    as_of: str,
    extra_reasons: tuple[str, ...] = (),
    notes: tuple[str, ...] = (),
    warnings: tuple[str, ...] = (),
    wrappers: Sequence[WrapperHolders] = (),
    book: LabelBook | None = None,
) -> Report:
    """Score labelled holders into a report (views, verdict, provenance).

    ``holders`` (largest first) are kept in the report as a
    :class:`~core.holder_table.HolderTable`: columns, with ``Holder`` objects made only for
    the rows a reader asks for. ``wrappers`` are the holder lists of wrappers among them:
    looked through into the beneficial view (:func:`pipeline.look_through.look_through`),
    their holders labelled by ``book`` (default: Ethereum's built-in facts only).

    Raises:
        ValueError: from the scoring engine (empty list, supply below the listed sum…).
    """
    holders = as_table(holders)
    views = score_views(holders, supply=supply, holder_count=holder_count)
    views = look_through(views, holders, wrappers, book or LabelBook())
    if views.bounds_problem:
        warnings = (*warnings, views.bounds_problem)
    verdict = make_verdict(views, symbol, extra_reasons)
    provenance = make_provenance(views, sources, as_of or "unknown", symbol, notes)
    return Report(
        name=name, symbol=symbol, holders=holders, views=views, verdict=verdict,
        provenance=provenance, warnings=warnings,
    )


def _supply_and_notes(
    snapshot: HolderSnapshot,
) -> tuple[float | None, tuple[str, ...], tuple[str, ...]]:
    """The total supply to score against (token units), the provenance notes and warnings.

    Notes: a truncated list ("top 1,000 holders listed of 384,512") and an unknown supply.
    A reported supply below the listed holders' sum is not used (``None``: shares are then
    of the listed sum, and :func:`scoring.verdict.make_verdict` withholds the level for want
    of a valid supply) and a warning says so, after the snapshot's own warnings.
    """
    notes: list[str] = []
    if snapshot.truncated:
        count = snapshot.token.holder_count
        notes.append(f"top {len(snapshot.addresses)} holders listed"
                     + (f" of {count:,}" if count else ""))
    supply = snapshot.token.total_supply
    if supply is None:
        notes.append("total supply unknown: shares are of the listed holders")
    warnings = list(snapshot.warnings)
    listed = sum(snapshot.balances)
    if supply is not None and supply < listed * (1 - 1e-9):
        warnings.append(f"the reported supply ({supply:,.0f}) is below the listed holders' "
                        f"sum ({listed:,.0f}); shares are of the listed sum and no verdict "
                        "is given")
        supply = None
    return supply, tuple(notes), tuple(warnings)


def score_snapshot(
    record: ProtocolRecord,
    snapshot: HolderSnapshot,
    holders: Sequence[Holder],
    fees: FeeReport | None,
    wrappers: Sequence[WrapperHolders] = (),
    book: LabelBook | None = None,
) -> Report:
    """The score stage: :func:`analyze_holders` on the labelled holders of ``snapshot``.

    The provenance is the holder figures': their source and fetch time (the fee and vote
    parts cite their own sources and windows in ``Report.sources``), with the notes of
    :func:`_supply_and_notes`;
    the verdict's sentence ends with the fee clause (:func:`scoring.verdict.fee_clause`).
    """
    supply, notes, warnings = _supply_and_notes(snapshot)
    symbol = record.symbol or ""
    return analyze_holders(
        holders, name=record.name, symbol=symbol, supply=supply,
        holder_count=snapshot.token.holder_count,
        sources=(snapshot.source,),  # the views' figures; fees and votes cite their own
        as_of=snapshot.fetched_at, extra_reasons=fee_clause(fees, symbol),
        notes=notes, warnings=warnings, wrappers=wrappers, book=book,
    )


def top10_owner_share(holders: Sequence[Holder], denominator: float) -> float | None:
    """The 10 largest holders the owners view keeps, as a share of ``denominator`` (0–1).

    ``holders`` are sorted largest first; ``None`` when the denominator is not positive.
    Rounding can put a sum of all the owners a hair above the denominator: capped at 1.
    """
    if denominator <= 0:
        return None
    owners = as_table(holders).view_balances("owners")[:10]
    return min(1.0, math.fsum(owners.tolist()) / denominator)


def build_report(
    record: ProtocolRecord,
    snapshot: HolderSnapshot | None,
    fees: FeeReport | None,
    votes: VoteReport | None,
    missing: Sequence[str],
    sources: Sequence[SourceRef],
    user_labels: tuple[tuple[str, Label], ...] = (),
    wrappers: Sequence[WrapperHolders] = (),
    parts: tuple[str, ...] = ("holders", "fees", "votes", "governance"),
    governance: GovernanceReport | None = None,
) -> Report:
    """The assemble stage: label → score → the report with its fee and vote parts;
    ``parts`` are the parts asked for (:attr:`core.report.Report.parts`).

    ``wrappers`` (the fetched holder lists of wrappers among the holders) are looked through
    into the beneficial view, their holders labelled like the token's.

    Without holders the report has no views; its verdict is delegated power alone when
    that binds (:func:`scoring.verdict.power_only_verdict`), else there is none. With
    them, the fees get the profit flow of the top-10 owners over the circulating supply
    (:func:`top10_owner_share`, :func:`pipeline.fees.with_profit_flow`).
    """
    symbol = record.symbol or ""
    if snapshot is None:
        return Report(name=record.name, symbol=symbol, holders=None, views=None,
                      verdict=power_only_verdict(governance), provenance=None,
                      protocol=record, fees=fees, votes=votes,
                      sources=tuple(sources), missing=tuple(missing), parts=parts,
                      governance=governance)
    chain = record.chain or "ethereum"
    holders = label_snapshot(snapshot, chain, user_labels)
    scored = score_snapshot(record, snapshot, holders, fees, wrappers,
                            LabelBook(chain=chain, labels=user_labels))
    if fees is not None and scored.views is not None:
        share = top10_owner_share(holders, scored.views.circulating.denominator)
        if share is not None:
            fees = with_profit_flow(fees, share)
    verdict = (apply_power(scored.verdict, governance, votes) if scored.verdict is not None
               else None)
    return Report(
        name=scored.name, symbol=symbol, holders=scored.holders, views=scored.views,
        verdict=verdict, provenance=scored.provenance, protocol=record, fees=fees,
        votes=votes, sources=tuple(sources), missing=tuple(missing), warnings=scored.warnings,
        parts=parts,
        governance=governance,
    )
