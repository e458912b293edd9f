"""Fees, revenue and holders revenue of one protocol from DefiLlama (DESIGN.md §2).

Endpoints (API_NOTES.md §1.1, keyless, cached for :data:`sources.http.TTL_DATA`):

* ``GET {defillama_url}/summary/fees/{slug}?dataType=…`` — one protocol, one dimension
  (``dailyFees``, ``dailyRevenue`` or ``dailyHoldersRevenue``): period totals and the daily
  series ``totalDataChart: [[unix_seconds, usd], …]`` plus ``totalDataChartBreakdown:
  [[unix_seconds, {chain: {sub_protocol: usd}}], …]``. Parent slugs work (``uniswap`` →
  ``parent#uniswap``, the sum of its versions).
* ``GET {defillama_url}/overview/fees?excludeTotalDataChart=true&excludeTotalDataChartBreakdown
  =true&dataType=dailyFees`` — every protocol's totals in one call, used for the protocol's
  share of its category and the category's HHI.

All amounts are USD; all times are unix seconds (UTC day starts). A number DefiLlama does not
report (missing, ``null``, a non-numeric string, NaN) is ``None`` — "not reported" — and is
never read as 0. Only :mod:`core.errors` escape from here.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from core.errors import BadResponse, NotFound, SourceError
from core.fees import FeeReport
from scoring.fees import category_share_and_hhi, profit_flow, split_fees
from sources.config import SourcesConfig
from sources.http import TTL_DATA, HttpClient, gather_sources

log = logging.getLogger(__name__)

#: The ``dataType`` values of ``/summary/fees`` and ``/overview/fees``.
DATA_TYPES: tuple[str, ...] = ("dailyFees", "dailyRevenue", "dailyHoldersRevenue")
_LABELS = {"dailyFees": "fee", "dailyRevenue": "revenue",
           "dailyHoldersRevenue": "holders-revenue"}

DAY = 86_400
#: Length of the window of ``total30d`` and ``chains_30d`` when they are computed (days).
WINDOW_DAYS = 30

#: Stated next to every profit-flow figure.
PROFIT_FLOW_ASSUMPTION = "if holders revenue were paid pro rata to token balances"


@dataclass(frozen=True, slots=True)
class FeeSummary:
    """One dimension of one protocol from ``/summary/fees/{slug}`` (USD, unix seconds).

    Attributes:
        id: DefiLlama record id (``"parent#uniswap"`` for a parent, ``"2198"`` for a child).
        name: display name.
        slug: the slug DefiLlama returned (the asked slug when it returned none).
        category: DefiLlama category (``"Dexs"``); ``None`` when not given (parents often).
        data_type: the ``dataType`` asked for.
        total24h, total7d: as reported; ``None`` = not reported.
        total30d: as reported, else the sum of the daily values of the last
            :data:`WINDOW_DAYS` days of ``totalDataChart`` (the window ends at its last point);
            ``None`` when neither exists. This is the series' *own* window: :func:`fetch_fees`
            re-aligns revenue and holders revenue on the fee series' window.
        total_all_time: ``totalAllTime`` as reported.
        daily: ``(unix_seconds, usd)`` oldest first; days whose value is not reported are
            left out (not zero-filled).
        chains_30d: USD per chain over the same window, summed over sub-protocols.
        parent_protocol: the parent record id of a child (``"parent#curve"``), else ``None``.
        defillama_id: the ``defillamaId`` field ("" when absent).
        total30d_reported: ``True`` when ``total30d`` is DefiLlama's own figure, ``False``
            when it was computed from the chart (or is ``None``).
    """

    id: str
    name: str
    slug: str
    category: str | None
    data_type: str
    total24h: float | None
    total7d: float | None
    total30d: float | None
    total_all_time: float | None
    daily: tuple[tuple[int, float], ...] = ()
    chains_30d: dict[str, float] = field(default_factory=dict)
    parent_protocol: str | None = None
    defillama_id: str = ""
    total30d_reported: bool = False

    def totals(self) -> dict[str, float | None]:
        """``{"24h", "7d", "30d", "all_time"}`` in USD (``None`` = not reported)."""
        return {"24h": self.total24h, "7d": self.total7d, "30d": self.total30d,
                "all_time": self.total_all_time}


@dataclass(frozen=True, slots=True)
class OverviewEntry:
    """One protocol of ``/overview/fees`` (``total30d`` in USD, ``None`` = not reported)."""

    name: str
    defillama_id: str
    slug: str
    parent_protocol: str
    category: str
    total30d: float | None


# --------------------------------------------------------------------------- parsing helpers

def number(value: Any) -> float | None:
    """A finite float from a JSON number or numeric string; ``None`` for anything else.

    ``True``/``False``, ``null``, ``"n/a"``, NaN and infinities are all "not reported".
    """
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        result = float(value)
    elif isinstance(value, str):
        try:
            result = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return result if math.isfinite(result) else None


def _timestamp(value: Any, host: str) -> int:
    """Unix seconds from a JSON number or digit string, else :class:`BadResponse`."""
    ts = number(value)
    if ts is None or ts < 0:
        raise BadResponse(f"{host} sent a fee chart with a bad timestamp.", host)
    return int(ts)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _chart_points(raw: Any, what: str, host: str) -> list[tuple[int, Any]]:
    """``[[ts, value], …]`` → ``[(ts, value)]``; ``null`` is an empty chart; else BadResponse."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise BadResponse(f"{host} sent {what} that is not a list.", host)
    points: list[tuple[int, Any]] = []
    for item in raw:
        if not isinstance(item, list | tuple) or len(item) < 2:
            raise BadResponse(f"{host} sent {what} with a point that is not [time, value].",
                              host)
        points.append((_timestamp(item[0], host), item[1]))
    points.sort(key=lambda p: p[0])
    return points


def _window_start(points: list[tuple[int, Any]]) -> int | None:
    """First unix second inside the last :data:`WINDOW_DAYS` days ending at the last point."""
    return points[-1][0] - (WINDOW_DAYS - 1) * DAY if points else None


def _chain_totals(raw: Any, host: str) -> dict[str, float]:
    """USD per chain over the last window of ``totalDataChartBreakdown``.

    Each point is ``[ts, {chain: {sub_protocol: usd}}]``; a chain mapped straight to a number
    is accepted too. Values that are not reported are skipped.
    """
    points = _chart_points(raw, "a chain breakdown", host)
    start = _window_start(points)
    totals: dict[str, float] = defaultdict(float)
    for ts, by_chain in points:
        if not isinstance(by_chain, dict):
            raise BadResponse(f"{host} sent a chain breakdown that is not an object.", host)
        if start is None or ts < start:
            continue
        for chain, value in by_chain.items():
            parts = value.values() if isinstance(value, dict) else (value,)
            usd = [v for v in map(number, parts) if v is not None]
            if usd:
                totals[str(chain)] += math.fsum(usd)
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def parse_fee_summary(body: Any, slug: str, data_type: str, host: str = "",
                      expected_id: str | None = None) -> FeeSummary:
    """Turn a ``/summary/fees/{slug}`` body into a :class:`FeeSummary`.

    Args:
        body: the decoded JSON.
        slug: the slug that was asked for (used to check the answer, and as a fallback).
        data_type: the ``dataType`` that was asked for.
        host: for error messages.
        expected_id: the DefiLlama record id we expect (e.g. from the registry), if known.

    Raises:
        NotFound: the body has no ``totalDataChart`` (DefiLlama's answer for unknown slugs).
        BadResponse: the body or its charts have the wrong shape.
    """
    if not isinstance(body, dict):
        raise BadResponse(f"{host} sent a fee summary that is not an object.", host)
    if "totalDataChart" not in body:
        raise NotFound(f"DefiLlama has no {_LABELS.get(data_type, data_type)} data for "
                       f"{slug!r}.", host)
    points = _chart_points(body["totalDataChart"], "a fee chart", host)
    daily = tuple((ts, usd) for ts, raw in points if (usd := number(raw)) is not None)
    total30d = number(body.get("total30d"))
    total30d_reported = total30d is not None
    if total30d is None and daily:
        start = daily[-1][0] - (WINDOW_DAYS - 1) * DAY
        total30d = math.fsum(usd for ts, usd in daily if ts >= start)

    record_id = _text(body.get("id")) or _text(body.get("defillamaId"))
    defillama_id = _text(body.get("defillamaId"))
    returned_slug = _text(body.get("slug"))
    _check_identity(slug, returned_slug, {record_id, defillama_id} - {""}, expected_id)
    return FeeSummary(
        id=record_id,
        name=_text(body.get("displayName")) or _text(body.get("name")) or slug,
        slug=returned_slug or slug,
        category=_text(body.get("category")) or None,
        data_type=data_type,
        total24h=number(body.get("total24h")),
        total7d=number(body.get("total7d")),
        total30d=total30d,
        total_all_time=number(body.get("totalAllTime")),
        daily=daily,
        chains_30d=_chain_totals(body.get("totalDataChartBreakdown"), host),
        parent_protocol=_text(body.get("parentProtocol")) or None,
        defillama_id=defillama_id,
        total30d_reported=total30d_reported,
    )


def _check_identity(slug: str, returned_slug: str, ids: set[str],
                    expected_id: str | None) -> None:
    """Log a warning when the answer looks like a different record than the one asked for."""
    if expected_id:
        if expected_id not in ids:
            log.warning("DefiLlama answered %r with record %s, expected %r", slug,
                        sorted(ids) or "(no id)", expected_id)
        return
    if (returned_slug and returned_slug.casefold() != slug.casefold()
            and f"parent#{slug}".casefold() not in {i.casefold() for i in ids}):
        log.warning("DefiLlama answered %r with slug %r (record %s)", slug, returned_slug,
                    sorted(ids) or "(no id)")


# --------------------------------------------------------------------------- requests

async def fetch_fee_summary(
    http: HttpClient,
    cfg: SourcesConfig,
    slug: str,
    data_type: str = "dailyFees",
    *,
    expected_id: str | None = None,
) -> FeeSummary:
    """``GET {defillama_url}/summary/fees/{slug}?dataType={data_type}`` as a :class:`FeeSummary`.

    Args:
        http: the shared client (retries, limits, cache, coalescing).
        cfg: base URL.
        slug: DefiLlama slug, parent or child (``"uniswap"``, ``"curve-dex"``); it is
            percent-encoded into the path.
        data_type: one of :data:`DATA_TYPES`.
        expected_id: the record id we expect (``"parent#uniswap"``); a mismatch is logged.

    Raises:
        ValueError: ``data_type`` is not one of :data:`DATA_TYPES` (a programming error).
        NotFound: HTTP 404, an empty slug, or a body without ``totalDataChart``.
        BadResponse, SourceUnavailable, RateLimited: see :mod:`core.errors`.
    """
    if data_type not in DATA_TYPES:
        raise ValueError(f"data_type must be one of {DATA_TYPES}, not {data_type!r}")
    host = _host(cfg.defillama_url)
    slug = slug.strip()
    label = _LABELS[data_type]
    if not slug:
        raise NotFound(f"DefiLlama has no {label} data for an empty protocol name.", host)
    url = f"{cfg.defillama_url}/summary/fees/{quote(slug, safe='')}"
    try:
        return await http.get_json(
            url, params={"dataType": data_type}, ttl=TTL_DATA,
            parse=lambda body: parse_fee_summary(body, slug, data_type, host, expected_id))
    except NotFound:
        raise NotFound(f"DefiLlama has no {label} data for {slug!r}.", host) from None


def parse_fee_overview(body: Any, host: str = "") -> tuple[OverviewEntry, ...]:
    """The ``protocols`` of an ``/overview/fees`` body; entries that are not objects are skipped.

    Raises:
        BadResponse: the body is not an object or ``protocols`` is not a list.
    """
    if not isinstance(body, dict) or not isinstance(body.get("protocols"), list):
        raise BadResponse(f"{host} sent a fees overview without a protocol list.", host)
    entries = []
    for item in body["protocols"]:
        if not isinstance(item, dict):
            continue
        entries.append(OverviewEntry(
            name=_text(item.get("name")),
            defillama_id=_text(item.get("defillamaId")) or _text(item.get("id")),
            slug=_text(item.get("slug")),
            parent_protocol=_text(item.get("parentProtocol")),
            category=_text(item.get("category")),
            total30d=number(item.get("total30d")),
        ))
    return tuple(entries)


async def fetch_fee_overview(http: HttpClient, cfg: SourcesConfig) -> tuple[OverviewEntry, ...]:
    """Every protocol's 30-day fees from one ``/overview/fees`` call (charts excluded)."""
    host = _host(cfg.defillama_url)
    return await http.get_json(
        f"{cfg.defillama_url}/overview/fees",
        params={"excludeTotalDataChart": "true", "excludeTotalDataChartBreakdown": "true",
                "dataType": "dailyFees"},
        ttl=TTL_DATA,
        parse=lambda body: parse_fee_overview(body, host),
    )


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]


# --------------------------------------------------------------------------- category

@dataclass(frozen=True, slots=True)
class CategoryPosition:
    """The protocol's share of its category's 30-day fees and the category's HHI (0–1).

    ``share`` is ``None`` when the protocol is not listed in the category; both are ``None``
    when the category has no positive fees (or is unknown).
    """

    category: str | None
    share: float | None
    hhi: float | None
    protocols: int = 0  # entities (parents with their children summed) in the category


def _group_key(entry: OverviewEntry) -> str:
    return entry.parent_protocol or entry.defillama_id or entry.slug or entry.name


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
    listed = list(entries)
    parents_with_children = {e.parent_protocol for e in listed if e.parent_protocol}
    listed = [e for e in listed
              if e.parent_protocol or e.defillama_id not in parents_with_children]
    ids = {i for i in (summary.id, summary.defillama_id) if i}
    names = {n.casefold() for n in (summary.name,) if n}
    slugs = {s.casefold() for s in (asked_slug, summary.slug) if s}

    def is_self(e: OverviewEntry) -> bool:
        return ((e.slug and e.slug.casefold() in slugs) or e.defillama_id in ids
                or e.parent_protocol in ids or (bool(e.name) and e.name.casefold() in names))

    own = [e for e in listed if is_self(e)]
    own_keys = {_group_key(e) for e in own} | {i for i in ids if i.startswith("parent#")}

    cat = category or summary.category
    if not cat:
        by_cat: dict[str, float] = defaultdict(float)
        for e in own:
            if e.category and e.total30d is not None:
                by_cat[e.category] += e.total30d
        cat = max(by_cat, key=by_cat.__getitem__) if by_cat else None
    if not cat:
        log.info("no fee category known for %r", asked_slug)
        return CategoryPosition(None, None, None)

    groups: dict[str, float] = defaultdict(float)
    for e in listed:
        if e.category.casefold() != cat.casefold() or e.total30d is None:
            continue
        key = "\0self" if _group_key(e) in own_keys else _group_key(e)
        groups[key] += e.total30d
    own_fees = groups.get("\0self")
    share, hhi = category_share_and_hhi(own_fees or 0.0, list(groups.values()))
    positive = sum(1 for v in groups.values() if v > 0)
    if positive == 0:
        return CategoryPosition(cat, None, None, 0)
    if own_fees is None:
        log.warning("%r is not listed among %r protocols of the fees overview", asked_slug, cat)
        return CategoryPosition(cat, None, hhi, positive)
    return CategoryPosition(cat, share, hhi, positive)


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
    (the fee series' last point). The rule:

    * the series ends on the reference day: DefiLlama's own ``total30d`` when it gives one,
      else the sum of the series' points inside the window;
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
    label = _LABELS.get(summary.data_type, summary.data_type)
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
    last_ts = summary.daily[-1][0]
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

    Raises:
        NotFound: no fee data for ``slug``.
        BadResponse, SourceUnavailable, RateLimited: the ``dailyFees`` summary could not be
            fetched (there is nothing to report without it).
    """
    fees_r, revenue_r, holders_r, overview_r = await gather_sources(
        *(fetch_fee_summary(http, cfg, slug, dt, expected_id=expected_id) for dt in DATA_TYPES),
        fetch_fee_overview(http, cfg),
    )
    if isinstance(fees_r, SourceError):
        raise fees_r
    fees: FeeSummary = fees_r
    unavailable: list[str] = []
    revenue = _optional(revenue_r, "revenue", slug, unavailable)
    holders = _optional(holders_r, "holders_revenue", slug, unavailable)

    position = CategoryPosition(category or fees.category, None, None)
    if isinstance(overview_r, SourceError):
        log.warning("fees overview unavailable, no category share for %r: %s", slug, overview_r)
    else:
        position = category_position(overview_r, fees, slug, category)

    reference_end = fees.daily[-1][0] if fees.daily else None
    warnings: list[str] = []

    def total30(s: FeeSummary | None) -> float | None:
        if s is None:
            return None
        total, note = aligned_total30d(s, reference_end)
        if note:
            log.warning("%s (%r)", note, slug)
            warnings.append(note)
        return total

    fees30, revenue30, holders30 = fees.total30d, total30(revenue), total30(holders)
    empty = dict.fromkeys(("24h", "7d", "30d", "all_time"))

    def totals(s: FeeSummary | None, total30d: float | None) -> dict[str, float | None]:
        return dict(empty) if s is None else {**s.totals(), "30d": total30d}

    return FeeReport(
        split_30d=split_fees(fees30, revenue30, holders30, WINDOW_DAYS),
        totals={"fees": fees.totals(),
                "revenue": totals(revenue, revenue30),
                "holders_revenue": totals(holders, holders30)},
        category=position.category or "",
        category_share=position.share,
        category_hhi=position.hhi,
        daily=fees.daily,
        chains=dict(fees.chains_30d),
        unavailable=tuple(unavailable),
        warnings=tuple(warnings),
    )


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
    "DATA_TYPES", "PROFIT_FLOW_ASSUMPTION", "CategoryPosition", "FeeSummary", "OverviewEntry",
    "aligned_total30d", "category_position", "fetch_fee_overview", "fetch_fee_summary",
    "fetch_fees", "parse_fee_overview", "parse_fee_summary", "with_profit_flow",
]
