"""sources.holders against Blockscout and Ethplorer, faked only at the httpx boundary.

The real HttpClient (coalescing, rate limits, stamina retries), the hishel cache and the
size-limit transport run underneath. Bodies: the real top-1000 UNI list (Dune, cut into
Blockscout pages by tests/blockscout_pages.py), the real recorded Ethplorer getTokenInfo and
getTopTokenHolders bodies for UNI (2022-01-31), and small bodies in the documented shapes.
"""

from __future__ import annotations

import asyncio
import json
import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.errors import BadResponse, InputError, NotFound, RateLimited, SourceUnavailable
from core.labels import LiveLabel
from core.secret import Secret
from sources.config import SourcesConfig
from sources.holders import (
    HolderSnapshot,
    TokenInfo,
    fetch_holders,
    fetch_token_info,
    normalize_chain,
    parse_ethplorer_holders,
)
from sources.http import HttpClient, make_http_client
from tests.blockscout_pages import UNI, BlockscoutServer, Faulty, dune_raw_holders, ethplorer_body

OP = "0x4200000000000000000000000000000000000042"
A1 = "0x" + "a1" * 20
A2 = "0x" + "b2" * 20
A3 = "0x" + "c3" * 20
#: No waiting in the per-host rate limiters (behaviour, not timing, is under test).
FAST = {"blockscout.com": (10_000, 1), "api.ethplorer.io": (10_000, 1)}


@pytest.fixture
async def make(tmp_path: Path):
    """make(handler, **cfg fields) → (HttpClient, SourcesConfig); closed after the test."""
    opened: list[HttpClient] = []

    def factory(handler: Any, **cfg_fields: Any) -> tuple[HttpClient, SourcesConfig]:
        # the paging tests read whole 1,000-holder lists; the keyless default (500) has
        # its own test
        cfg_fields.setdefault("keyless_holders_limit", 1000)
        cfg = SourcesConfig(cache_dir=tmp_path, **cfg_fields)
        http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(handler)),
                          rate_limits=FAST)
        opened.append(http)
        return http, cfg

    yield factory
    for http in opened:
        await http.aclose()


def small(n: int = 3) -> list[tuple[str, int]]:
    return [(A1, 5 * 10**18), (A2, 3 * 10**18), (A3, 2 * 10**18)][:n]


#: getTokenInfo in the documented shape (hand-made; the recorded one is in ../shared).
INFO_DOC = json.dumps({"address": UNI, "decimals": "18", "name": "Uniswap", "symbol": "UNI",
                       "totalSupply": str(10**27), "holdersCount": 300232}).encode()


class Ethplorer:
    """Real recorded Ethplorer bodies for UNI (or given ones); counts requests."""

    def __init__(self, info: bytes | None = None, top: bytes | None = None) -> None:
        self.info = info if info is not None else ethplorer_body("getTokenInfo_UNI_2022-01-31.json")
        self.top = top if top is not None else ethplorer_body(
            "getTopTokenHolders_UNI_limit100_2022-01-31.json")
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        body = self.info if "/getTokenInfo/" in request.url.path else self.top
        return httpx.Response(200, content=body, headers={"content-type": "application/json"})


def route(blockscout: Any, ethplorer: Any):
    """One handler for both hosts."""
    async def handler(request: httpx.Request) -> httpx.Response:
        target = ethplorer if request.url.host == "api.ethplorer.io" else blockscout
        result = target(request)
        return await result if asyncio.iscoroutine(result) else result
    return handler


# --------------------------------------------------------------------------- happy paths


async def test_real_uni_list_paged_20_pages_to_1000_exactly(make):
    holders = dune_raw_holders("uni")
    server = BlockscoutServer(UNI, holders)
    http, cfg = make(server)

    snap = await fetch_holders(http, cfg, "ethereum", UNI)

    assert isinstance(snap, HolderSnapshot)
    assert len(snap) == 1000 and server.holder_pages == 20 and len(server.requests) == 21
    assert snap.addresses == tuple(a for a, _ in holders)
    for (_, raw), balance in zip(holders, snap.balances, strict=True):
        assert balance == float(Fraction(raw, 10**18))  # exact, correctly rounded
    total = Fraction(sum(raw for _, raw in holders), 10**18)
    assert math.isclose(snap.listed_sum, float(total), rel_tol=1e-15)
    assert snap.balances[0] == pytest.approx(264_634_857.29010007, rel=1e-15)
    assert list(snap.balances) == sorted(snap.balances, reverse=True)
    assert snap.token == TokenInfo("ethereum", UNI, "UNI", "Uniswap", 18, 1e9, 386254,
                                   "Blockscout (ethereum)")
    assert snap.truncated  # 386,254 holders, 1,000 fetched
    assert snap.source == "Blockscout (ethereum)" and snap.warnings == ()
    assert snap.fetched_at.endswith("Z")
    first = server.requests[1]
    assert first.url.path == f"/api/v2/tokens/{UNI}/holders" and not first.url.params


async def test_limit_stops_paging_and_trims(make):
    server = BlockscoutServer(UNI, dune_raw_holders("uni"))
    http, cfg = make(server)
    snap = await fetch_holders(http, cfg, "Ethereum", UNI.upper().replace("0X", "0x"),
                               limit=120)
    assert len(snap) == 120 and server.holder_pages == 3 and snap.truncated


@pytest.mark.parametrize("shape", ["address", "address_hash"])
async def test_both_item_shapes_and_live_labels(make, shape):
    labels = {A1: {"name": "Uniswap V2: Treasury", "is_contract": True,
                   "public_tags": [{"label": "treasury", "display_name": "Treasury"}],
                   "metadata": {"tags": [{"name": "Uniswap", "slug": "uniswap",
                                          "tagType": "protocol"}]}},
              A2: {"name": None, "is_contract": False},
              # a verified Safe behind its proxy, as Blockscout describes it
              A3: {"name": "GnosisSafeProxy", "is_contract": True, "is_verified": True,
                   "proxy_type": "master_copy",
                   "implementations": [{"address_hash": "0x" + "4" * 40,
                                        "name": "GnosisSafeL2"}]}}
    server = BlockscoutServer(UNI, small(), shape=shape, labels=labels,
                              token_info={"holders_count": "3"})
    http, cfg = make(server)

    snap = await fetch_holders(http, cfg, "ethereum", UNI)

    assert snap.addresses == (A1, A2, A3) and snap.balances == (5.0, 3.0, 2.0)
    assert snap.live_labels[A1] == LiveLabel("Uniswap V2: Treasury", True,
                                             ("treasury", "Uniswap"), False)
    assert snap.live_labels[A2] == LiveLabel(None, False, (), False)
    assert snap.live_labels[A3] == LiveLabel("GnosisSafeProxy", True, (), True, "GnosisSafeL2")
    assert not snap.truncated


async def test_address_as_bare_string_and_older_token_fields(make):
    body = {"items": [{"value": "7", "address_hash": A1.upper().replace("0X", "0x")}],
            "next_page_params": None}
    info = {"address": UNI, "symbol": "TKN", "name": "Token", "decimals": 0,
            "total_supply": 7, "holders": "1"}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body if request.url.path.endswith("/holders") else info)

    http, cfg = make(handler)
    snap = await fetch_holders(http, cfg, "optimism", UNI)
    assert snap.addresses == (A1,) and snap.balances == (7.0,)
    assert snap.token.holder_count == 1 and snap.token.total_supply == 7.0
    assert snap.source == "Blockscout (optimism)"


async def test_raw_strings_near_1e27_are_converted_exactly(make):
    raws = [999_999_999_999_999_999_999_999_999, 123_456_789_012_345_678_901_234_567,
            100_000_000_000_000_000_000_000_001, 1]
    holders = [(f"0x{i + 1:040x}", raw) for i, raw in enumerate(raws)]
    server = BlockscoutServer(UNI, holders, token_info={"total_supply": str(sum(raws))})
    http, cfg = make(server)

    snap = await fetch_holders(http, cfg, "ethereum", UNI)

    for raw, balance in zip(raws, snap.balances, strict=True):
        assert Fraction(balance) == Fraction(float(Fraction(raw, 10**18)))
    assert snap.balances[0] == 999_999_999.999_999_999_999_999_999
    assert snap.token.total_supply == float(Fraction(sum(raws), 10**18))


async def test_token_info(make):
    server = BlockscoutServer(UNI, small())
    http, cfg = make(server)
    info = await fetch_token_info(http, cfg, "eth", UNI)
    assert info == TokenInfo("ethereum", UNI, "UNI", "Uniswap", 18, 1e9, 386254,
                             "Blockscout (ethereum)")


@pytest.mark.parametrize("supply", [None, "", "0", 0])
async def test_absent_or_zero_supply_is_none(make, supply):
    server = BlockscoutServer(UNI, small(), token_info={"total_supply": None})  # drops it
    if supply is not None:
        server.info["total_supply"] = supply
    http, cfg = make(server)
    assert (await fetch_token_info(http, cfg, "ethereum", UNI)).total_supply is None


async def test_blockscout_pro_uses_chain_id_and_bearer_key(make):
    server = BlockscoutServer(OP, small())
    http, cfg = make(server, blockscout_pro_api_key=Secret("proapi_test123"))

    snap = await fetch_holders(http, cfg, "op", OP)

    assert [r.url.host for r in server.requests] == ["api.blockscout.com"] * 2
    assert server.requests[0].url.path == f"/10/api/v2/tokens/{OP}"
    assert all(r.headers["authorization"] == "Bearer proapi_test123" for r in server.requests)
    assert all("proapi" not in str(r.url) for r in server.requests)
    assert snap.source == "Blockscout PRO (chain 10)"


# --------------------------------------------------------------------------- paging limits


async def test_repeating_paginator_terminates(make):
    server = BlockscoutServer(UNI, dune_raw_holders("uni"), repeat_cursor=True)
    http, cfg = make(server)
    snap = await fetch_holders(http, cfg, "ethereum", UNI)
    assert server.holder_pages == 2  # page 2 came back with the same cursor: stop
    assert len(snap) == 100 and snap.truncated
    assert any("repeated a page cursor" in w for w in snap.warnings)


async def test_endless_paginator_hits_the_page_cap(make):
    server = BlockscoutServer(UNI, small(), page_size=5, endless=True)
    http, cfg = make(server)
    snap = await fetch_holders(http, cfg, "ethereum", UNI, limit=100)
    assert server.holder_pages == 4  # ceil(100 / 50) + 2
    assert len(snap) == 20 and snap.truncated
    assert any("4-page cap" in w for w in snap.warnings)


async def test_page_with_only_known_holders_stops(make):
    page = {"items": [{"value": "5", "address": {"hash": A1}}],
            "next_page_params": {"items_count": 1}}
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if not request.url.path.endswith("/holders"):
            return httpx.Response(200, json={"decimals": "0"})
        page["next_page_params"] = {"items_count": len(calls)}  # fresh cursor, same items
        return httpx.Response(200, json=page)

    http, cfg = make(handler)
    snap = await fetch_holders(http, cfg, "optimism", UNI)
    assert len(calls) == 3 and snap.addresses == (A1,)
    assert any("no new holders" in w for w in snap.warnings)


async def test_empty_holder_list_is_not_found(make):
    http, cfg = make(BlockscoutServer(UNI, []))
    with pytest.raises(NotFound, match="no holders"):
        await fetch_holders(http, cfg, "ethereum", UNI)


# --------------------------------------------------------------------------- bad input, 404


async def test_unknown_token_404_is_not_found_without_fallback(make):
    server = BlockscoutServer(OP, small())
    eth = Ethplorer(info=b"{}", top=b"{}")
    http, cfg = make(route(server, eth))
    with pytest.raises(NotFound):
        await fetch_holders(http, cfg, "ethereum", UNI)
    assert eth.requests == []


async def test_unknown_chain_and_bad_address(make):
    calls: list[httpx.Request] = []
    http, cfg = make(lambda r: calls.append(r) or httpx.Response(500))
    with pytest.raises(NotFound, match="solana"):
        await fetch_holders(http, cfg, "solana", UNI)
    with pytest.raises(NotFound, match="no holder source"):
        await fetch_token_info(http, cfg, "fantom", UNI)
    with pytest.raises(InputError):
        await fetch_holders(http, cfg, "ethereum", "0x1234")
    with pytest.raises(InputError):
        await fetch_holders(http, cfg, "ethereum", UNI, limit=0)
    assert calls == []


def test_normalize_chain():
    assert [normalize_chain(c) for c in ("Ethereum", " ETH ", "OP Mainnet", "Arbitrum One",
                                         "xdai", "base")] == [
        "ethereum", "ethereum", "optimism", "arbitrum", "gnosis", "base"]


# --------------------------------------------------------------------------- transient faults


def is_page(request: httpx.Request) -> bool:
    return request.url.path.endswith("/holders")


@pytest.mark.parametrize("faults", [
    [httpx.Response(429, headers={"Retry-After": "1"})],
    [httpx.Response(429, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})],
    [429, 429],
    [500, 503],
    [502],
    [httpx.ReadTimeout("timed out")],
    [httpx.ConnectError("connection reset by peer"), httpx.ReadError("reset")],
    [httpx.RemoteProtocolError("peer closed connection")],
], ids=["429-retry-after", "429-http-date", "429-twice", "5xx-burst", "502", "timeout",
        "reset", "protocol-error"])
async def test_transient_faults_then_success(make, faults):
    server = BlockscoutServer(OP, small())
    faulty = Faulty(server, faults, when=is_page)
    http, cfg = make(faulty)
    snap = await fetch_holders(http, cfg, "optimism", OP)
    assert snap.addresses == (A1, A2, A3)
    assert len(faulty.requests) == 2 + len(faults)


@pytest.mark.parametrize(("faults", "error"), [
    ([429] * 3, RateLimited),
    ([httpx.Response(429, headers={"Retry-After": "3600"})], RateLimited),
    ([503] * 3, SourceUnavailable),
    ([httpx.ReadTimeout("slow")] * 3, SourceUnavailable),
    ([httpx.ConnectError("reset")] * 3, SourceUnavailable),
])
async def test_persistent_faults_raise_our_errors(make, faults, error):
    faulty = Faulty(BlockscoutServer(OP, small()), faults, when=is_page)
    http, cfg = make(faulty)
    with pytest.raises(error):
        await fetch_holders(http, cfg, "optimism", OP)


# --------------------------------------------------------------------------- malformed bodies


def page_with(item: dict[str, Any]) -> bytes:
    return json.dumps({"items": [item], "next_page_params": None}).encode()


@pytest.mark.parametrize("body", [
    b'{"items": [{"value": "10000", "address": {"hash": "0x',  # truncated JSON
    b"<html>502 Bad Gateway</html>",
    b'{"items": "none"}',
    b"[]",
    page_with({"value": ["1", "2"], "address": {"hash": A1}}),
    page_with({"value": 1.5e20, "address": {"hash": A1}}),
    page_with({"value": "12abc", "address": {"hash": A1}}),
    page_with({"value": True, "address": {"hash": A1}}),
    page_with({"value": "-5", "address": {"hash": A1}}),
    page_with({"value": -5, "address": {"hash": A1}}),
    page_with({"value": "5", "address": {"hash": "not-an-address"}}),
    page_with({"value": "5"}),
    json.dumps({"items": [], "next_page_params": [1, 2]}).encode(),
    json.dumps({"items": [{"value": "5", "address": A1}],
                "next_page_params": {"cursor": {"nested": 1}}}).encode(),
], ids=["truncated-json", "html", "items-not-list", "body-is-list", "value-list",
        "value-float", "value-garbage", "value-bool", "value-negative-string",
        "value-negative-int", "bad-hash", "no-address", "params-list", "params-nested"])
async def test_malformed_pages_are_bad_responses(make, body):
    http, cfg = make(Faulty(BlockscoutServer(OP, small()), [body], when=is_page))
    with pytest.raises(BadResponse):
        await fetch_holders(http, cfg, "optimism", OP)


@pytest.mark.parametrize("decimals", ["abc", "-1", "1e3", [18], "999", True])
async def test_garbage_decimals_are_bad_responses(make, decimals):
    http, cfg = make(BlockscoutServer(OP, small(), token_info={"decimals": decimals}))
    with pytest.raises(BadResponse):
        await fetch_token_info(http, cfg, "optimism", OP)


@pytest.mark.parametrize("supply", ["lots", "-1000", [1], 1.5])
async def test_garbage_supply_is_a_bad_response(make, supply):
    http, cfg = make(BlockscoutServer(OP, small(), token_info={"total_supply": supply}))
    with pytest.raises(BadResponse):
        await fetch_token_info(http, cfg, "optimism", OP)


async def test_garbage_holder_count_is_dropped_not_a_number(make):
    http, cfg = make(BlockscoutServer(OP, small(), token_info={"holders_count": "many"}))
    assert (await fetch_token_info(http, cfg, "optimism", OP)).holder_count is None


async def test_decimals_from_items_when_token_info_has_none(make):
    page = {"items": [{"value": "2500000", "address": {"hash": A1},
                       "token": {"decimals": "6", "symbol": "USDX"}}],
            "next_page_params": None}

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=page if is_page(request) else {"symbol": "USDX"})

    http, cfg = make(handler)
    info = await fetch_token_info(http, cfg, "optimism", OP)
    assert info.decimals is None and info.total_supply is None
    snap = await fetch_holders(http, cfg, "optimism", OP)
    assert snap.balances == (2.5,) and snap.token.decimals == 6


async def test_supply_is_kept_when_decimals_come_from_the_holder_pages(make):
    """Token info gives the raw supply but no decimals; the pages give decimals → the
    supply is converted then, not dropped."""
    page = {"items": [{"value": "2500000", "address": {"hash": A1},
                       "token": {"decimals": "6", "symbol": "USDX"}}],
            "next_page_params": None}
    info_doc = {"symbol": "USDX", "total_supply": "10000000000"}  # 10,000 USDX raw

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=page if is_page(request) else info_doc)

    http, cfg = make(handler)
    info = await fetch_token_info(http, cfg, "optimism", OP)
    assert info.total_supply is None and info.raw_supply == 10_000_000_000
    snap = await fetch_holders(http, cfg, "optimism", OP)
    assert snap.token.decimals == 6 and snap.token.total_supply == 10_000.0
    assert snap.source == snap.token.source == "Blockscout (optimism)"


async def test_no_decimals_anywhere_is_a_bad_response(make):
    server = BlockscoutServer(OP, small(), token_info={"decimals": None})
    http, cfg = make(server)
    with pytest.raises(BadResponse, match="decimals"):
        await fetch_holders(http, cfg, "optimism", OP)


async def test_ten_megabyte_body_is_refused(make):
    huge = b'{"items": [' + b" " * (10 * 1024 * 1024) + b"]}"
    http, cfg = make(Faulty(BlockscoutServer(OP, small()), [huge], when=is_page))
    with pytest.raises(BadResponse, match="larger than"):
        await fetch_holders(http, cfg, "optimism", OP)


# --------------------------------------------------------------------------- Ethplorer fallback


async def test_blockscout_down_falls_back_to_real_ethplorer_bodies(make):
    eth = Ethplorer()
    http, cfg = make(route(lambda r: httpx.Response(503), eth))

    snap = await fetch_holders(http, cfg, "ethereum", UNI)

    assert snap.token.total_supply == 1e9 and snap.token.holder_count == 300232
    assert snap.token.symbol == "UNI" and snap.token.decimals == 18
    assert snap.source == "Ethplorer"
    assert snap.warnings == ("Blockscout unavailable; top 100 from Ethplorer",)
    assert len(snap) == 100 and snap.truncated
    assert snap.addresses[0] == "0x1a9c8182c09f50c8318d769245bea52c32be35bc"
    assert snap.balances[0] == 1.734031552047184e26 / 10**18
    top = next(r for r in eth.requests if "getTopTokenHolders" in r.url.path)
    assert top.url.params["apiKey"] == "freekey" and top.url.params["limit"] == "100"


async def test_fallback_with_personal_key_asks_for_1000_and_prefers_raw_balance(make):
    body = {"holders": [
        {"address": A1, "balance": 1.2345678901234567e26,
         "rawBalance": "123456789012345678901234567", "share": 12.3},
        {"address": A2, "balance": 5e25, "share": 5.0},
    ]}
    info = {"address": UNI, "decimals": "18", "symbol": "UNI", "name": "Uniswap",
            "totalSupply": str(10**27), "holdersCount": 2}
    eth = Ethplorer(info=json.dumps(info).encode(), top=json.dumps(body).encode())
    http, cfg = make(route(lambda r: httpx.Response(429), eth),
                     ethplorer_api_key=Secret("EK-personal"))

    snap = await fetch_holders(http, cfg, "ethereum", UNI)

    top = next(r for r in eth.requests if "getTopTokenHolders" in r.url.path)
    assert top.url.params["apiKey"] == "EK-personal" and top.url.params["limit"] == "1000"
    assert snap.balances[0] == float(Fraction(123456789012345678901234567, 10**18))
    assert snap.balances[1] == 5e7
    assert not snap.truncated and snap.warnings[0].startswith("Blockscout unavailable")


async def test_bad_blockscout_body_also_falls_back(make):
    eth = Ethplorer()
    http, cfg = make(route(Faulty(BlockscoutServer(UNI, small()), [b'{"items": [{'],
                                  when=is_page), eth))
    snap = await fetch_holders(http, cfg, "ethereum", UNI)
    assert snap.source.startswith("Ethplorer") and len(snap) == 100


@pytest.mark.parametrize("top", [
    {"holders": [{"address": A1, "balance": "lots"}]},
    {"holders": [{"address": A1, "balance": [1]}]},
    {"holders": [{"address": A1, "balance": -1.0}]},
    {"holders": [{"address": A1, "balance": 1.0, "rawBalance": "1.5"}]},
    {"holders": "none"},
    {"error": {"code": 150, "message": "Address is not a token contract"}},
    {"holders": []},
])
async def test_both_down_raises_the_blockscout_error(make, top):
    eth = Ethplorer(info=INFO_DOC, top=json.dumps(top).encode())
    http, cfg = make(route(lambda r: httpx.Response(503), eth))
    with pytest.raises(SourceUnavailable) as caught:
        await fetch_holders(http, cfg, "ethereum", UNI)
    assert caught.value.host == "eth.blockscout.com"
    assert eth.requests  # Ethplorer was tried


async def test_ethplorer_error_body_on_token_info_raises_blockscout_error(make):
    eth = Ethplorer(info=json.dumps({"error": {"code": 1, "message": "Invalid API key"}})
                    .encode(), top=b"{}")
    http, cfg = make(route(lambda r: httpx.Response(429), eth))
    with pytest.raises(RateLimited):
        await fetch_holders(http, cfg, "ethereum", UNI)


async def test_no_fallback_off_ethereum(make):
    eth = Ethplorer(info=b"{}", top=b"{}")
    http, cfg = make(route(lambda r: httpx.Response(503), eth))
    with pytest.raises(SourceUnavailable):
        await fetch_holders(http, cfg, "optimism", OP)
    assert eth.requests == []


def test_ethplorer_float_balances_keep_their_value():
    rows = parse_ethplorer_holders(
        json.loads(ethplorer_body("getTopTokenHolders_UNI_limit100_2022-01-31.json")), 18,
        "api.ethplorer.io")
    assert len(rows) == 100 and rows[2] == ("0x4b4e140d1f131fdad6fb59c13af796fd194e4135", 8.6e7)


# --------------------------------------------------------------------------- coalescing, cache


async def test_identical_concurrent_fetches_coalesce(make):
    server = BlockscoutServer(UNI, dune_raw_holders("uni"), delay=0.01)
    http, cfg = make(server)

    a, b = await asyncio.gather(fetch_holders(http, cfg, "ethereum", UNI),
                                fetch_holders(http, cfg, "ethereum", UNI))

    assert a.addresses == b.addresses and a.balances == b.balances
    assert len(server.requests) == 21  # 1 token info + 20 pages, not twice that
    assert http.coalesced >= 1


async def test_second_fetch_within_ttl_comes_from_the_cache(make):
    server = BlockscoutServer(UNI, dune_raw_holders("uni"))
    http, cfg = make(server)
    first = await fetch_holders(http, cfg, "ethereum", UNI)
    again = await fetch_holders(http, cfg, "ethereum", UNI)
    assert len(server.requests) == 21
    assert again.addresses == first.addresses and again.balances == first.balances
