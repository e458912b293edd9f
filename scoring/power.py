"""Pure maths on delegated voting power: how few delegates reach quorum or a majority.

Votes are floats in whole tokens, any order in, largest first out. No I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from core.governance import PowerScores


def votes_to_reach(votes: Sequence[float], target: float | None, *,
                   strict: bool = False) -> int | None:
    """The fewest of ``votes`` (taken largest first) whose sum reaches ``target``.

    ``strict`` asks for a sum strictly above ``target`` (Aave's yes-threshold and the
    majority of the Nakamoto coefficient), else at least ``target`` (Bravo's and OZ's
    quorum). ``None`` when ``target`` is unknown, not positive-finite, or never reached.
    Examples: ``([3, 2, 1], 4) → 2``; ``([3, 2, 1], 3) → 1``; strict ``3 → 2``;
    ``([1], 2) → None``; ``([], 1) → None``.
    """
    if target is None or not math.isfinite(target) or target <= 0:
        return None
    total = 0.0
    for k, v in enumerate(sorted(votes, reverse=True), start=1):
        total += max(v, 0.0)
        if total > target or (not strict and total >= target):
            return k
    return None


def share(part: float | None, whole: float | None) -> float | None:
    """``part / whole`` (0–1), ``None`` when either is unknown or ``whole`` ≤ 0."""
    if part is None or whole is None or whole <= 0:
        return None
    return part / whole


def inactive_share(delegated: float | None, supply: float | None) -> float | None:
    """Share of ``supply`` not delegated (0–1, clipped at 0); ``None`` when unknown."""
    s = share(delegated, supply)
    return None if s is None else max(0.0, 1.0 - s)


def score_power(votes: Sequence[float], *, quorum: float | None,
                threshold: float | None, delegated: float | None, supply: float | None,
                strict_quorum: bool = False, delegated_exact: bool = True) -> PowerScores:
    """The :class:`PowerScores` of the delegates' ``votes``.

    Args:
        votes: current votes of the delegates found (tokens).
        quorum: votes a proposal needs (``None`` unknown).
        threshold: votes needed to propose (``None`` unknown: ``over_threshold`` 0).
        delegated: all delegated votes (the denominator of shares and Nakamoto).
        supply: total supply (for the inactive share).
        strict_quorum: quorum must be exceeded (Aave) rather than met.
        delegated_exact: ``delegated`` is the true total; when it is only the sum of the
            delegates found, the inactive share is not computed (it would overstate).
    """
    ordered = sorted((max(v, 0.0) for v in votes), reverse=True)
    half = delegated / 2 if delegated else None
    over = (sum(1 for v in ordered if v >= threshold)
            if threshold is not None and threshold > 0 else 0)
    return PowerScores(
        delegates_to_quorum=votes_to_reach(ordered, quorum, strict=strict_quorum),
        nakamoto=votes_to_reach(ordered, half, strict=True),
        over_threshold=over,
        top5_share=share(math.fsum(ordered[:5]), delegated) if ordered else None,
        top10_share=share(math.fsum(ordered[:10]), delegated) if ordered else None,
        inactive_share=inactive_share(delegated, supply) if delegated_exact else None,
    )


def change_points(now: float | None, then: float | None) -> float | None:
    """``(now − then) × 100`` percentage points; ``None`` when either is unknown."""
    if now is None or then is None:
        return None
    return (now - then) * 100.0
