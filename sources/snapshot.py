"""Voting power on recent closed Snapshot proposals (DESIGN.md §2, API_NOTES.md §1.3).

``POST {snapshot_url}`` (``https://hub.snapshot.org/graphql``) with ``{query, variables}``;
the optional key goes in the ``x-api-key`` header. Without a key the hub allows 100
requests/min; :data:`VOTE_CONCURRENCY` proposals are read at a time, each page after page.

For each of the ``K`` most recent closed proposals of the first space (in the order given)
that has any, the votes are read by voting power, largest first, 1,000 per page. The hub
refuses ``skip`` above 5,000, so at most 6,000 votes per proposal are read: when that cap is
hit the report's note says so, and shares are taken of the proposal's ``scores_total``.

The scored balances are the votes' ``vp`` (voting power in the space's strategy units, e.g.
delegated tokens) and the denominator is the sum of vp cast on that proposal — the listed sum
(``denominator=None``) when every vote was read. So ``top10_share`` is "the 10 largest voters'
share of the power that voted", not of the token supply.

User text (space ids, proposal ids) only ever travels in GraphQL ``variables``.
"""

from __future__ import annotations

import asyncio
import logging
import math
from typing import Any

from core.errors import BadResponse
from core.votes import ProposalPower, VoteReport
from scoring.metrics import score_balances
from sources.config import SourcesConfig
from sources.http import TTL_DATA, HttpClient

log = logging.getLogger(__name__)

PROPOSALS_QUERY = """
query Proposals($space: String!, $first: Int!) {
  proposals(
    first: $first, skip: 0,
    where: {space_in: [$space], state: "closed"},
    orderBy: "created", orderDirection: desc
  ) { id title end votes scores_total space { id name } }
}
""".strip()

VOTES_QUERY = """
query Votes($proposal: String!, $first: Int!, $skip: Int!) {
  votes(
    first: $first, skip: $skip,
    where: {proposal: $proposal},
    orderBy: "vp", orderDirection: desc
  ) { voter vp }
}
""".strip()

#: Hub caps (hub ``src/graphql/helpers.ts``): ``first`` ≤ 1000, ``skip`` ≤ 5000.
PAGE_SIZE = 1000
MAX_SKIP = 5000
#: Proposals whose votes are read at the same time (the hub allows 100 requests/min).
VOTE_CONCURRENCY = 2
#: GraphQL error messages are cut to this many characters.
MAX_ERROR_CHARS = 200


def _number(value: Any) -> float | None:
    """A finite float from a JSON number or numeric string, else ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        result = float(value) if isinstance(value, int | float | str) else math.nan
    except ValueError:
        return None
    return result if math.isfinite(result) else None


def _host(url: str) -> str:
    return url.split("://", 1)[-1].split("/", 1)[0]


async def _graphql(http: HttpClient, cfg: SourcesConfig, query: str,
                   variables: dict[str, Any]) -> dict[str, Any]:
    """POST one query and return its ``data``; GraphQL ``errors`` become :class:`BadResponse`.

    Identical queries are answered from the client's POST memo for :data:`TTL_DATA` seconds.
    """
    host = _host(cfg.snapshot_url)
    key = cfg.snapshot_api_key.get()
    headers = {"x-api-key": key} if key else None
    return await http.post_json(cfg.snapshot_url, {"query": query, "variables": variables},
                                headers=headers, ttl=TTL_DATA,
                                parse=lambda body: _graphql_data(body, host, key))


def _graphql_data(body: Any, host: str, key: str) -> dict[str, Any]:
    """The ``data`` of a GraphQL answer; ``errors`` (the key redacted) become BadResponse."""
    if not isinstance(body, dict):
        raise BadResponse(f"{host} sent a GraphQL answer that is not an object.", host)
    errors = body.get("errors")
    if errors:
        first = errors[0] if isinstance(errors, list) and errors else errors
        message = first.get("message") if isinstance(first, dict) else first
        text = str(message or "unknown error")
        if key:
            text = text.replace(key, "***")
        if len(text) > MAX_ERROR_CHARS:
            text = text[: MAX_ERROR_CHARS - 1] + "…"
        raise BadResponse(f"Snapshot refused the query: {text}", host)
    data = body.get("data")
    if not isinstance(data, dict):
        raise BadResponse(f"{host} sent a GraphQL answer without data.", host)
    return data


async def _closed_proposals(http: HttpClient, cfg: SourcesConfig, space: str,
                            first: int) -> list[dict[str, Any]]:
    """The ``first`` most recent closed proposals of ``space`` (proposals without an id dropped)."""
    data = await _graphql(http, cfg, PROPOSALS_QUERY, {"space": space, "first": first})
    items = data.get("proposals")
    if items is None:
        return []
    if not isinstance(items, list):
        host = _host(cfg.snapshot_url)
        raise BadResponse(f"{host} sent proposals that are not a list.", host)
    good = [p for p in items if isinstance(p, dict) and isinstance(p.get("id"), str) and p["id"]]
    if len(good) < len(items):
        log.warning("Snapshot space %r: %d malformed proposals skipped", space,
                    len(items) - len(good))
    return good


async def _vote_powers(http: HttpClient, cfg: SourcesConfig,
                       proposal_id: str) -> tuple[list[float], bool]:
    """Positive ``vp`` of a proposal's votes, largest first, and whether the skip cap cut it.

    Pages of :data:`PAGE_SIZE` are read while they come back full, up to ``skip`` =
    :data:`MAX_SKIP`. Votes whose vp is missing, not a number or not positive are skipped.
    """
    host = _host(cfg.snapshot_url)
    powers: list[float] = []
    skip = 0
    while True:
        data = await _graphql(http, cfg, VOTES_QUERY,
                              {"proposal": proposal_id, "first": PAGE_SIZE, "skip": skip})
        page = data.get("votes")
        if page is None:
            page = []
        if not isinstance(page, list):
            raise BadResponse(f"{host} sent votes that are not a list.", host)
        for vote in page:
            vp = _number(vote.get("vp")) if isinstance(vote, dict) else None
            if vp is not None and vp > 0:
                powers.append(vp)
        if len(page) < PAGE_SIZE:
            return powers, False
        if skip + PAGE_SIZE > MAX_SKIP:
            return powers, True
        skip += PAGE_SIZE


async def _proposal_power(http: HttpClient, cfg: SourcesConfig, proposal: dict[str, Any],
                          gate: asyncio.Semaphore) -> tuple[ProposalPower, bool]:
    """Score one proposal; the flag is True when its votes were cut at the hub's skip cap."""
    async with gate:
        powers, capped = await _vote_powers(http, cfg, proposal["id"])
    count = proposal.get("votes")
    vote_count = count if isinstance(count, int) and not isinstance(count, bool) else len(powers)
    truncated = capped and vote_count > len(powers)
    denominator = None
    if truncated:
        total = _number(proposal.get("scores_total"))
        if total is not None and total >= math.fsum(powers):
            denominator = total
    scores = score_balances(powers, denominator) if powers else None
    end = _number(proposal.get("end"))
    title = proposal.get("title")
    return ProposalPower(
        id=proposal["id"],
        title=title.strip() if isinstance(title, str) else "",
        end=int(end) if end is not None else 0,
        votes=vote_count,
        scores=scores,
    ), truncated


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
        A :class:`VoteReport`: ``space`` is the space used (the first one given when none had
        proposals); each :class:`ProposalPower` has ``end`` in unix seconds and ``scores``
        ``None`` when nobody voted with positive power. ``note`` explains empty results,
        truncation at the hub's cap and on-chain governance.

    Raises:
        ValueError: ``proposals`` < 1 (a programming error).
        BadResponse: GraphQL errors or a malformed answer.
        SourceUnavailable, RateLimited: the hub could not be reached.
    """
    first = cfg.proposals if proposals is None else proposals
    if first < 1:
        raise ValueError(f"proposals must be at least 1, not {first}")
    first = min(first, PAGE_SIZE)
    tried = list(dict.fromkeys(s.strip() for s in spaces if s and s.strip()))

    space_used, items = "", []
    for space in tried:
        items = await _closed_proposals(http, cfg, space, first)
        if items:
            space_used = space
            break
        log.info("Snapshot space %r has no closed proposals", space)

    notes: list[str] = []
    powers: tuple[ProposalPower, ...] = ()
    if not items:
        notes.append(f"no closed Snapshot proposals found in {', '.join(tried) or '(no space)'}.")
    else:
        gate = asyncio.Semaphore(VOTE_CONCURRENCY)
        results = await asyncio.gather(
            *(_proposal_power(http, cfg, p, gate) for p in items), return_exceptions=True)
        done: list[tuple[ProposalPower, bool]] = []
        for r in results:
            if isinstance(r, BaseException):
                raise r
            done.append(r)
        powers = tuple(p for p, _ in done)
        cut = [p.id for p, truncated in done if truncated]
        if cut:
            notes.append(
                f"{len(cut)} of {len(powers)} proposals had more than "
                f"{MAX_SKIP + PAGE_SIZE:,} votes; only the largest {MAX_SKIP + PAGE_SIZE:,} "
                "were read (Snapshot hub limit); their shares are of the proposal's total power "
                "(scores_total) when the hub reports it.")
    if onchain_governance.strip():
        who = name or _space_name(items) or space_used or (tried[0] if tried else "This DAO")
        notes.append(f"{who} votes mainly on-chain ({onchain_governance.strip()}); Snapshot "
                     "voting power understates or misses it.")
    return VoteReport(space=space_used or (tried[0] if tried else ""), proposals=powers,
                      note=" ".join(notes))


def _space_name(items: list[dict[str, Any]]) -> str:
    """The space's display name from a proposal's ``space { name }``, or ""."""
    for p in items:
        space = p.get("space")
        if isinstance(space, dict) and isinstance(space.get("name"), str) and space["name"]:
            return space["name"].strip()
    return ""


__all__ = ["MAX_SKIP", "PAGE_SIZE", "PROPOSALS_QUERY", "VOTES_QUERY", "fetch_votes"]
