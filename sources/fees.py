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
never read as 0 (:func:`sources.parsing.finite_float`). Only :mod:`core.errors` escape from
here.

How DefiLlama really answers (API_NOTES.md §0), and what Lorenz makes of it:

* "no data" is **HTTP 400 with a text/plain body** ``Fees for <slug> not found, please visit
  /overview/fees …`` — for an unknown slug and for a known protocol without a series for one
  ``dataType``. That is :class:`NotFound` ("not tracked" for fees, "not reported" for
  revenue and holders revenue), kept like any answer by the client, never a failure;
* **negative values** (a 30-day total of −290M, negative days) are kept out of totals and
  sums: the day is dropped from ``daily`` and counted in ``negative_days``, a negative total
  becomes ``None`` and is listed in ``negatives`` for the caveat. DefiLlama's own
  ``total30d`` nets the negative days of its window in, so when its window holds one the
  30-day total is instead the sum of the window's non-negative days (``total30d_reported``
  is then ``False`` and ``total30d_netted`` ``True``). The window still ends on the series'
  real last day (``last_point``), negative or not;
* ``[ts, null]`` points of ``totalDataChartBreakdown`` (a day without chain data) are skipped;
* ids may be numbers (``185``); categories are spelled ``Dexes`` today and ``Dexs`` before —
  compare them with :func:`category_key`.

This module fetches and parses only (:class:`FeeSummary`, :class:`OverviewEntry`). The
report — the 30-day split on one window, the category position, the profit flow — is
assembled by :mod:`pipeline.fees`.
"""

from __future__ import annotations

import logging
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from core.errors import BadResponse, NotFound, Refused
from sources.config import SourcesConfig
from sources.http import TTL_DATA, HttpClient
from sources.parsing import finite_float, stripped

log = logging.getLogger(__name__)

#: The ``dataType`` values of ``/summary/fees`` and ``/overview/fees``.
DATA_TYPES: tuple[str, ...] = ("dailyFees", "dailyRevenue", "dailyHoldersRevenue")
#: How each ``dataType`` is named in messages and notes.
DATA_LABELS: dict[str, str] = {"dailyFees": "fee", "dailyRevenue": "revenue",
                               "dailyHoldersRevenue": "holders-revenue"}

#: The provider's name in messages.
PROVIDER = "DefiLlama"
#: What DefiLlama's "no data" 400 says, lower case (``Fees for x not found, …``).
NOT_FOUND_TEXT = "not found"

DAY = 86_400
#: Length of the window of ``total30d`` and ``chains_30d`` when they are computed (days).
WINDOW_DAYS = 30


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
            :data:`WINDOW_DAYS` days of ``totalDataChart`` (the window ends at its last
            point); ``None`` when neither exists. When a negative day falls inside that
            window, the sum of the window's non-negative days (``None`` if there are none)
            replaces DefiLlama's figure, which nets the negative days in. This is the
            series' *own* window: :func:`pipeline.fees.fetch_fees` re-aligns revenue and
            holders revenue on the fee series' window.
        total_all_time: ``totalAllTime`` as reported.
        daily: ``(unix_seconds, usd)`` oldest first; days whose value is not reported are
            left out (not zero-filled).
        chains_30d: USD per chain over the same window, summed over sub-protocols.
        parent_protocol: the parent record id of a child (``"parent#curve"``), else ``None``.
        defillama_id: the ``defillamaId`` field ("" when absent; a number becomes text).
        total30d_reported: ``True`` when ``total30d`` is DefiLlama's own figure, ``False``
            when it was computed from the chart (or is ``None``).
        negative_days: days of ``totalDataChart`` with a negative value, left out of
            ``daily`` and of every sum.
        negative_day_times: the unix seconds of those days, oldest first.
        last_point: unix seconds of the series' last reported day (negative values
            included, ``null`` points not); ``None`` when unknown — then :meth:`end` falls
            back to the last point of ``daily``.
        total30d_netted: ``True`` when DefiLlama gave a ``total30d`` that was not used
            because negative days inside its window are netted into it.
        negatives: totals DefiLlama reported below zero, ``(("30d", -290130293.0), …)``;
            each is ``None`` in this summary.
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
    negative_days: int = 0
    negatives: tuple[tuple[str, float], ...] = ()
    negative_day_times: tuple[int, ...] = ()
    last_point: int | None = None
    total30d_netted: bool = False

    def end(self) -> int | None:
        """Unix seconds of the series' last day (negative days count); ``None`` when the
        series has no reported point."""
        if self.last_point is not None:
            return self.last_point
        return self.daily[-1][0] if self.daily else None

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

def _timestamp(value: Any, host: str) -> int:
    """Unix seconds from a JSON number or digit string, else :class:`BadResponse`."""
    ts = finite_float(value)
    if ts is None or ts < 0:
        raise BadResponse(f"{host} sent a fee chart with a bad timestamp.", host)
    return int(ts)


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
    is accepted too. ``[ts, null]`` (DefiLlama's day without chain data) is skipped; values
    that are not reported or negative are skipped.
    """
    points = [(ts, v) for ts, v in _chart_points(raw, "a chain breakdown", host)
              if v is not None]
    start = _window_start(points)
    totals: dict[str, float] = defaultdict(float)
    for ts, by_chain in points:
        if not isinstance(by_chain, dict):
            raise BadResponse(f"{host} sent a chain breakdown that is not an object.", host)
        if start is None or ts < start:
            continue
        for chain, value in by_chain.items():
            parts = value.values() if isinstance(value, dict) else (value,)
            usd = [v for v in map(finite_float, parts) if v is not None and v >= 0]
            if usd:
                totals[str(chain)] += math.fsum(usd)
    return dict(sorted(totals.items(), key=lambda kv: -kv[1]))


def id_text(value: Any) -> str:
    """An id as text: a string stripped, a whole number written out (``185`` → ``"185"``);
    ``""`` for anything else (``None``, ``True``, floats, objects)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return stripped(value)


def category_key(name: str | None) -> str:
    """A category name folded for comparison: case, spaces and punctuation dropped, then one
    trailing "s" and one "e" — so ``"Dexes"``, ``"Dexs"``, ``"DEXs"`` and ``"dex"`` all give
    ``"dex"``; ``""`` for ``None`` or an empty name."""
    key = "".join(ch for ch in (name or "").casefold() if ch.isalnum())
    key = key[:-1] if key.endswith("s") and len(key) > 3 else key
    return key[:-1] if key.endswith("e") and len(key) > 3 else key


def _non_negative(body: dict[str, Any], field_name: str, label: str,
                  negatives: list[tuple[str, float]]) -> float | None:
    """``body[field_name]`` as USD; a negative value is ``None`` and noted in ``negatives``."""
    value = finite_float(body.get(field_name))
    if value is not None and value < 0:
        negatives.append((label, value))
        return None
    return value


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
        raise NotFound(not_found_message(slug, data_type), host, (PROVIDER,))
    points = _chart_points(body["totalDataChart"], "a fee chart", host)
    values = [(ts, usd) for ts, raw in points if (usd := finite_float(raw)) is not None]
    daily = tuple((ts, usd) for ts, usd in values if usd >= 0)
    negative_times = tuple(ts for ts, usd in values if usd < 0)
    last_point = values[-1][0] if values else None
    negatives: list[tuple[str, float]] = []
    total30d, reported, netted = _total30d(body, daily, negative_times, last_point, negatives)

    record_id = id_text(body.get("id")) or id_text(body.get("defillamaId"))
    defillama_id = id_text(body.get("defillamaId"))
    returned_slug = stripped(body.get("slug"))
    _check_identity(slug, returned_slug, {record_id, defillama_id} - {""}, expected_id)
    return FeeSummary(
        id=record_id,
        name=stripped(body.get("displayName")) or stripped(body.get("name")) or slug,
        slug=returned_slug or slug,
        category=stripped(body.get("category")) or None,
        data_type=data_type,
        total24h=_non_negative(body, "total24h", "24h", negatives),
        total7d=_non_negative(body, "total7d", "7d", negatives),
        total30d=total30d,
        total_all_time=_non_negative(body, "totalAllTime", "all time", negatives),
        daily=daily,
        chains_30d=_chain_totals(body.get("totalDataChartBreakdown"), host),
        parent_protocol=id_text(body.get("parentProtocol")) or None,
        defillama_id=defillama_id,
        total30d_reported=reported,
        negative_days=len(negative_times),
        negatives=tuple(negatives),
        negative_day_times=negative_times,
        last_point=last_point,
        total30d_netted=netted,
    )


def _total30d(body: dict[str, Any], daily: tuple[tuple[int, float], ...],
              negative_times: tuple[int, ...], last_point: int | None,
              negatives: list[tuple[str, float]]) -> tuple[float | None, bool, bool]:
    """The series' own 30-day total (USD) as ``(total, reported, netted)``.

    The window is the :data:`WINDOW_DAYS` days ending at ``last_point`` (the raw last day,
    negative or not). DefiLlama's ``total30d`` is used when given, non-negative and no
    negative day falls inside the window (``reported``); otherwise the sum of the window's
    non-negative days — ``None`` when it has none, or when the reported total is negative
    (listed in ``negatives``). ``netted`` says a reported total was set aside because it
    nets negative days in.
    """
    total = _non_negative(body, "total30d", "30d", negatives)
    if last_point is None:
        return total, total is not None, False
    start = last_point - (WINDOW_DAYS - 1) * DAY
    netted = total is not None and any(ts >= start for ts in negative_times)
    if total is not None and not netted:
        return total, True, False
    if negatives or not any(ts >= start for ts, _ in daily):
        return None, False, netted
    return math.fsum(usd for ts, usd in daily if ts >= start), False, netted


def not_found_message(slug: str, data_type: str) -> str:
    """"Not tracked by DefiLlama" for fees (the slug is unknown), "not reported by
    DefiLlama" for one revenue dimension."""
    if data_type == "dailyFees":
        return f"{slug!r} is not tracked by DefiLlama's fees."
    return f"{DATA_LABELS.get(data_type, data_type)} not reported by DefiLlama for {slug!r}."


def is_not_found(error: Refused) -> bool:
    """Whether a refusal is DefiLlama's "no data" answer: HTTP 400 whose body says the
    fees were not found (``text/plain`` today; any media type is accepted)."""
    return error.status == 400 and NOT_FOUND_TEXT in error.text.lower()


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
        NotFound: DefiLlama's "not found" 400 (the usual answer), HTTP 404, an empty slug,
            or a body without ``totalDataChart`` — "not tracked" / "not reported", cached
            by the client like any answer.
        BadResponse, SourceUnavailable, RateLimited: see :mod:`core.errors`.
    """
    if data_type not in DATA_TYPES:
        raise ValueError(f"data_type must be one of {DATA_TYPES}, not {data_type!r}")
    host = PROVIDER  # named in messages
    slug = slug.strip()
    label = DATA_LABELS[data_type]
    if not slug:
        raise NotFound(f"DefiLlama has no {label} data for an empty protocol name.", host,
                       (PROVIDER,))
    url = f"{cfg.defillama_url}/summary/fees/{quote(slug, safe='')}"
    try:
        return await http.get_json(
            url, params={"dataType": data_type}, ttl=TTL_DATA, source=PROVIDER,
            parse=lambda body: parse_fee_summary(body, slug, data_type, host, expected_id))
    except NotFound:
        raise NotFound(not_found_message(slug, data_type), host, (PROVIDER,)) from None
    except Refused as exc:
        if not is_not_found(exc):
            raise
        log.debug("DefiLlama: no %s series for %r (HTTP 400)", label, slug)
        raise NotFound(not_found_message(slug, data_type), host, (PROVIDER,)) from None


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
            name=stripped(item.get("name")),
            defillama_id=id_text(item.get("defillamaId")) or id_text(item.get("id")),
            slug=stripped(item.get("slug")),
            parent_protocol=id_text(item.get("parentProtocol")),
            category=stripped(item.get("category")),
            total30d=finite_float(item.get("total30d")),
        ))
    return tuple(entries)


async def fetch_fee_overview(http: HttpClient, cfg: SourcesConfig) -> tuple[OverviewEntry, ...]:
    """Every protocol's 30-day fees from one ``/overview/fees`` call (charts excluded)."""
    host = PROVIDER  # named in messages
    return await http.get_json(
        f"{cfg.defillama_url}/overview/fees",
        params={"excludeTotalDataChart": "true", "excludeTotalDataChartBreakdown": "true",
                "dataType": "dailyFees"},
        ttl=TTL_DATA, source=PROVIDER,
        parse=lambda body: parse_fee_overview(body, host),
    )


__all__ = [
    "DATA_LABELS", "DATA_TYPES", "DAY", "PROVIDER", "WINDOW_DAYS", "FeeSummary",
    "OverviewEntry", "category_key", "fetch_fee_overview", "fetch_fee_summary", "id_text",
    "is_not_found", "not_found_message", "parse_fee_overview", "parse_fee_summary",
]
