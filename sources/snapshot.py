"""Votes on recent closed Snapshot proposals, fetched and parsed (API_NOTES.md §1.3).

``POST {snapshot_url}`` (``https://hub.snapshot.org/graphql``) with ``{query, variables}``;
the optional key goes in the ``x-api-key`` header. Without a key the hub allows 100
requests/min; :data:`VOTE_CONCURRENCY` proposals are read at a time, each page after page.

For each of the ``K`` most recent closed proposals of the first space (in the order given)
that has any, the votes are read by voting power, largest first, 1,000 per page. The hub
refuses ``skip`` above 5,000, so at most 6,000 votes per proposal are read; a proposal cut
there says so (:attr:`ProposalVotes.capped`).

This module only fetches and parses: :func:`fetch_space_votes` returns a
:class:`SpaceVotes` of raw :class:`ProposalVotes` records (``vp`` values in the space's
strategy units, e.g. delegated tokens). Scoring them is :mod:`pipeline.votes`.

User text (space ids, proposal ids) only ever travels in GraphQL ``variables``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

from core.errors import BadResponse, Refused
from sources.config import SourcesConfig
from sources.http import TTL_DATA, HttpClient
from sources.parsing import finite_float, stripped

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


@dataclass(frozen=True, slots=True)
class ProposalVotes:
    """One closed proposal and the voting power cast on it, as the hub reports it.

    Attributes:
        id: the proposal id.
        title: its title, stripped ("" when missing).
        end: when voting closed, unix seconds (0 when not reported).
        votes: the hub's vote count, or the number of votes read when it gives none.
        powers: the positive ``vp`` of the votes read, largest first (votes whose ``vp`` is
            missing, not a number, zero or negative are left out).
        scores_total: the proposal's total voting power (``scores_total``), ``None`` when
            not reported.
        capped: the hub's ``skip`` cap stopped the reading with full pages still coming.
    """

    id: str
    title: str
    end: int
    votes: int
    powers: tuple[float, ...]
    scores_total: float | None
    capped: bool = False

    @property
    def truncated(self) -> bool:
        """More votes were cast than were read (the cap cut real votes)."""
        return self.capped and self.votes > len(self.powers)


@dataclass(frozen=True, slots=True)
class SpaceVotes:
    """The proposals of the first Snapshot space (of those tried) that has closed ones.

    Attributes:
        tried: the space ids asked, in order, blanks and repeats dropped.
        space: the space the proposals come from ("" when none had any).
        space_name: its display name on Snapshot ("" when not given).
        proposals: most recent first, as the hub ordered them.
    """

    tried: tuple[str, ...]
    space: str
    space_name: str
    proposals: tuple[ProposalVotes, ...]


async def _graphql(http: HttpClient, cfg: SourcesConfig, query: str,
                   variables: dict[str, Any]) -> dict[str, Any]:
    """POST one query and return its ``data``; GraphQL ``errors`` become :class:`BadResponse`.

    Identical queries are answered from the client's POST memo for :data:`TTL_DATA` seconds.
    """
    host = "Snapshot"  # named in messages
    key = cfg.snapshot_api_key.get()  # sent as x-api-key below the cache (sources.http)
    try:
        return await http.post_json(cfg.snapshot_url, {"query": query, "variables": variables},
                                    ttl=TTL_DATA, source="Snapshot",
                                    parse=lambda body: _graphql_data(body, host, key))
    except Refused as exc:  # the hub sends GraphQL errors with HTTP 400 too (checkLimits)
        try:
            body = json.loads(exc.text)
        except ValueError:
            raise exc from None
        _graphql_data(body, host, key)  # raises BadResponse with the hub's own message
        raise


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
        host = "Snapshot"  # named in messages
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
    host = "Snapshot"  # named in messages
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
            vp = finite_float(vote.get("vp")) if isinstance(vote, dict) else None
            if vp is not None and vp > 0:
                powers.append(vp)
        if len(page) < PAGE_SIZE:
            return powers, False
        if skip + PAGE_SIZE > MAX_SKIP:
            return powers, True
        skip += PAGE_SIZE


def parse_proposal(proposal: dict[str, Any], powers: list[float],
                   capped: bool) -> ProposalVotes:
    """A ``proposals`` item (``id title end votes scores_total``) and its votes' powers.

    ``votes`` that is not an int (or a bool) falls back to the number of powers read.
    """
    count = proposal.get("votes")
    end = finite_float(proposal.get("end"))
    return ProposalVotes(
        id=proposal["id"],
        title=stripped(proposal.get("title")),
        end=int(end) if end is not None else 0,
        votes=count if isinstance(count, int) and not isinstance(count, bool) else len(powers),
        powers=tuple(sorted(powers, reverse=True)),
        scores_total=finite_float(proposal.get("scores_total")),
        capped=capped,
    )


async def _proposal_votes(http: HttpClient, cfg: SourcesConfig, proposal: dict[str, Any],
                          gate: asyncio.Semaphore) -> ProposalVotes:
    """Read one proposal's votes (at most :data:`VOTE_CONCURRENCY` proposals at a time)."""
    async with gate:
        powers, capped = await _vote_powers(http, cfg, proposal["id"])
    return parse_proposal(proposal, powers, capped)


async def _first_space_with_proposals(
    http: HttpClient, cfg: SourcesConfig, tried: list[str], first: int,
) -> tuple[str, list[dict[str, Any]]]:
    """The first space of ``tried`` with closed proposals and those proposals ("", [])."""
    for space in tried:
        items = await _closed_proposals(http, cfg, space, first)
        if items:
            return space, items
        log.info("Snapshot space %r has no closed proposals", space)
    return "", []


async def fetch_space_votes(
    http: HttpClient,
    cfg: SourcesConfig,
    spaces: tuple[str, ...],
    proposals: int | None = None,
) -> SpaceVotes:
    """The votes of the most recent closed proposals of the first space that has any.

    Args:
        http: the shared client (retries, limits, POST memo, coalescing).
        cfg: ``snapshot_url``, optional ``snapshot_api_key`` and the default ``proposals``.
        spaces: Snapshot space ids to try in order, e.g. ``("aave.eth", "aavedao.eth")``;
            blank ones are not queried.
        proposals: how many recent closed proposals to read (default ``cfg.proposals``,
            at most 1,000).

    Returns:
        A :class:`SpaceVotes`; its ``proposals`` are empty when no space had any.

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
    space, items = await _first_space_with_proposals(http, cfg, tried, first)
    gate = asyncio.Semaphore(VOTE_CONCURRENCY)
    results = await asyncio.gather(
        *(_proposal_votes(http, cfg, p, gate) for p in items), return_exceptions=True)
    read: list[ProposalVotes] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        read.append(result)
    return SpaceVotes(tried=tuple(tried), space=space, space_name=_space_name(items),
                      proposals=tuple(read))


def _space_name(items: list[dict[str, Any]]) -> str:
    """The space's display name from a proposal's ``space { name }``, or ""."""
    for p in items:
        space = p.get("space")
        if isinstance(space, dict) and isinstance(space.get("name"), str) and space["name"]:
            return space["name"].strip()
    return ""


__all__ = ["MAX_SKIP", "PAGE_SIZE", "PROPOSALS_QUERY", "VOTES_QUERY", "ProposalVotes",
           "SpaceVotes", "fetch_space_votes", "parse_proposal"]
