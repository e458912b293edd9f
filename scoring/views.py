"""The three views of a holder list — raw, circulating, owners (DESIGN.md §2).

Each view leaves out some categories of holder and shrinks the denominator by what it
left out, then scores the rest with :func:`scoring.metrics.score_balances`:

=============  ==========================================  ===============================
view           leaves out                                  denominator
=============  ==========================================  ===============================
raw            nothing                                     supply if known, else listed sum
circulating    burn, treasury/timelock, vesting,           raw denominator − left out
               undistributed
owners         also exchanges, bridges, staking/escrow,    circulating denominator − left
               lending-pool tokens, AMM pools              out
=============  ==========================================  ===============================

Balances are in token units throughout.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from core.categories import VIEW_EXCLUSIONS, VIEWS, Category
from core.scores import Scores
from core.views import Exclusion, Holder, ViewResult, ViewSet
from scoring.metrics import gini_bounds, score_balances

log = logging.getLogger(__name__)


def score_views(
    holders: Sequence[Holder],
    supply: float | None = None,
    holder_count: int | None = None,
) -> ViewSet:
    """Score the raw, circulating and owners views of ``holders``.

    Args:
        holders: the listed holders (any order; addresses already merged).
        supply: total supply in token units, or ``None`` when unknown (then every view's
            denominator is its own listed sum and shares describe the listed holders only).
        holder_count: total number of holders of the token, when the holder API reports it;
            used with ``supply`` for the Gini bounds of a truncated list.

    Raises:
        ValueError: when the raw view has nothing to score or the supply is smaller than
            the listed sum (see :func:`score_balances`).
    """
    balances = np.fromiter((h.balance for h in holders), dtype=np.float64, count=len(holders))
    categories = [h.category for h in holders]
    raw_scores = score_balances(balances, supply)
    raw_denominator = raw_scores.denominator
    # Supply held by nobody listed. A view's denominator is this plus what the view kept —
    # the same as "supply minus what was left out", but without the cancellation that made
    # a view keeping a sliver of the supply come out below its own listed sum.
    unlisted = max(raw_denominator - float(balances.sum()), 0.0)

    results: dict[str, ViewResult] = {}
    for view in VIEWS:
        left_out = VIEW_EXCLUSIONS[view]
        mask = np.fromiter((c not in left_out for c in categories), dtype=bool,
                           count=len(categories))
        kept = balances[mask]
        dropped = balances[~mask]
        by_category: dict[str, float] = {}
        for c, b, keep in zip(categories, balances, mask, strict=True):
            if not keep:
                by_category[c.value] = by_category.get(c.value, 0.0) + float(b) / raw_denominator
        excluded = Exclusion(
            count=int((~mask & (balances > 0)).sum()),
            share=float(dropped.sum()) / raw_denominator,
            by_category=by_category,
        )
        if view == "raw":
            denominator = raw_denominator
        else:
            denominator = float(kept.sum()) + (unlisted if supply is not None else 0.0)
        if view == "raw":
            scores: Scores | None = raw_scores
        elif kept.size and kept.max() > 0 and denominator > 0:
            scores = score_balances(kept, denominator)
        else:
            scores = None
        bounds = None
        if (
            scores is not None
            and supply is not None
            and holder_count is not None
            and holder_count - excluded.count > scores.holders
        ):
            bounds = gini_bounds(kept, holder_count - excluded.count, denominator)
        results[view] = ViewResult(view, scores, excluded, denominator, bounds)
    return ViewSet(**results, supply_known=supply is not None)


def excluded_categories(view: str) -> tuple[Category, ...]:
    """The categories a view leaves out, in a stable order (for provenance lines)."""
    return tuple(c for c in Category if c in VIEW_EXCLUSIONS[view])
