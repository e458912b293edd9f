"""The fees stage: DefiLlama's fee dimensions (from :mod:`sources.fees`) made into a report.

Everything after the fetch lives here: the three 30-day totals aligned on one window
(:func:`aligned_total30d`), the split into supply side / treasury / holders
(:func:`scoring.fees.split_fees`), the protocol's position in its category
(:func:`category_position`) and the top-10 owners' profit flow (:func:`with_profit_flow`).
All amounts are USD; all times unix seconds.

Every 30-day figure says its window (``FeeReport.window_start``/``window_end``), and the
report warns when the fee series' last day is more than :data:`STALE_DAYS` days old — the
"last 30 days" are then an older month. Negative values DefiLlama reports (days, totals,
protocols of the category overview) are kept out of every sum and share and named in a
warning.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from core.errors import NotFound, SourceError
from core.fees import FeeReport
from scoring.fees import category_share_and_hhi, profit_flow, split_fees, split_notes
from scoring.formatting import usd
from sources.config import SourcesConfig
from sources.fees import (
    DATA_LABELS,
    DATA_TYPES,
    DAY,
    WINDOW_DAYS,
    FeeSummary,
    OverviewEntry,
    category_key,
    fetch_fee_overview,
    fetch_fee_summary,
)
from sources.http import HttpClient, gather_sources

log = logging.getLogger(__name__)

#: Stated next to every profit-flow figure.
PROFIT_FLOW_ASSUMPTION = "if holders revenue were paid pro rata to token balances"
#: The key the protocol's own entries are summed under in a category's fees.
_SELF = "\0self"
#: Fee data whose last day is more than this many days before the fetch gets a caveat.
STALE_DAYS = 2


# --------------------------------------------------------------------------- category

@dataclass(frozen=True, slots=True)
class CategoryPosition:
    """The protocol's share of its category's 30-day fees and the category's HHI (0–1).

    ``share`` is ``None`` when the protocol is not listed in the category; both are ``None``
    when the category has no positive fees (or is unknown). ``negative`` counts the
    category's protocols whose 30-day fees DefiLlama reports below zero (left out).
    """

    category: str | None
    share: float | None
    hhi: float | None
    protocols: int = 0  # entities (parents with their children summed) in the category
    negative: int = 0


def _group_key(entry: OverviewEntry) -> str:
    return entry.parent_protocol or entry.defillama_id or entry.slug or entry.name


def _without_listed_parents(entries: Iterable[OverviewEntry]) -> list[OverviewEntry]:
    """The overview's entries, less a parent record listed next to its children."""
    listed = list(entries)
    parents_with_children = {e.parent_protocol for e in listed if e.parent_protocol}
    return [e for e in listed
            if e.parent_protocol or e.defillama_id not in parents_with_children]


def _own_entries(listed: list[OverviewEntry], summary: FeeSummary,
                 asked_slug: str) -> tuple[list[OverviewEntry], set[str]]:
    """The protocol's own entries (by slug, ``defillamaId``, parent or name) and the group
    keys they count under (its parent's, when it has one)."""
    ids = {i for i in (summary.id, summary.defillama_id) if i}
    names = {n.casefold() for n in (summary.name,) if n}
    slugs = {s.casefold() for s in (asked_slug, summary.slug) if s}

    def is_self(e: OverviewEntry) -> bool:
        return ((e.slug and e.slug.casefold() in slugs) or e.defillama_id in ids
                or e.parent_protocol in ids or (bool(e.name) and e.name.casefold() in names))

    own = [e for e in listed if is_self(e)]
    own_keys = {_group_key(e) for e in own} | {i for i in ids if i.startswith("parent#")}
    return own, own_keys


def _busiest_category(own: list[OverviewEntry]) -> str | None:
    """The category where the protocol's own entries have the most 30-day fees, if any."""
    by_cat: dict[str, float] = defaultdict(float)
    for e in own:
        if e.category and e.total30d is not None and e.total30d >= 0:
            by_cat[e.category] += e.total30d
    return max(by_cat, key=by_cat.__getitem__) if by_cat else None


def _category_fees(listed: list[OverviewEntry], category: str,
                   own_keys: set[str]) -> dict[str, float]:
    """30-day fees (USD) per entity of ``category`` (compared by
    :func:`sources.fees.category_key`: "Dexes" is "Dexs"): children summed into their parent,
    the protocol's own entries under :data:`_SELF`; unreported and negative fees left out."""
    groups: dict[str, float] = defaultdict(float)
    wanted = category_key(category)
    for e in listed:
        if (category_key(e.category) != wanted or e.total30d is None
                or e.total30d < 0):
            continue
        key = _SELF if _group_key(e) in own_keys else _group_key(e)
        groups[key] += e.total30d
    return groups


def category_position(
    entries: Iterable[OverviewEntry],
    summary: FeeSummary,
    asked_slug: str,
    category: str | None = None,
) -> CategoryPosition:
    """Where the protocol of ``summary`` sits among the overview's protocols.

    Children of one parent (``parentProtocol: "parent#uniswap"``) are summed into one entry,
    so Uniswap V2 + V3 + V4 compete as "Uniswap". A parent record listed next to its
    children is skipped (its children already count). The protocol is recognised by slug,
    ``defillamaId``, name or parent; its entry is its parent's when it has one.

    Args:
        entries: ``/overview/fees`` protocols (``total30d`` of fees, USD).
        summary: the protocol's ``dailyFees`` summary.
        asked_slug: the slug the user's protocol resolved to.
        category: the category to use; default the summary's, else the category where the
            protocol's listed entries have the most fees.
    """
    listed = _without_listed_parents(entries)
    own, own_keys = _own_entries(listed, summary, asked_slug)
    cat = category or summary.category or _busiest_category(own)
    if not cat:
        log.info("no fee category known for %r", asked_slug)
        return CategoryPosition(None, None, None)
    groups = _category_fees(listed, cat, own_keys)
    negative = sum(1 for e in listed if category_key(e.category) == category_key(cat)
                   and e.total30d is not None and e.total30d < 0)
    own_fees = groups.get(_SELF)
    share, hhi = category_share_and_hhi(own_fees or 0.0, list(groups.values()))
    positive = sum(1 for v in groups.values() if v > 0)
    if positive == 0:
        return CategoryPosition(cat, None, None, 0, negative)
    if own_fees is None:
        log.warning("%r is not listed among %r protocols of the fees overview", asked_slug, cat)
        return CategoryPosition(cat, None, hhi, positive, negative)
    return CategoryPosition(cat, share, hhi, positive, negative)


# --------------------------------------------------------------------------- report

def _day(ts: int) -> int:
    """Days since the epoch (UTC) of a unix time."""
    return ts // DAY


def _date(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).date().isoformat()


def aligned_total30d(summary: FeeSummary, reference_end: int | None,
                     ) -> tuple[float | None, str | None]:
    """``summary``'s 30-day total over the window of the fee series, and a note if partial.

    The window is the :data:`WINDOW_DAYS` UTC days ending on the day of ``reference_end``
    (the fee series' last day, negative or not). A series "ends" on its last reported day,
    negative days included (:meth:`sources.fees.FeeSummary.end`). The rule:

    * the series ends on the reference day: DefiLlama's own ``total30d`` when it gives one
      and no negative day falls inside the window, else the sum of the series'
      non-negative points inside the window (:func:`sources.fees.parse_fee_summary` already
      made that sum when a negative day nets into DefiLlama's figure);
    * the series ends *after* the reference day: the sum of its points inside the window
      (its own ``total30d`` covers another window, so it is not used);
    * the series ends *before* the reference day but has points inside the window (a
      lagging adapter): the sum of those points, with a note that it covers only part of the
      window;
    * no point inside the window (the series ended before it, or has no points): ``None``
      ("not reported"), with a note when the series has older points or a ``total30d``
      that cannot be placed;
    * no reference (the fee series has no points): DefiLlama's own ``total30d`` if given,
      else ``None`` — a total computed from the series' own last point cannot be matched
      to the fees' window, so it is not used (noted when there was one).

    Returns:
        ``(total, note)``; ``note`` is ``None`` when the total covers the whole window.
    """
    label = DATA_LABELS.get(summary.data_type, summary.data_type)
    if reference_end is None:
        if summary.total30d_reported:
            return summary.total30d, None
        if summary.daily:
            return None, (f"{label} data not counted: the fee series has no points, so its "
                          f"30-day window is unknown")
        return None, None
    if not summary.daily:
        if summary.total30d_reported:
            return None, (f"{label}: DefiLlama gives a 30-day total but no daily data to "
                          f"place it in the fee window: not counted")
        return None, None
    ref_day = _day(reference_end)
    first_day = ref_day - (WINDOW_DAYS - 1)
    window = [usd for ts, usd in summary.daily if first_day <= _day(ts) <= ref_day]
    end = summary.end()
    last_ts = end if end is not None else summary.daily[-1][0]
    if _day(last_ts) == ref_day and summary.total30d_reported:
        return summary.total30d, None
    span = f"{_date(first_day * DAY)} – {_date(reference_end)}"
    if not window:
        if _day(last_ts) < first_day:
            return None, (f"{label} data ends on {_date(last_ts)}, before the 30-day fee "
                          f"window ({span}): not counted")
        return None, None
    total = math.fsum(window)
    if _day(last_ts) < ref_day:
        days = _day(last_ts) - first_day + 1
        return total, (f"{label} data ends on {_date(last_ts)}, {ref_day - _day(last_ts)} "
                       f"day(s) before the fee data: its 30-day total ({span}) covers only "
                       f"{days} of {WINDOW_DAYS} days")
    return total, None


async def fetch_fees(
    http: HttpClient,
    cfg: SourcesConfig,
    slug: str,
    category: str | None = None,
    *,
    expected_id: str | None = None,
    now: float | None = None,
) -> FeeReport:
    """Fees, revenue and holders revenue of ``slug``, split for 30 days, with its category.

    Sends the three ``/summary/fees`` requests and the ``/overview/fees`` request at once.

    * **One window.** The three 30-day totals (split and ``totals[…]["30d"]``) cover the same
      :data:`WINDOW_DAYS` days: those ending on the last day of the fee series (the
      reference). Fees use DefiLlama's ``total30d`` when given, else the sum over that
      window. Revenue and holders revenue follow :func:`aligned_total30d`: their own
      ``total30d`` is kept only when their series ends on the reference day; a series that
      ends earlier but reaches into the window is summed over the days it has and noted in
      ``warnings``; one with no point in the window is ``None`` ("not reported"). The 24h,
      7d and all-time totals are DefiLlama's figures as given.
    * Revenue or holders revenue that DefiLlama does not know (404 / no chart) is ``None``
      ("not reported") in the split and totals; reported zeros stay 0.
    * Revenue or holders revenue that could not be fetched (5xx or timeout after retries,
      429, a malformed body) is ``None`` too and named in ``unavailable``; the parts of the
      split that depend on it are ``None``. The fees are kept.
    * If the overview fails, the report is kept without ``category_share``/``category_hhi``.
    * ``profit_flow_top10_usd`` needs the holder list: fill it with :func:`with_profit_flow`.

    Args:
        slug: DefiLlama slug (parent or child).
        category: the protocol's category when the caller knows it; default DefiLlama's.
        expected_id: the record id we expect; a mismatch is logged.
        now: unix seconds the staleness caveat is measured against (default: the clock).

    Raises:
        NotFound: DefiLlama does not track fees for ``slug`` (its "not found" 400).
        BadResponse, SourceUnavailable, RateLimited: the ``dailyFees`` summary could not be
            fetched (there is nothing to report without it).
    """
    fees, revenue_r, holders_r, overview_r = await gather_sources(
        *(fetch_fee_summary(http, cfg, slug, dt, expected_id=expected_id) for dt in DATA_TYPES),
        fetch_fee_overview(http, cfg),
    )
    if isinstance(fees, SourceError):
        raise fees
    unavailable: list[str] = []
    revenue = _optional(revenue_r, "revenue", slug, unavailable)
    holders = _optional(holders_r, "holders_revenue", slug, unavailable)
    position = _position(overview_r, fees, slug, category)
    return fee_report(fees, revenue, holders, position, slug=slug,
                      unavailable=tuple(unavailable), now=now)


def _position(overview: tuple[OverviewEntry, ...] | SourceError, fees: FeeSummary, slug: str,
              category: str | None) -> CategoryPosition:
    """The category position, or just the category when the overview failed."""
    if isinstance(overview, SourceError):
        log.warning("fees overview unavailable, no category share for %r: %s", slug, overview)
        return CategoryPosition(category or fees.category, None, None)
    return category_position(overview, fees, slug, category)


def fee_report(
    fees: FeeSummary,
    revenue: FeeSummary | None,
    holders: FeeSummary | None,
    position: CategoryPosition,
    *,
    slug: str = "",
    unavailable: tuple[str, ...] = (),
    now: float | None = None,
) -> FeeReport:
    """The :class:`FeeReport` of the summaries, all 30-day totals on the fee series' window.

    Revenue and holders revenue (``None`` = not reported or not fetched) are aligned by
    :func:`aligned_total30d`; its notes become ``warnings``, followed by the staleness
    caveat (:func:`staleness_note`, against ``now``, unix seconds, default the current
    time), the negative-value caveats (:func:`negative_notes`) and the split's caveats
    (:func:`scoring.fees.split_notes`: revenue above fees, holders revenue above revenue).
    The window ends on the fee series' real last day (:meth:`FeeSummary.end`), even when
    that day is negative. ``slug`` is for the log.
    """
    reference_end = fees.end()
    warnings: list[str] = []
    revenue30 = _aligned(revenue, reference_end, slug, warnings)
    holders30 = _aligned(holders, reference_end, slug, warnings)
    stale = staleness_note(reference_end, time.time() if now is None else now)
    warnings.extend([stale] if stale else [])
    warnings.extend(negative_notes((fees, revenue, holders), position.negative))
    split = split_fees(fees.total30d, revenue30, holders30, WINDOW_DAYS)
    warnings.extend(split_notes(split))
    first_day = _day(reference_end) - (WINDOW_DAYS - 1) if reference_end is not None else None
    return FeeReport(
        split_30d=split,
        totals={"fees": fees.totals(),
                "revenue": _totals(revenue, revenue30),
                "holders_revenue": _totals(holders, holders30)},
        category=position.category or "",
        category_share=position.share,
        category_hhi=position.hhi,
        daily=fees.daily,
        chains=dict(fees.chains_30d),
        unavailable=unavailable,
        warnings=tuple(warnings),
        window_start=_date(first_day * DAY) if first_day is not None else "",
        window_end=_date(reference_end) if reference_end is not None else "",
    )


def staleness_note(last_point: int | None, now: float) -> str | None:
    """A caveat when the fee series' last day (unix seconds) is more than
    :data:`STALE_DAYS` whole days before ``now``; ``None`` when fresh or unknown."""
    if last_point is None:
        return None
    age = int((now - last_point) // DAY)
    if age <= STALE_DAYS:
        return None
    return (f"DefiLlama's fee data ends on {_date(last_point)}, {age} days ago: the 30-day "
            f"figures cover {_date((_day(last_point) - WINDOW_DAYS + 1) * DAY)} → "
            f"{_date(last_point)}, not the last 30 days")


def negative_notes(summaries: Iterable[FeeSummary | None], negative_protocols: int = 0,
                   ) -> list[str]:
    """Caveats for negative values DefiLlama reported and Lorenz left out of the sums: per
    dimension, negative days and negative totals; and the category's protocols with negative
    30-day fees (left out of the category share)."""
    notes = []
    for s in summaries:
        if s is None:
            continue
        label = DATA_LABELS.get(s.data_type, s.data_type)
        if s.negative_days:
            netted = (" (the 30-day total sums the other days instead of DefiLlama's own "
                      "30-day total, which nets them in)" if s.total30d_netted else "")
            notes.append(f"{label} data has {s.negative_days} negative day(s) (as DefiLlama "
                         f"reports them); left out of the sums{netted}")
        for period, value in s.negatives:
            notes.append(f"DefiLlama reports a negative {period} {label} total "
                         f"(-{usd(-value)}); not counted")
    if negative_protocols:
        notes.append(f"{negative_protocols} protocol(s) of the category have negative 30-day "
                     "fees on DefiLlama; left out of the category share")
    return notes


def _aligned(summary: FeeSummary | None, reference_end: int | None, slug: str,
             warnings: list[str]) -> float | None:
    """:func:`aligned_total30d` of ``summary`` (``None`` stays ``None``); its note is logged
    and appended to ``warnings``."""
    if summary is None:
        return None
    total, note = aligned_total30d(summary, reference_end)
    if note:
        log.warning("%s (%r)", note, slug)
        warnings.append(note)
    return total


def _totals(summary: FeeSummary | None, total30d: float | None) -> dict[str, float | None]:
    """``{"24h", "7d", "30d", "all_time"}`` of ``summary`` with the aligned 30-day total;
    all ``None`` when the summary is missing."""
    if summary is None:
        return dict.fromkeys(("24h", "7d", "30d", "all_time"))
    return {**summary.totals(), "30d": total30d}


def _optional(result: FeeSummary | SourceError, name: str, slug: str,
              unavailable: list[str]) -> FeeSummary | None:
    """A revenue summary, or ``None`` when DefiLlama does not know it or it failed.

    A :class:`NotFound` is "not reported"; any other :class:`SourceError` appends ``name``
    to ``unavailable`` (the figure exists upstream but could not be fetched).
    """
    if isinstance(result, NotFound):
        log.info("%s", result)
        return None
    if isinstance(result, SourceError):
        log.warning("%s data unavailable for %r: %s", name, slug, result)
        unavailable.append(name)
        return None
    return result


def with_profit_flow(report: FeeReport, top10_owner_share: float) -> FeeReport:
    """``report`` with the top-10 owners' pro-rata slice of 30-day holders revenue (USD).

    Args:
        report: from :func:`fetch_fees`.
        top10_owner_share: the top-10 owners' share of the token (owners view), in [0, 1].

    Returns:
        A copy with ``profit_flow_top10_usd`` and ``profit_flow_assumption`` set; both stay
        empty (``None``/"") when holders revenue is not reported.

    Raises:
        ValueError: ``top10_owner_share`` is not a finite number in [0, 1].
    """
    if not (isinstance(top10_owner_share, int | float) and 0 <= top10_owner_share <= 1):
        raise ValueError(f"top10_owner_share must be in [0, 1], not {top10_owner_share!r}")
    flow = profit_flow(report.split_30d.holders_revenue, float(top10_owner_share))
    return dataclasses.replace(
        report, profit_flow_top10_usd=flow,
        profit_flow_assumption=PROFIT_FLOW_ASSUMPTION if flow is not None else "",
    )


__all__ = [
    "PROFIT_FLOW_ASSUMPTION", "CategoryPosition", "aligned_total30d", "category_position",
    "fee_report", "fetch_fees", "with_profit_flow",
]
