"""sources.directory: the built-in table, DefiLlama /protocols parsing and merging, lookups.

Bodies: the real recorded ``/protocols`` of 2022-01-29 (first 10 entries, 2022 schema) from
``../shared``, and ``tests/fixtures/defillama_protocols_newer_schema.json`` — hand-made in the
documented newer shape (``parentProtocol``, ``governanceID``, ``"chain:0x…"`` addresses), with
malformed entries; its ids, TVLs and some addresses are illustrative, not market data.
Only the network boundary is faked (httpx.MockTransport under the real HttpClient).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import stamina
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from core.errors import BadResponse, ProtocolNotFound, SourceUnavailable
from core.protocol import ProtocolRecord
from sources.config import SourcesConfig
from sources.directory import (
    BUILTIN,
    COMMON_WORDS,
    Directory,
    norm,
    parse_governance,
    parse_protocols,
    parse_token_address,
)
from sources.http import HttpClient, make_http_client

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[2] / "shared"
REAL_2022 = SHARED / "data" / "fixtures" / "defillama" / "protocols_top10_2022-01-29.json"
NEWER = FIXTURES / "defillama_protocols_newer_schema.json"
FAST = {"api.llama.fi": (10_000, 1)}

#: Offline directories for synchronous lookups: built-in table only, and with NEWER merged.
_BUILTIN_ONLY = Directory(None, SourcesConfig())
_OFFLINE = Directory(None, SourcesConfig())
_OFFLINE.load_body(json.loads(NEWER.read_text()))


@pytest.fixture(autouse=True)
def _no_retry_waits():
    stamina.set_testing(True, attempts=3)
    yield
    stamina.set_testing(False)


class Llama:
    """A fake api.llama.fi: ``/protocols`` answers with ``body`` (bytes) or ``status``."""

    def __init__(self, body: bytes | None = None, status: int = 200) -> None:
        self.body = body if body is not None else NEWER.read_bytes()
        self.status = status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx.Response(self.status, json={"message": "down"})
        return httpx.Response(200, content=self.body,
                              headers={"content-type": "application/json"})


@pytest.fixture
async def make(tmp_path: Path):
    """make(handler) → a Directory over a real HttpClient (own HTTP cache) on that handler."""
    opened: list[HttpClient] = []

    def factory(handler: Any) -> Directory:
        cfg = SourcesConfig(cache_dir=tmp_path / f"cache{len(opened)}")  # one cache each
        http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(handler)),
                          rate_limits=FAST)
        opened.append(http)
        return Directory(http, cfg)

    yield factory
    for http in opened:
        await http.aclose()


@pytest.fixture
async def loaded(make) -> tuple[Directory, Llama]:
    llama = Llama()
    directory = make(llama)
    assert await directory.load()
    return directory, llama


def by_id(directory: Directory, ident: str) -> ProtocolRecord:
    return next(r for r in directory.records if r.defillama_id == ident)


# --------------------------------------------------------------------------- built-in table


def test_builtin_table_is_consistent():
    records = [b.record for b in BUILTIN]
    assert len(records) == 15
    assert len({r.name for r in records}) == 15 and len({r.symbol for r in records}) == 15
    for r in records:
        assert re.fullmatch(r"0x[0-9a-f]{40}", r.token_address or ""), r.name
        assert r.decimals == 18 and r.source == "built-in" and r.slug
    chains = {r.symbol: (r.chain, r.token_address) for r in records}
    assert chains["OP"] == ("optimism", "0x4200000000000000000000000000000000000042")
    assert chains["ARB"] == ("arbitrum", "0x912ce59144191c1204e64559fe8253a0e49e6548")
    uniswap = next(r for r in records if r.name == "Uniswap")
    assert (uniswap.slug, uniswap.defillama_id) == ("uniswap", "parent#uniswap")
    curve = next(r for r in records if r.name == "Curve")
    assert (curve.slug, curve.defillama_id) == ("curve-dex", "3")


def test_to_dict_is_json_ready():
    d = BUILTIN[1].record.to_dict()
    assert json.loads(json.dumps(d)) == d
    assert d["snapshot_spaces"] == ["aave.eth", "aavedao.eth"]


# --------------------------------------------------------------------------- parsing


@pytest.mark.parametrize(("value", "expected"), [
    ("0xD533a949740bb3306d119CC777fa900bA034cd52",
     ("ethereum", "0xd533a949740bb3306d119cc777fa900ba034cd52")),
    ("arbitrum:0x912CE59144191C1204E64559FE8253a0e49E6548",
     ("arbitrum", "0x912ce59144191c1204e64559fe8253a0e49e6548")),
    ("xdai:0x" + "ab" * 20, ("gnosis", "0x" + "ab" * 20)),
    ("solana:jtojtomepa8beP8AuQc6eXt5FriJwfFMwQx2v2f9mCL", ("solana", None)),
    ("sui:0x2::sui::SUI", ("sui", None)),
    ("-", ("", None)), (None, ("", None)), ("", ("", None)), (["0x"], ("", None)),
    ("0x123", ("ethereum", None)),
])
def test_parse_token_address(value, expected):
    assert parse_token_address(value) == expected


def test_parse_governance():
    assert parse_governance(["snapshot:aave.eth",
                             "eip155:1:0xEC568fffba86c094cf06b22134B23074DFE2252c"]) == (
        ("aave.eth",), "eip155:1:0xec568fffba86c094cf06b22134b23074dfe2252c")
    assert parse_governance("snapshot:x.eth") == ((), "")
    assert parse_governance([1, None, "eip155:1:nope", "tally:x", "snapshot:a.eth",
                             "snapshot:a.eth"]) == (("a.eth",), "")


@pytest.mark.skipif(not REAL_2022.exists(), reason="../shared/data (recorded /protocols) absent")
def test_real_2022_body_parses():
    entries = parse_protocols(json.loads(REAL_2022.read_text()))
    assert len(entries) == 10  # 2022 schema: no parentProtocol, so no parents synthesised
    curve = next(e.record for e in entries if e.record.defillama_id == "3")
    assert (curve.name, curve.slug, curve.symbol, curve.gecko_id) == (
        "Curve", "curve", "CRV", "curve-dao-token")
    assert (curve.chain, curve.token_address) == (
        "ethereum", "0xd533a949740bb3306d119cc777fa900ba034cd52")
    anchor = next(e.record for e in entries if e.record.name == "Anchor")
    assert (anchor.chain, anchor.token_address) == ("", None)  # address "-"
    assert all(e.tvl > 0 for e in entries)


@pytest.mark.skipif(not REAL_2022.exists(), reason="../shared/data (recorded /protocols) absent")
async def test_real_2022_body_merges_with_builtins(make):
    llama = Llama(REAL_2022.read_bytes())
    directory = make(llama)

    assert await directory.load() and directory.load_error is None

    assert [str(r.url) for r in llama.requests] == ["https://api.llama.fi/protocols"]
    curve = directory.lookup("curve")
    assert (curve.slug, curve.category, curve.source) == ("curve-dex", "Dexes",
                                                          "built-in+defillama")
    maker = directory.lookup("MakerDAO")
    assert (maker.name, maker.slug, maker.defillama_id, maker.category) == (
        "Maker", "makerdao", "118", "Minting")
    assert directory.lookup("lido").source == "built-in+defillama"
    convex = directory.lookup("convex")
    assert convex.source == "defillama" and convex.token_address == (
        "0x4e3fbd56cd56c3e72c1403e103b45db9da5b9d2b")
    assert directory.lookup("CVX") == convex
    assert directory.lookup("uniswap").source == "built-in"  # not in the top 10 of 2022
    assert len(directory) == 15 + 10 - 4  # Curve, MakerDAO, AAVE, Lido merged


def test_newer_schema_parents_and_malformed_entries():
    entries = {e.record.defillama_id: e for e in parse_protocols(json.loads(NEWER.read_text()))}
    assert len(entries) == 19 + 7  # 6 malformed skipped; 7 parents synthesised
    assert entries["10"].record == ProtocolRecord(name="Odd Fields", slug="odd-fields",
                                                  defillama_id="10")
    curve = entries["parent#curve-finance"]
    assert curve.record.name == "Curve Finance" and curve.record.symbol == "CRV"
    assert curve.record.token_address == "0xd533a949740bb3306d119cc777fa900ba034cd52"
    assert curve.record.category == ""  # Dexes and Lending disagree
    assert curve.tvl == pytest.approx(2.1e9)
    uni = entries["parent#uniswap"].record
    assert (uni.name, uni.category, uni.snapshot_spaces, uni.onchain_governance) == (
        "Uniswap", "Dexes", ("uniswapgovernance.eth",),
        "eip155:1:0x408ed6354d4973f66138c91495f2f2fcbd8724c3")
    gmx = entries["parent#gmx"].record
    assert (gmx.name, gmx.chain, gmx.token_address) == (
        "GMX", "arbitrum", "0xfc5a1a6eb076a2c7ad06ed22c90d7e710e35ad0a")
    velodrome = entries["parent#velodrome"].record
    assert velodrome.symbol == "VELO" and velodrome.token_address is None  # V1/V2 tokens differ
    aave_v3 = entries["1599"].record
    assert aave_v3.parent == "parent#aave" and aave_v3.snapshot_spaces == ("aave.eth",)
    assert entries["6000"].record.token_address is None  # Solana mint, not an EVM address
    assert entries["5000"].record.snapshot_spaces == ()  # governanceID not a list


@pytest.mark.parametrize("body", [{"protocols": []}, "oops", ["x", None, {"id": "1"}]])
def test_unusable_bodies_are_bad_responses(body):
    with pytest.raises(BadResponse):
        parse_protocols(body)


# --------------------------------------------------------------------------- merging


async def test_newer_schema_merges_with_builtins(loaded):
    directory, _ = loaded
    uniswap = by_id(directory, "parent#uniswap")
    assert (uniswap.name, uniswap.source, uniswap.category, uniswap.onchain_governance) == (
        "Uniswap", "built-in+defillama", "Dexes", "GovernorBravo (Tally)")
    maker = by_id(directory, "118")
    assert (maker.name, maker.symbol, maker.slug) == ("Maker", "MKR", "sky-lending")  # soft slug
    curve = by_id(directory, "3")
    assert (curve.name, curve.slug, curve.parent) == ("Curve", "curve-dex",
                                                      "parent#curve-finance")
    assert by_id(directory, "parent#curve-finance").source == "defillama"
    compound = by_id(directory, "2088")
    assert compound.name == "Compound" and compound.parent == "parent#compound-finance"
    assert directory.records[0].is_builtin and directory.loaded


# --------------------------------------------------------------------------- resolve


RESOLVE = [
    ("uniswap", "Uniswap"), ("Uniswap", "Uniswap"), ("UNI", "Uniswap"), ("uni", "Uniswap"),
    ("$UNI", "Uniswap"), ("  Uniswap  ", "Uniswap"), ("uniswp", "Uniswap"),
    ("aave v3", "Aave"), ("AAVE", "Aave"), ("curve", "Curve"), ("CRV", "Curve"),
    ("op", "Optimism"), ("OP", "Optimism"), ("arbitrum", "Arbitrum"), ("arb", "Arbitrum"),
    ("the graph", "The Graph"), ("thegraph", "The Graph"), ("sky", "Maker"),
    ("compound", "Compound"), ("lido dao", "Lido"), ("1inch", "1inch"), ("optimsm", "Optimism"),
]
LIVE_ONLY = [
    ("Uniswap V3", "Uniswap"), ("aave v2", "Aave"), ("Curve DEX", "Curve"),
    ("curve llamalend", "Curve"), ("Curve Finance", "Curve"), ("compound v2", "Compound"),
    ("Sky Lending", "Maker"), ("gmx", "GMX"), ("GMX V2 Perps", "GMX"), ("velodrome", "Velodrome"),
    ("pendle", "Pendle"), ("PENDLE", "Pendle"), ("jito", "Jito"),
]


@pytest.mark.parametrize(("text", "name"), RESOLVE + LIVE_ONLY)
async def test_resolve(loaded, text, name):
    directory, _ = loaded
    assert (await directory.resolve(text)).name == name


@pytest.mark.parametrize(("text", "name"), RESOLVE)
async def test_resolve_from_builtins_when_defillama_is_down(make, text, name):
    llama = Llama(status=503)
    directory = make(llama)
    assert (await directory.resolve(text)).name == name
    assert isinstance(directory.load_error, SourceUnavailable) and not directory.loaded


async def test_resolve_loads_once_and_a_failed_load_is_not_retried_at_once(make):
    ok = Llama()
    directory = make(ok)
    for text in ("uniswap", "gmx", "UNI"):
        await directory.resolve(text)
    assert len(ok.requests) == 1

    down = Llama(status=503)
    offline = make(down)
    for _ in range(3):
        await offline.resolve("aave")
    assert len(down.requests) == 3  # one load of 3 attempts, then the built-ins


async def test_bad_directory_body_is_remembered(make):
    directory = make(Llama(b'{"protocols": "moved"}'))
    assert not await directory.load()
    assert isinstance(directory.load_error, BadResponse)
    assert directory.lookup("aave").name == "Aave"


@pytest.mark.parametrize("text", ["qwertyuiop", "zzzzzzzz", "protocol that does not exist"])
async def test_nonsense_is_not_found(loaded, text):
    directory, _ = loaded
    with pytest.raises(ProtocolNotFound) as caught:
        await directory.resolve(text)
    assert len(caught.value.suggestions) <= 3


async def test_near_miss_gets_suggestions(loaded):
    directory, _ = loaded
    with pytest.raises(ProtocolNotFound) as caught:
        await directory.resolve("unswop")
    assert "Uniswap" in caught.value.suggestions and len(caught.value.suggestions) <= 3
    assert "Did you mean" in str(caught.value)


# Generic words, chain names and fragments once resolved by WRatio's partial matching (a word
# of a longer name scored 90 ≥ 85): "ethereum" → ENS ("Ethereum Name Service"), "finance" →
# Compound, "mainnet" → Optimism ("OP Mainnet"), "what's up" / "is it s" → Uniswap ("s" ~ "sushi").
GENERIC = ["ethereum", "finance", "mainnet", "what's up", "is it s", "the", "protocol", "dao",
           "swap", "token", "network", "exchange", "chain", "polygon", "base", "collective",
           "name service", "Ethereum mainnet", "finance dao", "it's", "s", "x y z"]
TYPOS = [("uniswp", "Uniswap"), ("compund", "Compound"), ("curv finance", "Curve"),
         ("aave v3", "Aave"), ("sushi swap", "Sushi"), ("sushiswp", "Sushi"), ("lido dao", "Lido"),
         ("optimsm", "Optimism"), ("arbitrm", "Arbitrum"), ("optimism", "Optimism"),
         ("arbitrum", "Arbitrum"), ("synthetx", "Synthetix"), ("yearn financ", "Yearn"),
         ("uniswp protocol", "Uniswap"), ("uniswp v3", "Uniswap"), ("finance curve", "Curve"),
         ("ethereum name servce", "ENS"), ("Ethereum Name Service", "ENS")]


@pytest.mark.parametrize("text", GENERIC)
@pytest.mark.parametrize("live", [False, True], ids=["builtin", "loaded"])
def test_generic_words_never_resolve(text, live):
    directory = _OFFLINE if live else Directory(None, SourcesConfig())
    with pytest.raises(ProtocolNotFound) as caught:
        directory.lookup(text)
    assert len(caught.value.suggestions) <= 3  # suggestions may still use partial matching


@pytest.mark.parametrize(("text", "name"), TYPOS)
@pytest.mark.parametrize("live", [False, True], ids=["builtin", "loaded"])
def test_typos_still_resolve(text, name, live):
    directory = _OFFLINE if live else Directory(None, SourcesConfig())
    assert directory.lookup(text).name == name


@pytest.mark.parametrize(("text", "name"), [("unisw", "Uniswap"), ("aav", "Aave"),
                                            ("ethereum", "ENS"), ("mainnet", "Optimism")])
def test_fragments_get_suggestions_not_a_protocol(text, name):
    with pytest.raises(ProtocolNotFound) as caught:
        Directory(None, SourcesConfig()).lookup(text)
    assert name in caught.value.suggestions


@pytest.mark.parametrize(("text", "name"), [("pendl", "Pendle"), ("velodrom", "Velodrome"),
                                            ("gmx v2 perp", "GMX"), ("curve llamalnd", "Curve")])
def test_typos_of_live_names_resolve(text, name):
    assert _OFFLINE.lookup(text).name == name


def test_live_names_with_a_generic_head_or_tail_resolve_only_exactly():
    directory = Directory(None, SourcesConfig())
    directory.load_body([
        {"id": "901", "name": "Harvest Finance", "slug": "harvest-finance", "tvl": 1},
        {"id": "902", "name": "Polygon Bridge & Staking", "slug": "polygon-bridge", "tvl": 1},
        {"id": "903", "name": "Convex Finance", "slug": "convex-finance", "tvl": 1},
        {"id": "904", "name": "Ethereum", "slug": "ethereum-chain", "tvl": 1},
    ])
    assert directory.lookup("Harvest Finance").name == "Harvest Finance"
    assert directory.lookup("Polygon Bridge & Staking").name == "Polygon Bridge & Staking"
    assert directory.lookup("convex").name == "Convex Finance"  # trailing suffix dropped
    assert directory.lookup("convx finance").name == "Convex Finance"
    assert directory.lookup("ethereum").name == "Ethereum"  # a chain name, exactly
    assert directory.lookup("etherum").name == "Ethereum"  # a typo of a whole name ("optimsm")
    for text in ("finance", "polygon", "polygn", "polygon staking", "harvst", "mainnet"):
        with pytest.raises(ProtocolNotFound):
            directory.lookup(text)


_GENERIC_WORDS = sorted({*(w for t in GENERIC for w in norm(t).split()), "ethereum", "bitcoin",
                         "solana", "arbitrum", "optimism", "bank", "money", "yield", "stable",
                         "market", "trade", "price", "wallet", "bridge", "staking", "vote",
                         "capital", "labs", "foundation", "perps", "earn", "fees", "revenue",
                         "holders", "thanks", "hello", "defi", "lending", "service", "name"})
_SUFFIXES = {"protocol", "finance", "dao", "network", "exchange", "labs", "token", "lending"}


def _typo_of(text: str, record: ProtocolRecord) -> bool:
    """Whether ``text`` (without common words, as lookups read it) is within two edits of a
    name, slug, symbol or alias of ``record``, in any word order ("collective optimism" is
    the alias "optimism collective")."""
    # As lookups read it: common words and words under 3 characters ("x") are noise.
    words = ([w for w in norm(text).split() if w not in COMMON_WORDS and len(w) >= 3]
             or norm(text).split())
    while len(words) > 1 and words[-1] in _SUFFIXES:  # "aave dao" stands for "aave"
        words.pop()
    aliases = next((b.aliases for b in BUILTIN if b.record.name == record.name), ())
    keys = {norm(record.name), norm(record.slug), norm(record.symbol), *map(norm, aliases)}
    typed = " ".join(sorted(words))
    return any(Levenshtein.distance(" ".join(words), k) <= 2
               or Levenshtein.distance(typed, " ".join(sorted(k.split()))) <= 2
               for k in keys if k)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_GENERIC_WORDS), min_size=1, max_size=3),
       st.integers(0, 50), st.booleans())
def test_generic_words_resolve_only_to_a_near_identical_name(words, cut, live):
    text = " ".join(words)
    if cut and len(text) > 3:  # sometimes with a typo: one character dropped
        text = text[:cut % len(text)] + text[cut % len(text) + 1:]
    directory = _OFFLINE if live else _BUILTIN_ONLY
    try:
        record = directory.lookup(text)
    except ProtocolNotFound:
        return
    assert _typo_of(text, record), (text, record.name)


@pytest.mark.parametrize("text", ["", "   ", "!!!", "\n\t", "x" * 101, "uniswap " * 20])
async def test_empty_or_overlong_text_has_no_suggestions_and_no_network(make, text):
    llama = Llama()
    directory = make(llama)
    with pytest.raises(ProtocolNotFound) as caught:
        await directory.resolve(text)
    assert caught.value.suggestions == ()
    assert llama.requests == []


# --------------------------------------------------------------------------- search


async def test_search_is_prefix_first_and_offline(loaded):
    directory, llama = loaded
    names = [r.name for r in directory.search("un")]
    assert names[0] == "Uniswap"
    assert "Unicly" in names and names.count("Uniswap") == 1  # versions fold into the parent
    assert [r.name for r in directory.search("Velo")] == ["Velodrome"]
    assert [r.name for r in directory.search("perps")] == ["GMX"]  # a later word of a name
    assert directory.search("uniswp")[0].name == "Uniswap"  # fuzzy fill
    assert directory.search("zzzz") == []
    for prefix in ("", "a", "c", "co", "1", "$"):
        assert 0 < len(directory.search(prefix)) <= 25 or prefix == "$"
    assert len(directory.search("", limit=100)) <= 25
    assert len(directory.search("", limit=3)) == 3
    assert len(llama.requests) == 1  # only the load


async def test_search_before_load_uses_builtins_only(make):
    llama = Llama()
    directory = make(llama)
    assert [r.name for r in directory.search("")][:2] == ["Aave", "Uniswap"]
    assert [r.name for r in directory.search("c")] == ["Compound", "Curve"]
    assert directory.search("gmx") == []
    assert llama.requests == []


# --------------------------------------------------------------------------- find_in_text


FIND = [
    ("@Lorenz how centralized is aave?", ["Aave"]),
    ("<@123456789012345678> what about Uniswap and Curve", ["Uniswap", "Curve"]),
    ("<@!1234> uni vs sushi?", ["Uniswap", "Sushi"]),
    ("the universe is big and unified", []),
    ("is Compound more centralized than Maker?", ["Compound", "Maker"]),
    ("the op asked about optimism", ["Optimism"]),
    ("OP and $arb", ["Optimism", "Arbitrum"]),
    ("show me a graph of the sky", []),
    ("The Graph and Lido", ["The Graph", "Lido"]),
    ("Uniswap, uniswap and $UNI", ["Uniswap"]),
    ("compare uniswap v3 with aave v3", ["Uniswap", "Aave"]),
    ("Curve DEX fees", ["Curve"]),
    ("across the board", []),
    ("what about Pendle?", ["Pendle"]),
    ("pendle in lower case", []),
    ("$PENDLE holders", ["Pendle"]),
    ("<:uniswap:123456> <#987> https://aave.com/curve", []),
    ("", []),
]


@pytest.mark.parametrize(("text", "names"), FIND)
async def test_find_in_text(loaded, text, names):
    directory, _ = loaded
    assert [r.name for r in directory.find_in_text(text)] == names


def test_find_in_text_before_load():
    directory = Directory(None, SourcesConfig())
    assert [r.name for r in directory.find_in_text("how about UNI, ENS and Balancer")] == [
        "Uniswap", "ENS", "Balancer"]


# --------------------------------------------------------------------------- robustness


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_arbitrary_text_never_crashes(text):
    try:
        record = _OFFLINE.lookup(text)
    except ProtocolNotFound as exc:
        assert len(exc.suggestions) <= 3
    else:
        assert isinstance(record, ProtocolRecord)
    assert len(_OFFLINE.search(text)) <= 25
    found = _OFFLINE.find_in_text(text)
    assert len(found) == len(set(found))
