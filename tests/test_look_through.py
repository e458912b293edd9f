"""Looking through wrappers: the attribution maths (scoring.look_through) and the
beneficial view (pipeline.look_through), with hand-computed numbers. All balances here are
test fixtures."""

from __future__ import annotations

import numpy as np
import pytest

from core.categories import Category
from core.holder_table import HolderTable
from core.labels import Label
from core.views import Holder
from pipeline.assemble import analyze_holders
from pipeline.json_report import report_to_json
from pipeline.labels import LabelBook
from pipeline.look_through import (
    MAX_WRAPPERS,
    WRAPPER_FACTS,
    WrapperHolders,
    look_through_lines,
    wrapper_fact,
    wrappers_to_fetch,
)
from pipeline.text_report import render_text
from scoring.look_through import CannotLookThrough, attribute

C = Category
STKAAVE = "0x4da27a545c0c5b758a6ba100e3a049001de870f5"
AAVE = "0x7fc66500c84a76ad7e9c93437bfc5ac33e2ddae9"
VECRV = "0x5f3b5dfeb7b28cdbd7faba78963ee202a494e2a2"


def addr(c: str) -> str:
    return "0x" + c * 40


# ------------------------------------------------------------------- attribution maths


def test_pro_rata_with_a_remainder_is_exact():
    got = attribute(100.0, [20.0, 10.0], supply=50.0)
    assert got.rows.tolist() == [0, 1]
    assert got.amounts.tolist() == [40.0, 20.0]
    assert got.remainder == 40.0
    assert got.covered == pytest.approx(0.6, abs=0)
    assert got.attributed + got.remainder == 100.0


def test_a_wrapper_holding_itself_claims_nothing():
    # 10 of its 50 are its own: the other 40 share everything; 30 of them are listed
    got = attribute(100.0, [20.0, 10.0, 10.0], supply=50.0, self_row=1)
    assert got.rows.tolist() == [0, 2]
    assert got.amounts.tolist() == [50.0, 25.0]
    assert got.remainder == 25.0
    assert got.covered == 0.75


def test_an_unknown_supply_takes_the_listed_holders_as_all_of_it():
    got = attribute(90.0, [2.0, 1.0], supply=None)
    assert got.amounts.tolist() == [60.0, 30.0]
    assert got.remainder == 0.0
    assert got.covered is None


@pytest.mark.parametrize(("balances", "supply", "self_row", "why"), [
    ([1.0], 0.0, None, "zero"),
    ([5.0], 5.0, 0, "zero"),  # it holds all of itself
    ([0.0], None, None, "zero"),  # nobody listed with a positive balance, supply unknown
    ([30.0, 30.0], 50.0, None, "more than its reported supply"),
    ([-1.0], 10.0, None, "negative"),
])
def test_nothing_can_be_attributed(balances, supply, self_row, why):
    with pytest.raises(CannotLookThrough, match=why):
        attribute(10.0, balances, supply, self_row)


def test_zero_holders_rows_get_nothing_and_a_zero_balance_gives_zeros():
    got = attribute(0.0, [3.0, 0.0, 1.0], supply=4.0)
    assert got.rows.tolist() == [0, 2]
    assert got.amounts.tolist() == [0.0, 0.0]
    assert got.remainder == 0.0


# ------------------------------------------------------------------- the wrapper facts


def test_every_wrapper_fact_has_a_source_and_a_reason():
    assert WRAPPER_FACTS
    for fact in WRAPPER_FACTS.values():
        assert fact.source and fact.reason and fact.label
        assert fact.address == fact.address.lower() and len(fact.address) == 42
    assert wrapper_fact(STKAAVE).look_through
    assert not wrapper_fact(VECRV).look_through
    assert wrapper_fact(STKAAVE, "optimism") is None  # facts are per chain


def test_wrappers_to_fetch_only_for_their_token_largest_first_and_bounded():
    facts = [f for f in WRAPPER_FACTS.values() if f.look_through and f.token == AAVE]
    addresses = [addr("1"), *(f.address for f in facts), VECRV]
    balances = [9e9, *range(1, len(facts) + 1), 5.0]
    got = wrappers_to_fetch("ethereum", AAVE, addresses, balances)
    assert got == [f.address for f in reversed(facts)][:MAX_WRAPPERS]
    assert wrappers_to_fetch("ethereum", addr("9"), addresses, balances) == []


# ------------------------------------------------------------------- the beneficial view

WRAPPER = addr("d")


def direct() -> HolderTable:
    """100 listed of a supply of 200: a treasury, a wrapper (30), two wallets, veCRV and a
    lending contract nobody can look through."""
    return HolderTable.from_holders([
        Holder(addr("a"), 40.0, "DAO treasury", C.TREASURY),
        Holder(WRAPPER, 30.0, "Staked Token", C.STAKING),
        Holder(addr("b"), 20.0, "", C.WALLET),
        Holder(addr("c"), 5.0, "", C.WALLET),
        Holder(VECRV, 3.0, "Curve.fi: Voting Escrow (veCRV)", C.STAKING),
        Holder(addr("f"), 2.0, "Some lending pool", C.LENDING),
    ])


def wrapper_list(**overrides) -> WrapperHolders:
    """The wrapper's holders: one direct holder (b), a new wallet (1), an exchange (2), and
    the wrapper itself; all 25 of its supply listed, 5 of them its own."""
    fields = dict(address=WRAPPER, addresses=(addr("1"), addr("b"), WRAPPER, addr("2")),
                  balances=np.array([10.0, 5.0, 5.0, 5.0]), supply=25.0,
                  source="fixture file", as_of="2026-02-19")
    fields.update(overrides)
    return WrapperHolders(**fields)


def book() -> LabelBook:
    return LabelBook(labels=[(addr("2"), Label("Binance 99", C.EXCHANGE, "test label"))])


def analyze(wrappers, supply=200.0):
    return analyze_holders(direct(), name="Test", symbol="TST", supply=supply,
                           holder_count=None, sources=("fixture",), as_of="2026-02-19",
                           wrappers=wrappers, book=book())


def test_the_wrapped_balance_goes_to_its_holders_and_merges_with_direct_holdings():
    report = analyze([wrapper_list()])
    views = report.views
    # net supply 25 − 5 (its own) = 20, all listed: "1" gets 30·10/20 = 15, b and "2" 7.5
    (w,) = views.looked_through
    assert (w.address, w.wrapped, w.holders_listed, w.supply_covered) == (WRAPPER, 30.0, 3,
                                                                          1.0)
    assert (w.attributed, w.remainder, w.share) == (30.0, 0.0, 0.15)
    b = views.beneficial
    assert b is not None and b.scores is not None
    # kept: b 20+7.5, "1" 15, c 5 (treasury, exchange, veCRV, lending left out);
    # denominator: kept 47.5 + unlisted 100
    assert b.denominator == 147.5
    assert b.scores.holders == 3
    assert b.scores.top1_share == 27.5 / 147.5
    assert b.excluded.by_category["exchange"] == 7.5 / 200.0
    assert views.owners.denominator == 100.0 + 25.0  # owners: b, c + unlisted, unchanged
    assert report.verdict.basis_view == "beneficial"


def test_the_unlisted_part_of_a_wrapper_stays_an_unattributed_remainder():
    report = analyze([wrapper_list(supply=55.0)])  # net 50: the listed 20 hold 40%
    (w,) = report.views.looked_through
    assert w.supply_covered == 0.4
    assert (w.attributed, w.remainder) == (12.0, 18.0)
    b = report.views.beneficial
    # kept: b 20+3, "1" 6, c 5 = 34; + unlisted 100 + remainder 18; not one holder
    assert b.denominator == 152.0
    assert b.scores.holders == 3
    assert b.scores.top1_share == 23.0 / 152.0  # the remainder is not a holder


def test_what_was_not_looked_through_is_named_with_its_share_and_reason():
    views = analyze([wrapper_list()]).views
    missed = {n.address: n for n in views.not_looked_through}
    assert set(missed) == {VECRV, addr("f")}
    assert missed[VECRV].share == 3.0 / 200.0
    assert "vote-escrow" in missed[VECRV].reason
    assert "no holder list is known" in missed[addr("f")].reason


def test_a_wrapper_that_cannot_be_looked_through_leaves_no_beneficial_view():
    for bad in (wrapper_list(supply=0.0), wrapper_list(failure="Blockscout is down")):
        report = analyze([bad])
        assert report.views.beneficial is None
        assert report.verdict.basis_view == "owners"
        missed = {n.address: n.reason for n in report.views.not_looked_through}
        assert WRAPPER in missed
    assert "could not be fetched (Blockscout is down)" in missed[WRAPPER]


def test_a_wrapper_not_among_the_holders_is_ignored():
    report = analyze([wrapper_list(address=addr("e"))])
    assert report.views.beneficial is None and not report.views.looked_through


def test_unknown_supply_the_remainder_is_still_in_the_denominator():
    report = analyze([wrapper_list(supply=55.0)], supply=None)
    b = report.views.beneficial
    assert b.denominator == 34.0 + 18.0


def test_json_and_text_say_what_was_and_was_not_looked_through():
    report = analyze([wrapper_list(supply=55.0)])
    doc = report_to_json(report)
    b = doc["views"]["beneficial"]
    assert b["denominator"] == 152.0 and b["identified_share"] is not None
    assert b["looked_through"][0]["address"] == WRAPPER
    assert b["looked_through"][0]["supply_covered"] == 0.4
    assert {n["address"] for n in b["not_looked_through"]} == {VECRV, addr("f")}
    assert doc["look_through"]["looked_through"] == b["looked_through"]
    assert doc["verdict"]["basis_view"] == "beneficial"
    text = render_text(report)
    assert "beneficial" in text.split("\n\n")[1]  # a row of the views table
    assert "looked through Staked Token (15% of the denominator): 3 holders listed" in text
    assert "not looked through: Curve.fi: Voting Escrow (veCRV) (1.5%)" in text
    assert look_through_lines(report.views)[0].startswith("looked through Staked Token")


def test_without_wrappers_the_report_still_names_what_was_not_looked_through():
    report = analyze([])
    assert report.views.beneficial is None
    doc = report_to_json(report)
    assert "beneficial" not in doc["views"]
    assert {n["address"] for n in doc["look_through"]["not_looked_through"]} == {
        VECRV, WRAPPER, addr("f")}


# ------------------------------------------------------------------- the live pipeline


def _aave_upstream():
    """A fake Blockscout serving an AAVE list led by stkAAVE (4M of 16M) and aEthAAVE
    (whose holder list is not served), and stkAAVE's own holders: 3 of its 5M supply
    listed, one of them also a direct AAVE holder. Fixture numbers only."""
    from tests.fake_upstream import FakeUpstream, Token

    a_token = "0xa700b4eb416be35b2911fd5dee80678ff64ff6c9"
    fake = FakeUpstream()
    fake.tokens[AAVE] = Token(AAVE, "AAVE", "Aave Token", [
        (STKAAVE, 4e6), (addr("1"), 3e6), (a_token, 1e6), (addr("2"), 5e5)], 16e6, 4)
    fake.tokens[STKAAVE] = Token(STKAAVE, "stkAAVE", "Staked Aave", [
        (addr("3"), 2e6), (addr("1"), 1e6), (BINANCE_8, 5e5)], 5e6, 3_000)
    return fake, a_token


BINANCE_8 = "0xf977814e90da44bfa03b6295a0616a897441acec"  # a built-in fact: an exchange


async def _analyze_aave(fake, tmp_path, closing):
    """The live pipeline's report of AAVE against ``fake`` (holders only, no votes)."""
    import httpx

    from core.protocol import ProtocolRecord
    from pipeline.analyze import Services, analyze_protocol
    from sources.config import SourcesConfig
    from sources.directory import Directory
    from sources.http import HttpClient, make_http_client

    cfg = SourcesConfig(cache_dir=tmp_path)
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(fake.handler),
                                       cache_path=tmp_path / "cache.sqlite"),
                      rate_limits={}, default_rate=(10_000, 1))
    closing(http)
    record = ProtocolRecord(name="Aave", slug="", symbol="AAVE", chain="ethereum",
                            token_address=AAVE)
    report = await analyze_protocol(Services(cfg, http, Directory(http, cfg)), record,
                                    votes=False)
    return report


async def test_the_live_pipeline_fetches_and_looks_through_stkaave(tmp_path, closing):
    fake, a_token = _aave_upstream()
    report = await _analyze_aave(fake, tmp_path, closing)
    views = report.views
    (w,) = views.looked_through
    assert (w.address, w.wrapped, w.holders_listed) == (STKAAVE, 4e6, 3)
    assert w.supply_covered == 0.7 and w.source.startswith("Blockscout")
    # 4M × 2/5, 4M × 1/5 (+3M direct), 4M × 0.5/5; 4M × 1.5/5 unattributed
    assert (w.attributed, w.remainder) == (2.8e6, 1.2e6)
    b = views.beneficial
    # kept: addr 1 3M direct + 0.8M, addr 3 1.6M, addr 2 0.5M (the aToken and Binance 8,
    # labelled by the built-in facts, are custodians); + 7.5M unlisted AAVE + 1.2M
    # unattributed stkAAVE remainder
    assert b.denominator == 14.6e6
    assert b.scores.top1_share == 3.8e6 / 14.6e6
    assert b.excluded.by_category["exchange"] == 4e5 / 16e6
    missed = {n.address: n.reason for n in views.not_looked_through}
    assert "could not be fetched" in missed[a_token]  # no holder list served for it
    assert report.verdict.basis_view == "beneficial"
    assert any(s.what == "holders of wrapper Aave: Staked Aave (stkAAVE)"
               for s in report.sources)
    assert fake.count(f"/tokens/{STKAAVE}/holders") == 1
    # a wrapper that fails is named in the view, not as missing data
    assert not any("holder" in m for m in report.missing)


# ------------------------------------------------------------------- the command line


def _stk_file(tmp_path, rows) -> str:
    """A small synthetic stkAAVE holder file (a test fixture, not real balances)."""
    path = tmp_path / "stkaave_fixture.csv"
    path.write_text("address,balance\n" + "".join(f"{a},{b}\n" for a, b in rows))
    return str(path)


def _cli_json(capsys, *argv) -> dict:
    import json

    from bot.cli import main

    assert main(["analyze", *argv, "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_cli_look_through_a_wrapper_file(capsys, tmp_path):
    holders = tmp_path / "aave_fixture.csv"
    holders.write_text(f"address,balance\n{STKAAVE},40\n{addr('1')},30\n{addr('2')},30\n")
    stk = _stk_file(tmp_path, [(addr("1"), 3), (addr("3"), 1)])
    doc = _cli_json(capsys, "--holders-file", str(holders), "--look-through",
                    f"{STKAAVE.upper().replace('0X', '0x')}={stk}")
    b = doc["views"]["beneficial"]
    (w,) = b["looked_through"]
    # supply of the file unknown: its 4 listed units are all of it; 1: 30 + 40·3/4 = 60
    assert (w["holders_listed"], w["supply_covered"], w["remainder"]) == (2, None, 0.0)
    assert w["source"] == "csv file stkaave_fixture.csv"
    assert b["top1_share"] == 0.6 and b["holders"] == 3
    assert doc["verdict"]["basis_view"] == "beneficial"


@pytest.mark.parametrize(("extra", "message"), [
    (["--look-through", "nonsense"], "expected WRAPPER=FILE"),
    (["--look-through", "0x12=x.csv"], "is not an address"),
    (["--look-through", f"{addr('9')}=STK"], "is not among the holders"),
    (["--look-through", f"{STKAAVE}=STK", "--look-through", f"{STKAAVE}=STK"], "twice"),
    (["--look-through", f"{STKAAVE}=missing.csv"], "missing.csv"),
])
def test_cli_look_through_bad_input_is_one_line(capsys, tmp_path, extra, message):
    from bot.cli import main

    holders = tmp_path / "h.csv"
    holders.write_text(f"address,balance\n{STKAAVE},40\n{addr('1')},30\n")
    stk = _stk_file(tmp_path, [(addr("1"), 3)])
    argv = [a.replace("STK", stk) if a.endswith("STK") else a for a in extra]
    if argv[-1].endswith("missing.csv"):
        argv[-1] = f"{STKAAVE}={tmp_path / 'missing.csv'}"
    assert main(["analyze", "--holders-file", str(holders), *argv]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and "\n" not in err and "Traceback" not in err


def test_cli_look_through_is_for_holder_files_only(capsys):
    from bot.cli import main

    assert main(["analyze", "aave", "--look-through", f"{STKAAVE}=x.csv"]) == 2
    assert "--look-through applies only to --holders-file" in capsys.readouterr().err


def test_real_aave_list_with_a_synthetic_stkaave_file(capsys, tmp_path):
    """The real top-1000 AAVE list (shared data) with a made-up 3-holder stkAAVE file: the
    beneficial view gives stkAAVE's real balance to the fixture holders exactly."""
    import json

    from shared_data import DATA, shared

    path = shared(DATA / "holders_dune_2026-02-19" / "dune_balance_b_aave.json")
    rows = {r["address"]: float(r["balance"])
            for r in json.loads(path.read_text())["result"]["rows"]}
    wrapped = rows[STKAAVE]
    direct = sorted((b, a) for a, b in rows.items()
                    if a not in (STKAAVE, "0xa700b4eb416be35b2911fd5dee80678ff64ff6c9"))
    small = direct[0][1]  # the smallest listed holder: gets 30% of stkAAVE's balance
    stk = _stk_file(tmp_path, [(addr("7"), 6.0), (small, 3.0), (addr("8"), 1.0)])
    doc = _cli_json(capsys, "--holders-file", str(path), "--supply", "16000000",
                    "--look-through", f"{STKAAVE}={stk}", "--top", "1000")
    (w,) = doc["views"]["beneficial"]["looked_through"]
    assert w["wrapped"] == wrapped and w["share"] == wrapped / 16e6
    assert w["attributed"] == pytest.approx(wrapped, rel=1e-15)
    owners = doc["views"]["owners"]
    b = doc["views"]["beneficial"]
    assert b["top1_share"] == pytest.approx(0.6 * wrapped / b["denominator"], rel=1e-15)
    assert doc["verdict"]["basis_view"] == "beneficial"
    # the owners view is as it was; the beneficial view has the wrapper's holders in it
    assert owners["holders"] + 2 == b["holders"]  # two new holders, one merged


def test_a_wrapper_holding_another_wrapper_keeps_that_share_as_a_custodian():
    other = addr("e")
    table = HolderTable.from_holders([*direct(), Holder(other, 1.0, "Other wrapper",
                                                        C.STAKING)])
    first = wrapper_list(addresses=(addr("1"), other), balances=np.array([10.0, 10.0]),
                         supply=20.0)
    second = WrapperHolders(other, (addr("3"),), np.array([1.0]), 1.0, "fixture", "")
    report = analyze_holders(table, name="T", symbol="T", supply=200.0, holder_count=None,
                             sources=("fixture",), as_of="", wrappers=[first, second],
                             book=book())
    b = report.views.beneficial
    # "other" gets 15 of the first wrapper; its own 1 goes to "3"; one level deep, so its
    # 15 stays with it (a staking contract, left out like in the owners view)
    # (veCRV's 3 is staking too)
    assert b.excluded.by_category["staking"] == pytest.approx(18.0 / 200.0, rel=1e-15)
    assert [w.address for w in report.views.looked_through] == [WRAPPER, other]


def test_the_embed_and_the_chart_show_a_beneficial_report():
    from charts.render import render_report_png
    from commands.embeds import concentration_embed
    from pipeline.service import Answer

    report = analyze([wrapper_list(supply=55.0)])
    embed = concentration_embed(Answer(report, None, 0.0), None)
    names = [f.name for f in embed.fields]
    assert names[0].startswith("beneficial view · % of owner-held supply, wrappers looked "
                               "through")
    value = embed.fields[0].value
    assert "looked through Staked Token (15%, 3 holders)" in value
    assert "not looked through Curve.fi: Voting Escrow (veCRV) (2%)" in value
    assert render_report_png(report).startswith(b"\x89PNG")


def test_wrapper_holders_fetched_within_the_configured_limits():
    from core.secret import Secret
    from pipeline.look_through import WRAPPER_HOLDERS_LIMIT, wrapper_limit
    from sources.config import SourcesConfig

    assert wrapper_limit(SourcesConfig()) == 500  # keyless: the keyless limit
    pro = SourcesConfig(blockscout_pro_api_key=Secret("proapi_test"))
    assert wrapper_limit(pro) == WRAPPER_HOLDERS_LIMIT == 1000
    assert wrapper_limit(SourcesConfig(holders_limit=200)) == 200


async def test_a_wrapper_whose_source_fails_is_named_without_a_host(tmp_path, closing):
    fake, _ = _aave_upstream()
    fake.faults[f"/tokens/{STKAAVE}"] = 503  # and Ethplorer (the fallback) answers 503 too
    report = await _analyze_aave(fake, tmp_path, closing)
    assert report.views.beneficial is None and report.verdict.basis_view == "owners"
    reason = {n.address: n.reason for n in report.views.not_looked_through}[STKAAVE]
    assert reason.startswith("its holder list could not be fetched (")
    assert "Blockscout" in reason and "blockscout.com" not in reason and "http" not in reason


def test_a_wrapper_that_could_be_looked_through_but_was_not_given_says_how():
    a_crv = "0x7b95ec873268a6bfc6427e7a28e396db9d0ebc65"
    table = HolderTable.from_holders([Holder(addr("1"), 5.0, "", C.WALLET),
                                      Holder(a_crv, 1.0, "aEthCRV", C.LENDING)])
    report = analyze_holders(table, name="T", symbol="T", supply=None, holder_count=None,
                             sources=("fixture",), as_of="")
    (missed,) = report.views.not_looked_through
    assert missed.address == a_crv and missed.share == 1.0 / 6.0
    assert "a holder file needs --look-through WRAPPER=FILE" in missed.reason
