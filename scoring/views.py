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

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from core.categories import VIEWS, Category, in_view
from core.holder_table import CATEGORIES, HolderTable, as_table
from core.scores import GiniBounds, Scores
from core.views import Exclusion, Holder, ViewResult, ViewSet
from scoring.metrics import gini_bounds, score_balances


def score_views(
    holders: Sequence[Holder],
    supply: float | None = None,
    holder_count: int | None = None,
) -> ViewSet:
    """Score the raw, circulating and owners views of ``holders``.

    Args:
        holders: the listed holders (any order; addresses already merged) — a
            :class:`~core.holder_table.HolderTable` is read as its arrays, no per-row Python.
        supply: total supply in token units, or ``None`` when unknown (then every view's
            denominator is its own listed sum and shares describe the listed holders only).
        holder_count: total number of holders of the token, when the holder API reports it;
            used with ``supply`` for the Gini bounds of a truncated list.

    Raises:
        ValueError: when the raw view has nothing to score or the supply is smaller than
            the listed sum (see :func:`score_balances`).
    """
    table = as_table(holders)
    balances = table.balances
    raw_scores = score_balances(balances, supply)
    raw_denominator = raw_scores.denominator
    # Supply held by nobody listed (none counted when the supply is unknown). A view's
    # denominator is this plus what the view kept — the same as "supply minus what was left
    # out", but without the cancellation that made a view keeping a sliver of the supply
    # come out below its own listed sum.
    unlisted = (max(raw_denominator - float(balances.sum()), 0.0) if supply is not None
                else 0.0)

    results: dict[str, ViewResult] = {}
    for view in VIEWS:
        keep = table.kept(view)
        kept = balances if keep.all() else balances[keep]  # score_balances copies anyway
        excluded = _exclusion(table, keep, raw_denominator)
        scores: Scores | None
        if view == "raw":
            denominator, scores = raw_denominator, raw_scores
        else:
            denominator = float(kept.sum()) + unlisted
            scores = _score_kept(kept, denominator)
        bounds = None
        if supply is not None and holder_count is not None:
            bounds = _gini_all(kept, scores, holder_count - excluded.count, denominator)
        results[view] = ViewResult(view, scores, excluded, denominator, bounds)
    return ViewSet(**results, supply_known=supply is not None)


def _exclusion(table: HolderTable, keep: NDArray[np.bool_],
               raw_denominator: float) -> Exclusion:
    """What a view left out: how many listed holders with a positive balance, and their share
    of the raw denominator, in all and by category (categories in order of first
    appearance; each share added up in row order, as a loop over the rows would)."""
    balances = table.balances
    left_out = ~keep
    codes = table.categories[left_out]
    shares = np.bincount(codes, weights=balances[left_out] / raw_denominator,
                         minlength=len(CATEGORIES))
    present, first = np.unique(codes, return_index=True)
    by_category = {CATEGORIES[int(c)].value: float(shares[c])
                   for c in present[np.argsort(first, kind="stable")]}
    return Exclusion(
        count=int((left_out & (balances > 0)).sum()),
        share=float(balances[left_out].sum()) / raw_denominator,
        by_category=by_category,
    )


def _score_kept(kept: NDArray[np.float64], denominator: float) -> Scores | None:
    """The scores of what a view kept, or ``None`` when nothing positive is left."""
    if kept.size and kept.max() > 0 and denominator > 0:
        return score_balances(kept, denominator)
    return None


def _gini_all(kept: NDArray[np.float64], scores: Scores | None, holders_in_view: int,
              denominator: float) -> GiniBounds | None:
    """Gini bounds for all ``holders_in_view`` holders of a view, when its list is truncated
    (more holders in the view than listed ones); ``None`` otherwise."""
    if scores is None or holders_in_view <= scores.holders:
        return None
    return gini_bounds(kept, holders_in_view, denominator)


def excluded_categories(view: str) -> tuple[Category, ...]:
    """The categories a view leaves out, in a stable order (for provenance lines)."""
    return tuple(c for c in Category if not in_view(c, view))
