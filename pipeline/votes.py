"""The votes stage: Snapshot votes (from :mod:`sources.snapshot`) scored like holder lists.

The scored balances of a proposal are its votes' ``vp`` (voting power in the space's
strategy units, e.g. delegated tokens) and the denominator is the sum of vp cast on it —
the listed sum (``denominator=None``) when every vote was read. So ``top10_share`` is "the
10 largest voters' share of the power that voted", not of the token supply. When the hub's
skip cap cut a proposal's votes, shares are taken of its ``scores_total`` (when reported and
not below what was read), so the coverage shows the cut, and the note says so.
"""

from __future__ import annotations

import math

from core.votes import ProposalPower, VoteReport
from scoring.metrics import score_balances
from sources.config import SourcesConfig
from sources.http import HttpClient
from sources.snapshot import MAX_SKIP, PAGE_SIZE, ProposalVotes, SpaceVotes, fetch_space_votes


async def fetch_votes(
    http: HttpClient,
    cfg: SourcesConfig,
    spaces: tuple[str, ...],
    proposals: int | None = None,
    onchain_governance: str = "",
    *,
    name: str | None = None,
) -> VoteReport:
    """Voting power of the most recent closed proposals of the first space that has any.

    Fetches with :func:`sources.snapshot.fetch_space_votes`, then :func:`score_votes`.

    Args:
        http: the shared client (retries, limits, POST memo, coalescing).
        cfg: ``snapshot_url``, optional ``snapshot_api_key`` and the default ``proposals``.
        spaces: Snapshot space ids to try in order, e.g. ``("aave.eth", "aavedao.eth")``.
        proposals: how many recent closed proposals to score (default ``cfg.proposals``,
            at most 1,000).
        onchain_governance: how the DAO votes on-chain ("GovernorBravo (Tally)"); when set,
            the note says that Snapshot understates power.
        name: the DAO's name for the note; default the space's name on Snapshot.

    Returns:
        See :func:`score_votes`.

    Raises:
        ValueError: ``proposals`` < 1 (a programming error).
        BadResponse: GraphQL errors or a malformed answer.
        SourceUnavailable, RateLimited: the hub could not be reached.
    """
    read = await fetch_space_votes(http, cfg, spaces, proposals)
    return score_votes(read, onchain_governance, name=name)


def score_proposal(proposal: ProposalVotes) -> ProposalPower:
    """One proposal's voting power scored with :func:`scoring.metrics.score_balances`.

    The denominator is the sum of the vp read, except for a proposal the skip cap cut
    (:attr:`ProposalVotes.truncated`): then its ``scores_total`` when reported and at least
    the sum read. ``scores`` is ``None`` when nobody voted with positive power.
    """
    denominator = None
    total = proposal.scores_total
    if proposal.truncated and total is not None and total >= math.fsum(proposal.powers):
        denominator = total
    scores = score_balances(proposal.powers, denominator) if proposal.powers else None
    return ProposalPower(id=proposal.id, title=proposal.title, end=proposal.end,
                         votes=proposal.votes, scores=scores)


def score_votes(read: SpaceVotes, onchain_governance: str = "", *,
                name: str | None = None) -> VoteReport:
    """A :class:`VoteReport` from the votes read.

    ``space`` is the space used (the first one tried when none had proposals); ``note``
    explains empty results, truncation at the hub's cap and on-chain governance (naming
    ``name``, else the space's name on Snapshot, else its id).
    """
    powers = tuple(score_proposal(p) for p in read.proposals)
    notes: list[str] = []
    if not read.proposals:
        notes.append("no closed Snapshot proposals found in "
                     f"{', '.join(read.tried) or '(no space)'}.")
    cut = sum(1 for p in read.proposals if p.truncated)
    if cut:
        notes.append(
            f"{cut} of {len(powers)} proposals had more than "
            f"{MAX_SKIP + PAGE_SIZE:,} votes; only the largest {MAX_SKIP + PAGE_SIZE:,} "
            "were read (Snapshot hub limit); their shares are of the proposal's total power "
            "(scores_total) when the hub reports it.")
    if onchain_governance.strip():
        who = (name or read.space_name or read.space
               or (read.tried[0] if read.tried else "This DAO"))
        notes.append(f"{who} votes mainly on-chain ({onchain_governance.strip()}); Snapshot "
                     "voting power understates or misses it.")
    space = read.space or (read.tried[0] if read.tried else "")
    return VoteReport(space=space, proposals=powers, note=" ".join(notes))


__all__ = ["fetch_votes", "score_proposal", "score_votes"]
