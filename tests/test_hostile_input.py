"""Hostile input: text that tries to ping everyone, break the markdown, hide itself or
overflow Discord's limits — typed by users (protocol names, mentions, prefix commands) or
sent by the data APIs (protocol names, token names, holder labels, proposal titles).

Through the real bot (simcord + the fake APIs), every message the bot sends must:

* ping nobody: ``allowed_mentions`` is ``{"parse": []}`` with no user or role list, and no
  visible text holds an ``@everyone``/``@here`` or ``<@…>``/``<@&…>`` Discord would render;
* stay within Discord's limits (content 2,000; embed title 256, description 4,096, field
  value 1,024, 25 fields, 6,000 in all);
* show no traceback; and the bot raises nothing but our own error family.

Hypothesis draws the inputs (a modest number of examples: each one is a bot command). The
simcord environment is a fixture, so it is shared by the examples of one test (hence the
suppressed ``function_scoped_fixture`` health check): every example reads only what the
bot sent for it, and acknowledges the errors it raised. Unit-level properties of
:func:`commands.embeds.safe` / :func:`~commands.embeds.plain` and of the protocol directory
run many more examples.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import httpx
import pytest
from discord.ext import commands
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commands.embeds import _INVISIBLE, plain, safe
from core.errors import InputError, LorenzError, ProtocolNotFound
from core.protocol import ProtocolRecord
from sources.config import SourcesConfig
from sources.directory import Directory
from tests.conversation import Rules, graphql, patch_json, rules_bot, switch_charts
from tests.fake_upstream import PROTOCOLS, FakeUpstream, Token, fee_summary, synthetic_holders
from tests.reply_checks import (
    RENDERED_MENTION,
    chain,
    check_limits,
    check_no_pings,
    message_payload,
    unexpected_errors,
    visible_texts,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ROLE, USER = "123456789012345678", "876543210987654321"
URL = re.compile(r"https?://\S+")

#: Pieces of hostile text; hypothesis strings them together with arbitrary text.
HOSTILE = [
    "@everyone", "@here", "@\u200beveryone", "@\u2060here", "@\ufeffeveryone", "@@everyone",
    "\\@everyone", f"<@{USER}>", f"<@!{USER}>", f"<@&{ROLE}>", "<@1>", "<@&2>",
    f"<#{ROLE}>", f"<a:party:{ROLE}>", "<@everyone>", "**bold**", "__under__", "~~gone~~",
    "||spoiler||", "`tick`", "```py\nimport os\n```", "> quote", "# Heading", "-# small",
    "[click](https://evil.example/@everyone)", "https://evil.example/?q=@here",
    "\u200b", "\u200d", "\u202e", "\ufeff", "\u2028", "\r\n", "\n", "\t", "\\",
    "uniswap", "aave", "$UNI", "Uniswap V3", "🦄", "Ａave", "İ", "ß",
]
#: Longest slash-command text tried; messages are capped at 2,000 (simcord enforces
#: Discord's limit for a user without Nitro).
MAX_INPUT = 4000
MAX_MESSAGE = 2000

piece = st.sampled_from(HOSTILE)
hostile_text = st.lists(st.one_of(piece, piece, st.text(max_size=12)), min_size=1,
                        max_size=12).map("".join)
#: A piece repeated up to 4,000 characters (markdown, mentions, zero-width floods).
flood = st.builds(lambda p, n: (p * n)[:MAX_INPUT], piece, st.integers(1, MAX_INPUT))
user_text = st.one_of(hostile_text, hostile_text, flood)

SIMCORD = settings(max_examples=25, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def rules(fake: FakeUpstream) -> Rules:
    """Per-request changes in front of the fake upstream."""
    return Rules(fake)


@pytest.fixture
def bot_options() -> dict[str, Any]:
    """Prefix commands on, so that ``!conc …`` is hostile input too."""
    return {"prefix_enabled": True}


@pytest.fixture
def nasty() -> str | None:
    """Hostile text the data APIs send (see :func:`evil_upstream`); None: they behave."""
    return None


@pytest.fixture
def simcord_bot(rules: Rules, fake: FakeUpstream, tmp_path, bot_options, monkeypatch,
                nasty: str | None):
    """The real bot (charts stubbed: these tests are about text)."""
    switch_charts(monkeypatch)
    if nasty is not None:  # before the bot starts: it loads the directory at once
        evil_upstream(rules, fake, nasty)
    return rules_bot(rules, tmp_path, **bot_options)


@pytest.fixture
async def world(world):
    """The shared world (tests/conftest.py) with a role in the guild."""
    world.guild.create_role("mods")
    return world


#: Errors a hostile message may legitimately cause: ours, and discord.py's "bad input" for
#: prefix commands ("!conc" without a protocol) — each answered by the one error handler.
EXPECTED = (LorenzError, commands.UserInputError)


def mark(env: Any) -> tuple[int, int]:
    """Where the bot's requests and errors stand now (one example's start)."""
    return len(env.http_requests), env.error_cursor


def check_sent(env: Any, since: tuple[int, int]) -> list[dict[str, Any]]:
    """Every check on what the bot sent and raised since ``since``; the payloads."""
    start, cursor = since
    payloads = [p for r in env.http_requests[start:] if (p := message_payload(r)) is not None]
    for payload in payloads:
        check_limits(payload)
        check_no_pings(payload)
        assert "Traceback" not in "".join(visible_texts(payload))
    errors = env.errors_since(cursor)
    assert not unexpected_errors(errors, EXPECTED), [repr(chain(e)[-1]) for e in errors]
    env.errors  # noqa: B018  (reading it acknowledges them for simcord's teardown check)
    return payloads


# --------------------------------------------------------------------------- users


@SIMCORD
@given(text=user_text,
       command=st.sampled_from(["concentration", "holders", "fees", "votes", "compare"]))
async def test_hostile_protocol_names_in_slash_commands(world, text: str, command: str):
    env, _guild, channel, alice = world
    since = mark(env)
    if command == "compare":
        await alice.slash(channel, "compare", first=text, second="uniswap")
    else:
        await alice.slash(channel, command, protocol=text)
    payloads = check_sent(env, since)
    assert payloads, "the bot did not answer"


@SIMCORD
@given(text=user_text, how=st.sampled_from(["mention-first", "mention-last", "prefix"]))
async def test_hostile_mentions_and_prefix_commands(world, text: str, how: str):
    env, _guild, channel, alice = world
    me = f"<@{env.bot.user.id}>"
    text = text[:MAX_MESSAGE - len(me) - 1]  # the mention itself must fit in the message
    content = {"mention-first": f"{me} {text}", "mention-last": f"{text} {me}",
               "prefix": f"!conc {text}"}[how]
    since = mark(env)
    await alice.send(channel, content)
    check_sent(env, since)


@pytest.mark.parametrize("text", [
    "@everyone", f"<@&{ROLE}> and <@{USER}>", "@here " * 900, "```\n" * 1000,
    "\u200b@\u200beveryone\u202e", "uniswap " + "🦄" * 1990,
])
async def test_mention_examples(world, text: str):
    """A few fixed ones, so the worst cases run on every test run, not only when drawn."""
    env, _guild, channel, alice = world
    since = mark(env)
    await alice.send(channel, f"<@{env.bot.user.id}> {text}"[:MAX_MESSAGE])
    check_sent(env, since)


# --------------------------------------------------------------------------- the data APIs

EVIL_SLUG = "evil-protocol"


def evil_upstream(rules: Rules, fake: FakeUpstream, nasty: str) -> None:
    """Put ``nasty`` into every text field the APIs send: a protocol (name, symbol, category,
    Snapshot space id) in ``/protocols`` and its fees, its token (name, symbol), holder names
    and public tags, Snapshot proposal titles and the space name."""
    token = "0x" + "ee" * 20
    fake.tokens[token] = Token(token, nasty, nasty, synthetic_holders(40, 8), 1e8, 4000)
    # (a /protocols name over 200 characters is dropped by the directory: cut it there;
    # the fake Snapshot hub has proposals for any space id containing "aave")
    entry = {"id": "9999", "name": f"Evil {nasty}"[:200], "slug": EVIL_SLUG, "symbol": nasty,
             "category": nasty, "chains": ["Ethereum"], "address": token, "tvl": 1e9,
             "governanceID": [f"snapshot:aave.eth{nasty}"]}
    rules.rules["/protocols"] = patch_json(lambda doc: [*doc, entry])

    def label_holders(doc: Any) -> None:
        for item in doc["items"]:
            item["address"].update(name=nasty, is_contract=True,
                                   public_tags=[{"label": nasty}])

    rules.rules["/holders"] = patch_json(label_holders)
    rules.rules[f"summary/fees/{EVIL_SLUG}"] = lambda req, _up, _n: httpx.Response(
        200, json={**(fee_summary("aave", req.url.params["dataType"]) or {}),
                   "name": nasty, "slug": EVIL_SLUG, "category": nasty})

    def title_proposals(doc: Any) -> None:
        for p in doc["data"]["proposals"]:
            p.update(title=nasty, space={"id": "aave.eth", "name": nasty})

    rules.rules["hub.snapshot.org"] = graphql("proposals", patch_json(title_proposals))


NASTY = [
    f"@everyone <@&{ROLE}> <@{USER}> **pwned**",
    "@here " + "x" * 5000,
    "\u202e\u200b@\u200beveryone\u200b ||spoiler|| ```code``` [l](https://evil.example)",
    "\n".join(["line @here"] * 300),
    "<@1> <@&2> <#3> _a_ *b* ~c~ `d`",
]


@pytest.mark.parametrize("nasty", NASTY, ids=["mentions", "huge", "invisible", "lines",
                                              "short-ids"])
async def test_hostile_text_from_the_data_apis(world, rules, nasty: str):
    env, _guild, channel, alice = world
    since = mark(env)
    for command in ("concentration", "holders", "fees", "votes"):
        await alice.slash(channel, command, protocol=EVIL_SLUG)
    await alice.slash(channel, "compare", first=EVIL_SLUG, second="uniswap")
    await alice.slash(channel, "holders", protocol=EVIL_SLUG, view="raw")
    payloads = check_sent(env, since)
    assert len(payloads) == 6
    shown = "\n".join(t for p in payloads for t in visible_texts(p))
    assert "Evil" in shown and "wallets control" in shown  # the evil record was answered
    assert rules.hits["/holders"] and rules.hits["hub.snapshot.org"]


# --------------------------------------------------------------------------- units

any_text = st.one_of(st.text(), hostile_text, flood)


@settings(max_examples=300, deadline=None)
@given(text=any_text, limit=st.integers(1, 5000))
def test_safe_and_plain_make_any_text_inert(text: str, limit: int):
    for out in (safe(text, limit), plain(text, limit)):
        assert len(out) <= limit
        assert RENDERED_MENTION.search(out) is None, out
        assert len(out.splitlines()) <= 1, out  # one line: no line or paragraph breaks
        without_escapes = out.replace("@\u200b", "@").replace("]\u200b(", "](")
        assert not _INVISIBLE.search(without_escapes), out  # only our zero-width escapes
    # Markdown is escaped outside links (Discord renders none inside an autolinked URL).
    outside_links = URL.sub(" ", safe(text, limit))
    for mark in ("```", "**", "||", "~~", "__"):
        assert mark not in outside_links, (mark, outside_links)


@pytest.fixture(scope="module")
def directory() -> Directory:
    """The directory with the fake ``/protocols`` merged in (offline: no HTTP client)."""
    d = Directory(None, SourcesConfig())
    d.load_body(json.loads(json.dumps(PROTOCOLS)))
    return d


@settings(max_examples=300, deadline=2000,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=any_text)
def test_directory_accepts_any_text(directory: Directory, text: str):
    try:
        record = asyncio.run(directory.resolve(text))
    except (ProtocolNotFound, InputError):
        pass
    else:
        assert isinstance(record, ProtocolRecord)
    found = directory.find_in_text(text)
    assert all(isinstance(r, ProtocolRecord) for r in found)
    assert len(directory.search(text)) <= 25
    assert directory.suggest(text) is not None
