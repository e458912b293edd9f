"""The verdict: a level, one plain sentence of reasons, and the provenance (DESIGN.md §2).

The level is read off the **beneficial owners** view when wrappers were looked through,
else the **owners** view (falling back to circulating, then raw, when a view is empty),
with the thresholds in :data:`LEVELS` — the one place they are written down;
``lorenz methodology`` and ``/methodology`` print them from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from core.categories import VIEW_EXCLUSIONS, VIEWS, Category
from core.fees import FeeReport
from core.governance import GovernanceReport
from core.scores import NAKAMOTO_THRESHOLD, Scores
from core.verdict import Level, Provenance, Verdict
from core.views import ViewResult, ViewSet
from core.votes import VoteReport
from scoring.formatting import pct, usd
from scoring.power_text import power_clauses


@dataclass(frozen=True, slots=True)
class LevelRule:
    """The limits of one verdict level: reached when *any* of them is met (checked top-down)."""

    level: Level
    max_nakamoto: int | None
    min_top10_share: float | None
    min_hhi: float | None

    def matches(self, s: Scores) -> bool:
        """Whether the scores reach this level."""
        if (self.max_nakamoto is not None and s.nakamoto is not None
                and s.nakamoto <= self.max_nakamoto):
            return True
        if self.min_top10_share is not None and s.top10_share >= self.min_top10_share:
            return True
        return self.min_hhi is not None and s.hhi >= self.min_hhi


#: Verdict levels, most concentrated first; the last one catches everything.
LEVELS: tuple[LevelRule, ...] = (
    LevelRule(Level.HIGHLY_CONCENTRATED, max_nakamoto=3, min_top10_share=0.70, min_hhi=0.25),
    LevelRule(Level.CONCENTRATED, max_nakamoto=10, min_top10_share=0.50, min_hhi=0.15),
    LevelRule(Level.MODERATELY_DISTRIBUTED, max_nakamoto=30, min_top10_share=0.30,
              min_hhi=0.05),
    LevelRule(Level.BROADLY_DISTRIBUTED, max_nakamoto=None, min_top10_share=None,
              min_hhi=None),
)


def level_for(scores: Scores) -> Level:
    """The first level in :data:`LEVELS` that ``scores`` reach; the last level (which has no
    limits) when none does."""
    for rule in LEVELS:
        if rule.matches(scores):
            return rule.level
    return LEVELS[-1].level


@dataclass(frozen=True, slots=True)
class ConfidenceRule:
    """The least a verdict needs for a confidence: every limit must be met.

    ``min_identified`` is the list's own identification — the raw view's
    ``top10_identified_share``: the share of the 10 largest listed holders' balance whose
    category is known (are the biggest holders treasuries, exchanges, bridges, or owners?);
    ``min_coverage`` the raw view's coverage (listed sum / a valid total supply);
    ``min_basis_identified`` the same top-10 identification on the view the level is read
    from (are the largest *owners* known?).
    """

    confidence: str
    min_identified: float
    min_coverage: float
    min_basis_identified: float = 0.0


#: Confidence of a verdict, highest first (the one place these limits are written
#: down); below the last rule it is "low", and a "low" verdict is withheld (``level``
#: None). Why these numbers: the views are built by leaving out the holders whose kind is
#: known, so a level can be trusted only when we know what the list's biggest holders are
#: — half of their balance (medium) or four fifths (high) — and when the list covers a
#: quarter (medium) or half (high) of the supply. "High" also needs half of the basis
#: view's top-10 balance identified (named funds, multisigs…): an owners view of unnamed
#: wallets may still hide a foundation or a custodian, so it is at most "medium" and the
#: verdict says how many of its top 10 are unidentified.
CONFIDENCE: tuple[ConfidenceRule, ...] = (
    ConfidenceRule("high", min_identified=0.80, min_coverage=0.50, min_basis_identified=0.50),
    ConfidenceRule("medium", min_identified=0.50, min_coverage=0.25),
)

#: The listed holders must hold at least this share of the supply for any verdict (a list
#: covering less says little about who holds the rest: every level could flip). The same
#: as the lowest rule's coverage, so a verdict given is never "low".
MIN_COVERAGE_FOR_VERDICT: float = CONFIDENCE[-1].min_coverage

_VIEW_WORDS = {"raw": "listed", "circulating": "circulating", "owners": "owner-held",
               "beneficial": "beneficially owned"}


def confidence_for(identified: float | None, coverage: float | None,
                   basis_identified: float | None = None) -> str:
    """The first rule of :data:`CONFIDENCE` met by the list's top-10 identified share,
    its coverage and the basis view's top-10 identified share (all 0–1; ``None`` =
    unknown, which meets no limit above 0); "low" when none is."""
    def meets(value: float | None, limit: float) -> bool:
        return limit <= 0 or (value is not None and value >= limit)

    for rule in CONFIDENCE:
        if (meets(identified, rule.min_identified) and coverage is not None
                and meets(coverage, rule.min_coverage)
                and meets(basis_identified, rule.min_basis_identified)):
            return rule.confidence
    return "low"


def withheld_reasons(views: ViewSet, basis: ViewResult) -> list[str]:
    """Why no level may be given (empty when one may): no valid supply, a list covering
    less than :data:`MIN_COVERAGE_FOR_VERDICT`, a supply/holder count that disagree, and
    the list's 10 largest holders too little identified for :data:`CONFIDENCE`."""
    reasons = []
    raw = views.raw.scores
    if not views.supply_known:
        reasons.append("no valid total supply (unknown, or below the listed holders' sum)")
    elif raw is not None and raw.coverage < MIN_COVERAGE_FOR_VERDICT:
        reasons.append(f"the listed holders cover only {pct(raw.coverage)} of the supply "
                       f"(at least {MIN_COVERAGE_FOR_VERDICT:.0%} needed)")
    if views.bounds_problem:
        reasons.append(views.bounds_problem)
    identified = views.raw.top10_identified_share
    if identified is None or identified < CONFIDENCE[-1].min_identified:
        top = views.raw
        reasons.append(f"{top.top10_unidentified} of the top {top.top10_count} holders are "
                       f"unidentified ({pct(identified or 0.0)} of their balance identified, "
                       f"{CONFIDENCE[-1].min_identified:.0%} needed)")
    return reasons


def _unidentified_clause(basis: ViewResult) -> tuple[str, ...]:
    """``("7 of the top 10 owner-held holders are unidentified",)`` when any of the basis
    view's top 10 is (a caveat on the level), else ``()``; never for the raw view (the
    identification rule already speaks of it)."""
    if basis.name == "raw" or not basis.top10_unidentified:
        return ()
    return (f"{basis.top10_unidentified} of the top {basis.top10_count} "
            f"{_VIEW_WORDS[basis.name]} holders are unidentified",)


def make_verdict(views: ViewSet, symbol: str, extra_reasons: tuple[str, ...] = ()) -> Verdict:
    """The verdict for a token from its views (the beneficial view when there is one).

    ``extra_reasons`` are appended to the sentence (e.g. "no fees reach UNI holders"). The
    level is withheld (``None``, with ``withheld`` saying why, and a summary that says what
    is unknown instead of judging) for any of :func:`withheld_reasons`.
    """
    basis = next((v for v in (views.beneficial, views.owners, views.circulating, views.raw)
                  if v is not None and v.scores), None)
    assert basis is not None and basis.scores is not None  # raw always has scores
    s = basis.scores
    words = _VIEW_WORDS[basis.name]
    what = f"{words} {symbol}" if symbol else f"the {words} supply"
    if s.nakamoto is not None:
        who = "1 wallet controls" if s.nakamoto == 1 else f"{s.nakamoto:,} wallets control"
        first = f"{who} a majority of {what}"
    else:
        first = (f"even the {s.holders:,} largest listed wallets hold less than half of "
                 f"{what} (Nakamoto ≥ {s.nakamoto_lower_bound:,})")
    reasons = [first, f"the top 10 hold {pct(s.top10_share)}", *_unidentified_clause(basis)]
    if not views.supply_known:
        reasons.append("shares are of the listed holders only (supply unknown)")
    reasons.extend(extra_reasons)
    coverage = views.raw.scores.coverage if views.supply_known and views.raw.scores else None
    confidence = confidence_for(views.raw.top10_identified_share, coverage,
                                basis.top10_identified_share)
    withheld = withheld_reasons(views, basis)
    if withheld:
        why = "; ".join(withheld)
        summary = f"No verdict: {why}. Figures, not judged: " + "; ".join(reasons) + "."
        return Verdict(level=None, summary=summary, basis_view=basis.name,
                       reasons=tuple(reasons), confidence="low", withheld=why)
    summary = "; ".join(reasons)
    summary = summary[0].upper() + summary[1:] + "."
    return Verdict(level=level_for(s), summary=summary, basis_view=basis.name,
                   reasons=tuple(reasons), confidence=confidence)


def _category_words(categories: Iterable[Category]) -> str:
    """``"burn, treasury, …"``: category names in words, sorted; "nothing" when empty."""
    words = sorted(c.value.replace("_", " ") for c in categories)
    return ", ".join(words) if words else "nothing"


def describe_exclusions() -> dict[str, str]:
    """What each view leaves out, in words."""
    return {view: _category_words(VIEW_EXCLUSIONS[view]) for view in VIEWS}


def make_provenance(
    views: ViewSet,
    sources: tuple[str, ...],
    as_of: str,
    symbol: str,
    notes: tuple[str, ...] = (),
) -> Provenance:
    """The provenance of a report built from ``views``."""
    raw = views.raw.scores
    assert raw is not None
    if views.supply_known:
        denominator = f"total supply {raw.denominator:,.0f} {symbol}".strip()
    else:
        denominator = f"sum of the {raw.holders} listed holders (supply unknown)"
    coverage = f"listed holders cover {pct(raw.coverage)} of the denominator"
    return Provenance(
        sources=sources,
        as_of=as_of,
        denominator=denominator,
        threshold=f"Nakamoto = smallest group holding > {NAKAMOTO_THRESHOLD:.0%}",
        exclusions=describe_exclusions(),
        notes=(coverage, *notes),
    )


def methodology_text() -> str:
    """Plain-text explanation of the views, metrics and verdict thresholds."""
    lines = [
        "Lorenz scores the governance token's holder list in three views (four when a",
        "wrapper among the holders is looked through):",
        "  raw          — every listed holder; shares of the total supply (or listed sum).",
        "  circulating  — leaves out " + describe_exclusions()["circulating"] + ".",
        "  owners       — also leaves out custodians that hold for many: "
        + _category_words(VIEW_EXCLUSIONS["owners"] - VIEW_EXCLUSIONS["circulating"]) + ".",
        "  beneficial   — only when a staking/escrow wrapper among the holders was looked",
        "                 through: the wrapper's own top holders get its balance pro rata",
        "                 to their share of its supply; leaves out what owners leaves out.",
        "                 Which wrappers can be looked through is data with a source; a",
        "                 vote-escrow whose locks are not a token list (veCRV) cannot be,",
        "                 and the report names it and its share.",
        "Each view's denominator is the supply minus what it left out; the beneficial view",
        "keeps a wrapper's unlisted holders' part as an unattributed remainder in it.",
        "",
        "Metrics: top-1/10/100 shares; Nakamoto coefficient (smallest number of wallets",
        f"holding strictly more than {NAKAMOTO_THRESHOLD:.0%}); HHI = Σ share² (0–1; ×10,000 is",
        "the antitrust scale, > 0.25 highly concentrated); effective holders = 1/HHI; Gini,",
        "Theil-T and Shannon entropy of the listed balances.",
        "",
        "Verdict (beneficial view when there is one, else owners; the first level whose any",
        "limit is met):",
    ]
    for level in LEVELS:
        limits = []
        if level.max_nakamoto is not None:
            limits.append(f"Nakamoto ≤ {level.max_nakamoto}")
        if level.min_top10_share is not None:
            limits.append(f"top-10 share ≥ {level.min_top10_share:.0%}")
        if level.min_hhi is not None:
            limits.append(f"HHI ≥ {level.min_hhi:g}")
        lines.append(f"  {level.level:<24} " + (" or ".join(limits) if limits else "otherwise"))
    lines += [
        "",
        "Categories come only from labels (built-in facts with sources, the holder API's",
        "labels, and label files you give); an address nobody labelled stays 'unlabeled'.",
        "No verdict is given from missing data.",
        "",
        "Confidence (identified = a category is known: not a bare wallet or unlabelled",
        "address or contract; read on the list's 10 largest holders, by balance, and on",
        "the 10 largest of the view the level is read from):",
    ]
    for rule in CONFIDENCE:
        extra = (f", and ≥ {rule.min_basis_identified:.0%} of the basis view's top 10"
                 if rule.min_basis_identified > 0 else "")
        lines.append(f"  {rule.confidence:<7} top-10 holders identified ≥ "
                     f"{rule.min_identified:.0%}{extra}; listed holders cover ≥ "
                     f"{rule.min_coverage:.0%} of the supply")
    lines += [
        "  low     otherwise — and then the level is withheld.",
        "The level is also withheld without a valid total supply (unknown, or below the",
        f"listed sum), when the list covers < {MIN_COVERAGE_FOR_VERDICT:.0%} of the supply, or "
        "when the supply",
        "and holder count cannot both be right (the all-holder Gini bounds would collapse).",
    ]
    lines += _power_method_lines()
    return "\n".join(lines)


# --------------------------------------------------------------------------- the fee clause


def fee_clause(fees: FeeReport | None, symbol: str) -> tuple[str, ...]:
    """The fee clause of the verdict sentence, as ``extra_reasons`` for :func:`make_verdict`.

    Reads the 30-day split (USD): ``()`` when fees are unknown (``fees is None``); else one
    clause saying whether holders revenue could not be fetched, is not reported, is 0 (or
    negative), comes without reported fees, exceeds the fees, or which share of the fees it
    is (``"20% of fees reach UNI holders"``). ``symbol`` "" reads "token".
    """
    if fees is None:
        return ()
    split = fees.split_30d
    sym = symbol or "token"
    holders = split.holders_revenue
    if holders is None and "holders_revenue" in fees.unavailable:
        return (f"holders revenue for {sym} could not be fetched",)
    if holders is None:
        return (f"holders revenue is not reported for {sym}",)
    if holders <= 0:
        return (f"no fees reach {sym} holders",)
    if not split.fees:  # fees not reported (or zero) but holders revenue is
        return (f"{sym} holders received {usd(holders)} in 30 days (fees not reported)",)
    share = holders / split.fees
    if share > 1:
        return (f"{sym} holders received {usd(holders)} in 30 days, more than the "
                f"{usd(split.fees)} of fees reported",)
    return (f"{pct(share)} of fees reach {sym} holders",)


# --------------------------------------------------------------------------- the power verdict


@dataclass(frozen=True, slots=True)
class PowerRule:
    """A level reached when at most ``max_count`` delegates (or voters) suffice."""

    level: Level
    max_count: int


#: How few delegates alone reaching quorum (or voters casting a majority of a recent
#: Snapshot proposal's votes) make a DAO concentrated — the one place these limits are
#: written down. Either binds when it is at most the last rule's count: then the headline
#: leads with it and the level is never less concentrated than its rule.
POWER_LEVELS: tuple[PowerRule, ...] = (
    PowerRule(Level.HIGHLY_CONCENTRATED, 3),
    PowerRule(Level.CONCENTRATED, 10),
)
POWER_HANDFUL = POWER_LEVELS[-1].max_count
_ORDER = [rule.level for rule in LEVELS]


def power_level(count: int | None) -> Level | None:
    """The level ``count`` delegates/voters reaching quorum/majority bind to, or ``None``."""
    if count is None or count < 1:
        return None
    return next((r.level for r in POWER_LEVELS if count <= r.max_count), None)


def voter_clause(votes: VoteReport | None) -> tuple[int, str] | None:
    """(Nakamoto, clause) of the most recent Snapshot proposal with votes, or ``None``."""
    scored = [p for p in (votes.proposals if votes else ()) if p.scores is not None]
    if not scored:
        return None
    latest = max(scored, key=lambda p: p.end)
    assert latest.scores is not None
    k = latest.scores.nakamoto
    if k is None:
        return None
    who = "1 voter" if k == 1 else f"{k:,} voters"
    return k, f"{who} cast a majority of the votes on the latest Snapshot proposal"


def _power_method_lines() -> list[str]:
    """The power rules in words, for ``lorenz methodology``."""
    lines = ["", "Power (DAOs that decide on-chain): the governor's quorum and threshold and the",
             "delegates' current votes are read on-chain at one block. When few delegates",
             "alone reach quorum (or, from Snapshot, few voters cast a majority of a recent",
             "proposal's votes), the headline leads with it and the level is at least:"]
    for rule in POWER_LEVELS:
        lines.append(f"  {rule.level:<24} ≤ {rule.max_count} delegates (or voters)")
    return lines


def apply_power(verdict: Verdict, gov: GovernanceReport | None,
                votes: VoteReport | None = None) -> Verdict:
    """``verdict`` with the binding constraint named: on-chain delegated power, then votes
    cast, else holdings (unchanged level).

    Delegated power binds when :func:`power_level` of the delegates needed to reach quorum
    is set; votes cast bind likewise with the latest Snapshot proposal's Nakamoto. The
    binding clause leads the sentence; the level becomes the more concentrated of the
    holdings level and the power level (a withheld holdings level is then replaced: the
    power figures are exact on-chain reads — a delegate set that is only a lower bound can
    only overstate how many delegates are needed). Votes cast do not replace a withheld
    holdings level (Snapshot power is a partial view): their clause is appended then.
    Power clauses that do not bind are appended after the holdings reasons. The holdings'
    own reasons stay in the sentence.
    """
    clauses = power_clauses(gov) if gov is not None else ()
    binding, level = "holdings", None
    lead: tuple[str, ...] = ()
    if gov is not None and power_level(gov.scores.delegates_to_quorum):
        binding, level, lead = ("delegated power", power_level(gov.scores.delegates_to_quorum),
                                clauses)
    else:
        voters = voter_clause(votes)
        if voters is not None and power_level(voters[0]):
            if verdict.level is None:  # Snapshot alone does not judge what holdings withheld
                clauses = (*clauses, voters[1])
            else:
                binding, level = "votes cast", power_level(voters[0])
                lead = (voters[1], *clauses)
    if level is None:
        if not clauses:
            return verdict
        reasons = (*verdict.reasons, *clauses)
        summary = verdict.summary.rstrip(".") + "; " + "; ".join(clauses) + "."
        return replace(verdict, reasons=reasons, summary=summary)
    held = verdict.level
    final = level if held is None else _ORDER[min(_ORDER.index(held), _ORDER.index(level))]
    holdings = ("; ".join(verdict.reasons) if held is not None else
                f"holdings not judged ({verdict.withheld})"
                + (": " + "; ".join(verdict.reasons) if verdict.reasons else ""))
    text = "; ".join((*lead, holdings))
    return replace(verdict, level=final, summary=text[0].upper() + text[1:] + ".",
                   reasons=(*lead, *verdict.reasons), binding=binding, withheld=None,
                   confidence="high" if held is None else verdict.confidence)


def power_only_verdict(gov: GovernanceReport | None) -> Verdict | None:
    """The verdict of a report without a holder list: delegated power alone, when it binds
    (:func:`power_level` of the delegates needed to reach quorum is set) — "3 delegates can
    reach ENS's 1M ENS quorum alone; …; holdings not judged (no holder list)". ``None``
    when there is no governance or power does not bind: nothing else is known to judge.
    """
    if gov is None or not power_level(gov.scores.delegates_to_quorum):
        return None
    unjudged = Verdict(level=None, summary="", basis_view="delegates",
                       withheld="no holder list")
    return apply_power(unjudged, gov)
