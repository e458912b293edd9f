"""What a member sees (issue 13): a conversation through simcord with the real bot and the
fake data APIs — maker (nothing known upstream), curve, an unknown name, a four-way compare
with one unknown, twenty members asking the same question at once, every /holders view.

The wording rules are asserted on every message the bot sent: no URL and no bare host
name in any user-visible text; every partial or error reply names the protocol; footers
match the view shown; identical questions are answered (they cost one analysis, and no
cooldown beyond the first asker's).
"""

from __future__ import annotations

import asyncio
import logging
import re
import sys
from typing import Any

import pytest

from core.errors import LorenzError, ProtocolNotFound
from tests.conversation import Reply, ask
from tests.load_support import fire_slash
from tests.reply_checks import check_all_replies, expect_only, visible_texts

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: A URL, or a host name of the kind the data APIs have (never shown to members).
URL = re.compile(r"\b(?:https?|wss?)://|\bwww\.", re.IGNORECASE)
HOST = re.compile(r"\b(?:[a-z0-9-]+\.)+(?:com|org|io|fi|net|xyz|app|dev)\b", re.IGNORECASE)
AAVE_HOLDERS = "tokens/0x7fc66500c84a76ad7e9c93437bfc5ac33e2ddae9"


def no_host_anywhere(env: Any) -> None:
    """No URL or host in any message the bot sent (content, titles, fields, footers)."""
    for payload in check_all_replies(env):
        for text in visible_texts(payload):
            assert not URL.search(text), text
            assert not HOST.search(text), text


async def slash(env: Any, channel: Any, user: Any, command: str, **options: Any) -> Reply:
    """Run a slash command with any options; the messages it produced."""
    start = len(env.http_requests)
    await user.slash(channel, command, **options)
    from tests.reply_checks import message_payload

    return Reply([p for e in env.http_requests[start:]
                  if (p := message_payload(e)) is not None])


def embed_of(reply: Reply) -> dict[str, Any]:
    assert len(reply.payloads) == 1, reply.payloads
    (embed,) = reply.payloads[0]["embeds"]
    return embed


@pytest.mark.parametrize("bot_options", [{"user_rate": 100}])  # one member asks a lot
async def test_a_members_conversation(world, fake, caplog):
    env, _guild, channel, alice = world
    env.settle_timeout = 60.0  # real charts are drawn: room for a busy machine (not timed)
    caplog.set_level(logging.DEBUG)

    # Maker: no holder list (404), fees not tracked, no Snapshot space — nothing to show:
    # one error sentence naming Maker and each part, ephemeral.
    reply = await ask(env, channel, alice, "concentration", "maker")
    assert reply.ephemeral and not reply.payloads[0].get("embeds")
    for words in ("Maker", "Blockscout has no holder list for its token (MKR)",
                  "DefiLlama does not track its fees", "no Snapshot space"):
        assert words in reply.text, (words, reply.text)
    # /fees asks DefiLlama only, /votes nothing at all, /holders the holder API only
    before = fake.count("blockscout"), fake.count("llama.fi/summary")
    fees = await ask(env, channel, alice, "fees", "maker")
    assert "Maker: DefiLlama does not track its fees" in fees.text and fees.ephemeral
    assert "holder" not in fees.text.lower()
    assert fake.count("blockscout") == before[0]
    votes = await ask(env, channel, alice, "votes", "maker")
    assert "Maker" in votes.text and "no Snapshot space" in votes.text
    assert fake.count("blockscout") == before[0]  # /votes fetched no holders
    holders = await ask(env, channel, alice, "holders", "maker")
    assert "Maker: Blockscout has no holder list" in holders.text
    assert "fees" not in holders.text

    # Curve: a full answer; each view's field names its denominator; Snapshot (no closed
    # proposal in curve.eth) supplied nothing, so it is not cited.
    curve = embed_of(await ask(env, channel, alice, "concentration", "curve"))
    assert "Curve" in curve["title"] and "Missing" not in [f["name"] for f in curve["fields"]]
    names = [f["name"] for f in curve["fields"]]
    for view, words in (("owners", "owner-held supply"), ("circulating", "circulating supply"),
                        ("raw", "total supply")):
        assert any(n.startswith(f"{view} view · % of {words} (") for n in names), names
    assert "Snapshot" not in curve["footer"]["text"]

    # Every /holders view: the footer's denominator is that view's, the chart is that
    # view's, unlabelled wallets say so.
    for view, words in (("owners", "owner-held supply"), ("circulating", "circulating supply"),
                        ("raw", "total supply")):
        listed = await slash(env, channel, alice, "holders", protocol="uniswap", view=view)
        embed = embed_of(listed)
        assert f"({view} view)" in embed["title"]
        footer = embed["footer"]["text"]
        assert f"{view} view: % of {words} (" in footer, footer
        assert "denominator: total supply" not in footer
        assert listed.payloads[0]["attachments"][0]["filename"] == f"uniswap-{view}.png"
        assert "— wallet" not in embed["description"]
        if view == "owners":
            assert "*unlabeled wallet*" in embed["description"]

    # A partial answer: Aave's holder list 404s, its fees and votes come back.
    fake.faults[AAVE_HOLDERS] = 404
    partial = embed_of(await ask(env, channel, alice, "concentration", "aave"))
    fake.faults.clear()
    missing = next(f["value"] for f in partial["fields"] if f["name"] == "Missing")
    assert "Aave: Blockscout has no holder list for its token (AAVE)" in missing
    assert "no verdict" in partial["title"] and "Aave" in partial["description"]

    # Unknown names: ephemeral for the slash command, echoed in a mention.
    unknown = await ask(env, channel, alice, "concentration", "zzyzx finance")
    assert unknown.ephemeral and "zzyzx finance" in unknown.text
    mention = await ask(env, channel, alice, "mention", "zzyzx finance")
    assert "couldn't find a protocol called" in mention.text and "zzyzx finance" in mention.text
    # "@everyone uniswap" in a slash option is read like the mention reads it
    everyone = embed_of(await ask(env, channel, alice, "concentration", "@everyone uniswap"))
    assert "Uniswap" in everyone["title"]

    # Four-way compare with one unknown: the three are compared, the unknown is named.
    four = await slash(env, channel, alice, "compare", first="uniswap", second="aave",
                       third="notaprotocol", fourth="curve")
    embed = embed_of(four)
    assert len(embed["fields"]) == 3 and "notaprotocol" in embed["description"]
    for field in embed["fields"]:  # each names the view and denominator of its figures,
        value = field["value"]     # or why it has none (Aave's holder list 404'd above)
        assert ("owners view, % of owner-held supply (" in value
                or "Aave: Blockscout has no holder list" in value), field
    assert four.payloads[0]["attachments"][0]["filename"] == "compare.png"
    # …and one that cannot be analysed is named with the reason.
    with_maker = embed_of(await slash(env, channel, alice, "compare", first="uniswap",
                                      second="maker", third="curve"))
    assert len(with_maker["fields"]) == 2
    assert "Maker" in with_maker["description"] and "DefiLlama" in with_maker["description"]
    # The same protocol twice is said so (and two names are needed).
    same = await slash(env, channel, alice, "compare", first="uniswap", second="uniswap v3")
    assert same.ephemeral and "is the same protocol as Uniswap" in same.text

    # /fees names its periods in words; /help lists the /holders views.
    paid = embed_of(await ask(env, channel, alice, "fees", "uniswap"))
    periods = next(f["value"] for f in paid["fields"] if f["name"] == "Fees paid")
    assert "all time" in periods and "all_time" not in periods
    help_text = (await slash(env, channel, alice, "help")).text
    for view in ("owners", "circulating", "raw"):
        assert view in help_text

    no_host_anywhere(env)
    # hosts and URLs are for the DEBUG log only (httpx's own INFO lines name each request;
    # bot/logging_setup.py keeps httpx and httpcore at WARNING)
    assert not [r.getMessage() for r in caplog.records
                if r.levelno > logging.DEBUG and URL.search(r.getMessage())
                and not r.name.startswith(("httpx", "httpcore"))]
    assert any(HOST.search(r.getMessage()) for r in caplog.records
               if r.levelno == logging.DEBUG)
    errors = expect_only(env, LorenzError)
    assert any(isinstance(e, ProtocolNotFound) for e in errors)
    # every "no data" error and every Missing line names the protocol it is about
    for payload in check_all_replies(env):
        content = payload.get("content") or ""
        if content.startswith(("No data", "Could not reach")):
            assert re.search(r"for (Maker|Aave|Curve|Uniswap|Compound)", content), content
        for embed in payload.get("embeds") or ():
            for field in embed.get("fields") or ():
                if field["name"] == "Missing":
                    for line in field["value"].splitlines():
                        assert re.match(r"(Maker|Aave|Curve|Uniswap|Compound)\b", line), line


async def test_twenty_members_asking_at_once_are_all_answered_by_one_analysis(world):
    env, guild, channel, _alice = world
    env.settle_timeout = 60.0  # a real chart is drawn: room for a busy machine (not timed)
    members = [guild.add_member(env.create_user(f"member{i}")) for i in range(20)]
    results = []
    for member in members:  # all in flight at once (see tests/load_support.fire_slash)
        results.append(await fire_slash(env, member, channel, "concentration",
                                        protocol="uniswap"))
        await asyncio.sleep(0)
    await env.settle(timeout=120)
    answered = [r for r in results if r.response is not None and r.response.embeds]
    assert len(answered) >= 19, [r.response.content for r in results if r.response]
    assert env.bot.analyses.runs == 1  # one analysis; the others joined it or its cache
    no_host_anywhere(env)
    expect_only(env, LorenzError)


async def test_an_unknown_name_found_after_a_public_deferral_is_still_private(world,
                                                                              monkeypatch):
    """While the protocol list loads the command defers publicly first; a typo found then
    is told to the asker alone: the placeholder is completed, deleted, and the sentence
    follows ephemerally (Discord keeps a deferral's visibility for its first follow-up)."""
    env, _guild, channel, alice = world

    async def loading_then_unknown(_directory, text, *, before_loading=None):
        if before_loading is not None:
            await before_loading()
        raise ProtocolNotFound(text, ("Uniswap",))

    # the cog's module as discord.py loaded it (an extension is not an attribute of its
    # package)
    monkeypatch.setattr(sys.modules["commands.concentration"], "find_protocol",
                        loading_then_unknown)
    result = await alice.slash(channel, "concentration", protocol="uniswp")
    callbacks = [r for r in env.http_requests if r.path.endswith("/callback")]
    assert callbacks[-1].json["type"] == 5  # deferred publicly (while "loading")
    assert result.response is None  # the placeholder is gone
    (followup,) = result.followups
    assert followup.ephemeral and "uniswp" in followup.content
    # nothing of it is left in the channel for the others: the placeholder is deleted
    deleted = [r for r in env.http_requests
               if r.method == "DELETE" and r.path.endswith("/messages/@original")]
    assert len(deleted) == 1
    expect_only(env, LorenzError)


def test_public_text_names_the_provider_never_the_host():
    from core.errors import NotFound, Refused, public_text

    raw = NotFound("eth.blockscout.com has no such record (https://eth.blockscout.com/api/v2/"
                   "tokens/0x9f8f).", "eth.blockscout.com", ("Blockscout",))
    assert public_text(raw) == "Blockscout has no such record."
    named = Refused("DefiLlama refused the request (HTTP 403).", "DefiLlama")
    assert public_text(named) == "DefiLlama refused the request (HTTP 403)."
    mirror = Refused("llama.example.org sent junk", "llama.example.org")
    assert public_text(mirror, "DefiLlama") == "DefiLlama sent junk"
