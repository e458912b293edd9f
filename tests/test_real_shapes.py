"""The data sources as they really answer today (issue 10; API_NOTES.md §0), each case
through the real client: HttpClient (limits, stamina retries, coalescing, refusal memo),
the hishel cache and the transports below it — only the network is replaced
(``httpx.MockTransport``). Every case names Lorenz's answer to it.

Shapes (all from real replies, the servers' own code or the providers' current docs):

* DefiLlama "no data": HTTP 400, ``text/plain``, ``Fees for <slug> not found, please visit
  /overview/fees to see available protocols`` — unknown slug, and one missing ``dataType``;
* DefiLlama negative values (2025 ``/overview/fees``: Aave V2 ``total30d`` −290,130,293;
  negative daily totals −53.4M and −61.4M);
* ``[ts, null]`` points in ``totalDataChartBreakdown``; numeric ids; category ``Dexes``;
* Blockscout PRO: ``x-credits-remaining``, ``x-ratelimit-limit/-remaining/-reset`` (ms) on
  every reply, key as ``Authorization: Bearer``;
* the keyless per-instance API refusing: a Cloudflare 403 HTML page, a 429 captcha page,
  410 with the deprecation notice; a DNS failure / refused connection.
"""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.errors import KeyRequired, NotFound, SourceUnavailable
from core.secret import Secret
from pipeline.fees import STALE_DAYS, category_position, fetch_fees, staleness_note
from sources.config import SourcesConfig
from sources.fees import (
    category_key,
    fetch_fee_summary,
    parse_fee_overview,
    parse_fee_summary,
)
from sources.holders import KEY_NEEDED, fetch_holders
from sources.http import HttpClient, is_unreachable, make_http_client

DAY = 86_400
T = 1_763_596_800  # 2025-11-20, a UTC day start: the last day of the series below
UNI = "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"
OP = "0x4200000000000000000000000000000000000042"
FAST = {"blockscout.com": (10_000, 1), "api.ethplorer.io": (10_000, 1),
        "api.llama.fi": (10_000, 1)}

NOT_FOUND_TEXT = ("Fees for {slug} not found, please visit /overview/fees to see available "
                  "protocols")
CLOUDFLARE_403 = (b"<!DOCTYPE html><html lang=\"en-US\"><head><title>Just a moment...</title>"
                  b"<meta http-equiv=\"refresh\" content=\"390\"></head><body><div "
                  b"class=\"cf-browser-verification cf-im-under-attack\"><noscript><h1>Please "
                  b"turn JavaScript on and reload the page.</h1></noscript></div></body></html>")
CAPTCHA_429 = (b"<html><head><title>Attention Required! | Cloudflare</title></head><body>"
               b"<form id=\"challenge-form\"><div class=\"g-recaptcha\" data-sitekey=\"x\">"
               b"</div>Please complete the captcha</form></body></html>")
DEPRECATED_410 = {"message": "PER INSTANCE API WILL BE DEPRECATED JULY 1. Use the PRO API "
                             "with an API key."}


def not_found(slug: str) -> httpx.Response:
    """DefiLlama's real "no data" reply."""
    return httpx.Response(400, text=NOT_FOUND_TEXT.format(slug=slug),
                          headers={"content-type": "text/plain; charset=utf-8"})


def series(days: int, usd: float, last: int = T) -> list[list[float]]:
    return [[last - i * DAY, usd] for i in reversed(range(days))]


def summary(slug: str = "uniswap", days: int = 40, usd: float = 1000.0, **extra: Any,
            ) -> dict[str, Any]:
    chart = series(days, usd)
    body: dict[str, Any] = {
        "id": "parent#uniswap", "defillamaId": "parent#uniswap", "name": "Uniswap",
        "slug": slug, "category": "Dexes", "total24h": usd, "total7d": usd * 7,
        "totalDataChart": chart,
        "totalDataChartBreakdown": [[ts, {"Ethereum": {"Uniswap V3": v}}] for ts, v in chart],
    }
    body.update(extra)
    return body


class Llama:
    """api.llama.fi: given answers per 'summary/<slug>/<dataType>' or 'overview'."""

    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        key = ("overview" if path == "/overview/fees" else
               f"summary/{path.rsplit('/', 1)[-1]}/{request.url.params.get('dataType')}")
        answer = self.answers.get(key)
        if answer is None:
            return not_found(path.rsplit("/", 1)[-1])
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200,
                                                                                 json=answer)


@pytest.fixture
async def make(tmp_path: Path, closing):
    def factory(handler: Any, **cfg_fields: Any) -> tuple[HttpClient, SourcesConfig]:
        cfg = SourcesConfig(cache_dir=tmp_path, **cfg_fields)
        http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(handler)),
                          rate_limits=FAST)
        closing(http)
        return http, cfg
    return factory


OVERVIEW = {"protocols": [
    {"name": "Uniswap V3", "defillamaId": 2198, "category": "Dexes", "total30d": 30_000.0,
     "parentProtocol": "parent#uniswap", "slug": "uniswap-v3"},
    {"name": "Curve DEX", "defillamaId": 3, "category": "Dexs", "total30d": 10_000.0,
     "slug": "curve-dex"},
    {"name": "Aave V2", "defillamaId": 111, "category": "Dexes", "total30d": -290_130_293,
     "total7d": -293_202_435, "slug": "aave-v2"},
    {"name": "No Total", "defillamaId": "9", "category": "Dexes", "slug": "no-total"},
]}


# --------------------------------------------------------------------------- DefiLlama

async def test_unknown_slug_400_text_plain_is_not_tracked_and_cached(make):
    """Case: 400 text/plain for an unknown slug → "not tracked by DefiLlama", a NotFound
    (never a failure), asked once per TTL."""
    llama = Llama({})
    http, cfg = make(llama)
    for _ in range(2):
        with pytest.raises(NotFound, match="'nope' is not tracked by DefiLlama"):
            await fetch_fee_summary(http, cfg, "nope")
    assert len(llama.requests) == 1  # the second answer came from the refusal memo


async def test_missing_data_type_400_is_not_reported_not_unavailable(make):
    """Case: 400 text/plain for dailyHoldersRevenue → holders revenue "not reported" (None),
    not in ``unavailable``, the rest of the split kept."""
    llama = Llama({"summary/uniswap/dailyFees": summary(total30d=30_000.0),
                   "summary/uniswap/dailyRevenue": summary(usd=100.0, total30d=3_000.0),
                   "overview": OVERVIEW})
    http, cfg = make(llama)
    r = await fetch_fees(http, cfg, "uniswap", now=T)
    assert r.split_30d.fees == 30_000.0 and r.split_30d.revenue == 3_000.0
    assert r.split_30d.holders_revenue is None and r.split_30d.treasury is None
    assert r.unavailable == ()
    assert not any("holders" in w for w in r.warnings)


async def test_fees_not_tracked_is_missing_not_a_failure(make):
    """The fetch stage: an untracked slug is a "missing" line, not a failure."""
    from core.protocol import ProtocolRecord
    from pipeline.analyze import Services, fetch
    from sources.directory import Directory

    http, cfg = make(Llama({}))
    record = ProtocolRecord(name="Nope", slug="nope")
    fetched = await fetch(Services(cfg, http, Directory(http, cfg)), record, parts=("fees",))
    assert fetched.failures == ()
    assert fetched.missing == ("Nope: DefiLlama does not track its fees",)


def test_negative_days_and_totals_are_kept_out_with_caveats():
    """Case: negative daily totals (−53.4M, −61.4M) and a negative total30d → left out of
    ``daily`` and every sum; named in the report's warnings."""
    body = summary(days=30, usd=1e6, total30d=-290_130_293)
    body["totalDataChart"][-3][1] = -53.4e6
    body["totalDataChart"][-2][1] = -61.4e6
    s = parse_fee_summary(body, "uniswap", "dailyFees", "DefiLlama")
    assert s.negative_days == 2 and all(v >= 0 for _, v in s.daily)
    assert s.total30d is None and s.negatives == (("30d", -290_130_293),)
    from pipeline.fees import CategoryPosition, fee_report

    r = fee_report(s, None, None, CategoryPosition(None, None, None), now=T)
    assert r.split_30d.fees is None  # not a negative amount, not a sum of positive days
    text = " | ".join(r.warnings)
    assert "2 negative day(s)" in text and "negative 30d fee total" in text


async def test_negative_last_day_ends_the_window_and_is_out_of_the_30d_sums(make):
    """Case: the fee series' last day is negative and DefiLlama's total30d nets it in → the
    window still ends on that day, the 30-day fees are the sum of the window's other days
    (not DefiLlama's figure), and the caveat says so."""
    fees = summary(days=40, usd=100.0, total30d=2_850.0)  # 29 × 100 − 50, netted
    fees["totalDataChart"][-1][1] = -50.0
    revenue = summary(days=40, usd=50.0, total30d=1_500.0)
    llama = Llama({"summary/uniswap/dailyFees": fees, "summary/uniswap/dailyRevenue": revenue,
                   "overview": OVERVIEW})
    http, cfg = make(llama)
    r = await fetch_fees(http, cfg, "uniswap", now=T + DAY)
    assert r.window_end == "2025-11-20" and r.window_start == "2025-10-22"
    assert r.split_30d.fees == 2_900.0  # days T−29 … T−1; T (−50) left out
    assert r.totals["fees"]["30d"] == 2_900.0
    assert r.split_30d.revenue == 1_500.0 and r.split_30d.supply_side == 1_400.0
    assert any("1 negative day(s)" in w and "instead of DefiLlama's own 30-day total" in w
               for w in r.warnings)


def test_negative_day_inside_the_window_replaces_the_netted_total():
    """Case: a negative day mid-window with a reported total30d → the sum of the window's
    non-negative days; a negative day before the window keeps DefiLlama's figure."""
    body = summary(days=40, usd=100.0, total30d=2_800.0)
    body["totalDataChart"][-5][1] = -100.0
    s = parse_fee_summary(body, "uniswap", "dailyFees", "DefiLlama")
    assert s.total30d == 2_900.0 and not s.total30d_reported and s.total30d_netted
    assert s.end() == T and s.negative_day_times == (T - 4 * DAY,)
    body = summary(days=40, usd=100.0, total30d=3_000.0)
    body["totalDataChart"][0][1] = -100.0  # T − 39 days: outside the window
    s = parse_fee_summary(body, "uniswap", "dailyFees", "DefiLlama")
    assert s.total30d == 3_000.0 and s.total30d_reported and not s.total30d_netted


async def test_revenue_above_fees_is_clipped_with_a_caveat(make):
    """Case: revenue > fees and holders revenue > revenue → supply side and treasury shown
    as 0, each with a caveat (never clipped silently)."""
    llama = Llama({"summary/uniswap/dailyFees": summary(total30d=30_000.0),
                   "summary/uniswap/dailyRevenue": summary(total30d=40_000.0),
                   "summary/uniswap/dailyHoldersRevenue": summary(total30d=45_000.0),
                   "overview": OVERVIEW})
    http, cfg = make(llama)
    r = await fetch_fees(http, cfg, "uniswap", now=T)
    assert r.split_30d.supply_side == 0.0 and r.split_30d.treasury == 0.0
    text = " | ".join(r.warnings)
    assert "revenue ($40.0K) exceeds its fees ($30.0K)" in text
    assert "holders revenue ($45.0K) exceeds its revenue ($40.0K)" in text


def test_split_notes_only_for_inconsistent_figures():
    from scoring.fees import split_fees, split_notes

    assert split_notes(split_fees(10.0, 10.0, 10.0)) == []
    assert split_notes(split_fees(10.0, None, None)) == []
    assert split_notes(split_fees(None, 20.0, 5.0)) == []
    assert len(split_notes(split_fees(10.0, 20.0, 30.0))) == 2


def test_negative_protocols_are_out_of_the_category_share():
    """Case: Aave V2 at −290M in /overview/fees → out of the category's sum and HHI, named."""
    entries = parse_fee_overview(OVERVIEW)
    s = parse_fee_summary(summary(), "uniswap", "dailyFees", "DefiLlama")
    pos = category_position(entries, s, "uniswap")
    assert pos.share == pytest.approx(30_000 / 40_000) and pos.negative == 1


def test_null_breakdown_points_are_skipped_not_fatal():
    """Case: ``[ts, null]`` in totalDataChartBreakdown → that day is skipped."""
    body = summary(days=5, usd=10.0)
    body["totalDataChartBreakdown"][2][1] = None
    s = parse_fee_summary(body, "uniswap", "dailyFees", "DefiLlama")
    assert s.chains_30d == {"Ethereum": 40.0} and len(s.daily) == 5


def test_numeric_ids_are_read():
    """Case: ``id``/``defillamaId`` as numbers (185) → "185", in summaries and the overview."""
    s = parse_fee_summary(summary(id=185, defillamaId=185), "lido", "dailyFees", "DefiLlama")
    assert s.id == "185" and s.defillama_id == "185"
    assert parse_fee_overview(OVERVIEW)[1].defillama_id == "3"


def test_category_spelling_is_tolerated():
    """Case: "Dexes" (today) and "Dexs" (2022) are one category."""
    assert category_key("Dexes") == category_key("Dexs") == category_key("DEXs") == "dex"
    assert category_key("Lending") == "lending" and category_key(None) == ""


def test_staleness_caveat_after_two_days():
    """Fee data whose last day is more than 2 days old says so, with the window's dates."""
    assert staleness_note(T, T + STALE_DAYS * DAY) is None
    note = staleness_note(T, T + 9 * DAY)
    assert note is not None and "2025-10-22 → 2025-11-20" in note and "9 days ago" in note


async def test_fee_report_carries_its_window(make):
    llama = Llama({"summary/uniswap/dailyFees": summary(total30d=30_000.0),
                   "overview": OVERVIEW})
    http, cfg = make(llama)
    r = await fetch_fees(http, cfg, "uniswap", now=T + 10 * DAY)
    assert (r.window_start, r.window_end) == ("2025-10-22", "2025-11-20")
    assert r.window == "2025-10-22 → 2025-11-20"
    assert any("10 days ago" in w for w in r.warnings)


def test_summary_without_chart_still_not_found():
    with pytest.raises(NotFound):
        parse_fee_summary({"message": "x"}, "nope", "dailyFees")


# --------------------------------------------------------------------------- Blockscout

def holders_body(n: int = 3) -> dict[str, Any]:
    return {"items": [{"address": {"hash": f"0x{i + 1:040x}", "is_contract": False,
                                   "public_tags": [], "name": None},
                       "value": str((n - i) * 10**20), "token_id": None} for i in range(n)],
            "next_page_params": None}


TOKEN = {"address_hash": UNI, "symbol": "UNI", "name": "Uniswap", "decimals": "18",
         "total_supply": str(10**27), "holders_count": "386254"}


class Pro:
    """api.blockscout.com/{chain_id}/api/v2/…: answers with the PRO headers."""

    def __init__(self, limit: int = 5, credits: int = 99_980, status: int = 200) -> None:
        self.limit, self.credits, self.status = limit, credits, status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        self.credits -= 20
        headers = {"x-credits-remaining": str(self.credits),
                   "x-ratelimit-limit": str(self.limit), "x-ratelimit-remaining": "4",
                   "x-ratelimit-reset": "850"}
        if self.status != 200:
            return httpx.Response(self.status, json={"message": "Unauthorized"},
                                  headers=headers)
        body = holders_body() if request.url.path.endswith("/holders") else TOKEN
        return httpx.Response(200, json=body, headers=headers)


async def test_pro_headers_drive_the_limiter_and_the_key_stays_hidden(make, tmp_path, caplog):
    """Case: PRO replies with x-ratelimit-* and x-credits-remaining → the limiter never runs
    above the reported limit, credits are logged at DEBUG and kept for `lorenz doctor`; the
    key travels only as a Bearer header (not in a URL, the cache file or a log line)."""
    pro = Pro(limit=2)
    key = "proapi_SECRET123"
    http, cfg = make(pro, blockscout_pro_api_key=Secret(key))
    with caplog.at_level(logging.DEBUG):
        snap = await fetch_holders(http, cfg, "optimism", OP)
    assert snap.source == "Blockscout PRO (chain 10)" and len(snap) == 3
    assert all(r.url.host == "api.blockscout.com" and r.url.path.startswith("/10/api/v2/")
               for r in pro.requests)
    assert all(r.headers["authorization"] == f"Bearer {key}" for r in pro.requests)
    assert all(key not in str(r.url) for r in pro.requests)
    quota = http.quotas["api.blockscout.com"]
    assert quota.limit == 2 and quota.credits == 99_940 and quota.reset_ms == 850
    limiter = http._limiter("api.blockscout.com")
    assert limiter.max_rate / limiter.time_period <= 2
    assert "credits left 99940" in caplog.text and key not in caplog.text
    cache = b"".join(p.read_bytes() for p in tmp_path.glob("*.sqlite*"))
    assert key.encode() not in cache


async def test_pro_exhausted_window_pauses_the_host(make):
    """x-ratelimit-remaining 0 → the next request to that host waits for the reset."""
    pro = Pro()

    def exhausted(request: httpx.Request) -> httpx.Response:
        response = pro(request)
        response.headers["x-ratelimit-remaining"] = "0"
        response.headers["x-ratelimit-reset"] = "1"  # 1 ms
        return response

    http2, cfg2 = make(exhausted, blockscout_pro_api_key=Secret("proapi_x"))
    await fetch_holders(http2, cfg2, "ethereum", UNI)
    assert "api.blockscout.com" in http2._paused_until


async def test_pro_key_refused_says_check_the_key(make):
    http, cfg = make(Pro(status=401), blockscout_pro_api_key=Secret("proapi_bad"))
    with pytest.raises(KeyRequired, match=r"Blockscout PRO refused the key .*"
                                          r"BLOCKSCOUT_PRO_API_KEY"):
        await fetch_holders(http, cfg, "optimism", OP)


class Instance:
    """A keyless per-instance Blockscout that refuses with ``response``; Ethplorer too."""

    def __init__(self, response: httpx.Response, ethplorer_ok: bool = True) -> None:
        self.response = response
        self.ethplorer_ok = ethplorer_ok
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.host == "api.ethplorer.io":
            if not self.ethplorer_ok:
                return httpx.Response(503)
            if "getTokenInfo" in request.url.path:
                return httpx.Response(200, json={"decimals": "18", "symbol": "UNI",
                                                 "totalSupply": str(10**27),
                                                 "holdersCount": 300232})
            return httpx.Response(200, json={"holders": [
                {"address": f"0x{i + 1:040x}", "balance": (100 - i) * 1e24, "share": 1.0}
                for i in range(100)]})
        return self.response

    def count(self, host: str) -> int:
        return sum(r.url.host == host for r in self.requests)


REFUSALS = {
    "cloudflare-403-html": httpx.Response(403, content=CLOUDFLARE_403,
                                          headers={"content-type": "text/html; charset=UTF-8"}),
    "captcha-429-html": httpx.Response(429, content=CAPTCHA_429,
                                       headers={"content-type": "text/html"}),
    "deprecated-410": httpx.Response(410, json=DEPRECATED_410),
    "unauthorized-401": httpx.Response(401, json={"message": "API key required"}),
}


@pytest.mark.parametrize("case", list(REFUSALS))
async def test_keyless_refusal_off_ethereum_says_get_a_free_key(make, case):
    """Case: the per-instance API refuses (Cloudflare 403 HTML, 429 captcha, 410 deprecation,
    401) → one line: Blockscout now needs a free key, where, which variable. Not retried."""
    server = Instance(REFUSALS[case])
    http, cfg = make(server)
    with pytest.raises(KeyRequired) as caught:
        await fetch_holders(http, cfg, "optimism", OP)
    message = str(caught.value)
    assert message == KEY_NEEDED + "." and "\n" not in message
    assert "BLOCKSCOUT_PRO_API_KEY" in message and "developer portal" in message
    assert "blockscout.com" not in message  # no host in what users see
    assert server.count("optimism.blockscout.com") == 1  # no retries of a refusal


async def test_keyless_refusal_on_ethereum_falls_back_to_ethplorer(make):
    """Case: Cloudflare 403 on Ethereum → the top 100 from Ethplorer, with the key line as a
    warning."""
    server = Instance(REFUSALS["cloudflare-403-html"])
    http, cfg = make(server)
    snap = await fetch_holders(http, cfg, "ethereum", UNI)
    assert snap.source == "Ethplorer" and len(snap) == 100
    assert snap.warnings == (f"{KEY_NEEDED}; top 100 from Ethplorer",)


async def test_keyless_refusal_and_ethplorer_down_names_both(make):
    server = Instance(REFUSALS["deprecated-410"], ethplorer_ok=False)
    http, cfg = make(server)
    with pytest.raises(KeyRequired) as caught:
        await fetch_holders(http, cfg, "ethereum", UNI)
    assert str(caught.value).startswith(KEY_NEEDED)
    assert "Ethplorer" in str(caught.value) and caught.value.sources[-1] == "Ethplorer"


async def test_keyless_asks_for_fewer_pages_by_default(make):
    """Without a key at most keyless_holders_limit (500 = 10 pages) are fetched."""
    pages: list[httpx.Request] = []
    rows = [(f"0x{i + 1:040x}", (2000 - i) * 10**18) for i in range(1000)]

    def handler(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/holders"):
            return httpx.Response(200, json=TOKEN)
        pages.append(request)
        start = int(request.url.params.get("items_count", 0))
        chunk = rows[start:start + 50]
        items = [{"address": {"hash": a}, "value": str(v)} for a, v in chunk]
        nxt = {"items_count": start + 50, "value": str(chunk[-1][1]),
               "address_hash": chunk[-1][0]} if start + 50 < len(rows) else None
        return httpx.Response(200, json={"items": items, "next_page_params": nxt})

    http, cfg = make(handler)
    snap = await fetch_holders(http, cfg, "ethereum", UNI)
    assert len(snap) == 500 and len(pages) == 10 and snap.truncated


# --------------------------------------------------------------------------- offline

def _refused() -> httpx.ConnectError:
    try:
        raise ConnectionRefusedError(111, "Connection refused")
    except ConnectionRefusedError as cause:
        error = httpx.ConnectError("[Errno 111] Connection refused")
        error.__cause__ = cause
        return error


def _dns() -> httpx.ConnectError:
    error = httpx.ConnectError("[Errno -2] Name or service not known")
    error.__cause__ = socket.gaierror(-2, "Name or service not known")
    return error


@pytest.mark.parametrize("make_error", [_refused, _dns], ids=["refused", "dns"])
async def test_dns_failure_and_refused_connection_are_not_retried(make, make_error):
    """Case: offline (DNS failure, connection refused) → one attempt per host, and the
    message names the provider — Ethplorer too when the holder fallback was tried."""
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.url.host)
        raise make_error()

    http, cfg = make(handler)
    with pytest.raises(SourceUnavailable) as caught:
        await fetch_holders(http, cfg, "ethereum", UNI)
    assert calls == ["eth.blockscout.com", "api.ethplorer.io"]
    error = caught.value
    assert error.unreachable and error.sources == ("Blockscout", "Ethplorer")
    assert "Blockscout" in str(error) and "Ethplorer" in str(error)
    assert "blockscout.com" not in str(error) and "ethplorer.io" not in str(error)


def test_a_reset_is_not_unreachable():
    assert not is_unreachable(httpx.ConnectError("[Errno 104] Connection reset by peer"))
    assert is_unreachable(_refused()) and is_unreachable(_dns())


def test_every_address_refused_is_unreachable():
    """anyio tries every address of a host: "All connection attempts failed" from a group."""
    group = ExceptionGroup("multiple connection attempts failed",
                           [ConnectionRefusedError(111, "Connection refused"),
                            ConnectionRefusedError(111, "Connection refused")])
    inner = OSError("All connection attempts failed")
    inner.__cause__ = group
    error = httpx.ConnectError("All connection attempts failed")
    error.__cause__ = inner
    assert is_unreachable(error)
    mixed = ExceptionGroup("x", [ConnectionRefusedError(111, "refused"), TimeoutError()])
    inner.__cause__ = mixed
    assert not is_unreachable(error)


async def test_a_real_closed_port_is_unreachable_at_once(tmp_path, closing):
    """Through the real transport (no MockTransport): a closed loopback port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    cfg = SourcesConfig(cache_dir=tmp_path, defillama_url=f"http://127.0.0.1:{port}")
    http = HttpClient(make_http_client(cfg))
    closing(http)
    with pytest.raises(SourceUnavailable) as caught:
        await fetch_fee_summary(http, cfg, "uniswap")
    assert caught.value.unreachable and http.requests_sent == 1
    assert str(caught.value) == "Could not reach DefiLlama (no connection)."


def test_refusal_bodies_parse_as_json_shapes():
    # the fixtures above are what the providers send; keep them honest
    assert json.loads(json.dumps(DEPRECATED_410))["message"].startswith("PER INSTANCE API")


# --------------------------------------------------------------------------- Snapshot

async def test_snapshot_graphql_errors_with_http_400_keep_the_hubs_message(make):
    """Case: the hub's GraphQL errors with HTTP 400 (``checkLimits``) → "Snapshot refused
    the query: <its message>", not a bare status."""
    from core.errors import BadResponse
    from pipeline.votes import fetch_votes

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json={"errors": [
            {"message": "The `first` argument must not be greater than 1000"}]})

    http, cfg = make(handler)
    with pytest.raises(BadResponse, match="Snapshot refused the query: The `first` argument"):
        await fetch_votes(http, cfg, ("uniswapgovernance.eth",))
