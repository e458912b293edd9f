"""scoring.views and scoring.verdict: what each view leaves out, denominators, verdict."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.categories import (
    CUSTODIANS,
    NOT_CIRCULATING,
    UNIDENTIFIED,
    VIEW_EXCLUSIONS,
    VIEWS,
    Category,
    in_view,
    is_identified,
)
from core.views import Holder
from scoring.metrics import gini_bounds, score_balances
from scoring.verdict import (
    CONFIDENCE,
    LEVELS,
    MIN_COVERAGE_FOR_VERDICT,
    confidence_for,
    describe_exclusions,
    level_for,
    make_provenance,
    make_verdict,
    methodology_text,
)
from scoring.views import excluded_categories, score_views

C = Category

#: A small token: 100 listed of a supply of 200.
HOLDERS = (
    Holder("0xa", 40.0, "DAO treasury", C.TREASURY),
    Holder("0xb", 10.0, "Null: 0x00…dEaD", C.BURN),
    Holder("0xc", 20.0, "Binance 8", C.EXCHANGE),
    Holder("0xd", 15.0, "Staked Token", C.STAKING),
    Holder("0xe", 10.0, "", C.WALLET),
    Holder("0xf", 5.0, "", C.UNLABELED),
)


# ------------------------------------------------------------------- which categories go


def test_the_table_of_exclusions_matches_design():
    assert VIEWS == ("raw", "circulating", "owners")
    assert VIEW_EXCLUSIONS["raw"] == frozenset()
    assert VIEW_EXCLUSIONS["circulating"] == {C.BURN, C.TREASURY, C.VESTING, C.UNDISTRIBUTED}
    assert VIEW_EXCLUSIONS["owners"] == NOT_CIRCULATING | {
        C.EXCHANGE, C.BRIDGE, C.STAKING, C.LENDING, C.AMM_POOL}
    assert not NOT_CIRCULATING & CUSTODIANS


@pytest.mark.parametrize(
    ("category", "in_circulating", "in_owners"),
    [
        (C.BURN, False, False),
        (C.TREASURY, False, False),
        (C.VESTING, False, False),
        (C.UNDISTRIBUTED, False, False),
        (C.EXCHANGE, True, False),
        (C.BRIDGE, True, False),
        (C.STAKING, True, False),
        (C.LENDING, True, False),
        (C.AMM_POOL, True, False),
        (C.FUND, True, True),
        (C.OTHER, True, True),
        (C.UNLABELED_CONTRACT, True, True),
        (C.WALLET, True, True),
        (C.UNLABELED, True, True),
    ],
)
@pytest.mark.parametrize("supply", [None, 100.0])
def test_each_category_is_left_out_of_the_right_views(category, in_circulating, in_owners,
                                                      supply):
    holders = [Holder("0x1", 30.0, "x", category), Holder("0x2", 10.0, "", C.WALLET)]
    views = score_views(holders, supply=supply)
    assert views.raw.scores.holders == 2
    assert views.raw.excluded.count == 0
    assert in_view(category, "raw")
    for view, kept in (("circulating", in_circulating), ("owners", in_owners)):
        assert in_view(category, view) == kept
        v = views.get(view)
        assert v.scores.holders == (2 if kept else 1)
        assert v.excluded.count == (0 if kept else 1)
        assert v.excluded.by_category == ({} if kept else {category.value: 30.0 / (supply or 40)})
        expected_denominator = (supply or 40.0) - (0.0 if kept else 30.0)
        assert v.denominator == pytest.approx(expected_denominator)
        assert v.scores.denominator == pytest.approx(expected_denominator)


def test_excluded_categories_in_a_stable_order():
    assert excluded_categories("raw") == ()
    assert excluded_categories("circulating") == (C.BURN, C.TREASURY, C.VESTING,
                                                  C.UNDISTRIBUTED)
    assert set(excluded_categories("owners")) == VIEW_EXCLUSIONS["owners"]


def test_in_view_rejects_an_unknown_view():
    with pytest.raises(KeyError):
        in_view(C.WALLET, "nonsense")


def test_the_beneficial_view_leaves_out_what_owners_leaves_out():
    assert VIEW_EXCLUSIONS["beneficial"] == VIEW_EXCLUSIONS["owners"]
    assert "beneficial" not in VIEWS  # it exists only when a wrapper was looked through


# ----------------------------------------------------------------- denominators and counts


def test_views_with_unknown_supply():
    views = score_views(HOLDERS)
    assert not views.supply_known
    raw, circ, owners = views
    assert raw.denominator == raw.scores.denominator == 100
    assert raw.scores.top1_share == pytest.approx(0.40)
    # circulating leaves out the treasury and the burn: 50 listed, shares of those 50
    assert circ.denominator == pytest.approx(50)
    assert circ.scores.top1_share == pytest.approx(20 / 50)
    assert circ.scores.coverage == pytest.approx(1.0)
    assert circ.excluded.count == 2
    assert circ.excluded.share == pytest.approx(0.50)  # of the raw denominator
    assert circ.excluded.by_category == pytest.approx({"treasury": 0.40, "burn": 0.10})
    # owners also leaves out the exchange and the staking wrapper: 15 listed
    assert owners.denominator == pytest.approx(15)
    assert owners.scores.holders == 2
    assert owners.scores.top1_share == pytest.approx(10 / 15)
    assert owners.excluded.count == 4
    assert owners.excluded.share == pytest.approx(0.85)
    assert owners.excluded.by_category == pytest.approx(
        {"treasury": 0.40, "burn": 0.10, "exchange": 0.20, "staking": 0.15})


def test_views_with_known_supply():
    views = score_views(HOLDERS, supply=200.0)
    assert views.supply_known
    raw, circ, owners = views
    assert raw.denominator == 200
    assert raw.scores.coverage == pytest.approx(0.5)
    assert raw.scores.top1_share == pytest.approx(0.20)
    assert raw.scores.nakamoto is None and raw.scores.nakamoto_lower_bound == 7
    assert circ.denominator == pytest.approx(150)  # 200 − 40 − 10
    assert circ.scores.coverage == pytest.approx(50 / 150)
    assert circ.excluded.share == pytest.approx(0.25)  # 50 of 200
    assert circ.excluded.by_category == pytest.approx({"treasury": 0.20, "burn": 0.05})
    assert owners.denominator == pytest.approx(115)  # 200 − 85
    assert owners.scores.top1_share == pytest.approx(10 / 115)
    assert owners.scores.hhi == pytest.approx((10**2 + 5**2) / 115**2)
    assert owners.excluded.share == pytest.approx(0.425)


def test_each_view_is_score_balances_of_what_it_kept():
    views = score_views(HOLDERS, supply=200.0)
    assert views.raw.scores == score_balances([h.balance for h in HOLDERS], 200.0)
    assert views.owners.scores == score_balances([10.0, 5.0], 115.0)


def test_holder_order_does_not_matter():
    assert score_views(HOLDERS[::-1], supply=200.0) == score_views(HOLDERS, supply=200.0)


def test_zero_balances_are_not_counted_as_excluded():
    holders = [*HOLDERS, Holder("0x0", 0.0, "", C.TREASURY)]
    assert score_views(holders).circulating.excluded.count == 2


@pytest.mark.parametrize("supply", [None, 500.0])
def test_a_view_that_becomes_empty_has_no_scores(supply):
    holders = [Holder("0xa", 40.0, "", C.TREASURY), Holder("0xb", 10.0, "", C.BURN),
               Holder("0xc", 20.0, "", C.EXCHANGE)]
    views = score_views(holders, supply=supply, holder_count=1000)
    assert views.raw.scores is not None
    assert views.circulating.scores is not None
    assert views.owners.scores is None
    assert views.owners.gini_all is None
    assert views.owners.excluded.count == 3
    assert views.owners.excluded.share == pytest.approx(70 / (supply or 70))
    everything_burnt = score_views([Holder("0xa", 5.0, "", C.BURN)], supply=supply)
    assert everything_burnt.circulating.scores is None
    assert everything_burnt.owners.scores is None


def test_a_view_keeping_a_sliver_of_the_supply():
    """Supply minus 99.9999999% left out must not come out below what the view kept."""
    holders = [Holder(f"0x{i}", 1e9 - i * 1.37e7, "", C.TREASURY) for i in range(5)]
    holders.append(Holder("0xw", 4e-4))  # the old "supply − left out" gave 3.9959e-4
    supply = sum(h.balance for h in holders)
    views = score_views(holders, supply=supply)
    assert views.circulating.scores.holders == 1
    assert views.circulating.scores.coverage == pytest.approx(1.0)
    assert views.circulating.scores.top1_share == pytest.approx(1.0)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.floats(1e-6, 1e9), st.sampled_from(list(Category))), min_size=1,
             max_size=40),
    st.floats(1.0, 10.0),
    st.booleans(),
)
def test_views_never_fail_and_shares_stay_in_range(rows, excess, known):
    holders = [Holder(f"0x{i}", b, "", c) for i, (b, c) in enumerate(rows)]
    supply = sum(b for b, _ in rows) * excess if known else None
    views = score_views(holders, supply=supply, holder_count=len(rows) * 3)
    for v in views:
        assert 0.0 <= v.excluded.share <= 1.0 + 1e-9
        assert sum(v.excluded.by_category.values()) == pytest.approx(v.excluded.share)
        if v.scores is None:
            continue
        s = v.scores
        assert s.denominator == pytest.approx(v.denominator)
        assert 0.0 < s.top1_share <= s.top10_share <= s.top100_share <= s.coverage <= 1.0
        assert s.holders + v.excluded.count == len(rows)


def test_raw_view_with_nothing_to_score_raises():
    with pytest.raises(ValueError):
        score_views([Holder("0xa", 0.0)])
    with pytest.raises(ValueError, match="smaller than"):
        score_views(HOLDERS, supply=50.0)


def test_get_and_iteration():
    views = score_views(HOLDERS)
    assert [v.name for v in views] == list(VIEWS)
    assert views.get("owners") is views.owners
    with pytest.raises(KeyError):
        views.get("whales")


# ------------------------------------------------------------------------- Gini bounds


def test_gini_bounds_need_supply_and_holder_count():
    assert all(v.gini_all is None for v in score_views(HOLDERS))
    assert all(v.gini_all is None for v in score_views(HOLDERS, supply=200.0))
    assert all(v.gini_all is None for v in score_views(HOLDERS, holder_count=50))
    views = score_views(HOLDERS, supply=200.0, holder_count=50)
    for v in views:
        assert v.gini_all is not None
        assert v.gini_all.low <= v.gini_all.high
    # the owners view: 50 holders − 4 left out = 46 (2 listed + 44 unlisted) share 115
    assert views.owners.gini_all == gini_bounds([10.0, 5.0], 46, 115.0)
    assert views.raw.gini_all == gini_bounds([h.balance for h in HOLDERS], 50, 200.0)


def test_no_gini_bounds_when_nothing_is_unlisted():
    views = score_views(HOLDERS, supply=200.0, holder_count=len(HOLDERS))
    assert all(v.gini_all is None for v in views)


# --------------------------------------------------------------------------------- verdict


def _scores(nakamoto=None, top10=0.0, hhi=0.0):
    """Scores of a very spread list, with the three verdict inputs overridden."""
    base = score_balances([1.0] * 1000, 1e6)
    return replace(base, nakamoto=nakamoto, top10_share=top10, hhi=hhi,
                   nakamoto_lower_bound=nakamoto or base.nakamoto_lower_bound)


def test_levels_are_ordered_and_end_with_a_catch_all():
    names = [lvl.level for lvl in LEVELS]
    assert names == ["highly concentrated", "concentrated", "moderately distributed",
                     "broadly distributed"]
    last = LEVELS[-1]
    assert last.max_nakamoto is last.min_top10_share is last.min_hhi is None
    assert level_for(_scores()) == last.level
    for a, b in pairwise(LEVELS[:-1]):
        assert a.max_nakamoto < b.max_nakamoto
        assert a.min_top10_share > b.min_top10_share
        assert a.min_hhi > b.min_hhi


@pytest.mark.parametrize("index", range(len(LEVELS) - 1))
def test_verdict_level_at_the_nakamoto_edge(index):
    level = LEVELS[index]
    assert level_for(_scores(nakamoto=level.max_nakamoto)) == level.level
    assert level_for(_scores(nakamoto=level.max_nakamoto + 1)) == LEVELS[index + 1].level


@pytest.mark.parametrize("index", range(len(LEVELS) - 1))
def test_verdict_level_at_the_top10_edge(index):
    level = LEVELS[index]
    assert level_for(_scores(top10=level.min_top10_share)) == level.level
    assert level_for(_scores(top10=level.min_top10_share - 1e-9)) == LEVELS[index + 1].level


@pytest.mark.parametrize("index", range(len(LEVELS) - 1))
def test_verdict_level_at_the_hhi_edge(index):
    level = LEVELS[index]
    assert level_for(_scores(hhi=level.min_hhi)) == level.level
    assert level_for(_scores(hhi=level.min_hhi - 1e-9)) == LEVELS[index + 1].level


def test_the_current_thresholds():
    """The numbers `lorenz methodology` prints (change them here and in DESIGN together)."""
    assert [(lvl.max_nakamoto, lvl.min_top10_share, lvl.min_hhi) for lvl in LEVELS] == [
        (3, 0.70, 0.25), (10, 0.50, 0.15), (30, 0.30, 0.05), (None, None, None)]
    assert level_for(_scores(nakamoto=3)) == "highly concentrated"
    assert level_for(_scores(nakamoto=4)) == "concentrated"
    assert level_for(_scores(nakamoto=31)) == "broadly distributed"
    assert level_for(_scores(top10=0.70)) == "highly concentrated"
    assert level_for(_scores(hhi=0.1499)) == "moderately distributed"


def test_an_unknown_nakamoto_does_not_count_as_small():
    # the listed holders never pass half: Nakamoto is unknown (≥ n + 1), not ≤ 3
    assert level_for(_scores(nakamoto=None)) == "broadly distributed"


def test_verdict_from_the_owners_view_with_supply():
    views = score_views(HOLDERS, supply=200.0)
    v = make_verdict(views, "TOK", ("no fees reach TOK holders",))
    assert v.basis_view == "owners"
    # the list's largest holders are 85% identified and cover half of the supply: a level,
    # at medium confidence; the two owners are unidentified, and the sentence says so
    assert v.level == level_for(views.owners.scores) and v.withheld is None
    assert v.confidence == "medium"
    assert v.summary == ("Even the 2 largest listed wallets hold less than half of owner-held "
                         "TOK (Nakamoto ≥ 3); the top 10 hold 13%; 2 of the top 2 owner-held "
                         "holders are unidentified; no fees reach TOK holders.")
    assert v.reasons[-1] == "no fees reach TOK holders"
    assert v.to_dict() == {"level": v.level, "summary": v.summary, "basis_view": "owners",
                           "reasons": list(v.reasons), "confidence": "medium",
                           "withheld": None, "binding": "holdings"}
    # the same owners, identified: high confidence, and nothing said about them
    known = tuple(replace(h, category=C.FUND) if h.category in UNIDENTIFIED else h
                  for h in HOLDERS)
    views = score_views(known, supply=200.0)
    v = make_verdict(views, "TOK", ("no fees reach TOK holders",))
    assert v.level == level_for(views.owners.scores) and v.withheld is None
    assert v.confidence == "high"  # 100% identified, coverage 50%
    assert v.summary.startswith("Even the 2 largest listed wallets hold less than half")
    assert "unidentified" not in v.summary


def test_unidentified_top_holders_withhold_the_level():
    # the treasury and the exchange unlabelled: of the list's top holders (all 6), only the
    # burn (10) and the staking wrapper (15) are known — 25 of 100
    rows = tuple(replace(h, category=C.UNLABELED, label="") if h.address in ("0xa", "0xc")
                 else h for h in HOLDERS)
    v = make_verdict(score_views(rows, supply=200.0), "TOK")
    assert v.level is None and v.confidence == "low"
    assert v.withheld == ("4 of the top 6 holders are unidentified (25% of their balance "
                          "identified, 50% needed)")
    assert v.summary.startswith("No verdict: 4 of the top 6 holders are unidentified")


def test_verdict_sentence_names_the_majority_and_the_missing_supply():
    views = score_views(HOLDERS)
    v = make_verdict(views, "TOK")
    # owners: 10 and 5 of 15 → the first holds 2/3; no supply → withheld
    assert v.level is None
    assert v.withheld == "no valid total supply (unknown, or below the listed holders' sum)"
    assert v.summary.startswith("No verdict: no valid total supply (unknown, or below the "
                                "listed holders' sum). Figures, not judged: ")
    assert "Figures, not judged: 1 wallet controls a majority of owner-held TOK; " in v.summary
    assert "the top 10 hold 100%" in v.summary
    assert "2 of the top 2 owner-held holders are unidentified" in v.summary
    assert "supply unknown" in v.summary
    assert v.summary.endswith(".")
    many = score_views([Holder(f"0x{i}", 10.0 - i * 0.1) for i in range(20)])
    assert "10 wallets control a majority of the owner-held supply" in make_verdict(
        many, "").summary


def test_verdict_falls_back_when_owners_is_empty():
    holders = [Holder("0xa", 40.0, "", C.TREASURY), Holder("0xc", 20.0, "", C.EXCHANGE)]
    v = make_verdict(score_views(holders), "TOK")
    assert v.basis_view == "circulating"
    assert "circulating TOK" in v.summary
    v = make_verdict(score_views([Holder("0xa", 40.0, "", C.TREASURY)]), "TOK")
    assert v.basis_view == "raw"
    assert "listed TOK" in v.summary


# ------------------------------------------------------------------------------ provenance


def test_provenance_with_supply():
    views = score_views(HOLDERS, supply=200.0)
    p = make_provenance(views, ("dune file x.json",), "2026-02-19T06:27Z", "TOK", ("a note",))
    assert p.sources == ("dune file x.json",)
    assert p.as_of == "2026-02-19T06:27Z"
    assert p.denominator == "total supply 200 TOK"
    assert "> 50%" in p.threshold
    assert p.exclusions == describe_exclusions()
    assert p.exclusions["raw"] == "nothing"
    assert p.exclusions["circulating"] == "burn, treasury, undistributed, vesting"
    for word in ("exchange", "bridge", "staking", "lending", "amm pool", "burn"):
        assert word in p.exclusions["owners"]
    assert p.notes == ("listed holders cover 50% of the denominator", "a note")
    line = p.line()
    for part in ("dune file x.json", "2026-02-19T06:27Z", "total supply 200 TOK", "> 50%",
                 "owners view leaves out"):
        assert part in line
    d = p.to_dict()
    assert d["sources"] == ["dune file x.json"] and d["notes"][-1] == "a note"


def test_provenance_without_supply():
    p = make_provenance(score_views(HOLDERS), ("f",), "unknown", "TOK")
    assert p.denominator == "sum of the 6 listed holders (supply unknown)"
    assert p.notes == ("listed holders cover 100% of the denominator",)


def test_methodology_prints_every_threshold():
    text = methodology_text()
    for level in LEVELS:
        assert level.level in text
        if level.max_nakamoto is not None:
            assert f"Nakamoto ≤ {level.max_nakamoto}" in text
            assert f"top-10 share ≥ {level.min_top10_share:.0%}" in text
            assert f"HHI ≥ {level.min_hhi:g}" in text
    assert "strictly more than 50%" in text


# ------------------------------------------------------------------------- identification


def test_unidentified_is_wallet_unlabeled_and_unlabeled_contract():
    assert {C.WALLET, C.UNLABELED, C.UNLABELED_CONTRACT} == UNIDENTIFIED
    assert [c for c in Category if not is_identified(c)] == [
        C.UNLABELED_CONTRACT, C.WALLET, C.UNLABELED]


@pytest.mark.parametrize(("view", "share", "top_share", "unidentified", "count"), [
    # raw: 85 of 100 listed are labelled; the top 10 are all 6 rows
    ("raw", 85 / 100, 85 / 100, 2, 6),
    # circulating leaves out treasury and burn: 20 of 50 labelled (the exchange)
    ("circulating", 35 / 50, 35 / 50, 2, 4),
    # owners: the wallet and the unlabelled address only
    ("owners", 0.0, 0.0, 2, 2),
])
def test_identified_share_per_view(view, share, top_share, unidentified, count):
    v = score_views(HOLDERS, supply=200.0).get(view)
    assert v.identified_share == pytest.approx(share, rel=1e-15)
    assert v.top10_identified_share == pytest.approx(top_share, rel=1e-15)
    assert (v.top10_unidentified, v.top10_count) == (unidentified, count)


def test_top10_identification_reads_the_ten_largest_in_any_order():
    # 12 holders: the 2 smallest are the only labelled ones → the top 10 are unidentified
    rows = [Holder(f"0x{i}", 100.0 - i, "", C.WALLET) for i in range(10)]
    rows += [Holder("0xs1", 1.0, "fund", C.FUND), Holder("0xs2", 2.0, "fund", C.FUND)]
    v = score_views(rows[::-1]).owners  # reversed: the order of the list must not matter
    assert (v.top10_unidentified, v.top10_count) == (10, 10)
    assert v.top10_identified_share == 0.0
    assert v.identified_share == pytest.approx(3.0 / (sum(range(91, 101)) + 3.0))


def test_a_view_with_nothing_left_has_no_identified_share():
    v = score_views([Holder("0xa", 40.0, "", C.TREASURY)]).owners
    assert v.scores is None and v.identified_share is None
    assert v.top10_identified_share is None and v.top10_count == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 1e9), st.sampled_from(list(Category))), min_size=1,
                max_size=40).filter(lambda rows: any(b > 0 for b, _ in rows)))
def test_identified_share_matches_a_loop(rows):
    holders = [Holder(f"0x{i}", b, "", c) for i, (b, c) in enumerate(rows)]
    for v in score_views(holders):
        kept = [(b, c) for b, c in rows if in_view(c, v.name) and b > 0]
        total = sum(b for b, _ in kept)
        if total == 0:
            assert v.identified_share is None
            continue
        known = sum(b for b, c in kept if is_identified(c))
        assert v.identified_share == pytest.approx(known / total, rel=1e-9, abs=1e-12)
        top = sorted(kept, key=lambda r: -r[0])[:10]
        assert v.top10_count == len(top)
        assert v.top10_unidentified == sum(1 for _, c in top if not is_identified(c))
        assert 0.0 <= v.top10_identified_share <= 1.0


@pytest.mark.parametrize(("identified", "coverage", "basis", "confidence"), [
    (1.0, 1.0, 1.0, "high"), (0.80, 0.50, 0.50, "high"), (0.80, 0.50, 0.49, "medium"),
    (0.80, 0.50, None, "medium"), (0.79, 1.0, 1.0, "medium"), (1.0, 0.49, 1.0, "medium"),
    (0.50, 0.25, 0.0, "medium"), (0.49, 1.0, 1.0, "low"), (1.0, 0.24, 1.0, "low"),
    (None, 1.0, 1.0, "low"), (1.0, None, 1.0, "low"),
])
def test_confidence_table(identified, coverage, basis, confidence):
    assert confidence_for(identified, coverage, basis) == confidence


def test_confidence_rules_are_ordered_and_printed():
    assert [r.confidence for r in CONFIDENCE] == ["high", "medium"]
    for hi, lo in pairwise(CONFIDENCE):
        assert hi.min_identified >= lo.min_identified and hi.min_coverage >= lo.min_coverage
        assert hi.min_basis_identified >= lo.min_basis_identified
    assert CONFIDENCE[-1].min_coverage == MIN_COVERAGE_FOR_VERDICT
    text = methodology_text()
    assert ("high    top-10 holders identified ≥ 80%, and ≥ 50% of the basis view's top 10; "
            "listed holders cover ≥ 50% of the supply") in text
    assert ("medium  top-10 holders identified ≥ 50%; listed holders cover ≥ 25% of the "
            "supply") in text
    assert "withheld" in text


def _identified(holders):
    return tuple(replace(h, category=C.FUND) if h.category in UNIDENTIFIED else h
                 for h in holders)


def test_low_coverage_withholds_even_when_identified():
    views = score_views(_identified(HOLDERS), supply=1000.0)  # 100 of 1000 listed
    v = make_verdict(views, "TOK")
    assert v.level is None
    assert v.withheld == ("the listed holders cover only 10% of the supply (at least 25% "
                          "needed)")


@pytest.mark.parametrize(("count", "expected"), [(6, True), (25, True), (26, False),
                                                  (1000, False)])
def test_degenerate_holder_count_withholds_and_drops_the_bounds(count, expected):
    views = score_views(_identified(HOLDERS), supply=200.0, holder_count=count)
    assert bool(views.bounds_problem) is expected
    v = make_verdict(views, "TOK")
    assert (v.level is None) is expected
    if expected:
        assert views.owners.gini_all is None and "disagree" in (v.withheld or "")
    else:
        assert v.withheld is None and views.raw.gini_all is not None


# ------------------------------------------------------------------------------ entities


def test_entity_nakamoto_merges_only_labelled_entities():
    # 100 supply: two Binance wallets (20 + 15) and two unnamed wallets (25, 10) and a fund
    # whose one wallet (30) names its entity. Wallets: 30+25 = 55 > 50 → Nakamoto 2.
    # Entities: Binance 35, fund 30 → 65 > 50 → entity Nakamoto 2 as well; in the owners
    # view (exchanges out) nothing Binance is left to merge.
    rows = [Holder("0xa", 20.0, "Binance 8", C.FUND, entity="Binance"),
            Holder("0xb", 15.0, "Binance 14", C.FUND, entity="Binance"),
            Holder("0xc", 25.0, "", C.WALLET), Holder("0xd", 10.0, "", C.WALLET),
            Holder("0xe", 30.0, "Big Fund", C.FUND, entity="Big Fund")]
    raw = score_views(rows, supply=100.0).raw
    assert raw.scores.nakamoto == 2 and raw.entity_nakamoto == 2
    assert (raw.entities, raw.entity_wallets) == (2, 3)
    # with the fund smaller and one wallet larger, merging Binance changes the count
    rows[3] = Holder("0xd", 22.0, "", C.WALLET)
    rows[4] = Holder("0xe", 5.0, "Big Fund", C.FUND, entity="Big Fund")
    raw = score_views(rows, supply=100.0).raw  # 25, 22, 20, 15, 5 of 100
    assert raw.scores.nakamoto == 3  # 25+22 = 47, +20 = 67 > 50
    assert raw.entity_nakamoto == 2  # Binance 35 + 25 = 60 > 50


def test_entity_nakamoto_without_entities_is_the_wallet_nakamoto():
    v = score_views(HOLDERS, supply=200.0).owners
    assert v.entity_nakamoto == v.scores.nakamoto and (v.entities, v.entity_wallets) == (0, 0)


def test_entity_nakamoto_leaves_out_what_the_view_leaves_out():
    rows = [Holder("0xa", 40.0, "Binance 8", C.EXCHANGE, entity="Binance"),
            Holder("0xb", 30.0, "Binance 14", C.EXCHANGE, entity="Binance"),
            Holder("0xc", 20.0, "", C.WALLET), Holder("0xd", 10.0, "", C.WALLET)]
    views = score_views(rows, supply=100.0)
    assert views.raw.entity_nakamoto == 1  # Binance 70 of 100
    assert views.raw.scores.nakamoto == 2
    assert views.owners.entities == 0 and views.owners.entity_nakamoto == 1  # 20 of 30


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.floats(0.01, 1e6), st.sampled_from(["", "X", "Y", "Z"])),
                min_size=1, max_size=30))
def test_entity_nakamoto_matches_a_direct_merge(rows):
    holders = [Holder(f"0x{i}", b, "n" if e else "", C.FUND if e else C.WALLET, entity=e)
               for i, (b, e) in enumerate(rows)]
    v = score_views(holders).raw
    merged: dict[str, float] = {}
    for i, (b, e) in enumerate(rows):
        merged[e or f"wallet{i}"] = merged.get(e or f"wallet{i}", 0.0) + b
    expected = score_balances(list(merged.values()), sum(b for b, _ in rows)).nakamoto
    assert v.entity_nakamoto == expected
    assert v.entity_nakamoto is None or v.entity_nakamoto <= v.scores.nakamoto
