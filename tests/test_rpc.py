"""The JSON-RPC source: eth-abi calls, Multicall3 and its fallback, reverts, blocks by time."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from eth_abi import encode

from core.errors import BadResponse, RpcError
from sources.config import SourcesConfig
from sources.http import HttpClient, make_http_client
from sources.rpc import Call, RpcClient, block_at, calldata, first_code_block, selector, topic
from tests.fake_chain import FakeChain, Revert

TOKEN = "0x1f9840a85d5af5bf1d1762f925bdaddc4201f984"
ALICE = "0x" + "a1" * 20
BOB = "0x" + "b2" * 20
FAST = {"127.0.0.1": (1000, 1)}


@pytest.fixture
async def rpc_for(tmp_path: Path):
    opened: list[HttpClient] = []

    def factory(chain: FakeChain, name: str = "ethereum") -> RpcClient:
        cfg = SourcesConfig(cache_dir=tmp_path)
        http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(chain.handler)),
                          default_rate=(1000, 1))
        opened.append(http)
        return RpcClient(http, "https://rpc.example/", name)

    yield factory
    for http in opened:
        await http.aclose()


def votes_chain(**kw) -> FakeChain:
    chain = FakeChain(**kw)
    balances = {ALICE: 7 * 10**24, BOB: 3 * 10**24}
    chain.add(TOKEN, "getCurrentVotes(address)", ("uint96",),
              lambda a, b: balances.get(a[0].lower(), 0))

    def prior(args, block):
        if args[1] >= block:
            raise Revert("not yet determined")
        return balances.get(args[0].lower(), 0) // 2
    chain.add(TOKEN, "getPriorVotes(address,uint256)", ("uint96",), prior)
    return chain


def test_selectors_and_topics_come_from_keccak():
    # the published values (API_NOTES §3 gives the topic's ends; ERC-20 transfer is famous)
    assert selector("transfer(address,uint256)").hex() == "a9059cbb"
    assert topic("DelegateVotesChanged(address,uint256,uint256)").startswith("0xdec2bacd")
    assert topic("DelegateVotesChanged(address,uint256,uint256)").endswith("a724")
    assert calldata("getVotes(address)", ALICE)[4:] == encode(["address"], [ALICE])


async def test_many_calls_go_in_one_multicall_and_decode(rpc_for):
    chain = votes_chain()
    rpc = rpc_for(chain)
    calls = [Call(TOKEN, "getCurrentVotes(address)", (a,), ("uint96",))
             for a in (ALICE, BOB, "0x" + "00" * 20)]
    values = await rpc.call_many(calls, 20_000_000)
    assert values == [7 * 10**24, 3 * 10**24, 0]
    assert chain.calls == ["eth_call"]  # one aggregate3 for three reads


async def test_a_reverting_call_is_none_and_the_others_survive(rpc_for):
    chain = votes_chain()
    rpc = rpc_for(chain)
    calls = [Call(TOKEN, "getPriorVotes(address,uint256)", (ALICE, 19_000_000), ("uint96",)),
             Call(TOKEN, "getPriorVotes(address,uint256)", (ALICE, 30_000_000), ("uint96",)),
             Call(TOKEN, "getVotes(address)", (ALICE,), ("uint256",))]  # not on a Bravo token
    assert await rpc.call_many(calls, 20_000_000) == [35 * 10**23, None, None]


async def test_before_multicall3_plain_calls_are_used(rpc_for):
    chain = votes_chain()
    rpc = rpc_for(chain)
    calls = [Call(TOKEN, "getCurrentVotes(address)", (a,), ("uint96",)) for a in (ALICE, BOB)]
    calls.append(Call(TOKEN, "getVotes(address)", (ALICE,), ("uint256",)))  # reverts
    assert await rpc.call_many(calls, 12_000_000) == [7 * 10**24, 3 * 10**24, None]
    assert chain.calls == ["eth_call"] * 3


async def test_unknown_chain_asks_for_multicall_code_once(rpc_for):
    chain = votes_chain(multicall_from=None)
    rpc = rpc_for(chain, "somechain")
    calls = [Call(TOKEN, "getCurrentVotes(address)", (ALICE,), ("uint96",))]
    assert await rpc.call_many(calls, 100) == [7 * 10**24]
    assert chain.calls == ["eth_getCode", "eth_call"]
    chain2 = votes_chain(multicall_from=50)
    rpc2 = rpc_for(chain2, "otherchain")
    assert await rpc2.call_many(calls, 100) == [7 * 10**24]
    assert await rpc2.call_many(calls, 200) == [7 * 10**24]
    assert chain2.calls == ["eth_getCode", "eth_call", "eth_call"]  # code remembered


async def test_single_call_revert_raises_rpc_error(rpc_for):
    rpc = rpc_for(votes_chain())
    with pytest.raises(RpcError) as err:
        await rpc.call(Call(TOKEN, "quorumVotes()"), 20_000_000)
    assert err.value.reverted and "rpc.example" not in str(err.value)


async def test_node_error_is_not_a_revert_and_bad_bodies_are_bad_responses(rpc_for, tmp_path):
    async def handler(request: httpx.Request) -> httpx.Response:
        method = request.read().decode()
        if "eth_blockNumber" in method:
            return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1, "result": "zz"})
        return httpx.Response(200, json={"jsonrpc": "2.0", "id": 1,
                                         "error": {"code": -32005, "message": "limit"}})
    cfg = SourcesConfig(cache_dir=tmp_path)
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(handler)))
    rpc = RpcClient(http, "https://rpc.example/", "ethereum")
    try:
        with pytest.raises(RpcError) as err:
            await rpc.logs(TOKEN, [], 1, 2)
        assert not err.value.reverted and err.value.code == -32005
        with pytest.raises(BadResponse):
            await rpc.block_number()
    finally:
        await http.aclose()


@pytest.mark.parametrize("days", [0.5, 30, 90, 2000])
async def test_block_at_finds_the_last_block_before_a_time(rpc_for, days):
    chain = FakeChain(head=20_000_000, block_time=12)
    rpc = rpc_for(chain)
    latest = await rpc.block()
    target = latest.timestamp - int(days * 86400)
    found = await block_at(rpc, target, latest)
    assert chain.timestamp(found.number) <= target < chain.timestamp(found.number + 1)
    assert chain.calls.count("eth_getBlockByNumber") <= 42
    before_genesis = await block_at(rpc, chain.genesis_ts - 1, latest)
    assert before_genesis.number == 0


async def test_arbitrum_headers_give_the_l1_clock(rpc_for):
    chain = FakeChain(head=300_000_000, block_time=1, l1_ratio=20, multicall_from=1)
    rpc = rpc_for(chain, "arbitrum")
    head = await rpc.block()
    assert head.number == 300_000_000 and head.clock == 15_000_000


class _MergedChain(FakeChain):
    """Blocks of 14 s before block 15,537,394 and 12 s after (Ethereum's merge, roughly)."""

    def timestamp(self, block: int) -> int:
        merge = 15_537_394
        if block <= merge:
            return self.genesis_ts + block * 14
        return self.genesis_ts + merge * 14 + (block - merge) * 12


@pytest.mark.parametrize("days", [30, 90, 1500])
async def test_block_at_starts_near_the_answer_on_uneven_block_times(rpc_for, days):
    chain = _MergedChain(head=21_000_000)
    rpc = rpc_for(chain)
    latest = await rpc.block()
    target = latest.timestamp - days * 86400
    found = await block_at(rpc, target, latest)
    assert chain.timestamp(found.number) <= target < chain.timestamp(found.number + 1)
    assert chain.calls.count("eth_getBlockByNumber") <= (10 if days < 365 else 30)


async def test_first_code_block_finds_the_deployment_by_bisection(rpc_for):
    """The first block with code, in about log2(head) eth_getCode requests; genesis
    contracts give 0; a pruned node (no old state) and an address without code give None."""
    token = "0x" + "7e" * 20
    chain = FakeChain(head=20_000_000, deployed={token: 10_861_674})
    chain.add(token, "decimals()", ("uint8",), lambda a, b: 18)
    rpc = rpc_for(chain)
    assert await first_code_block(rpc, token, chain.head) == 10_861_674
    asked = chain.calls.count("eth_getCode")
    assert asked <= 26
    genesis = "0x4200000000000000000000000000000000000042"  # a predeploy: code from block 0
    chain.add(genesis, "decimals()", ("uint8",), lambda a, b: 18)
    assert await first_code_block(rpc, genesis, chain.head) == 0
    assert await first_code_block(rpc, "0x" + "ab" * 20, chain.head) is None
    pruned = FakeChain(head=20_000_000, deployed={token: 10_861_674}, state_blocks=128)
    pruned.add(token, "decimals()", ("uint8",), lambda a, b: 18)
    assert await first_code_block(rpc_for(pruned), token, pruned.head) is None
