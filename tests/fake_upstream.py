"""A fake of the data APIs at the httpx boundary, in their documented response shapes.

Serves DefiLlama (``/protocols``, ``/summary/fees/{slug}``, ``/overview/fees``), Blockscout
REST v2 (token info, holders pages with ``next_page_params``), Ethplorer and the Snapshot
GraphQL hub, for the bot and pipeline tests. Numbers here are test fixtures, never shown
as real data. Faults can be switched on per host or path, and every request is counted.

Use it as ``httpx.MockTransport(fake.handler)``.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

SHARED = Path(__file__).resolve().parents[2] / "shared"
DUNE = SHARED / "data" / "holders_dune_2026-02-19"

UNI = "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"
AAVE = "0x7fc66500c84a76ad7e9c93437bfc5ac33e2ddae9"
COMP = "0xc00e94cb662c3520282e6f5717214004a7f26888"
CRV = "0xd533a949740bb3306d119cc777fa900ba034cd52"
ENS = "0xc18360217d8f7ab5e7c516566761ea12ce7f9d72"  # sources.protocols (Ethereum)
ARB = "0x912ce59144191c1204e64559fe8253a0e49e6548"  # sources.protocols (Arbitrum One)
OP = "0x4200000000000000000000000000000000000042"  # sources.protocols (OP Mainnet)
DAY = 86_400
NOW = 1_763_683_200  # 2025-11-21T00:00:00Z, a fixed "today" for the fixtures


def synthetic_holders(n: int = 120, seed: int = 7, *, scale: float = 1.0,
                      leaders: bool = True) -> list[tuple[str, float]]:
    """A heavy-tailed *synthetic* test list (token units, ``scale`` × 4e7 / rank^1.1), led by
    the Uniswap treasury, a burn and a Binance wallet (``leaders``; without them every
    address is random, so none is identified). Not any token's real holders."""
    rng = random.Random(seed)
    rows = [("0x1a9c8182c09f50c8318d769245bea52c32be35bc", 2.5e8 * scale),
            ("0x000000000000000000000000000000000000dead", 1.0e8 * scale),
            ("0xf977814e90da44bfa03b6295a0616a897441acec", 5.0e7 * scale)] if leaders else []
    for i in range(n - len(rows)):
        rows.append((f"0x{rng.getrandbits(160):040x}", scale * 4e7 / (i + 1) ** 1.1))
    return rows


def dune_holders(symbol: str) -> list[tuple[str, float]] | None:
    """The real top-1000 list for ``symbol`` (uni, aave…) or None when ../shared is absent."""
    path = DUNE / f"dune_balance_b_{symbol.lower()}.json"
    if not path.is_file():
        return None
    rows = json.loads(path.read_text())["result"]["rows"]
    return [(r["address"], float(r["balance"])) for r in rows]


@dataclass
class Token:
    """One token the fake Blockscout knows."""

    address: str
    symbol: str
    name: str
    holders: list[tuple[str, float]]
    total_supply: float
    holder_count: int
    decimals: int = 18
    #: The chain it lives on: its Blockscout host (``{chain}.blockscout.com``; Ethereum's is
    #: eth.blockscout.com) or PRO chain id must match, as a real instance knows only its own.
    chain: str = "ethereum"


@dataclass
class FakeUpstream:
    """Routes requests by host and path; counts them; injects faults and delays."""

    tokens: dict[str, Token] = field(default_factory=dict)
    delay: tuple[float, float] = (0.0, 0.0)  # seconds, uniform
    faults: dict[str, Any] = field(default_factory=dict)  # substring of URL → fault
    calls: Counter = field(default_factory=Counter)
    page_size: int = 50
    rng: random.Random = field(default_factory=lambda: random.Random(1))
    #: Serve Ethplorer (top 100 by default) instead of answering 503.
    ethplorer: bool = False
    #: Blockscout PRO's headers on every api.blockscout.com reply (credits count down).
    pro_credits: int = 100_000
    #: JSON-RPC nodes by host (the default endpoints: Ethereum serves Uniswap, Compound, Aave
    #: and ENS governance, OP Mainnet Optimism's, Arbitrum One Arbitrum's: tests.fake_governance).
    chains: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def default(cls) -> FakeUpstream:
        """UNI and AAVE (real lists when ../shared is present, else synthetic); synthetic
        COMP, CRV, ENS, ARB (on Arbitrum) and OP (on Optimism) lists; the six DAOs' governors
        on the default Ethereum, OP Mainnet and Arbitrum One JSON-RPC hosts."""
        uni = dune_holders("uni") or synthetic_holders()
        aave = dune_holders("aave") or synthetic_holders(90, seed=3)
        fake = cls()
        fake.tokens[UNI] = Token(UNI, "UNI", "Uniswap", uni, 1e9, 384_000)
        fake.tokens[AAVE] = Token(AAVE, "AAVE", "Aave Token", aave, 16e6, 180_000)
        fake.tokens[COMP] = Token(COMP, "COMP", "Compound", synthetic_holders(80, 5), 1e7,
                                  220_000)
        fake.tokens[CRV] = Token(CRV, "CRV", "Curve DAO Token", synthetic_holders(70, 9),
                                 2.3e9, 90_000)
        # synthetic, random addresses only (none identified), scaled to the real supplies
        fake.tokens[ENS] = Token(ENS, "ENS", "Ethereum Name Service",
                                 synthetic_holders(60, 11, scale=0.1, leaders=False), 1e8,
                                 140_000)
        fake.tokens[ARB] = Token(ARB, "ARB", "Arbitrum",
                                 synthetic_holders(60, 13, scale=10.0, leaders=False), 1e10,
                                 1_000_000, chain="arbitrum")
        fake.tokens[OP] = Token(OP, "OP", "Optimism",
                                synthetic_holders(60, 17, scale=4.0, leaders=False),
                                4_294_967_296, 600_000, chain="optimism")
        fake.chains[RPC_ETHEREUM_HOST] = governance_chain(fake)
        fake.chains.update(l2_governance_chains(fake))
        return fake

    # -- the transport handler ------------------------------------------------------------

    async def handler(self, request: httpx.Request) -> httpx.Response:
        url = str(request.url)
        key = f"{request.url.host}{request.url.path}"
        if request.method == "POST":
            key += " " + _graphql_kind(request)
        self.calls[key] += 1
        if self.delay[1] > 0:
            await asyncio.sleep(self.rng.uniform(*self.delay))
        for needle, fault in self.faults.items():
            if needle in url:
                return _fault(fault, request)
        host = request.url.host
        if host in self.chains:
            return await self.chains[host].handler(request)
        if host == "api.llama.fi":
            return self._llama(request)
        if host.endswith("blockscout.com"):
            return self._blockscout(request)
        if host == "api.ethplorer.io":
            return self._ethplorer(request) if self.ethplorer else httpx.Response(503)
        if host == "hub.snapshot.org":
            return self._snapshot(request)
        return httpx.Response(404, json={"error": "unknown host in fake"})

    def count(self, needle: str) -> int:
        """Requests whose key contains ``needle``."""
        return sum(n for k, n in self.calls.items() if needle in k)

    # -- DefiLlama -------------------------------------------------------------------------

    def _llama(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/protocols":
            return httpx.Response(200, json=PROTOCOLS)
        if path.startswith("/summary/fees/"):
            slug = path.rsplit("/", 1)[-1]
            data_type = request.url.params.get("dataType", "dailyFees")
            body = fee_summary(slug, data_type)
            return httpx.Response(200, json=body) if body else llama_not_found(slug)
        if path.startswith("/overview/fees"):
            return httpx.Response(200, json=OVERVIEW)
        return httpx.Response(404)

    # -- Blockscout ------------------------------------------------------------------------

    def _blockscout(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.strip("/").split("/")
        if request.url.host == "api.blockscout.com":  # PRO: /{chain_id}/api/v2/…
            if not request.headers.get("authorization", "").startswith("Bearer "):
                return httpx.Response(401, json={"message": "Unauthorized"})
            response = self._blockscout_paths(request, parts[1:])
            self.pro_credits -= 20
            response.headers.update({
                "x-credits-remaining": str(self.pro_credits), "x-ratelimit-limit": "5",
                "x-ratelimit-remaining": "4", "x-ratelimit-reset": "900"})
            return response
        return self._blockscout_paths(request, parts)

    def _ethplorer(self, request: httpx.Request) -> httpx.Response:
        """getTokenInfo / getTopTokenHolders in Ethplorer's recorded shape (balance: raw
        amount as a float)."""
        token = self.tokens.get(request.url.path.rstrip("/").rsplit("/", 1)[-1].lower())
        if token is None or token.chain != "ethereum":  # Ethplorer: Ethereum only
            return httpx.Response(200, json={"error": {"code": 150, "message": "not a token"}})
        scale = 10**token.decimals
        if "getTokenInfo" in request.url.path:
            return httpx.Response(200, json={
                "address": token.address, "name": token.name, "symbol": token.symbol,
                "decimals": str(token.decimals), "holdersCount": token.holder_count,
                "totalSupply": str(int(token.total_supply * scale))})
        limit = int(request.url.params.get("limit", "100"))
        return httpx.Response(200, json={"holders": [
            {"address": a, "balance": b * scale, "share": 100 * b / token.total_supply}
            for a, b in token.holders[:limit]]})

    def _blockscout_paths(self, request: httpx.Request, parts: list[str]) -> httpx.Response:
        # /api/v2/tokens/{address}[/holders]
        if len(parts) < 4 or parts[:3] != ["api", "v2", "tokens"]:
            return httpx.Response(404)
        token = self.tokens.get(parts[3].lower())
        chain = _blockscout_chain(request)
        if token is None or chain not in (None, token.chain):
            return httpx.Response(404, json={"message": "Not found"})
        scale = 10**token.decimals
        if len(parts) == 4:
            return httpx.Response(200, json={
                "address_hash": token.address, "symbol": token.symbol, "name": token.name,
                "decimals": str(token.decimals), "type": "ERC-20",
                "total_supply": str(int(token.total_supply * scale)),
                "holders_count": str(token.holder_count),
            })
        start = int(request.url.params.get("items_count", "0") or 0)
        rows = token.holders[start:start + self.page_size]
        items = [{
            "address": {"hash": a, "name": None, "is_contract": False, "public_tags": []},
            "value": str(int(b * scale)), "token_id": None,
        } for a, b in rows]
        end = start + len(rows)
        next_params = ({"address_hash": rows[-1][0], "items_count": end,
                        "value": items[-1]["value"]} if end < len(token.holders) else None)
        return httpx.Response(200, json={"items": items, "next_page_params": next_params})

    # -- Snapshot --------------------------------------------------------------------------

    def _snapshot(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        kind = _graphql_kind(request)
        variables = body.get("variables") or {}
        if kind == "proposals":
            space = json.dumps(variables)
            if "uniswapgovernance.eth" in space or "aave" in space:
                return httpx.Response(200, json={"data": {"proposals": [
                    {"id": f"0xprop{i}", "title": f"Proposal {i}: fund the thing",
                     "end": NOW - i * 7 * DAY, "votes": 40 + i, "scores_total": 1e6,
                     "state": "closed", "space": {"id": "test.eth"}}
                    for i in range(3)
                ]}})
            return httpx.Response(200, json={"data": {"proposals": []}})
        if kind == "votes":
            skip = int(variables.get("skip", 0) or 0)
            if skip:
                return httpx.Response(200, json={"data": {"votes": []}})
            votes = [{"voter": f"0x{i:040x}", "vp": 1e5 / (i + 1)} for i in range(40)]
            return httpx.Response(200, json={"data": {"votes": votes}})
        return httpx.Response(200, json={"errors": [{"message": "unknown query"}]})


#: The default Ethereum JSON-RPC host (sources.config.DEFAULT_RPC).
RPC_ETHEREUM_HOST = "ethereum.publicnode.com"
#: The default OP Mainnet and Arbitrum One JSON-RPC hosts (sources.config.DEFAULT_RPC).
RPC_L2_HOSTS = {"optimism": "mainnet.optimism.io", "arbitrum": "arb1.arbitrum.io"}
#: Blockscout instance hosts and PRO chain ids (sources.config / sources.holders) → chain.
BLOCKSCOUT_CHAINS = {"eth.blockscout.com": "ethereum", "optimism.blockscout.com": "optimism",
                     "arbitrum.blockscout.com": "arbitrum"}
PRO_CHAIN_IDS = {"1": "ethereum", "10": "optimism", "42161": "arbitrum"}


def _blockscout_chain(request: httpx.Request) -> str | None:
    """The chain a Blockscout request asks (instance host or PRO ``/{chain_id}/``), or None
    for a host this fake does not map (then any token answers)."""
    if request.url.host == "api.blockscout.com":
        return PRO_CHAIN_IDS.get(request.url.path.strip("/").split("/")[0])
    return BLOCKSCOUT_CHAINS.get(request.url.host)


def governance_chain(fake: FakeUpstream) -> Any:
    """An Ethereum node with the Uniswap, Compound, Aave and ENS governors and tokens, whose
    top holders (the fake Blockscout's) delegate to ten delegates (tests.fake_governance)."""
    from tests.fake_chain import FakeChain
    from tests.fake_governance import default_dao, install_dao

    chain = FakeChain()
    for slug, token in (("uniswap", UNI), ("compound-v3", COMP), ("aave", AAVE),
                        ("ens", ENS)):
        holders = [a for a, _ in fake.tokens[token].holders] if token in fake.tokens else []
        install_dao(chain, default_dao(slug, holders), logs=True)
    return chain


def l2_governance_chains(fake: FakeUpstream | None = None) -> dict[str, Any]:
    """The OP Mainnet and Arbitrum One nodes (default hosts) with the Optimism and Arbitrum
    governors and tokens (tests.fake_governance), whose top holders (``fake``'s OP and ARB
    lists when given) delegate to the ten delegates."""
    from tests.fake_governance import chain_for, default_dao, install_dao, spec_for

    nodes = {}
    for slug, token in (("optimism", OP), ("arbitrum", ARB)):
        known = fake.tokens.get(token) if fake is not None else None
        holders = [a for a, _ in known.holders] if known is not None else None
        chain = chain_for(spec_for(slug))
        install_dao(chain, default_dao(slug, holders), logs=True)
        nodes[RPC_L2_HOSTS[slug]] = chain
    return nodes


def llama_not_found(slug: str) -> httpx.Response:
    """DefiLlama's real "no data" reply (API_NOTES.md §0): HTTP 400, text/plain — for an
    unknown slug and for a protocol without a series for the asked dataType."""
    return httpx.Response(
        400, text=f"Fees for {slug} not found, please visit /overview/fees to see available "
                  "protocols", headers={"content-type": "text/plain; charset=utf-8"})


def _graphql_kind(request: httpx.Request) -> str:
    try:
        query = json.loads(request.content).get("query", "")
    except ValueError:
        return "?"
    if "proposals" in query:
        return "proposals"
    if "votes" in query:
        return "votes"
    return "?"


def _fault(fault: Any, request: httpx.Request) -> httpx.Response:
    """Turn a fault spec into a response or an exception."""
    if isinstance(fault, int):
        return httpx.Response(fault)
    if isinstance(fault, httpx.Response):
        return fault
    if fault == "timeout":
        raise httpx.ReadTimeout("fake timeout", request=request)
    if fault == "reset":
        raise httpx.ConnectError("connection reset by peer", request=request)
    if fault == "truncated":
        return httpx.Response(200, content=b'{"items": [{"value": "12')
    if fault == "garbage":
        return httpx.Response(200, content=b"<html>502 Bad Gateway</html>")
    if fault == "huge":
        return httpx.Response(200, content=b" " * (10 * 1024 * 1024 + 10) + b"{}")
    raise ValueError(f"unknown fault {fault!r}")


PROTOCOLS: list[dict[str, Any]] = [
    {"id": "1", "name": "Uniswap V3", "slug": "uniswap-v3", "symbol": "UNI",
     "category": "Dexs", "chains": ["Ethereum"], "address": UNI, "gecko_id": None,
     "parentProtocol": "parent#uniswap", "tvl": 3e9},
    {"id": "2", "name": "Uniswap V2", "slug": "uniswap-v2", "symbol": "UNI",
     "category": "Dexs", "chains": ["Ethereum"], "address": UNI, "gecko_id": None,
     "parentProtocol": "parent#uniswap", "tvl": 1e9},
    {"id": "111", "name": "Aave V3", "slug": "aave-v3", "symbol": "AAVE", "category": "Lending",
     "chains": ["Ethereum"], "address": AAVE, "parentProtocol": "parent#aave", "tvl": 2e10,
     "governanceID": ["snapshot:aave.eth", "eip155:1:0xEC568fffba86c094cf06b22134B23074DFE2252c"]},
    {"id": "3", "name": "Curve DEX", "slug": "curve-dex", "symbol": "CRV", "category": "Dexs",
     "chains": ["Ethereum"], "address": CRV, "gecko_id": "curve-dao-token", "tvl": 2e9},
    {"id": "382", "name": "Pendle", "slug": "pendle", "symbol": "PENDLE", "category": "Yield",
     "chains": ["Ethereum"], "address": "0x808507121b80c02388fad14726482e061b8da827",
     "tvl": 5e9},
    {"id": "2088", "name": "Compound V3", "slug": "compound-v3", "symbol": "COMP",
     "category": "Lending", "chains": ["Ethereum"], "address": COMP, "tvl": 2e9,
     "parentProtocol": "parent#compound-finance"},
]


def _series(total_30d: float) -> list[list[float]]:
    daily = total_30d / 30
    return [[NOW - (59 - i) * DAY, daily * (0.8 + 0.4 * ((i * 7) % 11) / 10)]
            for i in range(60)]


_FEES = {  # slug → (fees 30d, revenue 30d, holders revenue 30d or None = not reported)
    "uniswap": (9.0e7, 0.0, None),
    "aave": (6.0e7, 9.0e6, 1.5e6),
    "curve-dex": (3.0e6, 1.5e6, 1.5e6),
    "compound-v3": (4.0e6, 6.0e5, None),
}


def fee_summary(slug: str, data_type: str) -> dict[str, Any] | None:
    """A /summary/fees/{slug} body in the documented shape, or None for unknown slugs."""
    if slug not in _FEES:
        return None
    fees, revenue, holders = _FEES[slug]
    value = {"dailyFees": fees, "dailyRevenue": revenue,
             "dailyHoldersRevenue": holders}.get(data_type, fees)
    if value is None:
        return None
    chart = _series(value)
    last30 = sum(v for _, v in chart[-30:])
    return {
        "id": f"parent#{slug}" if slug in ("uniswap", "aave") else "3",
        "name": slug.title(), "slug": slug, "category": "Dexs" if slug != "aave" else "Lending",
        "total24h": chart[-1][1], "total48hto24h": chart[-2][1],
        "total7d": sum(v for _, v in chart[-7:]), "total30d": last30,
        "totalAllTime": last30 * 20, "change_1d": 1.2,
        "totalDataChart": chart,
        "totalDataChartBreakdown": [[t, {"ethereum": {slug: v * 0.7}, "arbitrum": {slug: v * 0.3}}]
                                    for t, v in chart],
    }


OVERVIEW: dict[str, Any] = {
    "protocols": [
        {"name": "Uniswap V3", "displayName": "Uniswap V3", "defillamaId": "1",
         "category": "Dexs", "total30d": 7.0e7, "parentProtocol": "parent#uniswap",
         "slug": "uniswap-v3"},
        {"name": "Uniswap V2", "displayName": "Uniswap V2", "defillamaId": "2",
         "category": "Dexs", "total30d": 2.0e7, "parentProtocol": "parent#uniswap",
         "slug": "uniswap-v2"},
        {"name": "Curve DEX", "displayName": "Curve DEX", "defillamaId": "3",
         "category": "Dexs", "total30d": 3.0e6, "slug": "curve-dex"},
        {"name": "PancakeSwap AMM", "displayName": "PancakeSwap AMM", "defillamaId": "194",
         "category": "Dexs", "total30d": 4.0e7, "slug": "pancakeswap-amm"},
        {"name": "Aave V3", "displayName": "Aave V3", "defillamaId": "111",
         "category": "Lending", "total30d": 6.0e7, "parentProtocol": "parent#aave",
         "slug": "aave-v3"},
        {"name": "Compound V3", "displayName": "Compound V3", "defillamaId": "2088",
         "category": "Lending", "total30d": 4.0e6, "slug": "compound-v3"},
    ],
    "allChains": ["Ethereum", "Arbitrum"],
    "total24h": 1.0e7, "total7d": 7.0e7,
}
