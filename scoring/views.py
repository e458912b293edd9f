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

from core.categories import BENEFICIAL, VIEWS, Category, in_view
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

    problem = ""  # a degenerate supply/holder count: no bounds, and the verdict is withheld
    if supply is not None and holder_count is not None:
        problem = bounds_problem(balances, holder_count, raw_denominator)
    identified = table.identified()
    results: dict[str, ViewResult] = {}
    for view in VIEWS:
        keep = table.kept(view)
        kept = balances if keep.all() else balances[keep]  # score_balances copies anyway
        known = identified if keep.all() else identified[keep]
        excluded = _exclusion(table, keep, raw_denominator)
        scores: Scores | None
        if view == "raw":
            denominator, scores = raw_denominator, raw_scores
        else:
            denominator = float(kept.sum()) + unlisted
            scores = _score_kept(kept, denominator)
        bounds = None
        if supply is not None and holder_count is not None and not problem:
            bounds = _gini_all(kept, scores, holder_count - excluded.count, denominator)
        results[view] = ViewResult(view, scores, excluded, denominator, bounds,
                                   *_identification(kept, known),
                                   *_entity_nakamoto(table, keep, denominator, scores))
    return ViewSet(results["raw"], results["circulating"], results["owners"],
                   supply_known=supply is not None, bounds_problem=problem,
                   holder_count=holder_count)


def score_beneficial(table: HolderTable, views: ViewSet, direct_listed: float,
                     remainder: float) -> ViewResult:
    """The beneficial-owners view (DESIGN.md §2) of ``table``: the direct holders with the
    looked-through wrappers' balances moved to the wrappers' own holders
    (:mod:`scoring.look_through`), labelled like the others.

    It leaves out what the owners view leaves out (custodians among the wrappers' holders
    too). Its denominator is what it kept, plus the supply held by nobody listed (as in the
    other views: ``views.raw.denominator − direct_listed`` when the supply is known, where
    ``direct_listed`` is the direct list's sum), plus ``remainder``: the wrappers' balances
    left to their unlisted holders (token units) — in the denominator, never scored as one
    owner. No all-holder Gini bounds (the number of beneficial holders is not known).
    """
    raw_denominator = views.raw.denominator
    unlisted = (max(raw_denominator - direct_listed, 0.0) if views.supply_known else 0.0)
    keep = table.kept(BENEFICIAL)
    kept = table.balances[keep]
    denominator = float(kept.sum()) + unlisted + max(remainder, 0.0)
    share, top_share, top_unknown, top_count = _identification(kept, table.identified()[keep])
    scores = _score_kept(kept, denominator)
    entity_nakamoto, entities, entity_wallets = _entity_nakamoto(table, keep, denominator,
                                                                 scores)
    return ViewResult(BENEFICIAL, scores, _exclusion(table, keep, raw_denominator),
                      denominator, identified_share=share, top10_identified_share=top_share,
                      top10_unidentified=top_unknown, top10_count=top_count,
                      entity_nakamoto=entity_nakamoto, entities=entities,
                      entity_wallets=entity_wallets)


def _identification(kept: NDArray[np.float64], known: NDArray[np.bool_],
                    ) -> tuple[float | None, float | None, int, int]:
    """``(identified_share, top10_identified_share, top10_unidentified, top10_count)`` of a
    view's listed balances ``kept`` (token units) and whether each is identified.

    Only positive balances count; the top 10 are the 10 largest (ties in list order). The
    shares are ``None`` when no positive balance is listed.
    """
    positive = kept > 0
    total = float(kept[positive].sum())
    if total <= 0:
        return None, None, 0, 0
    share = min(1.0, float(kept[positive & known].sum()) / total)
    order = np.argsort(-kept, kind="stable")[:10]
    top = order[kept[order] > 0]
    top_total = float(kept[top].sum())
    top_share = min(1.0, float(kept[top][known[top]].sum()) / top_total)
    return share, top_share, int((~known[top]).sum()), int(top.size)


def _entity_nakamoto(table: HolderTable, keep: NDArray[np.bool_], denominator: float,
                     scores: Scores | None) -> tuple[int | None, int, int]:
    """``(entity_nakamoto, entities, entity_wallets)`` of the rows a view keeps.

    The kept rows whose label names an entity (``table.entities``) are summed per entity;
    every other row stays one holder. The Nakamoto coefficient of the merged balances is
    taken against the view's ``denominator`` (token units), with the tie rule of
    :func:`score_balances`. Without any entity in the view nothing is merged: the wallet
    Nakamoto and ``(…, 0, 0)``.
    """
    wallet_nakamoto = scores.nakamoto if scores is not None else None
    rows = [r for r in table.entities if keep[r] and table.balances[r] > 0]
    if scores is None or not rows:
        return wallet_nakamoto, 0, 0
    sums: dict[str, float] = {}
    for r in rows:  # sparse: only labelled rows have an entity
        sums[table.entities[r]] = sums.get(table.entities[r], 0.0) + float(table.balances[r])
    loose = np.ones(len(table), dtype=bool)
    loose[rows] = False
    merged = np.concatenate([table.balances[keep & loose],
                             np.fromiter(sums.values(), dtype=np.float64, count=len(sums))])
    return score_balances(merged, denominator).nakamoto, len(sums), len(rows)


def bounds_problem(balances: NDArray[np.float64], holder_count: int, supply: float) -> str:
    """Why ``supply`` (token units) and ``holder_count`` disagree with the listed
    ``balances`` (a top-n list), or "" when they can both be right.

    The m = holder_count − n unlisted holders share R = supply − listed sum, and none can
    hold more than the smallest listed balance bₙ; so R > m·bₙ (with a relative tolerance
    of 1e-9) is impossible, including R > 0 with m = 0. On such inputs the Gini bounds of
    :func:`scoring.metrics.gini_bounds` are clamped and collapse (e.g. 0.814–0.814).
    """
    positive = balances[balances > 0]
    if positive.size == 0:
        return ""
    unlisted = max(int(holder_count) - int(positive.size), 0)
    remainder = float(supply) - float(positive.sum())
    room = unlisted * float(positive.min())
    if remainder <= room * (1 + 1e-9) or remainder <= float(supply) * 1e-9:
        return ""
    return (f"supply and holder count disagree: {remainder:,.0f} unlisted tokens cannot be "
            f"held by {unlisted:,} unlisted holder(s), each below the smallest listed balance "
            f"({float(positive.min()):,.4g}); the all-holder Gini bounds are meaningless")


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
