"""Concentration metrics of one list of balances (DESIGN.md §2).

Everything here is pure numpy on a 1-D array of balances in *token units* (not raw
integer amounts, not USD — any unit works, every metric is scale invariant) and has no I/O.

Conventions shared by every function:

* Balances must be finite and non-negative. Zero balances are dropped: a wallet holding
  nothing is not a holder. An empty list (after dropping zeros) raises ``ValueError``.
* The *denominator* is what shares are taken of: the token's total supply (or the supply
  left in a view) when known, else the listed sum. It may not be smaller than the listed
  sum — a supply below what the listed holders hold means the inputs disagree.
* Shares (``top*_share``, ``hhi``, ``coverage``) use the denominator; ``gini``, ``theil``
  and ``entropy_bits`` describe the listed holders only.

The implementation sorts once and takes one cumulative sum; every metric is read off those
two arrays, which keeps one million balances at a few tens of milliseconds.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from core.scores import NAKAMOTO_THRESHOLD, GiniBounds, Scores

#: Relative tolerance under which a top-k sum counts as *exactly* half (not a majority).
#: Decimal balances are not exact in binary floating point: [0.4, 0.3, 0.1] adds up to a
#: hair over 0.8 and 0.4 to a hair under or over half of it, so a strict ``>`` on raw floats
#: would call the first holder a majority. Summation error over n ≤ 10⁷ values stays far
#: below 1e-9, and no real data is accurate to one part in a billion.
_TIE_RTOL = 1e-9


def _sorted_positive(balances: ArrayLike) -> NDArray[np.float64]:
    """Validate ``balances`` and return the positive ones as a new ascending float64 array.

    Raises:
        ValueError: not one-dimensional, a non-finite or negative value, or nothing
            positive. Never modifies the caller's array.
    """
    arr = np.asarray(balances, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError("balances must be a one-dimensional list")
    if arr.size == 0:
        raise ValueError("no holder has a positive balance")
    with np.errstate(over="ignore", invalid="ignore"):
        finite_sum = math.isfinite(float(arr.sum()))  # NaN/inf in, NaN/inf out
    if not finite_sum:
        if not np.isfinite(arr).all():
            raise ValueError("balances must be finite numbers")
        raise ValueError("the balances are too large to add up (rescale them)")
    lowest = float(arr.min())
    if lowest < 0:
        raise ValueError("balances must not be negative")
    if lowest > 0:
        return np.sort(arr)  # a copy: the caller's array is left alone
    asc = arr[arr > 0]  # already a copy, sorted in place
    if asc.size == 0:
        raise ValueError("no holder has a positive balance")
    asc.sort()
    return asc


def score_balances(balances: ArrayLike, denominator: float | None = None) -> Scores:
    """Score one list of balances (DESIGN.md §2).

    Args:
        balances: balances in token units, any order. Zeros are ignored.
        denominator: total supply (or the supply of a view) in the same units; ``None``
            uses the listed sum, so coverage is 1.

    Returns:
        The :class:`Scores` of the list.

    Raises:
        ValueError: on an empty list, negative or non-finite balances, balances whose sum
            overflows float64, a denominator that is not positive, or a denominator smaller
            than the listed sum (beyond a relative rounding tolerance of 1e-9).

    Edge cases: one holder → gini 0, theil 0, entropy 0, hhi = coverage², nakamoto 1 when it
    holds more than half. All-equal balances → gini 0, effective_holders = n when the
    denominator is the listed sum. A group holding exactly half (within a relative 1e-9,
    see ``_TIE_RTOL``) is not a majority: [1, 1] → nakamoto 2, and so is [0.4, 0.3, 0.1].

    Kept as one function for speed (not split into steps): one sort, one cumsum, every
    metric read off those two arrays, reusing their memory for the logs and shares (one
    million balances in a few tens of milliseconds; see ``benchmarks/scoring.py``). Helper
    calls would each need the sorted array and the cumulative sum passed in, or would
    recompute them.
    """
    asc = _sorted_positive(balances)  # the one sort
    n = int(asc.size)
    cum = np.cumsum(asc[::-1])  # cum[k-1] = sum of the k largest; the one cumulative sum
    total = float(cum[-1])
    if not math.isfinite(total):  # only a sum within rounding of float64's maximum
        raise ValueError("the balances are too large to add up (rescale them)")

    if denominator is None:
        denom = total
    else:
        denom = float(denominator)
        if not math.isfinite(denom) or denom <= 0:
            raise ValueError("the supply (denominator) must be a positive number")
        if denom < total * (1 - 1e-9):
            raise ValueError(
                f"the supply ({denom:,.6g}) is smaller than the listed holders' sum "
                f"({total:,.6g})"
            )
        denom = max(denom, total)
    coverage = total / denom
    top1, top10, top100 = (float(cum[min(k, n) - 1] / denom) for k in (1, 10, 100))

    # Nakamoto: first k with cum[k-1] > half of the denominator (strictly; see _TIE_RTOL).
    half = NAKAMOTO_THRESHOLD * denom * (1 + _TIE_RTOL)
    idx = int(np.searchsorted(cum, half, side="right"))
    nakamoto = idx + 1 if idx < n else None
    lower = nakamoto if nakamoto is not None else n + 1

    # Gini from the descending cumulative sum:  G = (2·Σ_k cum_k / total − (n + 1)) / n.
    # (Equivalent to the textbook (2 Σ i·x_(i)) / (n Σx) − (n + 1)/n on the ascending order.)
    gini = (2.0 * float(cum.sum()) / total - (n + 1)) / n
    gini = min(max(gini, 0.0), 1.0)

    # One log pass gives Shannon entropy and Theil-T:  H = −Σ p ln p = ln total − Σ p ln b
    # with p = b / total (ln b is finite for every positive float, so a share that
    # underflows to 0 contributes 0 instead of 0·(−inf) = NaN);  T = ln n − H.  p·p is the
    # HHI of the listed holders, scaled by coverage² to the denominator (cannot underflow to
    # 0 for any n the way tiny sᵢ² could). No new arrays: the logs go into ``cum``'s memory
    # and the shares into ``asc``'s (our own copy), neither needed any more.
    # (einsum, not np.dot: BLAS's ddot spreads a long dot product over threads, and on a
    # busy machine waiting for the other core cost ~8 ms per call; einsum stays on this one.)
    log_b = np.log(asc, out=cum)
    p = np.divide(asc, total, out=asc)
    hhi = float(np.einsum("i,i->", p, p)) * coverage * coverage
    h_nat = math.log(total) - float(np.einsum("i,i->", p, log_b))
    theil = max(math.log(n) - h_nat, 0.0)
    entropy_bits = max(h_nat / math.log(2), 0.0) + 0.0  # + 0.0 turns -0.0 into 0.0

    return Scores(
        holders=n,
        denominator=denom,
        coverage=coverage,
        top1_share=top1,
        top10_share=top10,
        top100_share=top100,
        nakamoto=nakamoto,
        nakamoto_lower_bound=lower,
        hhi=hhi,
        effective_holders=1.0 / hhi if hhi > 0 else math.inf,
        gini=gini,
        theil=theil,
        entropy_bits=entropy_bits,
    )


def _gini_blocks(blocks: list[tuple[float, int]], tail: NDArray[np.float64]) -> float:
    """Gini of ascending ``(value, count)`` blocks followed by the ascending array ``tail``.

    Uses G = 2·Σ rᵢ xᵢ / (N·Σx) − (N + 1)/N with ranks rᵢ on the ascending order; a block
    of k equal values v starting after rank a contributes v·(k·a + k(k+1)/2), so the
    unlisted holders (possibly millions) are never materialised.
    """
    rank = 0
    weighted = 0.0
    total = 0.0
    for value, count in blocks:
        if count <= 0:
            continue
        weighted += value * (count * rank + count * (count + 1) / 2)
        total += value * count
        rank += count
    k = int(tail.size)
    tail_sum = float(tail.sum())
    ranks = np.arange(1, k + 1, dtype=np.float64)
    weighted += rank * tail_sum + float(np.einsum("i,i->", ranks, tail))
    total += tail_sum
    big_n = rank + k
    if big_n == 0 or total <= 0:
        return 0.0
    g = 2.0 * weighted / (big_n * total) - (big_n + 1) / big_n
    return min(max(g, 0.0), 1.0)


def gini_bounds(balances: ArrayLike, holder_count: int, supply: float) -> GiniBounds:
    """Bounds on the Gini of all ``holder_count`` holders from the top-n listed balances.

    Derivation. Let the listed balances be b₁ ≥ … ≥ bₙ with sum L, the supply S and the
    holder count H ≥ n. The m = H − n unlisted holders share the remainder R = S − L, and
    none of them holds more than the smallest listed balance bₙ (else it would be listed).
    With the listed part fixed, the Gini of the whole is

    * smallest when R is spread evenly, R/m each (a transfer from a richer to a poorer
      unlisted holder never raises the Gini — Pigou–Dalton), which gives ``low``;
    * largest when R is packed into as few holders as possible: q = ⌊R/bₙ⌋ holders at bₙ,
      one at the rest r = R − q·bₙ, the other m − q − 1 at zero (the reverse transfers),
      which gives ``high``. Holders at zero stand for holders with dust: the supremum.

    When the data disagree (R/m > bₙ: the remainder cannot fit below the smallest listed
    balance; or q + 1 > m: too few unlisted holders to pack it) the bound is computed with
    the values clamped (every unlisted holder at min(R/m, bₙ)) — still a valid Gini, but
    the caller should report the inconsistency.

    Args:
        balances: the listed balances (token units), zeros dropped.
        holder_count: total holders H (as reported by the holder API); values below n are
            treated as n.
        supply: the supply of the view S (token units), not below the listed sum.

    Returns:
        :class:`GiniBounds`. When nothing is unlisted (H == n or R == 0) both bounds equal
        the Gini of the listed balances with the remainder (if any) ignored.
    """
    asc = _sorted_positive(balances)
    n = int(asc.size)
    listed_total = float(asc.sum())
    h = max(int(holder_count), n)
    m = h - n
    remainder = max(float(supply) - listed_total, 0.0)
    b_min = float(asc[0])

    if m == 0 or remainder <= 0:
        g = _gini_blocks([], asc)
        return GiniBounds(low=g, high=g)

    even = min(remainder / m, b_min)
    low = _gini_blocks([(even, m)], asc)

    q = int(remainder // b_min)
    rest = remainder - q * b_min
    if q >= m:  # too few unlisted holders to pack; fill them all at b_min
        blocks_high = [(b_min, m)]
    else:
        zeros = m - q - (1 if rest > 0 else 0)
        blocks_high = [(0.0, zeros)]
        if rest > 0:
            blocks_high.append((rest, 1))
        blocks_high.append((b_min, q))
    high = _gini_blocks(blocks_high, asc)
    return GiniBounds(low=min(low, high), high=max(low, high))
