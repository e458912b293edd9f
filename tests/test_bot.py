"""The Discord bot through discord.py's real machinery (simcord), data APIs faked at httpx."""

from __future__ import annotations

import pytest

from core.errors import CooldownActive, ProtocolNotFound, SourceUnavailable
from tests.fake_governance import default_dao, to_reach

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _webhook_posts(env):
    return [r for r in env.http_requests if r.method == "POST" and "/webhooks/" in r.path]


def _callbacks(env):
    return [r for r in env.http_requests if r.path.endswith("/callback")]


def _assert_no_pings(env):
    """Every message the bot sent carries allowed_mentions that parse nothing."""
    for r in env.http_requests:
        if r.method in ("POST", "PATCH") and isinstance(r.json, dict) and (
                "content" in r.json or "embeds" in r.json or "data" in r.json):
            payload = r.json.get("data", r.json) if "data" in r.json else r.json
            if not isinstance(payload, dict) or not ({"content", "embeds"} & set(payload)):
                continue
            mentions = payload.get("allowed_mentions")
            assert mentions is not None, f"no allowed_mentions on {r.path}"
            assert mentions.get("parse") == [], mentions
            assert not mentions.get("users") and not mentions.get("roles"), mentions


async def _png_of(message):
    assert message.attachments, "no attachment"
    data = await message.attachments[0].read()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return data


async def test_concentration_slash_answers_with_embed_and_chart(world):
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "concentration", protocol="uniswap")
    assert result.acknowledged
    message = result.response
    assert message is not None and not result.ephemeral
    embed = message.embeds[0]
    assert "Uniswap" in embed.title and "UNI" in embed.title
    names = [f.name for f in embed.fields]
    # each view's field names the view and its denominator
    assert {"owners view · % of owner-held supply", "circulating view · % of circulating "
            "supply", "raw view · % of total supply (1.00B UNI)"} <= {n.split(" (")[0]
                                                               if "raw" not in n else n
                                                               for n in names}
    # the fee field names its window: the fake's series ends 2025-11-21
    assert "Fees, 30 days 2025-10-23 → 2025-11-21" in names
    fees = next(f.value for f in embed.fields if f.name.startswith("Fees"))
    assert "not reported" in fees  # uniswap's holders revenue is null → never "0"
    assert "Nakamoto" in embed.footer.text and "Sources" in embed.footer.text
    # every part's window in the footer: holder fetch time and source, fees, votes
    assert "holders: top " in embed.footer.text and "fetched " in embed.footer.text
    assert "fees: 30 days 2025-10-23 → 2025-11-21 (DefiLlama)" in embed.footer.text
    assert "votes: 3 proposal(s) closed" in embed.footer.text
    caveats = next(f.value for f in embed.fields if f.name == "Caveats")
    assert "days ago" in caveats  # the fake's fee data is old: the staleness caveat shows
    assert embed.image.url == "attachment://uniswap.png"
    await _png_of(message)
    # Deferred first (type 5), then one follow-up with the embed and the file.
    assert _callbacks(env)[-1].json["type"] == 5
    posts = _webhook_posts(env)
    assert posts[-1].json["attachments"][0]["filename"] == "uniswap.png"
    _assert_no_pings(env)


async def test_mention_question_answers_like_concentration(world):
    env, _guild, channel, alice = world
    await alice.send(channel, f"<@{env.bot.user.id}> how centralized is aave?")
    reply = channel.last_message
    assert reply.author.id == env.bot.user.id
    assert reply.embeds and "Aave" in reply.embeds[0].title
    await _png_of(reply)
    _assert_no_pings(env)


async def test_mention_without_protocol_says_so(world):
    env, _guild, channel, alice = world
    await alice.send(channel, f"<@{env.bot.user.id}> is this thing decentralized?")
    reply = channel.last_message
    assert reply.author.id == env.bot.user.id
    assert "couldn't find a protocol" in reply.content


async def test_mention_with_two_protocols_asks_which(world):
    env, _guild, channel, alice = world
    await alice.send(channel, f"<@{env.bot.user.id}> uniswap or aave, which is worse?")
    reply = channel.last_message
    assert "several protocols" in reply.content and "/compare" in reply.content


async def test_unknown_protocol_is_ephemeral_with_suggestion_and_costs_no_cooldown(world):
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "concentration", protocol="notaprotocol")
    assert result.ephemeral
    assert "I don't know a protocol called" in result.response.content
    assert any(isinstance(e, ProtocolNotFound) or isinstance(getattr(e, "original", None),
                                                             ProtocolNotFound)
               for e in _all_errors(env))
    # The typo cost nothing: the full allowance (3 per minute) is still there.
    for _ in range(3):
        ok = await alice.slash(channel, "concentration", protocol="uniswap")
        assert not ok.ephemeral and ok.response.embeds


def _all_errors(env):
    errors = list(env.errors)
    out = []
    for e in errors:
        out.append(e)
        inner = getattr(e, "original", None)
        while inner is not None:
            out.append(inner)
            inner = getattr(inner, "original", None)
    return out


async def test_cooldown_counts_work_shows_the_wait_and_resets_with_time(world):
    env, _guild, channel, alice = world
    for name in ("uniswap", "aave", "curve"):  # three analyses: the allowance (3 a minute)
        await alice.slash(channel, "concentration", protocol=name)
    # answers kept fresh cost nothing: asked again, each is served
    for name in ("uniswap", "aave", "curve", "uniswap"):
        served = await alice.slash(channel, "concentration", protocol=name)
        assert not served.ephemeral and served.response.embeds, name
    assert env.bot.analyses.runs == 3
    blocked = await alice.slash(channel, "concentration", protocol="compound")
    assert blocked.ephemeral
    assert "Try again in" in blocked.response.content
    assert any(isinstance(e, CooldownActive) for e in _all_errors(env))
    # the refusal blocks only its command family: /fees (its own family) still answers
    fees = await alice.slash(channel, "fees", protocol="compound")
    assert not fees.ephemeral and "where the fees go" in fees.response.embeds[0].title
    await env.advance_time(61)
    again = await alice.slash(channel, "concentration", protocol="compound")
    assert not again.ephemeral and again.response.embeds


async def test_compare_two_protocols_attaches_comparison_chart(world):
    env, _guild, channel, alice = world
    result = await alice.slash(channel, "compare", first="uniswap", second="aave")
    embed = result.response.embeds[0]
    assert len(embed.fields) == 2
    assert embed.image.url == "attachment://compare.png"
    await _png_of(result.response)
    _assert_no_pings(env)


async def test_holders_lists_top_15_with_categories(world):
    _env, _guild, channel, alice = world
    result = await alice.slash(channel, "holders", protocol="uniswap", view="raw")
    embed = result.response.embeds[0]
    lines = embed.description.splitlines()
    assert len(lines) == 15
    assert "treasury" in lines[0].lower()
    assert embed.image.url == "attachment://uniswap-raw.png"  # the chart of the raw view
    await _png_of(result.response)


async def test_fees_and_votes_commands(world):
    _env, _guild, channel, alice = world
    fees = await alice.slash(channel, "fees", protocol="aave")
    assert "treasury" in fees.response.embeds[0].description
    await _png_of(fees.response)
    votes = await alice.slash(channel, "votes", protocol="uniswap")
    embed = votes.response.embeds[0]
    # an on-chain DAO: its delegates against the quorum first, then Snapshot
    assert embed.fields[0].name.startswith("On-chain power (Uniswap GovernorBravo")
    uni = default_dao("uniswap")  # the stand-in's figures: 4 delegates reach 40M
    assert (f"{to_reach(uni)} delegates can reach Uniswap's {uni.quorum // 10**6}M UNI quorum "
            "alone") in embed.fields[0].value
    assert embed.fields[1].name == "Snapshot votes"
    assert "Proposal 0" in embed.fields[1].value and "on-chain" in embed.fields[1].value
    assert embed.image.url == "attachment://delegates.png"
    assert "JSON-RPC" in embed.footer.text
    await _png_of(votes.response)
    snapshot_only = await alice.slash(channel, "votes", protocol="curve")  # no governor
    embed = snapshot_only.response.embeds[0]
    assert "Snapshot" in embed.description and not embed.fields


async def test_methodology_and_help_are_ephemeral(world):
    _env, _guild, channel, alice = world
    m = await alice.slash(channel, "methodology")
    assert m.ephemeral and "Nakamoto" in m.response.embeds[0].description
    h = await alice.slash(channel, "help")
    assert h.ephemeral and "/concentration" in h.response.embeds[0].description


async def test_autocomplete_from_cached_directory(world):
    _env, _guild, channel, alice = world
    choices = await alice.autocomplete(channel, "concentration", "protocol", "uni")
    assert any(c["name"].lower().startswith("uniswap") for c in choices)
    assert len(choices) <= 25


async def test_upstream_down_says_so_clearly(world, fake):
    env, _guild, channel, alice = world
    fake.faults.update({"blockscout.com": "reset", "api.llama.fi/summary": "reset",
                        "api.llama.fi/overview": "reset", "hub.snapshot.org": "reset",
                        "api.ethplorer.io": "reset", "publicnode.com": "reset"})
    result = await alice.slash(channel, "concentration", protocol="compound")
    text = result.response.content
    assert "Could not reach" in text
    for name in ("Blockscout", "Ethplorer", "DefiLlama", "Snapshot"):  # every provider named
        assert name in text
    assert "blockscout.com" not in text and "llama.fi" not in text  # no host shown
    assert "Traceback" not in text
    _all_errors(env)


async def test_upstream_down_serves_last_answer_marked_with_age(world, monkeypatch):
    env, _guild, channel, alice = world
    first = await alice.slash(channel, "concentration", protocol="uniswap")
    assert first.response.embeds
    env.bot.analyses._fresh.clear()  # the fresh answer expired…

    async def upstream_down(*_a, **_kw):  # …and every API is down now
        raise SourceUnavailable("Could not reach eth.blockscout.com — no data fetched.",
                                "eth.blockscout.com", ("Blockscout",))

    monkeypatch.setattr("pipeline.service.analyze_protocol", upstream_down)
    stale = await alice.slash(channel, "concentration", protocol="uniswap")
    embed = stale.response.embeds[0]
    assert "Live data unavailable" in embed.description and "min ago" in embed.description
    # the provider is named, never its host (that goes to the DEBUG log)
    assert "Could not reach Blockscout" in embed.description
    assert "blockscout.com" not in embed.description
    assert stale.response.attachments  # the chart of the kept answer


async def test_unexpected_error_gets_an_error_id(world, monkeypatch):
    env, _guild, channel, alice = world

    def boom(record, **_kw):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(env.bot.analyses, "begin", boom)
    result = await alice.slash(channel, "concentration", protocol="uniswap")
    assert "error id" in result.response.content
    assert "kaboom" not in result.response.content
    _all_errors(env)


async def test_echoed_text_is_escaped_and_nothing_pinged(world):
    env, guild, channel, alice = world
    role = guild.create_role("mods")
    text = f"@everyone <@&{role.id}> **uni**swap ```x```"
    result = await alice.slash(channel, "concentration", protocol=text)
    content = result.response.content
    assert "@everyone" not in content.replace("@\u200beveryone", "")
    _assert_no_pings(env)
    _all_errors(env)


async def test_discord_refusing_the_reply_is_contained(world, caplog):
    env, _guild, channel, alice = world
    # The answer and the error reply are both refused (missing permission)…
    env.inject_error("POST", "/webhooks/*", status=403, code=50013,
                     message="Missing Permissions", times=2)
    await alice.slash(channel, "concentration", protocol="uniswap")
    assert _all_errors(env)  # …which reached the one handler, …
    assert any("could not send the error reply" in r.getMessage() for r in caplog.records)
    # …and the bot keeps serving the next command.
    ok = await alice.slash(channel, "concentration", protocol="aave")
    assert ok.response.embeds and "Aave" in ok.response.embeds[0].title


@pytest.mark.parametrize("bot_options", [{"prefix_enabled": True}])
async def test_prefix_command_when_enabled(world):
    env, _guild, channel, alice = world
    await alice.send(channel, "!conc uniswap")
    reply = channel.last_message
    assert reply.author.id == env.bot.user.id and reply.embeds
    assert "Uniswap" in reply.embeds[0].title


@pytest.mark.parametrize("bot_options", [{"dev_guild_id": 424242424242424242}])
async def test_start_up_syncs_only_to_the_dev_guild(simcord_env):
    puts = [r for r in simcord_env.http_requests if r.method == "PUT" and "/commands" in r.path]
    assert puts and all("/guilds/424242424242424242/commands" in r.path for r in puts)
    names = {c["name"] for c in puts[0].json}
    assert {"concentration", "compare", "holders", "fees", "votes", "methodology",
            "help"} <= names


async def test_name_that_needs_the_directory_defers_before_loading_it(world, fake):
    from sources.directory import Directory

    env, _guild, channel, alice = world
    # As right after start-up: only the built-in table is in memory, the list not yet.
    env.bot.collaborators.directory = Directory(env.bot.collaborators.http,
                                                env.bot.config.sources)
    seen = len(_callbacks(env))
    assert not env.bot.directory.loaded
    result = await alice.slash(channel, "concentration", protocol="Pendle")
    new = _callbacks(env)[seen:]
    assert new and new[0].json["type"] == 5  # deferred before the list was loaded
    assert env.bot.directory.loaded and env.bot.directory.lookup("Pendle").name == "Pendle"
    assert result.response is not None
    _all_errors(env)


async def test_known_name_never_waits_for_a_due_directory_refresh(world, fake):
    env, _guild, channel, alice = world
    env.bot.directory._loaded_at = -1e9  # the daily refresh is due
    result = await alice.slash(channel, "concentration", protocol="uniswap")
    assert result.response.embeds  # answered from memory; the refresh ran in the background


async def test_typo_after_a_failed_directory_load_is_answered_at_once(world):
    env, _guild, channel, alice = world
    directory = env.bot.directory
    directory._loaded_at = None
    directory.load_error = SourceUnavailable("api.llama.fi is down", "api.llama.fi")
    result = await alice.slash(channel, "concentration", protocol="notaprotocol")
    assert result.ephemeral and "I don't know" in result.response.content
    _all_errors(env)


async def test_mention_with_a_typo_in_the_name_is_answered(world):
    env, _guild, channel, alice = world
    await alice.send(channel, f"<@{env.bot.user.id}> uniswp")
    reply = channel.last_message
    assert reply.embeds and "Uniswap" in reply.embeds[0].title


async def test_reply_that_only_pings_the_bot_is_not_a_question(world):
    env, _guild, channel, alice = world
    await alice.send(channel, f"<@{env.bot.user.id}> uniswap")
    answer = channel.last_message
    await alice.send(channel, "thanks!", reply_to=answer)
    assert channel.last_message.author.id == alice.id  # no "couldn't find a protocol" reply


async def test_partial_outage_shows_the_last_full_answer_with_its_age(world, fake, tmp_path):
    env, _guild, channel, alice = world
    first = await alice.slash(channel, "concentration", protocol="aave")
    assert "Missing" not in [f.name for f in first.response.embeds[0].fields]
    env.bot.analyses._fresh.clear()
    fake.faults["blockscout.com"] = 503  # holders down, fees and votes still fine …
    fake.faults["api.ethplorer.io"] = 503
    await env.bot.collaborators.http.aclose()  # … and nothing left in the HTTP cache
    import httpx

    from sources.http import HttpClient, make_http_client
    http = HttpClient(make_http_client(env.bot.config.sources,
                                       transport=httpx.MockTransport(fake.handler),
                                       cache_path=tmp_path / "b.sqlite"),
                      rate_limits={}, default_rate=(10_000, 1))
    env.bot.collaborators.http = env.bot.analyses.services.http = http
    again = await alice.slash(channel, "concentration", protocol="aave")
    embed = again.response.embeds[0]
    assert "Live data unavailable" in embed.description and "min ago" in embed.description
    assert embed.title.endswith(first.response.embeds[0].title.split(" — ")[-1])
    _all_errors(env)


def _bot_messages(env, channel):
    return [m for m in channel.history() if m.author.id == env.bot.user.id]


async def test_mention_form_command_runs_once(world):
    env, _guild, channel, alice = world
    await alice.send(channel, f"<@{env.bot.user.id}> holders aave")
    replies = _bot_messages(env, channel)
    assert len(replies) == 1  # the command ran; the mention listener left it alone
    assert "top 15 holders" in replies[0].embeds[0].title


async def test_everyone_with_a_mention_is_not_a_question(world):
    import discord

    env, guild, channel, _alice = world
    # Discord marks a message as pinging everyone only when its author may do that.
    mods = guild.create_role("mods", permissions=discord.Permissions(mention_everyone=True))
    mod = guild.add_member(env.create_user("mod"), roles=[mods])
    await mod.send(channel, f"@everyone <@{env.bot.user.id}> uniswap")
    assert channel.last_message.mention_everyone
    assert not _bot_messages(env, channel)


@pytest.mark.parametrize("bot_options", [{"prefix_enabled": True}])
async def test_mention_question_with_prefix_enabled_is_answered_once(world):
    env, _guild, channel, alice = world
    await alice.send(channel, f"<@{env.bot.user.id}> how centralized is aave?")
    replies = _bot_messages(env, channel)
    assert len(replies) == 1 and "Aave" in replies[0].embeds[0].title
