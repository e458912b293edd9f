"""On-chain governance power: who can pass a proposal (delegates, quorum, threshold).

Assembled by :mod:`pipeline.governance` from the chain reads of :mod:`sources.governance`
and the maths of :mod:`scoring.power`; read by the renderings, the embeds and the chart.
Votes are in whole tokens (the raw on-chain integers divided by 10^decimals).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Delegate:
    """One delegate and its current votes.

    Attributes:
        address: lower-case address.
        votes: current votes (tokens).
        share: share of the delegated votes (0–1; ``None`` when that total is unknown).
        supply_share: share of the token supply (0–1; ``None`` without a supply).
        label: a name for the address ("" when nobody labelled it).
        category: the label's category ("wallet", "unlabeled", …).
        label_source: where the label comes from ("" when none).
    """

    address: str
    votes: float
    share: float | None
    supply_share: float | None
    label: str = ""
    category: str = "unlabeled"
    label_source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"address": self.address, "votes": self.votes, "share": self.share,
                "supply_share": self.supply_share, "label": self.label,
                "category": self.category, "label_source": self.label_source}


@dataclass(frozen=True, slots=True)
class PowerScores:
    """The maths on a delegate list (see :func:`scoring.power.score_power`).

    Attributes:
        delegates_to_quorum: fewest top delegates whose votes alone reach quorum; ``None``
            when the delegates found do not reach it (or quorum is unknown).
        nakamoto: fewest top delegates holding more than half of the delegated votes;
            ``None`` when the total is unknown or not reached.
        over_threshold: delegates that can each make a proposal alone.
        top5_share / top10_share: the top delegates' share of the delegated votes.
        inactive_share: share of the supply not delegated (0–1), ``None`` when unknown.
    """

    delegates_to_quorum: int | None
    nakamoto: int | None
    over_threshold: int
    top5_share: float | None
    top10_share: float | None
    inactive_share: float | None


@dataclass(frozen=True, slots=True)
class PowerTrend:
    """Today's top delegates ``days`` ago, from the tokens' checkpoints.

    Attributes:
        days: 30 or 90.
        block: the block of that date (the last one at or before it).
        date: that block's date (ISO, UTC).
        top: how many of today's top delegates are compared.
        votes_then / votes_now: their summed votes then and now (tokens).
        share_then / share_now: the same as shares of the supply (0–1; ``None`` unknown).
        change_points: ``share_now − share_then`` in percentage points (``None`` unknown).
        delegates_to_quorum_then: how many of them reached quorum then (``None``: not).
    """

    days: int
    block: int
    date: str
    top: int
    votes_then: float
    votes_now: float
    share_then: float | None
    share_now: float | None
    change_points: float | None
    delegates_to_quorum_then: int | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"days": self.days, "block": self.block, "date": self.date, "top": self.top,
                "votes_then": self.votes_then, "votes_now": self.votes_now,
                "share_then": self.share_then, "share_now": self.share_now,
                "change_points": self.change_points,
                "delegates_to_quorum_then": self.delegates_to_quorum_then}


@dataclass(frozen=True, slots=True)
class GovernanceReport:
    """Who can pass a proposal in one on-chain DAO, at one block.

    Attributes:
        dao / symbol: the DAO's name and token symbol.
        chain / governor / governor_label / kind: where the governor lives and its type
            (``bravo``, ``oz``, ``agora``, ``aave3``).
        block / as_of: the block every figure was read at, and its time (ISO, UTC).
        quorum: votes needed (tokens), ``None`` when the governor could not say.
        quorum_rule: how votes count towards it ("For votes ≥ quorum").
        proposal_threshold: votes needed to propose (tokens), ``None`` unknown.
        supply: the voting token's total supply (tokens), ``None`` unknown.
        delegated_votes: all delegated votes (tokens) — exact when ``delegated_exact``,
            else the sum over the delegates found (a lower bound).
        delegates: the delegates found, largest first (at most the kept top ones).
        delegates_found: how many delegates with votes were found in all.
        scores: :class:`PowerScores` of the delegates found.
        method: how the delegate set was found (sentence).
        complete: whether the set is every delegate (a completed log scan) — else it is a
            lower bound.
        completeness: how complete it is, in words.
        trend: the 30/90-day comparisons (empty when the tokens keep no checkpoints).
        notes: caveats (per-proposal quorum, migration, what was left out).
        source: the node read ("Ethereum JSON-RPC"); ``addresses_source``: where the
            governor and token addresses come from.
    """

    dao: str
    symbol: str
    chain: str
    governor: str
    governor_label: str
    kind: str
    block: int
    as_of: str
    quorum: float | None
    quorum_rule: str
    proposal_threshold: float | None
    supply: float | None
    delegated_votes: float | None
    delegated_exact: bool
    delegates: tuple[Delegate, ...]
    delegates_found: int
    scores: PowerScores
    method: str
    complete: bool
    completeness: str
    trend: tuple[PowerTrend, ...] = ()
    notes: tuple[str, ...] = ()
    source: str = ""
    addresses_source: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The ``governance`` object of ``lorenz analyze --json``."""
        s = self.scores
        return {
            "dao": self.dao, "symbol": self.symbol, "chain": self.chain,
            "governor": self.governor, "governor_label": self.governor_label,
            "kind": self.kind, "block": self.block, "as_of": self.as_of,
            "quorum": self.quorum, "quorum_rule": self.quorum_rule,
            "proposal_threshold": self.proposal_threshold, "supply": self.supply,
            "delegated_votes": self.delegated_votes, "delegated_exact": self.delegated_exact,
            "delegates_to_quorum": s.delegates_to_quorum, "delegate_nakamoto": s.nakamoto,
            "delegates_over_threshold": s.over_threshold, "top5_share": s.top5_share,
            "top10_share": s.top10_share, "inactive_share": s.inactive_share,
            "delegates_found": self.delegates_found,
            "top_delegates": [d.to_dict() for d in self.delegates],
            "method": self.method, "complete": self.complete,
            "completeness": self.completeness,
            "trend": [t.to_dict() for t in self.trend],
            "notes": list(self.notes), "source": self.source,
            "addresses_source": self.addresses_source,
        }
