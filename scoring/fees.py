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

import logging
from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import ArrayLike

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeeSplit:
    """Fees of one period split into supply side / treasury / holders, in USD.

    ``None`` = not reported (or not derivable). Shares are of ``fees``.
    """

    period_days: int
    fees: float | None
    revenue: float | None
    holders_revenue: float | None
    supply_side: float | None
    treasury: float | None

    @property
    def holders_share(self) -> float | None:
        """Holders revenue / fees, or None when either is unknown or fees are 0."""
        if self.holders_revenue is None or not self.fees:
            return None
        return self.holders_revenue / self.fees

    def shares(self) -> dict[str, float | None]:
        """Each part as a share of fees (None when unknown)."""
        def share(x: float | None) -> float | None:
            return None if x is None or not self.fees else x / self.fees
        return {"supply_side": share(self.supply_side), "treasury": share(self.treasury),
                "holders": share(self.holders_revenue)}

    def to_dict(self) -> dict:
        """JSON-ready dict, shares included."""
        d = asdict(self)
        d["shares"] = self.shares()
        return d


def split_fees(
    fees: float | None,
    revenue: float | None,
    holders_revenue: float | None,
    period_days: int = 30,
) -> FeeSplit:
    """Split ``fees`` (USD over ``period_days``) by the identities in the module docstring.

    Negative differences (revenue reported above fees, e.g. from incentives accounting) are
    clipped to 0 rather than shown as negative money; the inputs are kept as given.
    """
    supply_side = None if fees is None or revenue is None else max(fees - revenue, 0.0)
    treasury = (None if revenue is None or holders_revenue is None
                else max(revenue - holders_revenue, 0.0))
    return FeeSplit(period_days, fees, revenue, holders_revenue, supply_side, treasury)


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


@dataclass(frozen=True, slots=True)
class FeeReport:
    """Where the fees go, and how the protocol sits in its category (USD throughout).

    Attributes:
        split_30d: the 30 days ending at the fee series' last day, split into supply side /
            treasury / holders (all three dimensions over that same window).
        totals: ``{"fees"|"revenue"|"holders_revenue": {"24h", "7d", "30d", "all_time"}}``;
            ``None`` values are "not reported" (or unavailable, see ``unavailable``).
        category: DefiLlama category (e.g. "Dexs").
        category_share: this protocol's share of its category's 30-day fees (0–1).
        category_hhi: HHI (0–1) of the category's 30-day fees across protocols.
        profit_flow_top10_usd: what the top-10 owners would receive of 30-day holders
            revenue if it were paid pro rata to balances (see ``profit_flow_assumption``).
        daily: the daily fee series as ``(unix_seconds, usd)``, oldest first.
        chains: 30-day fees by chain.
        unavailable: dimensions (``"revenue"``, ``"holders_revenue"``) whose request failed
            (server error, rate limit, timeout, bad body): their figures are ``None`` because
            they could not be fetched, not because the source does not report them.
        warnings: notes on figures to read with care, e.g. a revenue series that ends before
            the fee series, so its 30-day total covers only part of the window.
    """

    split_30d: FeeSplit
    totals: dict[str, dict[str, float | None]] = field(default_factory=dict)
    category: str = ""
    category_share: float | None = None
    category_hhi: float | None = None
    profit_flow_top10_usd: float | None = None
    profit_flow_assumption: str = ""
    daily: tuple[tuple[int, float], ...] = ()
    chains: dict[str, float] = field(default_factory=dict)
    unavailable: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
