"""scoring.metrics: the DESIGN.md §2 reference values, edge cases, errors and properties."""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from core.scores import NAKAMOTO_THRESHOLD, GiniBounds, Scores
from scoring.metrics import gini_bounds, score_balances

# --------------------------------------------------------------------------- helpers


def gini_direct(values) -> float:
    """Textbook Gini, Σᵢ Σⱼ |xᵢ − xⱼ| / (2 N² mean), zeros included (O(N²), small N only)."""
    x = np.asarray(values, dtype=np.float64)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * x.size**2 * x.mean()))


def nakamoto_direct(values, denominator=None) -> int | None:
    """Smallest k whose k largest hold strictly more than half (a plain loop)."""
    desc = sorted((float(v) for v in values if v > 0), reverse=True)
    denom = sum(desc) if denominator is None else denominator
    running = 0.0
    for k, b in enumerate(desc, 1):
        running += b
        if running > denom / 2:
            return k
    return None


def assert_same_scores(a: Scores, b: Scores, *, rel: float = 1e-9) -> None:
    """Every field equal (floats to ``rel``), ``denominator`` excepted."""
    da, db = asdict(a), asdict(b)
    for key in da:
        if key == "denominator":
            continue
        if isinstance(da[key], float):
            assert da[key] == pytest.approx(db[key], rel=rel, abs=1e-12), key
        else:
            assert da[key] == db[key], key


# --------------------------------------------------------------- DESIGN.md reference values


@pytest.mark.parametrize(
    ("balances", "gini", "hhi"),
    [
        ([3, 2, 1], 0.2222, 0.3889),
        ([3, 2, 1, 1, 1, 1], 0.24074, 0.2099),
        ([1, 1, 1], 0.0, 1 / 3),
        ([1], 0.0, 1.0),
    ],
)
def test_design_reference_values(balances, gini, hhi):
    s = score_balances(balances)
    assert s.gini == pytest.approx(gini, abs=5e-5)
    assert s.hhi == pytest.approx(hhi, abs=5e-5)
    assert s.effective_holders == pytest.approx(1 / s.hhi)
    assert s.coverage == 1.0
    assert s.holders == len(balances)


def test_reference_values_exactly():
    """The reference values are the rounded exact fractions 2/9, 13/54, 14/36, 17/81."""
    assert score_balances([3, 2, 1]).gini == pytest.approx(2 / 9, rel=1e-12)
    assert score_balances([3, 2, 1, 1, 1, 1]).gini == pytest.approx(13 / 54, rel=1e-12)
    assert score_balances([3, 2, 1]).hhi == pytest.approx(14 / 36, rel=1e-12)
    assert score_balances([3, 2, 1, 1, 1, 1]).hhi == pytest.approx(17 / 81, rel=1e-12)


def test_threshold_is_one_half():
    assert NAKAMOTO_THRESHOLD == 0.5


# ------------------------------------------------------------------------------ Nakamoto


@pytest.mark.parametrize(
    ("balances", "expected"),
    [
        ([1], 1),
        ([1, 1], 2),  # 1/2 is not more than half
        ([2, 1, 1], 2),  # 2/4 is not more than half
        ([3, 1], 1),
        ([3, 2, 1], 2),  # 3/6 is exactly half
        ([1, 1, 1], 2),
        ([1, 1, 1, 1], 3),
        ([5, 1, 1, 1, 1, 1], 2),  # 5/10 is exactly half
        ([51, 49], 1),
        ([1] * 10, 6),
        ([1] * 11, 6),
        # decimal amounts whose top-k is exactly half: binary rounding must not make a
        # majority out of a tie (0.4 of 0.1 + 0.3 + 0.4 = 0.8 is half, not more)
        ([0.4, 0.3, 0.1], 2),
        ([0.5, 0.2, 0.2, 0.1], 2),
        ([0.8, 0.6, 0.2], 2),
        ([6.54, 2.53, 2.31, 1.16, 2.03, 2.11, 0.08, 1.38], 3),
        ([0.1] * 10, 6),
    ],
)
def test_nakamoto_is_strictly_more_than_half(balances, expected):
    s = score_balances(balances)
    assert s.nakamoto == expected
    assert s.nakamoto_lower_bound == expected


def test_nakamoto_order_does_not_matter():
    assert score_balances([1, 1, 2]).nakamoto == score_balances([2, 1, 1]).nakamoto == 2


@pytest.mark.parametrize(
    ("balances", "denominator", "nakamoto", "lower_bound"),
    [
        ([3, 2, 1], 100, None, 4),  # the listed 6% never reach half of 100
        ([3, 2, 1], 12, None, 4),  # exactly half of 12 is not a majority
        ([3, 2, 1], 11, 3, 3),
        ([3, 2, 1], 6, 2, 2),
        ([10], 25, None, 2),
        ([10], 19.99, 1, 1),
    ],
)
def test_nakamoto_with_a_denominator(balances, denominator, nakamoto, lower_bound):
    s = score_balances(balances, denominator)
    assert s.nakamoto == nakamoto
    assert s.nakamoto_lower_bound == lower_bound


# ------------------------------------------------------------------- shares and coverage


def test_top_shares_with_fewer_than_k_holders():
    s = score_balances([3, 2, 1])
    assert s.top1_share == pytest.approx(0.5)
    assert s.top10_share == s.top100_share == pytest.approx(1.0)
    s = score_balances([3, 2, 1], denominator=12)
    assert s.top1_share == pytest.approx(0.25)
    assert s.top10_share == s.top100_share == pytest.approx(0.5)


def test_top_shares_with_many_holders():
    balances = np.arange(1, 201, dtype=float)  # 1..200, sum 20100
    s = score_balances(balances)
    assert s.top1_share == pytest.approx(200 / 20100)
    assert s.top10_share == pytest.approx(sum(range(191, 201)) / 20100)
    assert s.top100_share == pytest.approx(sum(range(101, 201)) / 20100)


@pytest.mark.parametrize(
    ("denominator", "coverage"),
    [(None, 1.0), (6, 1.0), (12, 0.5), (60, 0.1), (6 * (1 - 1e-12), 1.0)],
)
def test_coverage(denominator, coverage):
    s = score_balances([3, 2, 1], denominator)
    assert s.coverage == pytest.approx(coverage)
    assert s.denominator >= 6  # a denominator a rounding error below the sum is lifted


def test_hhi_and_effective_holders_with_a_denominator():
    s = score_balances([3, 2, 1], denominator=12)
    assert s.hhi == pytest.approx((9 + 4 + 1) / 144)
    assert s.effective_holders == pytest.approx(144 / 14)
    # one holder of a quarter of the supply: hhi = coverage², "as if 16 equal owners"
    s = score_balances([5], denominator=20)
    assert s.hhi == pytest.approx(1 / 16)
    assert s.effective_holders == pytest.approx(16)
    assert s.gini == s.theil == s.entropy_bits == 0.0


# ----------------------------------------------------------------- Theil and entropy


@pytest.mark.parametrize(
    ("balances", "theil", "entropy_bits"),
    [
        ([1], 0.0, 0.0),
        ([7, 7, 7, 7], 0.0, 2.0),
        ([5] * 8, 0.0, 3.0),
        ([3, 1], math.log(2) + 0.75 * math.log(0.75) + 0.25 * math.log(0.25),
         -(0.75 * math.log2(0.75) + 0.25 * math.log2(0.25))),
        ([2, 1, 1], math.log(3) + 0.5 * math.log(0.5) + 2 * 0.25 * math.log(0.25), 1.5),
    ],
)
def test_theil_and_entropy_known_values(balances, theil, entropy_bits):
    s = score_balances(balances)
    assert s.theil == pytest.approx(theil, abs=1e-12)
    assert s.entropy_bits == pytest.approx(entropy_bits, abs=1e-12)


@pytest.mark.parametrize("n", [1, 2, 3, 10, 1000, 100_000])
def test_equal_balances(n):
    s = score_balances(np.full(n, 123.456))
    assert s.gini == pytest.approx(0.0, abs=1e-9)
    assert s.theil == pytest.approx(0.0, abs=1e-9)
    assert s.entropy_bits == pytest.approx(math.log2(n), abs=1e-9)
    assert s.effective_holders == pytest.approx(n)
    assert s.nakamoto == n // 2 + 1


# -------------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("balances", "denominator", "message"),
    [
        ([], None, "positive balance"),
        ([0, 0, 0], None, "positive balance"),
        ([0.0], 5, "positive balance"),
        ([3, -1, 2], None, "negative"),
        ([-0.5], None, "negative"),
        ([1, float("nan")], None, "finite"),
        ([1, float("inf")], None, "finite"),
        ([float("-inf")], None, "finite"),
        ([3, 2, 1], 0, "positive"),
        ([3, 2, 1], -6, "positive"),
        ([3, 2, 1], float("nan"), "positive"),
        ([3, 2, 1], float("inf"), "positive"),
        ([3, 2, 1], 5.9, "smaller than"),
        ([[1, 2], [3, 4]], None, "one-dimensional"),
        ([1e308, 1e308], None, "too large"),
    ],
)
def test_bad_input_raises_value_error(balances, denominator, message):
    with pytest.raises(ValueError, match=message):
        score_balances(balances, denominator)


def test_gini_bounds_reject_bad_balances():
    with pytest.raises(ValueError):
        gini_bounds([], 10, 100)
    with pytest.raises(ValueError):
        gini_bounds([1, -1], 10, 100)


# ------------------------------------------------------------------- scale and zeros


def test_huge_and_tiny_values_give_the_same_scores():
    base = np.array([5.0, 3.0, 1.0, 1.0, 0.5, 0.25])
    ref = score_balances(base, denominator=20)
    for scale in (1e27, 1e18, 1e-12, 1e-18):
        assert_same_scores(score_balances(base * scale, denominator=20 * scale), ref)


def test_raw_integer_amounts_work_like_token_units():
    """Raw amounts (×10¹⁸, beyond int64) give the scores of the token amounts."""
    raw = [264_634_857 * 10**18, 101_277_579 * 10**18, 56_900_000 * 10**18]
    tokens = [264_634_857, 101_277_579, 56_900_000]
    assert_same_scores(score_balances(raw), score_balances(tokens))


def test_zeros_are_ignored():
    assert score_balances([3, 0, 2, 0.0, 1]) == score_balances([3, 2, 1])
    assert score_balances([0, 5], denominator=20) == score_balances([5], denominator=20)


def test_the_input_array_is_not_modified():
    a = np.array([1.0, 0.0, 3.0, 2.0])
    b = np.array([2.0, 3.0, 1.0])
    score_balances(a)
    score_balances(b)
    gini_bounds(b, 10, 20)
    assert a.tolist() == [1.0, 0.0, 3.0, 2.0]
    assert b.tolist() == [2.0, 3.0, 1.0]


def test_accepts_lists_tuples_generators_of_ints_and_float32():
    ref = score_balances([3.0, 2.0, 1.0])
    assert score_balances((3, 2, 1)) == ref
    assert score_balances(np.array([3, 2, 1], dtype=np.int64)) == ref
    assert score_balances(np.array([3, 2, 1], dtype=np.float32)) == ref


def test_to_dict_has_every_field():
    d = score_balances([3, 2, 1]).to_dict()
    assert list(d) == [
        "holders", "denominator", "coverage", "top1_share", "top10_share", "top100_share",
        "nakamoto", "nakamoto_lower_bound", "hhi", "effective_holders", "gini", "theil",
        "entropy_bits",
    ]


def test_one_million_balances_match_a_direct_computation():
    rng = np.random.default_rng(7)
    x = rng.lognormal(3.0, 2.0, 1_000_000)
    s = score_balances(x, denominator=x.sum() * 1.25)
    desc = np.sort(x)[::-1]
    total = desc.sum()
    denom = total * 1.25
    assert s.top1_share == pytest.approx(desc[0] / denom)
    assert s.top100_share == pytest.approx(desc[:100].sum() / denom)
    assert s.hhi == pytest.approx(np.sum((desc / denom) ** 2), rel=1e-9)
    ranks = np.arange(1, desc.size + 1)
    asc = desc[::-1]
    gini = 2 * np.dot(ranks, asc) / (asc.size * total) - (asc.size + 1) / asc.size
    assert s.gini == pytest.approx(gini, rel=1e-9)
    p = desc / total
    assert s.entropy_bits == pytest.approx(-np.sum(p * np.log2(p)), rel=1e-9)
    assert s.nakamoto == nakamoto_direct(x, denom)


# ------------------------------------------------------------------ hypothesis properties

balance = st.floats(min_value=1e-6, max_value=1e12, allow_nan=False, allow_infinity=False)
balances_st = st.lists(balance, min_size=1, max_size=300)
int_balances_st = st.lists(st.integers(min_value=1, max_value=10**6), min_size=2, max_size=60)


@given(balances_st, st.randoms(use_true_random=False))
def test_permutation_invariance(values, rnd):
    shuffled = list(values)
    rnd.shuffle(shuffled)
    assert score_balances(shuffled) == score_balances(values)


@given(balances_st, st.floats(min_value=1e-9, max_value=1e9), st.floats(1.0, 10.0))
def test_scale_invariance(values, scale, excess):
    x = np.array(values)
    denom = float(x.sum()) * excess
    assert_same_scores(score_balances(x * scale, denom * scale), score_balances(x, denom),
                       rel=1e-8)


@given(balances_st)
def test_gini_range(values):
    s = score_balances(values)
    assert 0.0 <= s.gini < 1.0
    assert s.gini <= 1.0 - 1.0 / s.holders + 1e-12


@given(balance, st.integers(min_value=1, max_value=500))
def test_equal_balances_property(value, n):
    s = score_balances([value] * n)
    assert s.gini == pytest.approx(0.0, abs=1e-9)
    assert s.effective_holders == pytest.approx(n, rel=1e-9)
    assert s.theil == pytest.approx(0.0, abs=1e-9)


@given(balances_st)
def test_effective_holders_between_one_and_n(values):
    s = score_balances(values)
    assert 1.0 - 1e-9 <= s.effective_holders <= s.holders * (1 + 1e-9)


@given(balances_st)
def test_nakamoto_matches_a_loop(values):
    # ties at exactly half are where floating point and a plain loop may disagree
    s = score_balances(values)
    assume(all(abs(c - sum(values) / 2) > 1e-6 * sum(values)
               for c in np.cumsum(sorted(values, reverse=True))))
    assert s.nakamoto == nakamoto_direct(values)


@given(int_balances_st, st.data())
def test_nakamoto_never_falls_after_a_pigou_dalton_transfer(values, data):
    """Moving tokens from a larger to a smaller holder (keeping the order) never lowers it.

    Integer balances keep every sum exact, so the test is about the rule, not rounding.
    """
    b = sorted(values, reverse=True)
    i = data.draw(st.integers(0, len(b) - 2), label="from")
    j = data.draw(st.integers(i + 1, len(b) - 1), label="to")
    # adjacent: meet at most halfway; else: stay within the neighbours
    room = (b[i] - b[j]) // 2 if j == i + 1 else min(b[i] - b[i + 1], b[j - 1] - b[j])
    assume(room > 0)
    d = data.draw(st.integers(1, room), label="amount")
    after = list(b)
    after[i] -= d
    after[j] += d
    assert after == sorted(after, reverse=True)
    extra = data.draw(st.sampled_from([0, sum(b), 3 * sum(b)]), label="unlisted supply")
    denom = sum(b) + extra
    before_s = score_balances(b, denom)
    after_s = score_balances(after, denom)
    assert after_s.nakamoto_lower_bound >= before_s.nakamoto_lower_bound
    assert after_s.gini <= before_s.gini + 1e-12  # and the Gini never rises


@given(balances_st)
def test_top_shares_entropy_and_theil_ranges(values):
    s = score_balances(values)
    assert s.top1_share <= s.top10_share <= s.top100_share <= s.coverage + 1e-12
    assert s.entropy_bits <= math.log2(s.holders) + 1e-9
    assert s.entropy_bits >= 0.0
    assert s.theil >= 0.0
    assert s.theil <= math.log(s.holders) + 1e-9
    assert s.hhi <= 1.0 + 1e-12


# ---------------------------------------------------------------------------- Gini bounds


def _packed(listed, m, remainder):
    """The packed arrangement of the derivation: b_min, …, b_min, rest, 0, …, 0."""
    b_min = min(listed)
    q = min(int(remainder // b_min), m)
    rest = remainder - q * b_min if q < m else 0.0
    unlisted = [b_min] * q + ([rest] if q < m else [])
    return list(listed) + unlisted + [0.0] * (m - len(unlisted))


def test_gini_bounds_without_unlisted_holders_are_the_listed_gini():
    listed = [9, 5, 3, 2, 2, 1]
    g = score_balances(listed).gini
    for holder_count, supply in [(6, 22), (6, 100), (3, 22), (100, 22)]:
        b = gini_bounds(listed, holder_count, supply)
        assert isinstance(b, GiniBounds)
        assert b.low == pytest.approx(g) and b.high == pytest.approx(g)


@pytest.mark.parametrize(
    ("listed", "holder_count", "supply"),
    [
        ([3, 2, 1], 5, 8),  # remainder 2 over 2 holders: even = packed = [1, 1]
        ([3, 2, 1], 10, 8),
        ([10, 5, 2], 7, 20),  # remainder 3: packed = [2, 1, 0, 0]
        ([10, 5, 2], 1000, 117),
        ([4, 4], 3, 10),  # one unlisted holder: both bounds equal
    ],
)
def test_gini_bounds_match_brute_force(listed, holder_count, supply):
    m = holder_count - len(listed)
    remainder = supply - sum(listed)
    b = gini_bounds(listed, holder_count, supply)
    even = gini_direct(list(listed) + [remainder / m] * m)
    packed = gini_direct(_packed(listed, m, remainder))
    assert b.low == pytest.approx(even, abs=1e-12)
    assert b.high == pytest.approx(packed, abs=1e-12)
    assert b.low <= b.high


@settings(max_examples=200)
@given(
    st.lists(st.integers(1, 1000), min_size=1, max_size=8),
    st.integers(1, 30),
    st.floats(0.0, 1.0),
)
def test_gini_bounds_match_brute_force_random(listed, m, fill):
    b_min = min(listed)
    remainder = fill * m * b_min  # feasible: fits in m holders of at most b_min
    assume(remainder > 1e-9 * sum(listed))  # else the supply rounds to the listed sum
    b = gini_bounds(listed, len(listed) + m, sum(listed) + remainder)
    assert b.low == pytest.approx(gini_direct(list(listed) + [remainder / m] * m), abs=1e-9)
    assert b.high == pytest.approx(gini_direct(_packed(listed, m, remainder)), abs=1e-9)


@settings(max_examples=300)
@given(
    st.lists(st.floats(1.0, 1e6), min_size=1, max_size=10),
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=40),
)
def test_any_feasible_arrangement_lies_between_the_bounds(listed, fractions):
    """The derivation's claim: unlisted balances ≤ b_min summing to R give a Gini in range."""
    b_min = min(listed)
    unlisted = [f * b_min for f in fractions]
    remainder = sum(unlisted)
    assume(remainder > 1e-9 * sum(listed))  # else the supply rounds to the listed sum
    b = gini_bounds(listed, len(listed) + len(unlisted), sum(listed) + remainder)
    g = gini_direct(list(listed) + unlisted)
    assert b.low - 1e-9 <= g <= b.high + 1e-9
    assert 0.0 <= b.low <= b.high <= 1.0


@given(
    st.lists(st.floats(1.0, 1e6), min_size=1, max_size=10),
    st.integers(0, 10**6),
    st.floats(0.0, 1e9),
)
def test_gini_bounds_are_ordered_and_in_range(listed, m, extra):
    b = gini_bounds(listed, len(listed) + m, sum(listed) + extra)
    assert 0.0 <= b.low <= b.high <= 1.0


def test_gini_bounds_with_millions_of_unlisted_holders():
    """The unlisted holders are never materialised: 10⁸ of them cost nothing."""
    listed = [1000.0, 500.0, 100.0]
    b = gini_bounds(listed, 100_000_003, 1600.0 + 1e6)
    assert 0.0 < b.low < b.high < 1.0
    assert b.high > 0.99  # the remainder packed into ~10⁴ of 10⁸ holders
