"""The pipeline from a holder list to a :class:`core.report.Report` (no discord here).

``analyze_holder_list`` is the offline path (``lorenz analyze --holders-file``); the live
path (``lorenz analyze uniswap`` and the bot) fetches the same inputs from ``sources`` and
ends in the same function, so both give the same numbers for the same data.
"""

from __future__ import annotations

import logging

from core.report import Report
from core.views import Holder
from scoring.verdict import make_provenance, make_verdict
from scoring.views import score_views

log = logging.getLogger(__name__)




def analyze_holders(
    holders: tuple[Holder, ...],
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
) -> Report:
    """Score labelled holders into a report (views, verdict, provenance).

    Raises:
        ValueError: from the scoring engine (empty list, supply below the listed sum…).
    """
    views = score_views(holders, supply=supply, holder_count=holder_count)
    verdict = make_verdict(views, symbol, extra_reasons)
    provenance = make_provenance(views, sources, as_of or "unknown", symbol, notes)
    return Report(
        name=name, symbol=symbol, holders=holders, views=views, verdict=verdict,
        provenance=provenance, warnings=warnings,
    )
