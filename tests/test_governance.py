"""On-chain governance: reads against an eth-abi node stand-in, the scan, the maths."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import SourceUnavailable
from core.protocol import ProtocolRecord
from pipeline.governance import DelegateScans, fetch_governance
from scoring.power import score_power, votes_to_reach
from sources.config import SourcesConfig
from sources.delegate_scan import DelegateScan
from sources.governors import governor_for
from sources.http import HttpClient, make_http_client
from sources.protocols import BUILTIN
from sources.rpc import RpcClient
from tests.fake_chain import FakeChain
from tests.fake_governance import (
    PAST_RATIO,
    RECENT_RATIO,
    ZERO,
    addr,
    chain_for,
    default_dao,
    install_dao,
    to_reach,
    top_votes,
)

RPC = {"ethereum": "https://eth.rpc.test", "optimism": "https://op.rpc.test",
       "arbitrum": "https://arb.rpc.test"}


def record(slug: str) -> ProtocolRecord:
    return next(b.record for b in BUILTIN if b.record.slug == slug)


@pytest.fixture
def http_for(node_http):
    """``http_for(chain)``: a client whose requests all go to the stand-in node."""
    return lambda chain: node_http(chain, dict(RPC), scan_wait=2.0)


# ------------------------------------------------------------------------------ the maths

@pytest.mark.parametrize(("votes", "target", "strict", "expected"), [
    ([3, 2, 1], 4, False, 2), ([3, 2, 1], 3, False, 1), ([3, 2, 1], 3, True, 2),
    ([1, 2, 3], 6, False, 3), ([1], 2, False, None), ([], 1, False, None),
    ([5], None, False, None), ([5], 0, False, None),
])
def test_votes_to_reach(votes, target, strict, expected):
    assert votes_to_reach(votes, target, strict=strict) == expected


@given(st.lists(st.floats(0, 1e9), min_size=1, max_size=50), st.floats(1, 1e10))
def test_votes_to_reach_is_the_fewest(votes, target):
    k = votes_to_reach(votes, target)
    ordered = sorted(votes, reverse=True)
    if k is None:
        assert sum(ordered) < target
    else:
        assert sum(ordered[:k]) >= target and (k == 1 or sum(ordered[:k - 1]) < target)


def test_score_power_shares_and_inactive():
    s = score_power([40, 30, 20, 10], quorum=50, threshold=25, delegated=100, supply=400)
    assert (s.delegates_to_quorum, s.nakamoto, s.over_threshold) == (2, 2, 2)
    assert s.top5_share == 1.0 and s.inactive_share == 0.75
    lower = score_power([40], quorum=50, threshold=None, delegated=40, supply=400,
                        delegated_exact=False)
    assert lower.delegates_to_quorum is None and lower.inactive_share is None


# ------------------------------------------------------------------------------ the table

def test_every_builtin_governor_cites_a_source_and_matches_the_directory():
    for slug in ("uniswap", "compound-v3", "aave", "ens", "arbitrum", "optimism"):
        rec = record(slug)
        spec = governor_for(rec)
        assert spec is not None and spec.source and spec.tokens[0] == rec.token_address
        assert spec.chain == rec.chain


def test_directory_eip155_governor_becomes_an_auto_spec():
    rec = ProtocolRecord(name="Gitcoin", slug="gitcoin", chain="ethereum",
                         token_address="0x" + "de" * 20,
                         onchain_governance="eip155:1:0x" + "9d" * 20)
    spec = governor_for(rec)
    assert spec is not None and spec.kind == "auto" and spec.source == "DefiLlama governanceID"
    assert governor_for(ProtocolRecord(name="X", slug="x", token_address="0x" + "de" * 20,
                                       onchain_governance="Snapshot only")) is None


@pytest.mark.parametrize("slug", ["uniswap", "compound-v3", "ens", "optimism"])
async def test_an_eip155_governor_kind_is_detected_on_chain(http_for, monkeypatch, slug):
    """A governor known only from DefiLlama's ``eip155:`` id is read by asking it: Bravo's
    ``quorumVotes``, Agora's ``votableSupply``, an OZ ``quorum`` — and for an OZ governor,
    whether its token is ERC20Votes (``getVotes``) or Compound-style (``getCurrentVotes``,
    Compound's CompoundGovernor over COMP)."""
    dao = default_dao(slug)
    chain = chain_for(dao.spec)
    install_dao(chain, dao)
    http, cfg = http_for(chain)
    from dataclasses import replace as dc_replace

    auto = dc_replace(dao.spec, kind="auto")
    rec = dc_replace(record(slug), onchain_governance=f"eip155:1:{auto.governor}")
    monkeypatch.setattr("pipeline.governance.governor_for", lambda r: auto)
    gov = await fetch_governance(http, cfg, rec, list(dao.holders), DelegateScans())
    assert gov is not None and gov.kind == dao.spec.kind
    assert gov.scores.delegates_to_quorum == to_reach(dao)


# ------------------------------------------------------------------------------ six DAOs

@pytest.mark.parametrize(("slug", "to_quorum"), [
    ("uniswap", 4), ("compound-v3", 6), ("aave", 5), ("ens", 2), ("arbitrum", 7),
    ("optimism", 3),
])
async def test_each_dao_gives_delegates_quorum_and_trend(http_for, slug, to_quorum):
    """Each DAO's own figures (tests.fake_governance.FIGURES): the delegates needed differ
    between DAOs, so a governor or token read for the wrong DAO fails here."""
    dao = default_dao(slug)
    chain = chain_for(dao.spec)
    install_dao(chain, dao)
    http, cfg = http_for(chain)
    gov = await fetch_governance(http, cfg, record(slug), list(dao.holders), DelegateScans())
    assert gov is not None and gov.kind == dao.spec.kind
    assert gov.scores.delegates_to_quorum == to_quorum == to_reach(dao)
    ranked = sorted(dao.votes.values(), reverse=True)
    assert [d.votes for d in gov.delegates] == ranked
    assert gov.delegates[0].address == addr(1)
    assert gov.block == chain.head and gov.method and gov.completeness
    assert gov.quorum == pytest.approx(dao.quorum) and gov.supply == dao.supply
    if slug == "aave":  # no checkpoints: read at the past blocks (an archive node)
        assert any("state at those blocks" in n for n in gov.notes)
    days = {t.days: t for t in gov.trend}
    assert set(days) == {30, 90}
    top5 = top_votes(dao)
    assert days[30].votes_then == pytest.approx(top5 * RECENT_RATIO)
    assert days[90].votes_then == pytest.approx(top5 * PAST_RATIO)
    assert days[90].change_points == pytest.approx(top5 * (1 - PAST_RATIO) / dao.supply * 100)
    if slug == "optimism":  # Agora: 30% of the votable supply (all delegated votes)
        delegated = sum(dao.votes.values())
        assert gov.delegated_exact and gov.quorum == pytest.approx(0.3 * delegated)
        assert gov.scores.inactive_share == pytest.approx(1 - delegated / dao.supply)


async def test_aave_trend_needs_old_state_and_says_so_without_it(http_for):
    """Aave's tokens keep no checkpoints: a pruned node (state for the last 128 blocks, as
    geth keeps) refuses the past reads, and the report has no trend and says why — the
    current figures are unaffected. Against an archive node the same reads give the trend."""
    dao = default_dao("aave")
    chain = chain_for(dao.spec, state_blocks=128)
    install_dao(chain, dao)
    http, cfg = http_for(chain)
    gov = await fetch_governance(http, cfg, record("aave"), list(dao.holders), DelegateScans())
    assert gov is not None and gov.trend == () and gov.scores.delegates_to_quorum == 5
    assert any("keeps no state that old (an archive node would)" in n for n in gov.notes)
    chain.state_blocks = None
    gov = await fetch_governance(http, cfg, record("aave"), list(dao.holders), DelegateScans())
    assert gov is not None and {t.days for t in gov.trend} == {30, 90}
    days = {t.days: t for t in gov.trend}
    top5 = top_votes(dao)
    assert days[30].votes_then == pytest.approx(top5 * RECENT_RATIO)
    assert days[90].votes_then == pytest.approx(top5 * PAST_RATIO)
    # today's top 5 then: 80k + 64k + 48k + 40k + 32k = 264k, not above the 320k yes
    # threshold: they could not reach it alone 30 (nor 90) days ago
    assert days[30].delegates_to_quorum_then is None is days[90].delegates_to_quorum_then
    assert to_reach(dao, RECENT_RATIO, top=5) is None


async def test_the_trend_counts_todays_top_five_reaching_quorum_then(http_for):
    """ENS's top 5 delegates 30 days ago (× 0.8) reach the 1M quorum with 3 of them, 90 days
    ago (× 0.5) not at all within the five."""
    dao = default_dao("ens")
    chain = chain_for(dao.spec)
    install_dao(chain, dao)
    http, cfg = http_for(chain)
    gov = await fetch_governance(http, cfg, record("ens"), list(dao.holders), None)
    assert gov is not None
    days = {t.days: t for t in gov.trend}
    assert days[30].delegates_to_quorum_then == to_reach(dao, RECENT_RATIO, top=5) == 3
    assert days[90].delegates_to_quorum_then is to_reach(dao, PAST_RATIO, top=5) is None


async def test_lower_bound_without_logs_and_complete_with_them(http_for):
    dao = default_dao("uniswap")
    hidden = addr(77, "c")  # a delegate no top holder chose: only the logs know it
    dao.votes[hidden] = 50_000_000  # more than Uniswap's 40M quorum alone
    chain = chain_for(dao.spec)
    install_dao(chain, dao)
    http, cfg = http_for(chain)
    gov = await fetch_governance(http, cfg, record("uniswap"), list(dao.holders), None)
    assert gov is not None and not gov.complete and "lower bound" in gov.completeness
    assert hidden not in {d.address for d in gov.delegates}
    assert gov.scores.delegates_to_quorum == to_reach(default_dao("uniswap")) == 4
    chain.add_delegate_votes_changed(dao.spec.tokens[0], 15_000_000, hidden, 0, 50 * 10**24)
    chain.add_delegate_votes_changed(dao.spec.tokens[0], 16_000_000, addr(1), 0, 15 * 10**24)
    gov = await fetch_governance(http, cfg, record("uniswap"), list(dao.holders),
                                 DelegateScans())
    assert gov is not None and gov.complete and "complete" in gov.completeness
    assert gov.delegates[0].address == hidden and gov.scores.delegates_to_quorum == 1


async def test_scan_splits_ranges_a_provider_refuses_and_resumes(http_for):
    chain = FakeChain(head=20_000_000, log_range_cap=40_000, log_result_cap=5)
    token = "0x" + "7e" * 20
    for i in range(12):
        chain.add_delegate_votes_changed(token, 19_000_000 + i * 10, addr(i + 1), 0,
                                         (i + 1) * 10**18)
    chain.add_delegate_votes_changed(token, 19_500_000, addr(1), 10**18, 0)  # undelegated
    http, _cfg = http_for(chain)
    rpc = RpcClient(http, RPC["ethereum"], "ethereum")
    scan = DelegateScan(token, start_block=18_000_000)
    assert not await scan.run(rpc, 20_000_000, max_calls=5)  # budget runs out: resumable
    assert 18_000_000 <= scan.next_block <= 20_000_000
    assert await scan.run(rpc, 20_000_000, max_calls=500)
    assert set(scan.delegates()) == {addr(i) for i in range(2, 13)}
    assert scan.votes[addr(1)] == 0 and scan.calls > 0


async def test_background_scan_starts_at_the_token_deployment(http_for):
    """No log is older than the token: when a provider refuses a range (here: capped at
    10,000 blocks), the scan bisects for the token's deployment block (eth_getCode) and
    scans from there — the 200,000 blocks since, not the 20 million since genesis."""
    dao = default_dao("uniswap")
    chain = chain_for(dao.spec, log_range_cap=10_000)
    install_dao(chain, dao, logs=True)
    token = dao.spec.tokens[0]
    chain.deployed[token] = chain.head - 200_000
    http, _cfg = http_for(chain)
    rpc = RpcClient(http, RPC["ethereum"], "ethereum")
    scans = DelegateScans(calls_per_run=200)
    await scans.start(rpc, token)
    scan = scans.get("ethereum", token)
    assert scan is not None and scan.start_block == chain.head - 200_000
    assert scan.done_to(chain.head) and scan.calls <= 40
    assert set(scan.delegates()) == {a.lower() for a in dao.votes}
    await scans.aclose()


async def test_scan_stops_on_a_dead_node_and_keeps_its_cursor(tmp_path):
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")
    cfg = SourcesConfig(cache_dir=tmp_path)
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(handler)))
    try:
        scan = DelegateScan("0x" + "7e" * 20, start_block=5)
        assert not await scan.run(RpcClient(http, RPC["ethereum"], "ethereum"), 100, 10)
        assert scan.next_block == 5 and scan.failed
    finally:
        await http.aclose()


async def test_reverting_quorum_is_unknown_not_invented(http_for):
    dao = default_dao("ens")
    chain = chain_for(dao.spec)
    install_dao(chain, dao)
    del chain.contracts[dao.spec.governor][next(
        k for k, v in chain.contracts[dao.spec.governor].items() if v[0] == "quorum(uint256)")]
    http, cfg = http_for(chain)
    gov = await fetch_governance(http, cfg, record("ens"), list(dao.holders), None)
    assert gov is not None and gov.quorum is None and gov.scores.delegates_to_quorum is None
    assert any("quorum" in n for n in gov.notes)


async def test_before_multicall3_the_same_figures_come_from_plain_calls(http_for):
    dao = default_dao("uniswap")
    chain = chain_for(dao.spec, head=12_000_000)  # Ethereum before block 14,353,601
    install_dao(chain, dao)
    http, cfg = http_for(chain)
    gov = await fetch_governance(http, cfg, record("uniswap"), list(dao.holders), None)
    assert gov is not None and gov.scores.delegates_to_quorum == to_reach(dao) == 4
    assert chain.calls.count("eth_call") > 30  # one request per read


async def test_unreachable_node_is_a_source_error(tmp_path):
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")
    cfg = SourcesConfig(cache_dir=tmp_path, rpc=dict(RPC))
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(handler)))
    try:
        with pytest.raises(SourceUnavailable) as err:
            await fetch_governance(http, cfg, record("uniswap"), [], None)
        assert "rpc.test" not in str(err.value)
    finally:
        await http.aclose()


async def test_no_endpoint_for_the_chain_is_a_lookup_error(tmp_path):
    cfg = SourcesConfig(cache_dir=tmp_path, rpc={})
    with pytest.raises(LookupError):
        await fetch_governance(None, cfg, record("uniswap"), [], None)  # type: ignore[arg-type]


def test_holder_without_delegate_is_not_a_delegate():
    dao = default_dao("uniswap")
    assert ZERO in dao.holders.values()


# ------------------------------------------------------------------------------ the verdict

def _gov(to_quorum: int | None, *, quorum: float | None = 40e6, trend=()):
    from core.governance import GovernanceReport, PowerScores

    scores = PowerScores(to_quorum, 5, 2, 0.6, 0.8, None)
    return GovernanceReport(
        dao="Uniswap", symbol="UNI", chain="ethereum", governor="0x" + "40" * 20,
        governor_label="Uniswap GovernorBravo", kind="bravo", block=1, as_of="2026-11-29",
        quorum=quorum, quorum_rule="For ≥ quorum", proposal_threshold=1e6, supply=1e9,
        delegated_votes=2e8, delegated_exact=False, delegates=(), delegates_found=40,
        scores=scores, method="m", complete=False, completeness="lower bound", trend=trend)


def _verdict(level):
    from core.verdict import Level, Verdict

    reasons = ("13 wallets control a majority of owner-held UNI", "the top 10 hold 48%",
               "20% of fees reach UNI holders")
    if level is None:
        return Verdict(None, "No verdict: x.", "owners", reasons, "low", withheld="x")
    return Verdict(Level(level), "13 wallets…", "owners", reasons, "medium")


def test_power_leads_the_sentence_and_raises_the_level_when_it_binds():
    from core.verdict import Level
    from scoring.verdict import apply_power

    v = apply_power(_verdict("broadly distributed"), _gov(4))
    assert v.summary.startswith("4 delegates can reach Uniswap's 40M UNI quorum alone; "
                                "13 wallets control")
    assert v.level == Level.CONCENTRATED and v.binding == "delegated power"
    assert "broadly distributed" not in v.summary
    v = apply_power(_verdict("concentrated"), _gov(2))
    assert v.level == Level.HIGHLY_CONCENTRATED
    # a withheld holdings level is replaced by the exact on-chain figure, and says why
    v = apply_power(_verdict(None), _gov(3))
    assert v.level == Level.HIGHLY_CONCENTRATED and v.withheld is None
    assert "holdings not judged (x)" in v.summary


def test_without_a_holder_list_power_alone_gives_the_verdict():
    """No holder list (an L2 token the holder API does not list): when few delegates reach
    quorum, that is the verdict, and it says the holdings were not judged; when power does
    not bind there is nothing to judge and no verdict."""
    from core.verdict import Level
    from scoring.verdict import power_only_verdict

    v = power_only_verdict(_gov(3))
    assert v is not None and v.level == Level.HIGHLY_CONCENTRATED
    assert v.binding == "delegated power" and v.withheld is None
    assert v.summary == ("3 delegates can reach Uniswap's 40M UNI quorum alone; "
                         "holdings not judged (no holder list).")
    assert power_only_verdict(_gov(25)) is None and power_only_verdict(None) is None
    assert power_only_verdict(_gov(None)) is None


def test_power_that_does_not_bind_is_appended_and_keeps_the_level():
    from core.verdict import Level
    from scoring.verdict import apply_power

    v = apply_power(_verdict("moderately distributed"), _gov(25))
    assert v.level == Level.MODERATELY_DISTRIBUTED and v.binding == "holdings"
    assert v.summary.endswith("25 delegates can reach Uniswap's 40M UNI quorum alone.")
    v = apply_power(_verdict("moderately distributed"), _gov(None, quorum=None))
    assert v == _verdict("moderately distributed")  # nothing known: unchanged
    v = apply_power(_verdict("moderately distributed"), _gov(None))
    assert "do not reach" in v.summary and "lower bound" in v.summary


def test_few_snapshot_voters_bind_but_never_replace_a_withheld_level():
    from core.scores import Scores
    from core.verdict import Level
    from core.votes import ProposalPower, VoteReport
    from scoring.metrics import score_balances
    from scoring.verdict import apply_power

    scores: Scores = score_balances([50.0, 30.0, 10.0, 10.0])
    votes = VoteReport("x.eth", (ProposalPower("p", "t", 100, 4, scores),))
    v = apply_power(_verdict("broadly distributed"), None, votes)
    assert v.level == Level.CONCENTRATED or v.level == Level.HIGHLY_CONCENTRATED
    assert v.binding == "votes cast" and v.summary.startswith("2 voters cast a majority")
    w = apply_power(_verdict(None), None, votes)
    assert w.level is None and w.summary.endswith("latest Snapshot proposal.")


# ------------------------------------------------------------------------------ the chart

def test_delegates_chart_draws_cumulative_bars_and_the_quorum_line():
    from dataclasses import replace as dc_replace

    from charts.delegates import REACHED, build_delegates_figure, render_delegates_png
    from core.governance import Delegate

    gov = dc_replace(_gov(3, quorum=20e6), delegates=tuple(
        Delegate(addr(i), v, v / 45e6, v / 1e9, f"delegate {i}")
        for i, v in enumerate((9e6, 8e6, 7e6, 6e6), start=1)))
    fig = build_delegates_figure(gov)
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [9e6, 17e6, 24e6, 30e6]  # the top k together
    colours = [p.get_facecolor() for p in ax.patches]
    assert colours[2] == colours[3] != colours[1]  # from the 3rd bar on, quorum is reached
    from matplotlib.colors import to_rgba
    assert colours[2] == to_rgba(REACHED)
    assert any(line.get_ydata()[0] == 20e6 for line in ax.get_lines())  # the quorum line
    assert "3 delegates can reach" in ax.get_title(loc="left")
    png = render_delegates_png(gov)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    empty = render_delegates_png(_gov(None, quorum=None))
    assert empty[:8] == b"\x89PNG\r\n\x1a\n"


# ------------------------------------------------------------------------------ end to end

@pytest.mark.parametrize(("slug", "kind", "trend"), [
    ("uniswap", "bravo", True), ("compound-v3", "compgov", True), ("aave", "aave3", True),
    ("ens", "oz", True), ("arbitrum", "oz", True), ("optimism", "agora", True),
])
async def test_analyze_each_dao_against_the_local_node(tmp_path, slug, kind, trend):
    """The whole pipeline (directory record → holders → delegates → verdict) with the
    default keyless endpoints answered by the JSON-RPC stand-in."""
    from pipeline.analyze import Services, analyze_protocol
    from pipeline.json_report import report_to_json
    from sources.directory import Directory
    from tests.fake_upstream import FakeUpstream

    fake = FakeUpstream.default()  # Ethereum, OP Mainnet and Arbitrum One nodes
    cfg = SourcesConfig(cache_dir=tmp_path)
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(fake.handler)),
                      default_rate=(10_000, 1), rate_limits={})
    services = Services(cfg, http, Directory(http, cfg))
    try:
        report = await analyze_protocol(services, record(slug))
        await services.delegate_scans.aclose()
    finally:
        await http.aclose()
    gov = report.governance
    assert gov is not None and gov.kind == kind and gov.method
    assert gov.scores.delegates_to_quorum is not None and gov.delegates
    assert bool(gov.trend) == trend and gov.completeness
    doc = report_to_json(report)["governance"]
    for key in ("quorum", "proposal_threshold", "delegates_to_quorum", "top_delegates",
                "delegated_votes", "block", "method"):
        assert key in doc
    # power binds (≤ 10 delegates reach quorum) and leads, with a holder list or without
    assert report.verdict is not None and report.verdict.binding == "delegated power"
    assert report.verdict.summary.startswith(f"{gov.scores.delegates_to_quorum} delegates")
    if report.holders is None:
        assert "holdings not judged (no holder list)" in report.verdict.summary


async def test_only_the_largest_scanned_delegates_are_re_read(http_for, monkeypatch):
    """A big DAO's scan finds more delegates than a reply can re-read: the largest by their
    logged balance are re-read at the block, the rest count at their logged balance."""
    import pipeline.governance as stage

    monkeypatch.setattr(stage, "SCAN_REREAD", 3)
    dao = default_dao("uniswap")
    chain = chain_for(dao.spec)
    install_dao(chain, dao, logs=True)
    small = {addr(500 + i, "e"): 1_000 for i in range(20)}  # 20 small, logged only
    for i, (a, v) in enumerate(small.items()):
        chain.add_delegate_votes_changed(dao.spec.tokens[0], 100 + i, a, 0, v * 10**18)
    http, cfg = http_for(chain)
    gov = await fetch_governance(http, cfg, record("uniswap"), [], DelegateScans())
    assert gov is not None and gov.complete and gov.delegated_exact
    assert gov.delegates_found == 3  # re-read: the three largest
    # the ten delegates' logged balances plus the twenty small ones as logged
    assert gov.delegated_votes == pytest.approx(sum(dao.votes.values()) + sum(small.values()))


async def test_a_capped_provider_is_not_asked_too_wide_again(http_for):
    chain = FakeChain(head=1_000_000, log_range_cap=10_000)
    http, _cfg = http_for(chain)
    rpc = RpcClient(http, RPC["ethereum"], "ethereum")
    scan = DelegateScan("0x" + "7e" * 20)
    assert await scan.run(rpc, 1_000_000, max_calls=500)
    refused = chain.calls.count("eth_getLogs") - (1_000_000 // scan.ceiling + 1)
    assert scan.ceiling <= 10_000 and refused <= 6  # halved a few times, then never again


def test_scan_wait_is_checked_and_live_only(tmp_path, capsys):
    from bot.cli import main

    holders = tmp_path / "h.csv"
    holders.write_text("address,balance\n0x" + "11" * 20 + ",5\n")
    assert main(["analyze", "--holders-file", str(holders), "--scan-wait", "5"]) == 2
    assert "--scan-wait applies only to a live analysis" in capsys.readouterr().err
    assert main(["analyze", "uniswap", "--scan-wait", "601"]) == 2  # argparse's usage error
    assert "at most 600 seconds" in capsys.readouterr().err


def test_text_without_delegates_says_so_instead_of_zeros():
    """No delegate found yet (a log scan under way, no holder list): the text section says
    so and names the delegate set, never "delegated votes 0 … top 5 hold n/a"."""
    from dataclasses import replace as dc_replace

    from scoring.power_text import power_lines

    gov = dc_replace(_gov(None), delegates_found=0, completeness="lower bound: x")
    text = "\n".join(power_lines(gov))
    assert "No delegates found yet to weigh against Uniswap's 40M UNI quorum." in text
    assert "delegate set: lower bound: x" in text and "method: m" in text
    assert "delegated votes" not in text and "n/a" not in text
