"""Voting-power results of Snapshot proposals, scored with the same metrics as holders."""

from __future__ import annotations

from dataclasses import dataclass

from core.scores import Scores


@dataclass(frozen=True, slots=True)
class ProposalPower:
    """Voting power of one closed Snapshot proposal, scored like a holder list.

    ``scores`` is ``None`` when the proposal had no votes with positive power.
    """

    id: str
    title: str
    end: int  # unix seconds
    votes: int
    scores: Scores | None

@dataclass(frozen=True, slots=True)
class VoteReport:
    """Recent Snapshot voting power of a DAO."""

    space: str
    proposals: tuple[ProposalPower, ...]
    note: str = ""  # e.g. "votes mainly on-chain; Snapshot understates power"
