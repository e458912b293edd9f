"""sources.fees (fetch + parse) and pipeline.fees (the report) against DefiLlama bodies
served through httpx.MockTransport.

Only the network boundary is replaced: the real HttpClient (coalescing, limits, stamina
retries), the real hishel cache and the size-limit transport run underneath.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.errors import BadResponse, NotFound, RateLimited, SourceUnavailable
from core.fees import FeeReport, FeeSplit
from pipeline.fees import (
    PROFIT_FLOW_ASSUMPTION,
    aligned_total30d,
    category_position,
    fetch_fees,
    with_profit_flow,
)
from sources.config import SourcesConfig
from sources.fees import FeeSummary, fetch_fee_summary, parse_fee_overview, parse_fee_summary
from sources.http import HttpClient, make_http_client

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"
DOC_EXAMPLE = (SHARED / "data" / "fixtures" / "defillama"
               / "summary_fees_hyperliquid_DOC_EXAMPLE.json")
BASE = "https://api.llama.fi"
#: 2026-01-03, a UTC day start: the last day of the fixture series and of series_body's
#: charts; passed as ``now`` so that the staleness caveat (> 2 days) stays out of the way
T = 1_767_398_400
SUFFIX = {"dailyFees": "fees", "dailyRevenue": "revenue",
          "dailyHoldersRevenue": "holders_revenue"}

Handler = Callable[[httpx.Request], Any]


def not_found_400(slug: str) -> httpx.Response:
    """DefiLlama's "no data" reply as it is today: HTTP 400 with a text/plain body, for an
    unknown slug and for a protocol without a series for one dataType."""
    return httpx.Response(
        400, text=f"Fees for {slug} not found, please visit /overview/fees to see available "
                  "protocols", headers={"content-type": "text/plain; charset=utf-8"})


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def key(request: httpx.Request) -> str:
    """'summary/uniswap/dailyFees' or 'overview' — what the handler was asked for."""
    path = request.url.path
    if path == "/overview/fees":
        return "overview"
    return f"summary/{path.rsplit('/', 1)[-1]}/{request.url.params.get('dataType')}"


class Llama:
    """A fake api.llama.fi serving fixture files; counts requests per endpoint."""

    def __init__(self, overrides: dict[str, Any] | None = None, delay: float = 0.0) -> None:
        self.overrides = overrides or {}
        self.delay = delay
        self.calls: Counter[str] = Counter()
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        k = key(request)
        self.calls[k] += 1
        self.requests.append(request)
        if self.delay:
            await asyncio.sleep(self.delay)
        if k in self.overrides:
            answer = self.overrides[k]
            return answer(request) if callable(answer) else answer
        if k == "overview":
            return httpx.Response(200, json=load("overview_fees_dexs.json"))
        _, slug, data_type = k.split("/")
        path = FIXTURES / f"defillama_summary_{slug}_{SUFFIX.get(data_type, '?')}.json"
        if not path.exists():  # DefiLlama's real "no data" answer (API_NOTES.md §0)
            return not_found_400(slug)
        return httpx.Response(200, content=path.read_bytes(),
                              headers={"content-type": "application/json"})


async def client_for(handler: Handler, tmp_path: Path, closing) -> tuple[HttpClient,
                                                                         SourcesConfig]:
    cfg = SourcesConfig(cache_dir=tmp_path)
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(handler)))
    closing(http)
    return http, cfg


# --------------------------------------------------------------------------- summaries

@pytest.mark.skipif(not DOC_EXAMPLE.exists(), reason="../shared/data (doc example) not present")
async def test_doc_example_hyperliquid_parses(tmp_path, closing):
    body = json.loads(DOC_EXAMPLE.read_text())["example"]
    http, cfg = await client_for(lambda r: httpx.Response(200, json=body), tmp_path, closing)

    s = await fetch_fee_summary(http, cfg, "hyperliquid", "dailyFees")

    assert s.id == "parent#hyperliquid" and s.slug == "hyperliquid"
    assert s.name == "Hyperliquid" and s.category is None
    assert s.total24h == 4890250 and s.total7d == 26184696
    assert s.total_all_time == 499292857
    # no total30d in the body: computed from the (single-point) daily chart
    assert s.total30d == 1472923
    assert s.daily == ((1734912000, 1472923.0),)
    assert s.total30d_reported is False
    assert s.chains_30d == {"Hyperliquid L1": 1472923.0}


async def test_summary_request_shape(tmp_path, closing):
    llama = Llama()
    http, cfg = await client_for(llama, tmp_path, closing)
    s = await fetch_fee_summary(http, cfg, "uniswap", "dailyRevenue")
    (req,) = llama.requests
    assert req.method == "GET"
    assert str(req.url) == f"{BASE}/summary/fees/uniswap?dataType=dailyRevenue"
    assert s.data_type == "dailyRevenue" and s.total30d == 0.0


async def test_uniswap_summary_totals_window_and_chains(tmp_path, closing):
    http, cfg = await client_for(Llama(), tmp_path, closing)
    s = await fetch_fee_summary(http, cfg, "uniswap")
    assert s.id == "parent#uniswap" and s.category is None
    assert len(s.daily) == 35 and s.daily[0][0] < s.daily[-1][0]
    assert s.total30d == 615_000_000  # days 6..35 (M USD); the first 5 days are outside
    assert s.total7d == 224_000_000 and s.total24h == 35_000_000
    assert s.chains_30d == pytest.approx({"Ethereum": 430_500_000, "Arbitrum": 184_500_000})
    assert list(s.chains_30d) == ["Ethereum", "Arbitrum"]  # largest first


async def test_slug_is_percent_encoded_into_the_path(tmp_path, closing):
    llama = Llama()
    http, cfg = await client_for(llama, tmp_path, closing)
    with pytest.raises(NotFound):
        await fetch_fee_summary(http, cfg, "../protocols?x=1")
    (req,) = llama.requests
    assert req.url.raw_path.startswith(b"/summary/fees/..%2Fprotocols%3Fx%3D1?")
    assert req.url.params["dataType"] == "dailyFees"


async def test_empty_slug_and_bad_data_type(tmp_path, closing):
    llama = Llama()
    http, cfg = await client_for(llama, tmp_path, closing)
    with pytest.raises(NotFound):
        await fetch_fee_summary(http, cfg, "  ")
    with pytest.raises(ValueError):
        await fetch_fee_summary(http, cfg, "uniswap", "dailyVolume")
    assert not llama.requests


def test_numbers_as_strings_null_and_wrong_types_are_not_reported():
    body = {
        "id": "9", "slug": "x", "name": "X", "category": 7,
        "total24h": "123.5", "total7d": None, "totalAllTime": {"usd": 1}, "total30d": "n/a",
        "totalDataChart": [[1000, "10"], ["1086400", None], [172800, True], [259200, 5.5],
                           [345600, "NaN"], [432000, [1]]],
        "totalDataChartBreakdown": [[259200, {"Ethereum": {"X": "2.5", "Y": None},
                                              "Base": 3, "Solana": {"X": "?"}}]],
    }
    s = parse_fee_summary(body, "x", "dailyFees")
    assert s.total24h == 123.5
    assert s.total7d is None and s.total_all_time is None  # never 0
    assert s.category is None
    assert s.daily == ((1000, 10.0), (259200, 5.5))
    assert s.total30d == 15.5  # "n/a" → computed from the chart
    assert s.chains_30d == {"Ethereum": 2.5, "Base": 3.0}


def test_not_reported_chart_gives_none_not_zero():
    s = parse_fee_summary({"slug": "x", "totalDataChart": [[0, None]], "total24h": None},
                          "x", "dailyHoldersRevenue")
    assert s.total30d is None and s.total24h is None and s.daily == ()
    s = parse_fee_summary({"slug": "x", "totalDataChart": None}, "x", "dailyFees")
    assert s.total30d is None and s.chains_30d == {}


@pytest.mark.parametrize("body", [
    [1, 2],
    "text",
    {"totalDataChart": {"1": 2}},
    {"totalDataChart": [[1]]},
    {"totalDataChart": [5]},
    {"totalDataChart": [["yesterday", 1]]},
    {"totalDataChart": [[-5, 1]]},
    {"totalDataChart": [], "totalDataChartBreakdown": "none"},
    {"totalDataChart": [], "totalDataChartBreakdown": [[1, ["Ethereum", 2]]]},
])
def test_wrong_shapes_are_bad_responses(body):
    with pytest.raises(BadResponse):
        parse_fee_summary(body, "x", "dailyFees", "api.llama.fi")


def test_body_without_chart_is_not_found():
    with pytest.raises(NotFound, match="revenue not reported by DefiLlama for 'nope'"):
        parse_fee_summary({"message": "Protocol not found"}, "nope", "dailyRevenue")


def test_identity_mismatch_is_logged(caplog):
    body = {"id": "2198", "slug": "uniswap-v3", "totalDataChart": []}
    with caplog.at_level(logging.WARNING, logger="sources.fees"):
        parse_fee_summary(body, "uniswap", "dailyFees")
    assert "uniswap-v3" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sources.fees"):
        parse_fee_summary({"id": "parent#uniswap", "slug": "uniswap", "totalDataChart": []},
                          "uniswap", "dailyFees", expected_id="parent#uniswap")
        parse_fee_summary({"id": "parent#uniswap", "totalDataChart": []}, "uniswap",
                          "dailyFees")
    assert caplog.text == ""
    with caplog.at_level(logging.WARNING, logger="sources.fees"):
        parse_fee_summary({"id": "3", "slug": "curve-dex", "totalDataChart": []}, "curve-dex",
                          "dailyFees", expected_id="parent#curve")
    assert "expected 'parent#curve'" in caplog.text


# --------------------------------------------------------------------------- fetch_fees

async def test_uniswap_split_not_reported_is_none_not_zero(tmp_path, closing):
    http, cfg = await client_for(Llama(), tmp_path, closing)
    r = await fetch_fees(http, cfg, "uniswap")

    assert isinstance(r, FeeReport)
    assert r.split_30d == FeeSplit(30, 615_000_000.0, 0.0, None, 615_000_000.0, None)
    assert r.split_30d.holders_share is None
    assert r.totals["revenue"] == {"24h": 0.0, "7d": 0.0, "30d": 0.0, "all_time": 0.0}
    assert r.totals["holders_revenue"] == {"24h": None, "7d": None, "30d": None,
                                          "all_time": None}
    assert r.totals["fees"]["30d"] == 615_000_000
    # category from the overview children (the parent summary has none) and hand-computed
    assert r.category == "Dexs"
    assert r.category_share == pytest.approx(0.615)
    assert r.category_hhi == pytest.approx(0.615**2 + 0.2**2 + 0.153**2 + 0.02**2 + 0.012**2)
    assert r.category_hhi == pytest.approx(0.442178)
    assert r.profit_flow_top10_usd is None and r.profit_flow_assumption == ""
    assert len(r.daily) == 35 and set(r.chains) == {"Ethereum", "Arbitrum"}


async def test_protocol_with_holders_revenue(tmp_path, closing):
    http, cfg = await client_for(Llama(), tmp_path, closing)
    r = await fetch_fees(http, cfg, "aave", expected_id="parent#aave", now=T)
    s = r.split_30d
    assert (s.fees, s.revenue, s.holders_revenue) == (120e6, 15e6, 3e6)  # total30d fields
    assert r.warnings == () and r.unavailable == ()
    assert (s.supply_side, s.treasury) == (105e6, 12e6)
    assert s.holders_share == pytest.approx(0.025)
    assert r.category == "Lending"
    assert r.category_share == pytest.approx(120 / 210)
    assert r.category_hhi == pytest.approx(18_900 / 44_100)

    flowed = with_profit_flow(r, 0.4)
    assert flowed.profit_flow_top10_usd == pytest.approx(1.2e6)
    assert flowed.profit_flow_assumption == PROFIT_FLOW_ASSUMPTION
    assert r.profit_flow_top10_usd is None  # the original is untouched (frozen)


async def test_profit_flow_none_when_holders_revenue_not_reported(tmp_path, closing):
    http, cfg = await client_for(Llama(), tmp_path, closing)
    r = with_profit_flow(await fetch_fees(http, cfg, "uniswap"), 0.48)
    assert r.profit_flow_top10_usd is None and r.profit_flow_assumption == ""


@pytest.mark.parametrize("share", [-0.1, 1.5, float("nan"), "0.4"])
def test_profit_flow_rejects_bad_shares(share):
    report = FeeReport(split_30d=FeeSplit(30, 1.0, 1.0, 1.0, 0.0, 0.0))
    with pytest.raises(ValueError):
        with_profit_flow(report, share)


async def test_revenue_400_not_found_is_not_reported(tmp_path, closing):
    missing = not_found_400("aave")
    llama = Llama({"summary/aave/dailyRevenue": missing,
                   "summary/aave/dailyHoldersRevenue": missing})
    http, cfg = await client_for(llama, tmp_path, closing)
    r = await fetch_fees(http, cfg, "aave", now=T)
    assert r.split_30d == FeeSplit(30, 120e6, None, None, None, None)
    assert r.totals["revenue"]["30d"] is None and r.totals["holders_revenue"]["24h"] is None
    assert r.category_share == pytest.approx(120 / 210)
    assert r.unavailable == () and r.warnings == ()  # not reported is not "unavailable"


async def test_revenue_body_without_chart_is_not_reported(tmp_path, closing):
    llama = Llama({"summary/aave/dailyHoldersRevenue":
                   httpx.Response(200, json={"message": "no data"})})
    http, cfg = await client_for(llama, tmp_path, closing)
    r = await fetch_fees(http, cfg, "aave")
    assert r.split_30d.holders_revenue is None and r.split_30d.revenue == 15e6
    assert r.split_30d.treasury is None


async def test_fees_404_is_not_found(tmp_path, closing):
    http, cfg = await client_for(Llama(), tmp_path, closing)
    with pytest.raises(NotFound, match="'no-such-protocol' is not tracked by DefiLlama"):
        await fetch_fees(http, cfg, "no-such-protocol")


async def test_revenue_server_error_keeps_fees_and_is_marked_unavailable(tmp_path, closing,
                                                                          caplog):
    llama = Llama({"summary/aave/dailyRevenue": httpx.Response(500)})
    http, cfg = await client_for(llama, tmp_path, closing)
    with caplog.at_level(logging.WARNING, logger="sources.fees"):
        r = await fetch_fees(http, cfg, "aave")
    assert llama.calls["summary/aave/dailyRevenue"] == 3  # retried (attempts=3 in tests)
    assert r.unavailable == ("revenue",)
    # fees and holders revenue kept; everything that needs revenue is None, not 0
    assert r.split_30d == FeeSplit(30, 120e6, None, 3e6, None, None)
    assert r.totals["fees"]["30d"] == 120e6
    assert r.totals["revenue"] == {"24h": None, "7d": None, "30d": None, "all_time": None}
    assert r.totals["holders_revenue"]["30d"] == 3e6
    assert r.category_share == pytest.approx(120 / 210)
    assert "revenue data unavailable for 'aave'" in caplog.text


async def test_holders_revenue_rate_limited_is_unavailable(tmp_path, closing):
    llama = Llama({"summary/aave/dailyHoldersRevenue": httpx.Response(429)})
    http, cfg = await client_for(llama, tmp_path, closing)
    r = await fetch_fees(http, cfg, "aave")
    assert r.unavailable == ("holders_revenue",)
    assert r.split_30d == FeeSplit(30, 120e6, 15e6, None, 105e6, None)
    assert r.split_30d.holders_share is None
    assert r.totals["holders_revenue"]["24h"] is None
    assert with_profit_flow(r, 0.4).profit_flow_top10_usd is None


async def test_revenue_timeout_is_unavailable(tmp_path, closing):
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out")

    llama = Llama({"summary/aave/dailyRevenue": timeout})
    http, cfg = await client_for(llama, tmp_path, closing)
    r = await fetch_fees(http, cfg, "aave")
    assert r.unavailable == ("revenue",)
    assert r.split_30d == FeeSplit(30, 120e6, None, 3e6, None, None)
    assert llama.calls["summary/aave/dailyRevenue"] == 3


@pytest.mark.parametrize("bad", [
    httpx.Response(200, content=b'{"totalDataChart": [[1767225600, 1'),  # truncated JSON
    httpx.Response(200, json={"totalDataChart": "soon"}),                 # wrong shape
])
async def test_bad_revenue_bodies_are_unavailable(tmp_path, closing, bad):
    llama = Llama({"summary/aave/dailyRevenue": bad, "summary/aave/dailyHoldersRevenue": bad})
    http, cfg = await client_for(llama, tmp_path, closing)
    r = await fetch_fees(http, cfg, "aave")
    assert r.unavailable == ("revenue", "holders_revenue")
    assert r.split_30d == FeeSplit(30, 120e6, None, None, None, None)


async def test_fees_failure_still_raises(tmp_path, closing):
    llama = Llama({"summary/aave/dailyFees": httpx.Response(500)})
    http, cfg = await client_for(llama, tmp_path, closing)
    with pytest.raises(SourceUnavailable):
        await fetch_fees(http, cfg, "aave")
    llama = Llama({"summary/aave/dailyFees": httpx.Response(429)})
    http, cfg = await client_for(llama, tmp_path / "b", closing)
    with pytest.raises(RateLimited):
        await fetch_fees(http, cfg, "aave")


# --------------------------------------------------------------------------- one 30-day window

D = 86_400


def series_body(last: int, days: int, usd: float, total30d: float | None = None,
                ) -> dict[str, Any]:
    """A ``/summary/fees/aave`` body whose chart has ``days`` points of ``usd`` up to ``last``."""
    chart = [[last - i * D, usd] for i in reversed(range(days))]
    body: dict[str, Any] = {
        "id": "parent#aave", "slug": "aave", "name": "Aave", "category": "Lending",
        "total24h": usd, "totalDataChart": chart,
        "totalDataChartBreakdown": [[ts, {"Ethereum": {"Aave V3": v}}] for ts, v in chart],
    }
    if total30d is not None:
        body["total30d"] = total30d
    return body


def window_llama(fees: dict, revenue: dict | None = None, holders: dict | None = None) -> Llama:
    overrides = {"summary/aave/dailyFees": httpx.Response(200, json=fees)}
    if revenue is not None:
        overrides["summary/aave/dailyRevenue"] = httpx.Response(200, json=revenue)
    if holders is not None:
        overrides["summary/aave/dailyHoldersRevenue"] = httpx.Response(200, json=holders)
    return Llama(overrides)


async def test_series_that_ended_before_the_window_is_not_reported(tmp_path, closing, caplog):
    # the reviewer's case: fees up to T, holders revenue stopped 90 days earlier; on its own
    # chart its "last 30 days" sum to 30 × 300 = 9000, all from ~4 months ago
    llama = window_llama(fees=series_body(T, 120, 1000.0),
                         revenue=series_body(T, 120, 500.0),
                         holders=series_body(T - 90 * D, 30, 300.0))
    http, cfg = await client_for(llama, tmp_path, closing)
    with caplog.at_level(logging.WARNING, logger="sources.fees"):
        r = await fetch_fees(http, cfg, "aave", now=T)
    assert r.split_30d == FeeSplit(30, 30_000.0, 15_000.0, None, 15_000.0, None)
    assert r.totals["holders_revenue"]["30d"] is None
    assert r.unavailable == ()
    (note,) = r.warnings
    assert "holders-revenue data ends on 2025-10-05" in note
    assert "2025-12-05 – 2026-01-03" in note and "not counted" in note
    assert note in caplog.text


async def test_reported_total_of_an_ended_series_is_not_used(tmp_path, closing):
    # DefiLlama's own total30d of the stale series is for its own window: ignored too
    llama = window_llama(fees=series_body(T, 40, 1000.0),
                         holders=series_body(T - 90 * D, 30, 300.0, total30d=9000))
    http, cfg = await client_for(llama, tmp_path, closing)
    r = await fetch_fees(http, cfg, "aave")
    assert r.split_30d.holders_revenue is None and r.split_30d.treasury is None
    assert r.split_30d.fees == 30_000.0 and r.split_30d.revenue == 15e6  # revenue fixture


async def test_lagging_series_is_summed_over_the_fee_window_and_flagged(tmp_path, closing,
                                                                        caplog):
    # holders revenue's adapter lags 5 days: its own total30d (3000) covers T-34d…T-5d;
    # over the fees' window T-29d…T it has 25 points of 100
    llama = window_llama(fees=series_body(T, 60, 1000.0),
                         revenue=series_body(T, 60, 500.0),
                         holders=series_body(T - 5 * D, 60, 100.0, total30d=3000))
    http, cfg = await client_for(llama, tmp_path, closing)
    with caplog.at_level(logging.WARNING, logger="sources.fees"):
        r = await fetch_fees(http, cfg, "aave", now=T)
    s = r.split_30d
    assert (s.fees, s.revenue, s.holders_revenue) == (30_000.0, 15_000.0, 2_500.0)
    assert (s.supply_side, s.treasury) == (15_000.0, 12_500.0)
    assert r.totals["holders_revenue"]["30d"] == 2_500.0
    assert r.totals["holders_revenue"]["24h"] == 100.0  # as reported
    (note,) = r.warnings
    assert note.startswith("holders-revenue data ends on 2025-12-29, 5 day(s) before")
    assert "covers only 25 of 30 days" in note
    assert "holders-revenue data ends on 2025-12-29" in caplog.text


async def test_reported_total_kept_when_the_series_ends_on_the_reference_day(tmp_path, closing):
    # every series ends on T: DefiLlama's total30d values are kept (not the chart sums)
    llama = window_llama(fees=series_body(T, 40, 1000.0, total30d=31_000),
                         revenue=series_body(T, 40, 500.0, total30d=15_500),
                         holders=series_body(T, 40, 100.0))
    http, cfg = await client_for(llama, tmp_path, closing)
    r = await fetch_fees(http, cfg, "aave", now=T)
    s = r.split_30d
    assert (s.fees, s.revenue, s.holders_revenue) == (31_000.0, 15_500.0, 3_000.0)
    assert r.warnings == () and r.unavailable == ()


async def test_series_running_past_the_fees_is_cut_to_the_fee_window(tmp_path, closing):
    # revenue has two more days than fees; its total30d (its own window) is not used
    llama = window_llama(fees=series_body(T, 40, 1000.0),
                         revenue=series_body(T + 2 * D, 40, 500.0, total30d=99.0))
    http, cfg = await client_for(llama, tmp_path, closing)
    r = await fetch_fees(http, cfg, "aave", now=T)
    assert r.split_30d.revenue == 15_000.0
    # only the clip caveat: the default holders revenue (3M) exceeds this revenue
    assert [w for w in r.warnings if "exceeds its revenue" not in w] == []


def test_aligned_total_edges():
    def summary(daily, total30d=None, reported=False):
        return _summary(data_type="dailyRevenue", daily=tuple(daily), total30d=total30d,
                        total30d_reported=reported)

    assert aligned_total30d(summary([]), T) == (None, None)
    # a reported total with no chart to place it: not counted
    total, note = aligned_total30d(summary([], 5.0, True), T)
    assert total is None and "no daily data" in note
    # the window is 30 UTC days ending on the reference day, both ends included
    edge = summary([(T - 30 * D, 1.0), (T - 29 * D, 2.0), (T + 3600, 4.0)])
    assert aligned_total30d(edge, T) == (6.0, None)
    # no reference (fee chart empty): only DefiLlama's own figure can be used
    assert aligned_total30d(summary([(T, 1.0)], 7.0, True), None) == (7.0, None)
    total, note = aligned_total30d(summary([(T, 1.0)], 1.0), None)
    assert total is None and "window is unknown" in note
    assert aligned_total30d(summary([]), None) == (None, None)


@pytest.mark.parametrize("overview", [
    httpx.Response(503),
    httpx.Response(200, json={"protocols": "soon"}),
    httpx.Response(200, content=b'{"protocols": [{"name": "Uni'),
])
async def test_overview_failure_keeps_the_rest(tmp_path, closing, overview):
    http, cfg = await client_for(Llama({"overview": overview}), tmp_path, closing)
    r = await fetch_fees(http, cfg, "aave")
    assert r.split_30d.holders_revenue == 3e6
    assert r.category == "Lending"  # the summary's own category
    assert r.category_share is None and r.category_hhi is None


async def test_explicit_category_wins(tmp_path, closing):
    http, cfg = await client_for(Llama(), tmp_path, closing)
    r = await fetch_fees(http, cfg, "aave", category="Dexs")
    assert r.category == "Dexs"
    assert r.category_share is None  # Aave is not a DEX…
    assert r.category_hhi == pytest.approx(0.442178)  # …but the category is still measured


# --------------------------------------------------------------------------- category maths

def _summary(**kw: Any) -> FeeSummary:
    base = dict(id="", name="", slug="", category=None, data_type="dailyFees", total24h=None,
                total7d=None, total30d=None, total_all_time=None)
    base.update(kw)
    return FeeSummary(**base)


def test_category_child_is_grouped_with_its_parent():
    entries = parse_fee_overview(load("overview_fees_dexs.json"))
    curve = _summary(id="3", defillama_id="3", name="Curve DEX", slug="curve-dex",
                     category="Dexs", parent_protocol="parent#curve")
    pos = category_position(entries, curve, "curve-dex")
    assert pos.category == "Dexs" and pos.protocols == 5
    assert pos.share == pytest.approx(0.02) and pos.hhi == pytest.approx(0.442178)


def test_category_matches_by_name_and_counts_parent_record_alone():
    entries = parse_fee_overview({"protocols": [
        {"name": "Solo", "defillamaId": "parent#solo", "category": "Dexs", "total30d": 30},
        {"name": "Other", "defillamaId": "7", "category": "Dexs", "total30d": 10},
    ]})
    pos = category_position(entries, _summary(name="solo"), "solo-finance")
    assert pos.share == pytest.approx(0.75) and pos.hhi == pytest.approx(0.625)


def test_category_unknown_or_empty():
    entries = parse_fee_overview(load("overview_fees_dexs.json"))
    assert category_position(entries, _summary(name="Ghost"), "ghost").category is None
    pos = category_position(entries, _summary(name="Ghost"), "ghost", "Bridges")
    assert (pos.category, pos.share, pos.hhi) == ("Bridges", None, None)


def test_overview_parsing_skips_non_objects():
    entries = parse_fee_overview(load("overview_fees_dexs.json"))
    assert len(entries) == 17
    balancer = next(e for e in entries if e.slug == "balancer-v2")
    assert balancer.total30d == 12e6
    assert next(e for e in entries if e.slug == "quiet-dex").total30d is None
    with pytest.raises(BadResponse):
        parse_fee_overview([])


# --------------------------------------------------------------------------- transport faults

async def test_truncated_json_is_bad_response(tmp_path, closing):
    body = (FIXTURES / "defillama_summary_uniswap_fees.json").read_bytes()[:500]
    http, cfg = await client_for(lambda r: httpx.Response(200, content=body), tmp_path, closing)
    with pytest.raises(BadResponse, match="not valid JSON"):
        await fetch_fee_summary(http, cfg, "uniswap")


async def test_429_with_retry_after_then_success(tmp_path, closing):
    answers = [httpx.Response(429, headers={"Retry-After": "1"})]
    llama = Llama({"summary/aave/dailyFees":
                   lambda r: answers.pop() if answers else httpx.Response(
                       200, content=(FIXTURES / "defillama_summary_aave_fees.json").read_bytes())})
    http, cfg = await client_for(llama, tmp_path, closing)
    s = await fetch_fee_summary(http, cfg, "aave")
    assert s.total30d == 120e6
    assert llama.calls["summary/aave/dailyFees"] == 2


async def test_429_persisting_is_rate_limited(tmp_path, closing):
    llama = Llama({"summary/aave/dailyFees": httpx.Response(429)})
    http, cfg = await client_for(llama, tmp_path, closing)
    with pytest.raises(RateLimited):
        await fetch_fee_summary(http, cfg, "aave")


async def test_5xx_burst_then_success(tmp_path, closing):
    answers = [httpx.Response(502), httpx.Response(503)]
    ok = (FIXTURES / "defillama_summary_aave_fees.json").read_bytes()
    llama = Llama({"summary/aave/dailyFees":
                   lambda r: answers.pop() if answers else httpx.Response(200, content=ok)})
    http, cfg = await client_for(llama, tmp_path, closing)
    assert (await fetch_fee_summary(http, cfg, "aave")).total30d == 120e6
    assert llama.calls["summary/aave/dailyFees"] == 3


@pytest.mark.parametrize("exc", [
    httpx.ReadTimeout("read timed out"),
    httpx.ConnectError("[Errno 104] Connection reset by peer"),
    httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
])
async def test_network_faults_become_source_unavailable(tmp_path, closing, exc):
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise exc

    http, cfg = await client_for(handler, tmp_path, closing)
    with pytest.raises(SourceUnavailable):
        await fetch_fee_summary(http, cfg, "aave")
    assert len(calls) == 3


async def test_timeout_once_then_success(tmp_path, closing):
    calls = []
    ok = (FIXTURES / "defillama_summary_aave_fees.json").read_bytes()

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ReadTimeout("slow")
        return httpx.Response(200, content=ok)

    http, cfg = await client_for(handler, tmp_path, closing)
    assert (await fetch_fee_summary(http, cfg, "aave")).total30d == 120e6


async def test_ten_megabyte_body_is_refused(tmp_path, closing):
    huge = b'{"totalDataChart": [' + b"[1, 1]," * (10 * 1024 * 1024 // 7) + b"[2, 2]]}"
    assert len(huge) > 10 * 1024 * 1024
    http, cfg = await client_for(lambda r: httpx.Response(200, content=huge), tmp_path, closing)
    with pytest.raises(BadResponse, match="larger than"):
        await fetch_fee_summary(http, cfg, "aave")


# --------------------------------------------------------------------------- coalescing, cache

async def test_concurrent_calls_are_coalesced_and_repeats_cached(tmp_path, closing):
    llama = Llama(delay=0.02)
    http, cfg = await client_for(llama, tmp_path, closing)

    a, b = await asyncio.gather(fetch_fees(http, cfg, "aave"), fetch_fees(http, cfg, "aave"))

    assert a == b
    assert llama.calls == {"summary/aave/dailyFees": 1, "summary/aave/dailyRevenue": 1,
                           "summary/aave/dailyHoldersRevenue": 1, "overview": 1}
    overview = next(r for r in llama.requests if key(r) == "overview")
    assert dict(overview.url.params) == {"excludeTotalDataChart": "true",
                                         "excludeTotalDataChartBreakdown": "true",
                                         "dataType": "dailyFees"}
    assert http.coalesced == 4

    again = await fetch_fees(http, cfg, "aave")  # within the TTL: from the HTTP cache
    assert again == a
    assert sum(llama.calls.values()) == 4
