"""Faults in the middle of a conversation, through the real bot (simcord + the fake APIs).

Every case is one short conversation in a fresh bot with a fresh HTTP cache:

1. ``/concentration uniswap`` succeeds (the directory and Uniswap's data are now cached);
2. a fault is switched on and a *different* protocol is asked about, so the fault is hit
   on the network and not answered from the HTTP cache of step 1 (asserted by counting the
   faulted requests). The bot must answer with a clear reply: an embed that says what is
   missing, or one short error sentence — never a traceback, always within Discord's limits,
   pinging nobody — and raise only our own error family;
3. the fault is switched off, the analysis cache is cleared, and the same question is asked
   again: the answer must be complete, i.e. no bad response was kept in the HTTP cache.

Faults at the httpx boundary come from :class:`tests.fake_upstream.FakeUpstream` (``faults``
and ``tokens``) plus :class:`tests.conversation.Rules` (bodies built per request: bursts,
Retry-After headers, wrong types). Discord refusing our replies comes from simcord's
``inject_error``.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import stamina

from core.errors import BadResponse, LorenzError
from sources.config import SourcesConfig
from sources.directory import BUILTIN, Directory
from sources.http import MAX_RETRY_AFTER, HttpClient, make_http_client
from tests.conversation import (
    Charts,
    Reply,
    Rule,
    Rules,
    ask,
    body,
    burst,
    graphql,
    patch_json,
    rules_bot,
    status,
    switch_charts,
)
from tests.fake_upstream import AAVE, FakeUpstream, Token, synthetic_holders
from tests.reply_checks import DISCORD_REFUSALS, check_all_replies, expect_only

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: Attempts per request in tests (conftest sets stamina's testing mode to 3, without waits).
ATTEMPTS = 3


def _address(name: str) -> str:
    return next(b.record.token_address for b in BUILTIN if b.record.name == name) or ""


LDO, ENS, SUSHI, ONEINCH, BAL = (_address(n) for n in ("Lido", "ENS", "Sushi", "1inch",
                                                         "Balancer"))
HOLDERS = f"tokens/{AAVE}/holders"
AAVE_INFO = f"tokens/{AAVE}"


# --------------------------------------------------------------------------- body changes


def _set(key: str, value: Any) -> Callable[[Any], None]:
    return lambda doc: doc.__setitem__(key, value)


def _first_item(key: str, value: Any) -> Callable[[Any], None]:
    return lambda doc: doc["items"][0].__setitem__(key, value)


def _vp_garbage(doc: Any) -> None:
    for i, vote in enumerate(doc["data"]["votes"]):
        vote["vp"] = [None, "lots", {"x": 1}, -5, True, "NaN"][i % 6] if i % 2 else vote["vp"]


A_WALLET = "0x" + "11" * 20
FAR_FUTURE = "Wed, 01 Jan 2099 00:00:00 GMT"


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One fault in a conversation.

    Attributes:
        id: test id.
        protocol: what the faulty command asks about (never asked before in the test).
        command: "concentration", "holders", "fees", "votes" or "mention".
        faults: ``FakeUpstream.faults`` entries (URL substring → fault kind).
        rules: :class:`Rules` entries (URL substring or "$path-suffix" → rule).
        tokens: extra tokens for the fake (data that is odd but not a fault).
        expect: substrings the reply must contain.
        error: the reply is one error sentence, ephemeral for slash commands (else an embed).
        hits: ``(URL substring, requests)`` — how often the faulted URL was asked.
        recover: protocol asked after the fault is lifted ("" = the same one again).
        draw: draw the faulty answer's chart for real (odd data, or a part missing); other
            charts are stubbed to keep the conversations short.
        not_asked: URL substrings the command must not ask (parts it does not show).
    """

    id: str
    protocol: str
    command: str = "concentration"
    faults: dict[str, Any] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    tokens: tuple[Token, ...] = ()
    expect: tuple[str, ...] = ()
    error: bool = False
    hits: tuple[str, int] | None = None
    recover: str = ""
    draw: bool = False
    not_asked: tuple[str, ...] = ()


#: Every host (the fees overview is shared by all protocols: it comes from the HTTP cache).
ALL_DOWN = ("blockscout.com", "api.llama.fi/summary", "hub.snapshot.org", "api.ethplorer.io",
            "publicnode.com")  # the default Ethereum JSON-RPC node
NO_VERDICT = "no verdict"

CASES = [
    # -- transport faults on the holder API (Ethereum: the Ethplorer fallback fails too) --
    Case("holders-timeout", "aave", faults={HOLDERS: "timeout"},
         expect=(NO_VERDICT, "Aave — holder list: Blockscout did not answer in time"),
         hits=(HOLDERS, ATTEMPTS), draw=True),
    # /holders shows only holders: none came back, so one error sentence naming Aave
    Case("holders-connection-reset", "aave", "holders", faults={HOLDERS: "reset"},
         expect=("Could not reach Blockscout", "for Aave"), error=True),
    Case("429-storm-without-retry-after", "aave", rules={HOLDERS: status(429)},
         expect=("Blockscout is rate-limiting us",), hits=(HOLDERS, ATTEMPTS)),
    Case("429-short-retry-after-is-retried", "aave",
         rules={HOLDERS: status(429, **{"Retry-After": "2"})},
         expect=("rate-limiting us",), hits=(HOLDERS, ATTEMPTS)),
    Case("429-retry-after-3600s-not-waited", "aave",
         rules={HOLDERS: status(429, **{"Retry-After": "3600"})},
         expect=("rate-limiting us",), hits=(HOLDERS, 1)),
    Case("429-retry-after-date-2099-not-waited", "aave", "mention",
         rules={HOLDERS: status(429, **{"Retry-After": FAR_FUTURE})},
         expect=("rate-limiting us",), hits=(HOLDERS, 1)),
    Case("5xx-burst-absorbed-by-retries", "aave", rules={HOLDERS: burst(503, 2)},
         expect=("wallets control a majority",)),
    Case("5xx-persistent", "aave", rules={HOLDERS: status(502)},
         expect=("Blockscout is having trouble (HTTP 502)",), hits=(HOLDERS, ATTEMPTS)),
    # -- bodies that are not what the documentation promises --
    Case("holders-truncated-json", "aave", faults={HOLDERS: "truncated"},
         expect=("Blockscout sent a body that is not valid JSON",)),
    Case("holders-html-instead-of-json", "aave", "mention", faults={HOLDERS: "garbage"},
         expect=("not valid JSON",)),
    Case("holders-10-MB-body", "aave", faults={HOLDERS: "huge"},
         expect=("larger than 8 MB",)),
    Case("holder-value-is-a-list", "aave", rules={HOLDERS: patch_json(_first_item("value",
                                                                                   [1, 2]))},
         expect=("holder balance", "not a whole number")),
    Case("holder-value-is-a-float-string", "aave",
         rules={HOLDERS: patch_json(_first_item("value", "1.5e21"))},
         expect=("not a whole number",)),
    Case("holder-address-missing", "aave", rules={HOLDERS: patch_json(_first_item("address",
                                                                                   None))},
         expect=("without a valid address",)),
    Case("holders-items-not-a-list", "aave", rules={HOLDERS: body({"items": {"0": 1}})},
         expect=("without an items list",)),
    Case("holders-next-page-params-unechoable", "aave",
         rules={HOLDERS: patch_json(_set("next_page_params", {"cursor": {"nested": [1]}}))},
         expect=("cannot be echoed",)),
    Case("decimals-abc", "aave", rules={f"${AAVE_INFO}": patch_json(_set("decimals", "abc"))},
         expect=("decimals 'abc'",)),
    Case("total-supply-is-a-dict", "aave",
         rules={f"${AAVE_INFO}": patch_json(_set("total_supply", {"raw": 1}))},
         expect=("not a whole number",)),
    Case("fees-500", "aave", "fees", rules={"summary/fees/aave": status(500)},
         expect=("for Aave", "fees: DefiLlama is having trouble (HTTP 500)"),
         error=True, not_asked=("blockscout.com", "hub.snapshot.org")),
    Case("fee-totals-are-dicts", "aave", "fees",
         rules={"summary/fees/aave": patch_json(lambda d: d.update(
             {k: {"usd": 1} for k in ("total24h", "total7d", "total30d", "totalAllTime")}))},
         expect=("where the fees go", "paid")),
    Case("fee-chart-is-a-dict", "aave", "fees",
         rules={"summary/fees/aave": patch_json(_set("totalDataChart", {"a": 1}))},
         expect=("No data for Aave", "DefiLlama sent", "not a list"), error=True),
    Case("fee-summary-truncated", "aave", faults={"summary/fees/aave": "truncated"},
         expect=("Aave — fees: DefiLlama sent a body that is not valid JSON",)),
    Case("snapshot-html", "curve", "votes", faults={"hub.snapshot.org": "garbage"},
         expect=("No data for Curve", "votes: Snapshot sent a body that is not valid JSON"),
         error=True),
    # an on-chain DAO still answers /votes with its delegates; Snapshot's failure is named
    Case("snapshot-html-onchain", "aave", "votes", faults={"hub.snapshot.org": "garbage"},
         expect=("can reach Aave's", "votes: Snapshot sent a body that is not valid JSON")),
    Case("snapshot-graphql-errors", "aave", "votes",
         rules={"hub.snapshot.org": body({"errors": [{"message": "too many requests"}]})},
         expect=("Aave", "Snapshot refused the query: too many requests")),
    Case("snapshot-vp-wrong-types", "aave", "votes",
         rules={"hub.snapshot.org": graphql("votes", patch_json(_vp_garbage))},
         expect=("Proposal 0",)),
    # -- every source down at once: one short error sentence --
    Case("everything-times-out", "compound", faults=dict.fromkeys(ALL_DOWN, "timeout"),
         expect=("Could not reach", "no data fetched"), error=True),
    Case("everything-resets", "compound", "mention", faults=dict.fromkeys(ALL_DOWN, "reset"),
         expect=("Could not reach", "Blockscout"), error=True),
    Case("everything-503", "compound", "holders",
         faults=dict.fromkeys(("blockscout.com", "api.ethplorer.io"), 503),
         expect=("Could not reach", "for Compound", "holder list"), error=True,
         not_asked=("api.llama.fi/summary", "hub.snapshot.org")),
    # -- odd but real data: a verdict where one is possible, else what is missing --
    Case("zero-supply", "lido", recover="curve",
         tokens=(Token(LDO, "LDO", "Lido DAO Token", synthetic_holders(60, 11), 0, 9000),),
         expect=("wallets control a majority", "supply unknown"), draw=True),
    Case("negative-balance", "ens", recover="curve",
         tokens=(Token(ENS, "ENS", "ENS", [*synthetic_holders(20, 2), (A_WALLET, -5.0)],
                       1e8, 50_000),),
         # the list is refused and said so; ENS's on-chain delegates still judge power
         expect=("negative holder balance", "delegates can reach", "holdings not judged"),
         draw=True),
    Case("empty-holder-list", "sushi", "holders", recover="curve",
         tokens=(Token(SUSHI, "SUSHI", "SushiToken", [], 2.5e8, 0),),
         expect=("No data for", "lists no holders"), error=True),
    Case("single-holder", "1inch", recover="curve",
         tokens=(Token(ONEINCH, "1INCH", "1INCH Token", [(A_WALLET, 1.5e9)], 1.5e9, 1),),
         # one unlabelled wallet holds it all: the figures are shown, the level withheld
         expect=("1 wallet controls a majority",
                 "1 of the top 1 owner-held holders are unidentified"), draw=True),
    Case("supply-below-listed-sum", "balancer", recover="curve",
         tokens=(Token(BAL, "BAL", "Balancer", synthetic_holders(40, 4), 1.0, 40),),
         expect=("wallets control a majority",), draw=True),
]


# --------------------------------------------------------------------------- fixtures, helpers


@pytest.fixture
def rules(fake: FakeUpstream) -> Rules:
    """Per-request faults in front of the fake upstream."""
    return Rules(fake)


@pytest.fixture
def simcord_bot(rules: Rules, tmp_path):
    """The real bot behind :class:`Rules`, with a fresh HTTP cache."""
    return rules_bot(rules, tmp_path)


@pytest.fixture
def charts(monkeypatch: pytest.MonkeyPatch) -> Charts:
    """The report chart, stubbed unless ``charts.real``."""
    return switch_charts(monkeypatch)


def assert_complete(reply: Reply) -> None:
    """A full answer: a verdict, nothing missing, nothing stale."""
    assert len(reply.payloads) == 1, reply.payloads
    embed = reply.payloads[0]["embeds"][0]
    assert NO_VERDICT not in embed["title"], reply.text
    assert "wallet" in embed["description"], reply.text
    assert "Live data unavailable" not in reply.text
    assert not [f for f in embed.get("fields", ()) if f["name"] == "Missing"], reply.text


def asked_since(fake: FakeUpstream, before: Counter[str], needle: str) -> int:
    """Requests to URLs containing ``needle`` since the ``before`` snapshot of the calls."""
    return fake.count(needle) - sum(n for key, n in before.items() if needle in key)


def unexpected_log_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """ERROR records: the error handler logs every *unexpected* error at that level."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


# --------------------------------------------------------------------------- tests


def test_cases_cover_the_brief():
    """Guard: every fault class the issue lists has at least one case."""
    ids = " ".join(c.id for c in CASES)
    for word in ("timeout", "reset", "429", "retry-after", "5xx", "truncated", "html",
                 "10-MB", "list", "abc", "dicts", "zero-supply", "negative", "empty",
                 "single-holder"):
        assert word in ids, word
    assert any(c.hits and c.hits[1] == 1 for c in CASES)  # a Retry-After > 20 s case
    assert MAX_RETRY_AFTER < 3600


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_fault_mid_conversation(world, fake, rules, charts, case: Case, caplog):
    env, _guild, channel, alice = world
    caplog.set_level(logging.WARNING)

    first = await ask(env, channel, alice, "concentration", "uniswap")
    assert_complete(first)

    for token in case.tokens:
        fake.tokens[token.address] = token
    fake.faults.update(case.faults)
    rules.rules.update(case.rules)
    before = Counter(fake.calls)
    charts.real = case.draw
    reply = await ask(env, channel, alice, case.command, case.protocol)
    charts.real = False

    assert len(reply.payloads) == 1, reply.payloads  # one clear reply
    for expected in case.expect:
        assert expected in reply.text, (expected, reply.text)
    if case.error:
        assert not reply.payloads[0].get("embeds"), reply.text
        assert reply.ephemeral or case.command == "mention", reply.text
    else:
        assert reply.payloads[0].get("embeds"), reply.text
    if case.hits:
        needle, n = case.hits
        assert asked_since(fake, before, needle) == n
    for needle in case.faults:  # the fault was hit on the network, not the HTTP cache
        assert asked_since(fake, before, needle), needle
    for needle in case.rules:
        assert rules.hits[needle], needle
    for needle in case.not_asked:  # each command fetches only the parts it shows
        assert not asked_since(fake, before, needle), needle

    # The fault is gone: the same question gets a full answer (nothing bad was cached).
    fake.faults.clear()
    rules.rules.clear()
    env.bot.analyses._fresh.clear()
    again = await ask(env, channel, alice, "concentration", case.recover or case.protocol)
    assert_complete(again)

    check_all_replies(env)
    expect_only(env, LorenzError)
    assert not unexpected_log_errors(caplog)


# --------------------------------------------------------------------------- Discord refuses


@dataclass(frozen=True)
class Refusal:
    """Discord refusing the bot's reply (simcord ``inject_error``).

    Attributes:
        id: test id.
        path: the REST path glob refused.
        status, code: the HTTP status and Discord error code.
        times: how many calls are refused (2 = the answer and the error reply).
        command: "concentration" or "mention".
        expect: what the user sees ("" = nothing gets through; the failure is logged).
    """

    id: str
    path: str
    status: int
    code: int = 0
    times: int = 1
    command: str = "concentration"
    expect: str = ""


REFUSALS = [
    Refusal("answer-403-missing-permission", "/webhooks/*", 403, 50013,
            expect="missing a permission"),
    Refusal("answer-and-error-reply-403", "/webhooks/*", 403, 50013, times=2),
    Refusal("answer-429", "/webhooks/*", 429, expect="rate-limiting"),
    Refusal("answer-and-error-reply-429", "/webhooks/*", 429, times=2),
    Refusal("answer-discord-502", "/webhooks/*", 502, expect="Discord had trouble"),
    Refusal("defer-403", "/interactions/*/callback", 403, 50013,
            expect="missing a permission"),
    Refusal("mention-reply-403", "/channels/*/messages", 403, 50013, times=2,
            command="mention"),
    Refusal("mention-reply-429-once", "/channels/*/messages", 429, command="mention",
            expect="rate-limiting"),
    Refusal("mention-typing-403", "/channels/*/typing", 403, 50013, command="mention",
            expect="missing a permission"),
]


@pytest.mark.parametrize("refusal", REFUSALS, ids=[r.id for r in REFUSALS])
async def test_discord_refusing_the_reply(world, charts, refusal: Refusal, caplog):
    env, _guild, channel, alice = world
    caplog.set_level(logging.WARNING)
    assert_complete(await ask(env, channel, alice, "concentration", "uniswap"))

    env.inject_error("POST", refusal.path, status=refusal.status, code=refusal.code,
                     message="refused by the test", times=refusal.times)
    reply = await ask(env, channel, alice, refusal.command, "aave",
                      refused=(refusal.path, refusal.times))
    if refusal.expect:
        assert refusal.expect in reply.text, reply.text
    else:  # nothing got through: the failure is logged, once, without a traceback
        assert not reply.payloads
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING
                    and str(refusal.status) in r.getMessage()]
        assert warnings and not any(r.exc_info for r in warnings)
    errors = expect_only(env, *DISCORD_REFUSALS)
    assert all(getattr(e, "status", None) == refusal.status for e in errors)
    assert not unexpected_log_errors(caplog)

    # …and the next command is served normally.
    assert_complete(await ask(env, channel, alice, "concentration", "curve"))
    check_all_replies(env)


async def test_retry_after_over_the_cap_is_not_waited_for_with_real_waits(world, rules, charts):
    """Without stamina's testing mode (real sleeps): one request, then "rate-limited"."""
    env, _guild, channel, alice = world
    assert_complete(await ask(env, channel, alice, "concentration", "uniswap"))
    stamina.set_testing(False)
    rules.rules[HOLDERS] = status(429, **{"Retry-After": "3600"})
    rules.rules["api.ethplorer.io"] = status(404)  # no slow fallback retries either
    reply = await ask(env, channel, alice, "concentration", "aave")
    assert "rate-limiting us" in reply.text
    assert rules.hits[HOLDERS] == 1  # asked once: no retry, so no wait either
    check_all_replies(env)


async def test_huge_body_is_refused_before_it_is_cached(world, fake, charts):
    """The 10 MB body never reaches the cache: once lifted, the next ask refetches."""
    env, _guild, channel, alice = world
    fake.faults[HOLDERS] = "huge"
    await ask(env, channel, alice, "concentration", "aave")
    fake.faults.clear()
    env.bot.analyses._fresh.clear()
    pages = fake.count("/holders")
    assert_complete(await ask(env, channel, alice, "concentration", "aave"))
    assert fake.count("/holders") > pages
    check_all_replies(env)


@pytest.mark.parametrize("bad", ["garbage", httpx.Response(200, json={"protocols": "soon"})],
                         ids=["html", "not-a-list"])
async def test_bad_directory_answer_is_not_kept_for_a_day(fake, tmp_path, bad):
    """``/protocols`` is cached for 24 h; a bad answer must not be, or the full directory
    would stay unavailable for a day after DefiLlama recovered."""
    cfg = SourcesConfig(cache_dir=tmp_path)
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(fake.handler),
                                       cache_path=tmp_path / "cache.sqlite"), rate_limits={})
    try:
        directory = Directory(http, cfg)
        fake.faults["/protocols"] = bad
        assert not await directory.load()
        assert isinstance(directory.load_error, BadResponse)
        fake.faults.clear()
        assert await directory.load()  # refetched, not the cached bad answer
        assert fake.count("/protocols") == 2
        assert await directory.load()  # a good answer is cached as before
        assert fake.count("/protocols") == 2
    finally:
        await http.aclose()


@pytest.mark.parametrize("where", ["under-a-file", "given-file-under-a-file"])
async def test_an_unusable_cache_directory_runs_without_the_disk_cache(fake, tmp_path, caplog,
                                                                       where):
    """A cache directory that cannot be made (here: under a regular file, like /proc or a
    read-only home) must not stop the bot: one WARNING line, then every request goes to
    the network and answers as usual."""
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    cfg = SourcesConfig(cache_dir=blocker / "lorenz")
    path = blocker / "c.sqlite" if where.startswith("given") else None
    with caplog.at_level(logging.WARNING, logger="sources.http"):
        http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(fake.handler),
                                           cache_path=path), rate_limits={})
    try:
        directory = Directory(http, cfg)
        assert await directory.load() and await directory.load()
        assert fake.count("/protocols") >= 1
    finally:
        await http.aclose()
    warned = [r for r in caplog.records if r.name == "sources.http"
              and r.levelno == logging.WARNING]
    assert len(warned) == 1 and "without the on-disk cache" in warned[0].getMessage()
    assert "://" not in warned[0].getMessage()
