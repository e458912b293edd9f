"""sources.snapshot (fetch + parse) and pipeline.votes (scoring) against a fake Snapshot hub
served through httpx.MockTransport."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from core.errors import BadResponse, SourceUnavailable
from core.secret import Secret
from pipeline.votes import fetch_votes, score_votes
from scoring.metrics import score_balances
from sources.config import SourcesConfig
from sources.http import HttpClient, make_http_client
from sources.snapshot import (
    MAX_SKIP,
    PAGE_SIZE,
    PROPOSALS_QUERY,
    VOTES_QUERY,
    ProposalVotes,
    SpaceVotes,
    fetch_space_votes,
)

FIXTURES = Path(__file__).parent / "fixtures"
HUB = "https://hub.snapshot.org/graphql"
P1 = "0x" + "a1" * 32
P2 = "0x" + "b2" * 32


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def proposal(pid: str, votes: int, scores_total: float, space: str = "aave.eth",
             name: str = "Aave") -> dict[str, Any]:
    return {"id": pid, "title": f"Proposal {pid[:6]}", "end": 1767830400, "votes": votes,
            "scores_total": scores_total, "space": {"id": space, "name": name}}


def vote_page(n: int, vp: float = 1.0) -> dict[str, Any]:
    return {"data": {"votes": [{"voter": f"0x{i:040x}", "vp": vp} for i in range(n)]}}


class Hub:
    """A fake GraphQL hub: answers by query kind; records every request's JSON body."""

    def __init__(
        self,
        proposals: dict[str, Any] | Callable[[str], Any] | None = None,
        votes: Callable[[str, int], Any] | dict[str, Any] | None = None,
        delay: float = 0.0,
    ) -> None:
        self.proposals = proposals if proposals is not None else {
            "aave.eth": load("snapshot_proposals.json")}
        self.votes = votes if votes is not None else {
            P1: load("snapshot_votes_page1.json"), P2: {"data": {"votes": []}}}
        self.delay = delay
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[httpx.Headers] = []
        self.in_flight = 0
        self.max_in_flight = 0

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        assert request.method == "POST" and str(request.url) == HUB
        body = json.loads(request.content)
        self.bodies.append(body)
        self.headers.append(request.headers)
        variables = body["variables"]
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.delay:
                await asyncio.sleep(self.delay)
            if body["query"] == PROPOSALS_QUERY:
                answer = (self.proposals(variables["space"]) if callable(self.proposals)
                          else self.proposals.get(variables["space"],
                                                  {"data": {"proposals": []}}))
            elif body["query"] == VOTES_QUERY:
                assert variables["first"] == PAGE_SIZE
                answer = (self.votes(variables["proposal"], variables["skip"])
                          if callable(self.votes)
                          else (self.votes[variables["proposal"]] if variables["skip"] == 0
                                else {"data": {"votes": []}}))
            else:
                raise AssertionError(f"unexpected query {body['query']!r}")
        finally:
            self.in_flight -= 1
        return answer if isinstance(answer, httpx.Response) else httpx.Response(200, json=answer)

    def vote_requests(self, pid: str | None = None) -> list[dict[str, Any]]:
        return [b["variables"] for b in self.bodies if b["query"] == VOTES_QUERY
                and (pid is None or b["variables"]["proposal"] == pid)]


async def client_for(handler: Callable[[httpx.Request], Any], tmp_path: Path, closing,
                     **cfg: Any) -> tuple[HttpClient, SourcesConfig]:
    config = SourcesConfig(cache_dir=tmp_path, **cfg)
    http = HttpClient(make_http_client(config, transport=httpx.MockTransport(handler)))
    closing(http)
    return http, config


async def test_proposals_and_votes_are_scored(tmp_path, closing):
    hub = Hub()
    http, cfg = await client_for(hub, tmp_path, closing)

    report = await fetch_votes(http, cfg, ("aave.eth",))

    assert report.space == "aave.eth" and report.note == ""
    first, second = report.proposals
    assert (first.id, first.title, first.end, first.votes) == (
        P1, "[ARFC] Treasury management", 1767830400, 5)
    vps = [600_000.25, 250_000.0, 100_000.25, 49_999.5, 0.5]
    assert first.scores == score_balances(vps)  # denominator: the sum of vp cast
    assert first.scores.denominator == pytest.approx(1_000_000.5)
    assert first.scores.top1_share == pytest.approx(600_000.25 / 1_000_000.5)
    assert first.scores.nakamoto == 1 and first.scores.coverage == 1.0
    assert second.id == P2 and second.votes == 0 and second.scores is None  # empty votes

    (props,) = [b for b in hub.bodies if b["query"] == PROPOSALS_QUERY]
    assert props["variables"] == {"space": "aave.eth", "first": 5}  # cfg.proposals
    assert "orderBy: \"created\", orderDirection: desc" in props["query"]
    assert "state: \"closed\"" in props["query"]
    assert hub.vote_requests() == [{"proposal": P1, "first": 1000, "skip": 0},
                                   {"proposal": P2, "first": 1000, "skip": 0}]
    assert "x-api-key" not in hub.headers[0]


async def test_full_page_fetches_the_next_one(tmp_path, closing):
    def votes(pid: str, skip: int) -> Any:
        return vote_page(1000, 2.0) if skip == 0 else vote_page(250, 1.0)

    hub = Hub(proposals={"s.eth": {"data": {"proposals": [proposal(P1, 1250, 2250.0)]}}},
              votes=votes)
    http, cfg = await client_for(hub, tmp_path, closing)
    report = await fetch_votes(http, cfg, ("s.eth",), proposals=1)

    assert [v["skip"] for v in hub.vote_requests()] == [0, 1000]
    (p,) = report.proposals
    assert p.scores.holders == 1250 and p.scores.denominator == pytest.approx(2250.0)
    assert report.note == ""


async def test_paging_stops_at_the_hub_skip_cap(tmp_path, closing):
    hub = Hub(proposals={"big.eth": {"data": {"proposals": [proposal(P1, 9000, 10_000.0)]}}},
              votes=lambda pid, skip: vote_page(1000, 1.0))  # a paginator that never ends
    http, cfg = await client_for(hub, tmp_path, closing)
    report = await fetch_votes(http, cfg, ("big.eth",))

    skips = [v["skip"] for v in hub.vote_requests()]
    assert skips == [0, 1000, 2000, 3000, 4000, 5000] and max(skips) == MAX_SKIP
    (p,) = report.proposals
    assert p.votes == 9000 and p.scores.holders == 6000
    # truncated: shares are of the proposal's total power, so coverage shows the cut
    assert p.scores.denominator == 10_000.0 and p.scores.coverage == pytest.approx(0.6)
    assert "only the largest 6,000 were read" in report.note


async def test_the_source_returns_raw_votes_and_scores_nothing(tmp_path, closing):
    hub = Hub(proposals={"big.eth": {"data": {"proposals": [proposal(P1, 9000, 10_000.0)]}}},
              votes=lambda pid, skip: vote_page(1000, 1.0 if skip else 2.0))
    http, cfg = await client_for(hub, tmp_path, closing)
    read = await fetch_space_votes(http, cfg, ("empty.eth", "big.eth"))

    assert (read.tried, read.space, read.space_name) == (("empty.eth", "big.eth"), "big.eth",
                                                         "Aave")
    (p,) = read.proposals
    assert (p.id, p.votes, p.scores_total, p.end) == (P1, 9000, 10_000.0, 1767830400)
    assert p.capped and p.truncated and len(p.powers) == 6000
    assert p.powers[:1000] == (2.0,) * 1000 and p.powers[-1] == 1.0  # largest first
    assert not hasattr(p, "scores")


def test_votes_are_scored_from_the_raw_record_alone():
    cut = ProposalVotes(id=P1, title="Big", end=1, votes=9000, powers=(3.0, 1.0),
                        scores_total=8.0, capped=True)
    whole = ProposalVotes(id=P2, title="Small", end=2, votes=2, powers=(3.0, 1.0),
                          scores_total=8.0, capped=False)
    report = score_votes(SpaceVotes(("s.eth",), "s.eth", "S", (cut, whole)))
    first, second = report.proposals
    assert first.scores.denominator == 8.0 and first.scores.coverage == pytest.approx(0.5)
    assert second.scores == score_balances([3.0, 1.0])  # not cut: of the power cast
    assert report.note.startswith("1 of 2 proposals had more than 6,000 votes")
    empty = score_votes(SpaceVotes(("a.eth", "b.eth"), "", "", ()), "Governor", name="X")
    assert empty.space == "a.eth" and empty.proposals == ()
    assert empty.note == ("no closed Snapshot proposals found in a.eth, b.eth. X votes mainly "
                          "on-chain (Governor); Snapshot voting power understates or misses it.")


async def test_exactly_six_thousand_votes_is_not_marked_truncated(tmp_path, closing):
    hub = Hub(proposals={"big.eth": {"data": {"proposals": [proposal(P1, 6000, 6000.0)]}}},
              votes=lambda pid, skip: vote_page(1000, 1.0))
    http, cfg = await client_for(hub, tmp_path, closing)
    report = await fetch_votes(http, cfg, ("big.eth",))
    assert report.note == "" and report.proposals[0].scores.coverage == 1.0


async def test_first_space_empty_second_used(tmp_path, closing):
    hub = Hub(proposals={"aavedao.eth": load("snapshot_proposals.json")})
    http, cfg = await client_for(hub, tmp_path, closing)
    report = await fetch_votes(http, cfg, ("aave.eth", "aavedao.eth"))

    assert report.space == "aavedao.eth" and len(report.proposals) == 2
    spaces = [b["variables"]["space"] for b in hub.bodies if b["query"] == PROPOSALS_QUERY]
    assert spaces == ["aave.eth", "aavedao.eth"]


async def test_no_proposals_anywhere(tmp_path, closing):
    hub = Hub(proposals={})
    http, cfg = await client_for(hub, tmp_path, closing)
    report = await fetch_votes(http, cfg, ("aave.eth", "aavedao.eth"))
    assert report.proposals == ()
    assert report.space == "aave.eth"
    assert report.note.startswith("no closed Snapshot proposals found in aave.eth, aavedao.eth")
    assert not hub.vote_requests()


async def test_graphql_errors_are_bad_responses_without_secrets(tmp_path, closing):
    key = "sk-live-0123456789"
    message = f"invalid api key {key} " + "x" * 500
    hub = Hub(proposals=lambda space: {"errors": [{"message": message}, {"message": "2nd"}],
                                       "data": None})
    http, cfg = await client_for(hub, tmp_path, closing, snapshot_api_key=Secret(key))
    with pytest.raises(BadResponse) as err:
        await fetch_votes(http, cfg, ("aave.eth",))
    text = str(err.value)
    assert key not in text and "invalid api key ***" in text and "2nd" not in text
    assert len(text) <= len("Snapshot refused the query: ") + 200
    assert hub.headers[0]["x-api-key"] == key  # the key travels in the header only
    assert key not in json.dumps(hub.bodies)


@pytest.mark.parametrize("answer", [
    [1, 2],
    {"data": None},
    {"data": {"proposals": {"id": "x"}}},
    httpx.Response(200, content=b'{"data": {"proposals": ['),
])
async def test_malformed_answers_are_bad_responses(tmp_path, closing, answer):
    hub = Hub(proposals=lambda space: answer)
    http, cfg = await client_for(hub, tmp_path, closing)
    with pytest.raises(BadResponse):
        await fetch_votes(http, cfg, ("aave.eth",))


async def test_malformed_votes_page_is_bad_response(tmp_path, closing):
    hub = Hub(votes=lambda pid, skip: {"data": {"votes": "many"}})
    http, cfg = await client_for(hub, tmp_path, closing)
    with pytest.raises(BadResponse, match="votes that are not a list"):
        await fetch_votes(http, cfg, ("aave.eth",))


async def test_vp_floats_strings_and_junk(tmp_path, closing):
    page = {"data": {"votes": [
        {"voter": "0x1", "vp": 10.5}, {"voter": "0x2", "vp": "4.5"}, {"voter": "0x3", "vp": None},
        {"voter": "0x4", "vp": 0}, {"voter": "0x5", "vp": -3}, {"voter": "0x6", "vp": "NaN"},
        {"voter": "0x7"}, "junk", {"voter": "0x8", "vp": True},
    ]}}
    hub = Hub(proposals={"s.eth": {"data": {"proposals": [proposal(P1, 9, 15.0), {"no": "id"}]}}},
              votes={P1: page})
    http, cfg = await client_for(hub, tmp_path, closing)
    (p,) = (await fetch_votes(http, cfg, ("s.eth",))).proposals
    assert p.scores == score_balances([10.5, 4.5])
    assert p.scores.top1_share == pytest.approx(0.7) and p.votes == 9


async def test_onchain_note(tmp_path, closing):
    http, cfg = await client_for(Hub(), tmp_path, closing)
    report = await fetch_votes(http, cfg, ("aave.eth",),
                               onchain_governance="Aave Governance V3 (on-chain)")
    assert report.note == ("Aave votes mainly on-chain (Aave Governance V3 (on-chain)); "
                           "Snapshot voting power understates or misses it.")

    hub = Hub(proposals={})
    http, cfg = await client_for(hub, tmp_path / "2", closing)
    report = await fetch_votes(http, cfg, ("uniswapgovernance.eth",),
                               onchain_governance="GovernorBravo (Tally)", name="Uniswap")
    assert report.note == ("no closed Snapshot proposals found in uniswapgovernance.eth. "
                           "Uniswap votes mainly on-chain (GovernorBravo (Tally)); "
                           "Snapshot voting power understates or misses it.")


async def test_user_text_goes_in_variables_only(tmp_path, closing):
    evil = 'x"], state: "active"}) { id } } #'
    hub = Hub(proposals={})
    http, cfg = await client_for(hub, tmp_path, closing)
    await fetch_votes(http, cfg, (evil, "  ", ""), proposals=3)
    (body,) = hub.bodies  # blank space ids are not queried
    assert body["query"] == PROPOSALS_QUERY
    assert evil not in body["query"]
    assert body["variables"] == {"space": evil, "first": 3}


async def test_post_memo_sends_nothing_the_second_time(tmp_path, closing):
    hub = Hub()
    http, cfg = await client_for(hub, tmp_path, closing)
    first = await fetch_votes(http, cfg, ("aave.eth",))
    sent = len(hub.bodies)
    second = await fetch_votes(http, cfg, ("aave.eth",))
    assert second == first and len(hub.bodies) == sent == 3


async def test_vote_queries_two_at_a_time(tmp_path, closing):
    ids = [f"0x{i:064x}" for i in range(6)]
    hub = Hub(proposals={"s.eth": {"data": {"proposals": [proposal(i, 1, 1.0) for i in ids]}}},
              votes=lambda pid, skip: vote_page(1), delay=0.01)
    http, cfg = await client_for(hub, tmp_path, closing)
    report = await fetch_votes(http, cfg, ("s.eth",), proposals=6)
    assert len(report.proposals) == 6 and len(hub.vote_requests()) == 6
    assert hub.max_in_flight == 2


async def test_hub_outage_and_rate_limit_then_success(tmp_path, closing):
    answers = [httpx.Response(429, headers={"Retry-After": "2"}), httpx.Response(502)]
    hub = Hub()

    async def flaky(request: httpx.Request) -> httpx.Response:
        return answers.pop() if answers else await hub(request)

    http, cfg = await client_for(flaky, tmp_path, closing)
    assert len((await fetch_votes(http, cfg, ("aave.eth",))).proposals) == 2

    http, cfg = await client_for(lambda r: httpx.Response(503), tmp_path / "2", closing)
    with pytest.raises(SourceUnavailable):
        await fetch_votes(http, cfg, ("aave.eth",))


async def test_proposals_must_be_positive(tmp_path, closing):
    http, cfg = await client_for(Hub(), tmp_path, closing)
    with pytest.raises(ValueError):
        await fetch_votes(http, cfg, ("aave.eth",), proposals=0)
