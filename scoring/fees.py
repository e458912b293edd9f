"""Where a protocol's fees go (DESIGN.md §2) — pure arithmetic on DefiLlama's dimensions.

DefiLlama reports, per period, in USD:

* ``fees`` — what users pay;
* ``revenue`` — fees minus what the supply side (LPs, lenders) keeps;
* ``holders_revenue`` — the part that reaches token holders (buybacks, burns, distributions).

So: supply side = fees − revenue; treasury (protocol revenue) = revenue − holders revenue;
holders = holders revenue. A ``None`` input means *not reported* and is never read as 0:
the parts that depend on it are ``None`` too.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from core.fees import FeeSplit
from scoring.formatting import usd


def split_fees(
    fees: float | None,
    revenue: float | None,
    holders_revenue: float | None,
    period_days: int = 30,
) -> FeeSplit:
    """Split ``fees`` (USD over ``period_days``) by the identities in the module docstring.

    Negative differences (revenue reported above fees, e.g. from incentives accounting;
    holders revenue above revenue) are clipped to 0 rather than shown as negative money; the
    inputs are kept as given. The clip is never silent: :func:`split_notes` names it and
    callers put its notes next to the split.
    """
    supply_side = None if fees is None or revenue is None else max(fees - revenue, 0.0)
    treasury = (None if revenue is None or holders_revenue is None
                else max(revenue - holders_revenue, 0.0))
    return FeeSplit(period_days, fees, revenue, holders_revenue, supply_side, treasury)


def split_notes(split: FeeSplit) -> list[str]:
    """Caveats for the inconsistencies :func:`split_fees` clips (USD over the split's period).

    One note when revenue exceeds fees (supply side shown as 0), one when holders revenue
    exceeds revenue (treasury shown as 0); none when an input is ``None`` (not reported) or
    the figures are consistent. Equal figures are consistent.
    """
    days = split.period_days
    notes = []
    if split.fees is not None and split.revenue is not None and split.revenue > split.fees:
        notes.append(f"DefiLlama's {days}-day revenue ({usd(split.revenue)}) exceeds its fees "
                     f"({usd(split.fees)}); the supply side is shown as $0, not as a "
                     "negative amount")
    if (split.revenue is not None and split.holders_revenue is not None
            and split.holders_revenue > split.revenue):
        notes.append(f"DefiLlama's {days}-day holders revenue "
                     f"({usd(split.holders_revenue)}) exceeds its revenue "
                     f"({usd(split.revenue)}); the treasury is shown as $0, not as a "
                     "negative amount")
    return notes


def category_share_and_hhi(protocol_fees: float, category_fees: ArrayLike) -> tuple[float, float]:
    """This protocol's share of its category's fees, and the category's fee HHI (0–1).

    Args:
        protocol_fees: the protocol's fees over the period (USD).
        category_fees: fees of every protocol of the category over the same period (USD),
            the protocol included; non-positive and NaN entries are ignored.

    Returns:
        ``(share, hhi)``; ``(0.0, 0.0)`` when the category has no positive fees.
    """
    arr = np.asarray(category_fees, dtype=np.float64)
    arr = arr[np.isfinite(arr) & (arr > 0)]
    total = float(arr.sum())
    if total <= 0:
        return 0.0, 0.0
    s = arr / total
    return max(protocol_fees, 0.0) / total, float(np.dot(s, s))


def profit_flow(holders_revenue: float | None, top10_share_of_supply: float) -> float | None:
    """USD the top-10 owners would receive of ``holders_revenue`` if it is paid pro rata.

    Assumption (stated in every answer): holders revenue is distributed in proportion to
    token balances. Returns ``None`` when holders revenue is not reported.
    """
    if holders_revenue is None:
        return None
    return holders_revenue * top10_share_of_supply


