"""On-chain governance against a real EVM: OpenZeppelin ERC20Votes + Governor on py-evm
(and the Compound GovernorBravo interface: OpenZeppelin 4.9's ERC20VotesComp and
GovernorCompatibilityBravo).

The contracts are compiled from source (tests/evm, solc-js; skipped when node or the npm
packages are missing) and run on eth-tester's py-evm chain; Lorenz talks to it only through
JSON-RPC over its real HTTP client (:meth:`tests.evm_chain.EvmChain.handler` as the
transport). The token's history spans 130 days of block timestamps — mints, transfers,
self-delegation, delegation to others, redelegation — so votes 30 and 90 days ago differ
from today's. Every expected figure comes from the test's own ledger of what it sent
(:class:`tests.evm_chain.Ledger`), not from Lorenz and not copied from the contracts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import httpx
import pytest

from core.errors import RpcError
from core.governance import GovernanceReport
from core.protocol import ProtocolRecord
from pipeline.governance import DelegateScans, fetch_governance
from scoring.power import votes_to_reach
from sources.config import SourcesConfig
from sources.delegate_scan import DelegateScan
from sources.governance import detect_kind, read_governance
from sources.governors import CHAIN_IDS, GovernorSpec, governor_for
from sources.http import HttpClient, make_http_client
from sources.rpc import Call, RpcClient
from tests.conftest import evm_cache_dir
from tests.evm_chain import DAY, E18, EvmChain, artifacts

pytest.importorskip("eth_tester", reason="eth-tester (the test extra) is not installed")


URL = "https://evm.rpc.test"
#: The governor's rules (constructor arguments).
QUORUM_PERCENT = 40
THRESHOLD = 100_000 * E18
#: The Bravo-style governor's fixed quorum (Compound's is 400,000 COMP).
BRAVO_QUORUM = 800_000 * E18


@dataclass
class Dao:
    """The deployed DAO and who is who."""

    chain: EvmChain
    token: str
    governor: str
    holders: list[str]  # the "top holders" Lorenz is given (not every holder)
    hidden: str  # a delegate only small holders chose: only the log scan finds it


def build_dao(compiled: dict, *, multicall: bool = True, bravo: bool = False) -> Dao:
    """Deploy and build 130 days of history (see the module docstring). ``bravo``: the
    Compound-compatible token and GovernorBravo interface (OpenZeppelin 4.9's ERC20VotesComp
    and GovernorCompatibilityBravo) instead of OpenZeppelin 5's ERC20Votes and Governor."""
    t0 = int(time.time()) // DAY * DAY - 140 * DAY
    chain = EvmChain(compiled, t0, multicall=multicall)
    a = chain.accounts
    if bravo:
        token = chain.deploy("CompStyleToken", [], [], t0 + 100)
        timelock = chain.deploy("BravoStyleTimelock", ["address"], [a[0]], t0 + 150)
        gov = chain.deploy("BravoStyleGovernor", ["address", "address", "uint256", "uint256"],
                           [token, timelock, BRAVO_QUORUM, THRESHOLD], t0 + 200)
    else:
        token = chain.deploy("VotesToken", [], [], t0 + 100)
        gov = chain.deploy("VotesGovernor", ["address", "uint256", "uint256"],
                           [token, THRESHOLD, QUORUM_PERCENT], t0 + 200)
    ts = iter(range(t0 + 300, t0 + 400))
    for i, amount in zip(range(1, 7), (400, 250, 150, 100, 60, 40), strict=True):
        chain.transact(a[0], token, "mint(address,uint256)", a[i], amount * 1000 * E18,
                       timestamp=next(ts))
    day1 = iter(range(t0 + DAY, t0 + DAY + 100))
    for holder, to in ((1, 1), (2, 9), (3, 9), (4, 4), (5, 1)):  # a6 delegates to nobody
        chain.transact(a[holder], token, "delegate(address)", a[to], timestamp=next(day1))
    day45 = iter(range(t0 + 45 * DAY, t0 + 45 * DAY + 100))
    chain.transact(a[1], token, "transfer(address,uint256)", a[6], 100_000 * E18,
                   timestamp=next(day45))
    chain.transact(a[3], token, "delegate(address)", a[4], timestamp=next(day45))
    for holder, amount, to in ((7, 200, 7), (11, 30, 10), (8, 20, 10)):
        chain.transact(a[0], token, "mint(address,uint256)", a[holder], amount * 1000 * E18,
                       timestamp=next(day45))
        chain.transact(a[holder], token, "delegate(address)", a[to], timestamp=next(day45))
    day105 = iter(range(t0 + 105 * DAY, t0 + 105 * DAY + 100))
    chain.transact(a[2], token, "transfer(address,uint256)", a[5], 50_000 * E18,
                   timestamp=next(day105))
    chain.transact(a[6], token, "delegate(address)", a[9], timestamp=next(day105))
    # the head block mints to an account that never delegates (inactive supply);
    # quorum(block − 1) must not see it
    chain.transact(a[0], token, "mint(address,uint256)", a[0], 100_000 * E18,
                   timestamp=t0 + 130 * DAY)
    return Dao(chain, token, gov, [a[i] for i in range(1, 8)], a[10])


@pytest.fixture(scope="session")
def compiled(request: pytest.FixtureRequest) -> dict:
    return artifacts(evm_cache_dir(request.config))


@pytest.fixture(scope="session")
def dao(compiled: dict) -> Dao:
    return build_dao(compiled)


@pytest.fixture(scope="session")
def bravo_dao(compiled: dict) -> Dao:
    return build_dao(compiled, bravo=True)


@pytest.fixture
def http_for(node_http):
    """``http_for(chain, rpc)``: a client whose requests all go to the EVM's JSON-RPC."""
    return lambda chain, rpc=None: node_http(chain, rpc or {}, scan_wait=5.0)


async def governance_of(http: HttpClient, cfg: SourcesConfig, record: ProtocolRecord,
                        holders: list[str]) -> GovernanceReport | None:
    """:func:`fetch_governance` with its own background log scans, closed afterwards."""
    scans = DelegateScans()
    try:
        return await fetch_governance(http, cfg, record, holders, scans)
    finally:
        await scans.aclose()


def spec_of(dao: Dao, chain: str) -> GovernorSpec:
    return GovernorSpec("evmdao", chain, "auto", dao.governor, (dao.token,), "Lorenz Governor",
                        "test deployment")


def expected_quorum(dao: Dao, block: int) -> int:
    """OZ GovernorVotesQuorumFraction: fraction × the token's total supply at ``block``."""
    return dao.chain.at_block(block).ledger.supply * QUORUM_PERCENT // 100


# ------------------------------------------------------------------------------ the history

def test_history_moves_votes_between_the_trend_dates(dao: Dao):
    head = dao.chain.head
    now = head.ledger.votes()
    then30 = dao.chain.at_time(head.timestamp - 30 * DAY).ledger.votes()
    then90 = dao.chain.at_time(head.timestamp - 90 * DAY).ledger.votes()
    assert now != then30 != then90 != now
    a = dao.chain.accounts
    # the contracts agree with the ledger (a sanity check of the test's own bookkeeping)
    for who in a[1:12]:
        assert dao.chain.read(dao.token, "getVotes(address)", who) == now.get(who, 0)
    assert dao.chain.read(dao.governor, "quorum(uint256)", head.number - 1) == (
        expected_quorum(dao, head.number - 1))


# ------------------------------------------------------------------------------ sources

@pytest.mark.parametrize("chain_name", ["base", "ethereum"])
async def test_reads_equal_what_the_contracts_hold(dao: Dao, http_for, chain_name):
    """``base``: Multicall3 found by eth_getCode, batched; ``ethereum``: the chain is before
    Multicall3's deployment block there, so every read is a plain eth_call."""
    http, _ = http_for(dao.chain)
    rpc = RpcClient(http, URL, chain_name)
    before = len(dao.chain.requests)
    read = await read_governance(rpc, spec_of(dao, chain_name), dao.holders)
    asked = dao.chain.requests[before:]
    head = dao.chain.head
    assert read.spec.kind == "oz" and read.head.number == head.number
    assert read.params.decimals == 18 and read.params.supply == head.ledger.supply
    assert read.params.threshold == THRESHOLD
    assert read.params.quorum == expected_quorum(dao, head.number - 1)
    assert read.params.quorum != expected_quorum(dao, head.number)  # block − 1, not the head
    visible = {d: v for d, v in head.ledger.votes().items() if d != dao.hidden}
    assert read.votes == visible and read.holders_asked == len(dao.holders)
    assert read.holders_delegating == sum(1 for h in dao.holders
                                          if h in head.ledger.delegate_of)
    for past in read.past:
        then = dao.chain.at_time(head.timestamp - past.days * DAY)
        assert past.block.number == then.number
        assert past.votes == {d: then.ledger.votes().get(d, 0) for d in past.votes}
        assert set(past.votes) == set(read.votes)
        assert past.supply == then.ledger.supply
        assert past.quorum == expected_quorum(dao, then.number)
    assert {p.days for p in read.past} == {30, 90}
    if chain_name == "base":
        assert "eth_getCode" in asked and asked.count("eth_call") < 12
    else:
        assert "eth_getCode" not in asked and asked.count("eth_call") > 20  # one per read


async def test_multicall_and_plain_calls_give_the_same_numbers(dao: Dao, http_for):
    http, _ = http_for(dao.chain)
    batched = await read_governance(RpcClient(http, URL, "base"), spec_of(dao, "base"),
                                    dao.holders)
    plain = await read_governance(RpcClient(http, URL, "ethereum"), spec_of(dao, "ethereum"),
                                  dao.holders)
    assert batched.votes == plain.votes and batched.params == plain.params
    assert [(p.block, p.votes, p.supply, p.quorum) for p in batched.past] == [
        (p.block, p.votes, p.supply, p.quorum) for p in plain.past]


async def test_governor_type_is_detected_as_openzeppelin(dao: Dao, http_for):
    http, _ = http_for(dao.chain)
    for name in ("base", "ethereum"):
        rpc = RpcClient(http, URL, name)
        assert await detect_kind(rpc, dao.governor, await rpc.block()) == "oz"


async def test_reverts_become_rpc_errors(dao: Dao, http_for):
    http, _ = http_for(dao.chain)
    rpc = RpcClient(http, URL, "base")
    head = dao.chain.head.number
    # a function the OZ governor lacks: an empty revert (go-ethereum: -32000)
    with pytest.raises(RpcError) as err:
        await rpc.call(Call(dao.governor, "quorumVotes()"), head)
    assert err.value.reverted and "reverted" in str(err.value) and URL not in str(err.value)
    # a custom error with data (ERC5805FutureLookup): code 3
    with pytest.raises(RpcError) as err:
        await rpc.call(Call(dao.token, "getPastVotes(address,uint256)",
                            (dao.holders[0], head)), head)
    assert err.value.reverted and err.value.code == 3
    # inside a batch, each refused call is None and the others still answer
    for name in ("base", "ethereum"):
        answers = await RpcClient(http, URL, name).call_many([
            Call(dao.governor, "quorumVotes()"),
            Call(dao.governor, "proposalThreshold()")], head)
        assert answers == [None, THRESHOLD]


async def test_log_scan_finds_every_delegate_under_a_range_cap(dao: Dao, http_for):
    http, _ = http_for(dao.chain)
    dao.chain.log_range_cap = 4
    try:
        scan = DelegateScan(dao.token)
        assert await scan.run(RpcClient(http, URL, "base"), dao.chain.head.number, 500)
    finally:
        dao.chain.log_range_cap = None
    assert scan.delegates() == dao.chain.head.ledger.votes()
    assert dao.hidden in scan.delegates() and scan.calls > dao.chain.head.number // 4


# ------------------------------------------------------------------------------ pipeline

def record_of(dao: Dao, chain_name: str) -> ProtocolRecord:
    """A directory record the way DefiLlama gives it: token + ``eip155:`` governanceID."""
    chain_id = next(i for i, n in CHAIN_IDS.items() if n == chain_name)
    return ProtocolRecord(name="EVM DAO", slug="evm-dao", symbol="LVT", chain=chain_name,
                          token_address=dao.token,
                          onchain_governance=f"eip155:{chain_id}:{dao.governor}")


@pytest.mark.parametrize("chain_name", ["base", "ethereum"])
async def test_governance_report_from_the_eip155_governor(dao: Dao, http_for, chain_name):
    record = record_of(dao, chain_name)
    spec = governor_for(record)
    assert spec is not None and spec.kind == "auto" and spec.governor == dao.governor
    http, cfg = http_for(dao.chain, {chain_name: URL})
    gov = await governance_of(http, cfg, record, dao.holders)
    head = dao.chain.head
    votes = head.ledger.votes()
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    assert gov is not None and gov.kind == "oz" and gov.block == head.number
    assert gov.complete and "complete" in gov.completeness  # the log scan finished
    assert [(d.address, d.votes) for d in gov.delegates] == [(a, v / E18) for a, v in ranked]
    assert gov.delegated_exact and gov.delegated_votes == sum(votes.values()) / E18
    assert gov.supply == head.ledger.supply / E18
    assert gov.scores.inactive_share == pytest.approx(
        1 - sum(votes.values()) / head.ledger.supply)
    assert gov.scores.inactive_share > 0.05
    quorum = expected_quorum(dao, head.number - 1)
    assert gov.quorum == quorum / E18 and gov.proposal_threshold == THRESHOLD / E18
    assert gov.scores.delegates_to_quorum == votes_to_reach([v for _, v in ranked], quorum)
    assert gov.scores.delegates_to_quorum == 2
    assert gov.scores.over_threshold == sum(1 for v in votes.values() if v >= THRESHOLD)
    top5 = [a for a, _ in ranked[:5]]
    for trend in gov.trend:
        then = dao.chain.at_time(head.timestamp - trend.days * DAY)
        assert trend.block == then.number
        then_votes = then.ledger.votes()
        assert trend.votes_then == pytest.approx(sum(then_votes.get(a, 0) for a in top5) / E18)
        assert trend.votes_now == pytest.approx(sum(votes[a] for a in top5) / E18)
        assert trend.share_then == pytest.approx(
            sum(then_votes.get(a, 0) for a in top5) / then.ledger.supply)
        assert trend.delegates_to_quorum_then == votes_to_reach(
            [then_votes.get(a, 0) for a in top5], expected_quorum(dao, then.number))
    assert {t.days for t in gov.trend} == {30, 90}


async def test_without_the_log_scan_the_set_is_a_lower_bound(dao: Dao, http_for):
    http, cfg = http_for(dao.chain, {"base": URL})
    gov = await fetch_governance(http, cfg, record_of(dao, "base"), dao.holders, None)
    assert gov is not None and not gov.complete and "lower bound" in gov.completeness
    assert dao.hidden not in {d.address for d in gov.delegates}
    assert not gov.delegated_exact


async def test_a_chain_without_multicall3_reads_the_same_with_plain_calls(
        compiled: dict, dao: Dao, http_for):
    """No code at Multicall3's address (eth_getCode "0x"): every read is one eth_call."""
    bare = build_dao(compiled, multicall=False)
    http, _ = http_for(bare.chain)
    plain = await read_governance(RpcClient(http, URL, "base"), spec_of(bare, "base"),
                                  bare.holders)
    assert bare.chain.requests.count("eth_getCode") >= 1
    assert bare.chain.requests.count("eth_call") > 20
    # the same deployment and history as the chain with Multicall3: the same numbers
    assert (bare.token, bare.governor) == (dao.token, dao.governor)
    http2, _ = http_for(dao.chain)
    batched = await read_governance(RpcClient(http2, URL, "base"), spec_of(dao, "base"),
                                    dao.holders)
    assert plain.votes == batched.votes and plain.params == batched.params
    assert [p.votes for p in plain.past] == [p.votes for p in batched.past]


# ------------------------------------------------------------------------------ the analysis

async def test_the_analysis_reports_power_from_the_directory_governor(dao: Dao, tmp_path,
                                                                      closing, monkeypatch):
    """The whole analysis as ``lorenz analyze "EVM DAO" --json`` runs it: the directory's
    DefiLlama record carries ``governanceID ["eip155:1:<governor>"]``, holders come from a
    Blockscout stand-in listing the ledger's holders, governance from the EVM at the default
    Ethereum endpoint."""
    from pipeline.analyze import Services, analyze_protocol
    from pipeline.json_report import report_to_json
    from sources.directory import Directory
    from tests import fake_upstream
    from tests.fake_upstream import RPC_ETHEREUM_HOST, FakeUpstream, Token

    head = dao.chain.head
    fake = FakeUpstream()
    listed = sorted(((a, b / E18) for a, b in head.ledger.balances.items() if b),
                    key=lambda kv: -kv[1])
    fake.tokens[dao.token] = Token(dao.token, "LVT", "Lorenz Votes", listed,
                                   head.ledger.supply / E18, len(listed))
    fake.chains[RPC_ETHEREUM_HOST] = dao.chain
    monkeypatch.setattr(fake_upstream, "PROTOCOLS", [*fake_upstream.PROTOCOLS, {
        "id": "90001", "name": "EVM DAO", "slug": "evm-dao", "symbol": "LVT",
        "category": "Services", "chains": ["Ethereum"], "address": dao.token, "tvl": 1e6,
        "governanceID": [f"eip155:1:{dao.governor}"]}])
    cfg = SourcesConfig(cache_dir=tmp_path, delegate_scan_wait=5.0)  # the default endpoints
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(fake.handler),
                                       cache_path=tmp_path / "cache.sqlite"),
                      rate_limits={}, default_rate=(10_000, 1))
    closing(http)
    services = Services(cfg, http, Directory(http, cfg))
    record = await services.directory.resolve("EVM DAO")
    assert record.onchain_governance == f"eip155:1:{dao.governor}"
    try:
        report = await analyze_protocol(services, record, votes=False)
    finally:
        await services.delegate_scans.aclose()
    doc = report_to_json(report)
    gov = doc["governance"]
    votes = head.ledger.votes()
    ranked = sorted(votes.values(), reverse=True)
    quorum = expected_quorum(dao, head.number - 1)
    assert gov["kind"] == "oz" and gov["block"] == head.number
    assert gov["quorum"] == quorum / E18 and gov["proposal_threshold"] == THRESHOLD / E18
    assert gov["delegates_to_quorum"] == votes_to_reach(ranked, quorum) == 2
    assert [d["votes"] for d in gov["top_delegates"]] == [v / E18 for v in ranked]
    assert gov["delegated_votes"] == sum(ranked) / E18 and gov["complete"]
    assert {t["days"] for t in gov["trend"]} == {30, 90}
    assert doc["verdict"]["binding"] == "delegated power"
    assert doc["verdict"]["summary"].startswith("2 delegates can reach")
    assert any(s["what"] == "delegates, quorum" for s in doc["sources"])
    assert gov["addresses_source"] == "DefiLlama governanceID"


# ------------------------------------------------------------------------------ Bravo

@pytest.mark.parametrize("chain_name", ["base", "ethereum"])
async def test_a_bravo_style_governor_is_read_with_the_compound_functions(
        bravo_dao: Dao, http_for, chain_name):
    """getCurrentVotes/getPriorVotes (uint96) and quorumVotes(): the Compound interface."""
    dao = bravo_dao
    http, cfg = http_for(dao.chain, {chain_name: URL})
    rpc = RpcClient(http, URL, chain_name)
    assert await detect_kind(rpc, dao.governor, await rpc.block()) == "bravo"
    gov = await governance_of(http, cfg, record_of(dao, chain_name), dao.holders)
    head = dao.chain.head
    votes = head.ledger.votes()
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    assert gov is not None and gov.kind == "bravo" and gov.complete
    assert "getCurrentVotes" in gov.method
    assert [(d.address, d.votes) for d in gov.delegates] == [(a, v / E18) for a, v in ranked]
    assert gov.quorum == BRAVO_QUORUM / E18 and gov.proposal_threshold == THRESHOLD / E18
    assert gov.scores.delegates_to_quorum == votes_to_reach(
        [v for _, v in ranked], BRAVO_QUORUM) == 3
    top5 = [a for a, _ in ranked[:5]]
    for trend in gov.trend:  # Bravo tokens keep no past supply: shares of today's supply
        then = dao.chain.at_time(head.timestamp - trend.days * DAY).ledger.votes()
        assert trend.votes_then == pytest.approx(sum(then.get(a, 0) for a in top5) / E18)
        assert trend.share_then == pytest.approx(
            sum(then.get(a, 0) for a in top5) / head.ledger.supply)
    assert {t.days for t in gov.trend} == {30, 90}


async def test_the_compound_governor_reads_oz_quorum_over_comp_votes(
        bravo_dao: Dao, http_for, monkeypatch):
    """Kind ``compgov`` (Compound's CompoundGovernor): an OpenZeppelin ``quorum(block − 1)``
    and ``proposalThreshold()`` over a COMP-style token's ``getCurrentVotes`` /
    ``getPriorVotes`` — read here from the Bravo-style DAO, whose OZ governor answers
    ``quorum(uint256)`` and whose ERC20VotesComp token is COMP-compatible. The figures
    must match the ledger exactly as the Bravo reading does."""
    from dataclasses import replace as dc_replace

    dao = bravo_dao
    http, cfg = http_for(dao.chain, {"ethereum": URL})
    record = record_of(dao, "ethereum")
    auto = governor_for(record)
    assert auto is not None
    monkeypatch.setattr("pipeline.governance.governor_for",
                        lambda r: dc_replace(auto, kind="compgov"))
    gov = await governance_of(http, cfg, record, dao.holders)
    head = dao.chain.head
    votes = head.ledger.votes()
    ranked = sorted(votes.items(), key=lambda kv: -kv[1])
    assert gov is not None and gov.kind == "compgov" and gov.complete
    assert "getCurrentVotes" in gov.method and "quorum(block − 1)" in gov.method
    assert [(d.address, d.votes) for d in gov.delegates] == [(a, v / E18) for a, v in ranked]
    assert gov.quorum == BRAVO_QUORUM / E18 and gov.proposal_threshold == THRESHOLD / E18
    assert gov.scores.delegates_to_quorum == votes_to_reach([v for _, v in ranked],
                                                             BRAVO_QUORUM)
    top5 = [a for a, _ in ranked[:5]]
    for trend in gov.trend:  # past votes from getPriorVotes at the block of that date
        then = dao.chain.at_time(head.timestamp - trend.days * DAY).ledger.votes()
        assert trend.votes_then == pytest.approx(sum(then.get(a, 0) for a in top5) / E18)
    assert {t.days for t in gov.trend} == {30, 90}


async def test_a_require_revert_carries_its_reason(bravo_dao: Dao, http_for):
    """getPriorVotes at an unmined block: ``require(…, "ERC20Votes: future lookup")``,
    which nodes return as code 3 with the Error(string) data."""
    http, _ = http_for(bravo_dao.chain)
    head = bravo_dao.chain.head.number
    with pytest.raises(RpcError) as err:
        await RpcClient(http, URL, "base").call(
            Call(bravo_dao.token, "getPriorVotes(address,uint256)",
                 (bravo_dao.holders[0], head), ("uint96",)), head)
    assert err.value.reverted and err.value.code == 3
    assert "ERC20Votes: future lookup" in err.value.detail

