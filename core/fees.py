"""Where a protocol's fees go, as plain data (computed by :mod:`scoring.fees`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


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
            the fee series, so its 30-day total covers only part of the window, fee data
            more than 2 days old, or negative values left out of the sums.
        window_start, window_end: the UTC dates (ISO, ``"2025-10-22"``/``"2025-11-20"``) of
            the 30-day window every 30-day figure covers — it ends on the fee series' last
            day, which may be before today; ``""`` when the series has no points.
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
    window_start: str = ""
    window_end: str = ""

    @property
    def window(self) -> str:
        """``"2025-10-22 → 2025-11-20"``, or ``""`` when the window is unknown."""
        return f"{self.window_start} → {self.window_end}" if self.window_end else ""
