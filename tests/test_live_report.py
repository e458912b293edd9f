"""The pipeline's report assembly: the fee clause of the verdict and the profit flow."""

from __future__ import annotations

import pytest

from core.fees import FeeReport
from core.protocol import ProtocolRecord
from pipeline.assemble import build_report
from scoring.fees import split_fees
from scoring.formatting import usd
from scoring.verdict import fee_clause
from sources.holders import HolderSnapshot, TokenInfo


def fee_report(fees, revenue, holders) -> FeeReport:
    return FeeReport(split_30d=split_fees(fees, revenue, holders))


@pytest.mark.parametrize(("fees", "revenue", "holders", "expected"), [
    (1e8, 2e7, None, "holders revenue is not reported for UNI"),
    (1e8, 2e7, 0.0, "no fees reach UNI holders"),
    (1e8, 2e7, 3e5, "0.3% of fees reach UNI holders"),
    (1e8, 2e7, 2e7, "20% of fees reach UNI holders"),
    (None, 2e7, 3e5, "UNI holders received $300.0K in 30 days (fees not reported)"),
    (0.0, 0.0, 5e4, "UNI holders received $50.0K in 30 days (fees not reported)"),
    (1e6, 2e6, 1.5e6, "UNI holders received $1.5M in 30 days, more than the $1.0M of fees"
                      " reported"),
])
def test_fee_clause_says_what_the_numbers_say(fees, revenue, holders, expected):
    assert fee_clause(fee_report(fees, revenue, holders), "UNI") == (expected,)
    assert fee_clause(None, "UNI") == ()


@pytest.mark.parametrize(("x", "text"), [
    (999_999, "$1.0M"), (999_950_000, "$1.0B"), (1_234, "$1.2K"), (812, "$812"),
    (None, "not reported"),
])
def test_usd_picks_the_unit_after_rounding(x, text):
    assert usd(x) == text


def test_profit_flow_survives_rounding_when_ten_owners_hold_everything():
    balances = (260492.31, 73742.43, 31014.75, 4426.93, 4341.71, 966.60, 683.98, 55.98,
                8.10, 6.40)
    addresses = tuple(f"0x{i:040x}" for i in range(10, 20))
    token = TokenInfo("ethereum", "0x" + "ab" * 20, "TOK", "Token", 18, None, None, "test")
    snapshot = HolderSnapshot(token, addresses, balances, {}, "test", "2026-01-01T00:00:00Z",
                              False, ())
    record = ProtocolRecord(name="Tok", slug="tok", symbol="TOK", chain="ethereum",
                            token_address=token.address)
    report = build_report(record, snapshot, fee_report(1e6, 5e5, 1e5), None, [], [])
    assert report.fees.profit_flow_top10_usd == pytest.approx(1e5)
    assert report.verdict is not None


def test_unavailable_holders_revenue_is_not_called_unreported():
    from dataclasses import replace

    report = replace(fee_report(1e8, 2e7, None), unavailable=("holders_revenue",))
    assert fee_clause(report, "UNI") == ("holders revenue for UNI could not be fetched",)


def test_profit_flow_counts_only_the_holders_the_owners_view_keeps():
    from core.categories import Category
    from core.views import Holder
    from pipeline.assemble import top10_owner_share

    holders = [Holder(f"0x{i:040x}", b, "", c, "") for i, (b, c) in enumerate([
        (50.0, Category.EXCHANGE), (30.0, Category.WALLET), (10.0, Category.TREASURY),
        *[(1.0, Category.WALLET)] * 12])]
    # the exchange (custodian) and the treasury (not circulating) are left out; 10 wallets
    assert top10_owner_share(holders, 100.0) == pytest.approx((30.0 + 9 * 1.0) / 100.0)
    assert top10_owner_share(holders, 0.0) is None
    assert top10_owner_share(holders[:1], 10.0) == 0.0
