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
