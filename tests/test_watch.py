"""Watches and the daily job through simcord: a real store (SQLite under tmp_path), the
data APIs faked at httpx, the job's clock simcord's virtual one."""

from __future__ import annotations

import discord
import pytest

from store.repo import open_store
from tests.fake_upstream import UNI

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

NEWCOMER = "0x00000000000000000000000000000000c0ffee02"


def _messages(env, channel):
    """Texts the bot posted to ``channel`` (not interaction replies)."""
    return [r.json.get("content", "") for r in env.http_requests
            if r.method == "POST" and r.path == f"/channels/{channel.id}/messages"]


@pytest.fixture
async def admin(world):
    """A member with Manage Server in the world's guild; the job runs on simcord's clock
    (2026-01-01 00:00 UTC at start), with real database I/O allowed to take its time."""
    env, guild, _channel, _alice = world
    env.settle_timeout = 30
    role = guild.create_role("admins", permissions=discord.Permissions(manage_guild=True))
    env.bot.get_cog("Watches").now = env.now
    return guild.add_member(env.create_user("bob"), roles=[role])


async def _restart(bot) -> None:
    """What survives a restart is the database: close the store and open it again (the
    job keeps no state of its own between ticks; it reads the store at every tick)."""
    parts = bot.collaborators
    url = parts.store.engine.url.render_as_string(hide_password=False)
    await parts.store.close()
    parts.store = parts.analyses.store = await open_store(url)


async def test_watch_digest_one_alert_and_none_again_after_restart(world, admin, fake):
    env, _guild, channel, alice = world
    bot = env.bot
    # /watch needs Manage Server: Discord does not even show it to other members
    assert "watch add" not in alice.available_commands(channel)
    assert "watch add" in admin.available_commands(channel)
    added = await admin.slash(channel, "watch add", protocol="uniswap")
    assert "Watching **Uniswap**" in added.response.content
    listed = await admin.slash(channel, "watch list")
    assert "uniswap" in listed.response.content and listed.ephemeral
    # overnight a new wallet takes the top holder's place with twice its balance
    token = fake.tokens[UNI]
    token.holders = sorted([*token.holders, (NEWCOMER, 2 * token.holders[0][1])],
                           key=lambda row: -row[1])
    await env.advance_time(7 * 3600)  # past 06:00 UTC: the daily job runs once
    posts = _messages(env, channel)
    assert len(posts) == 2 and "daily digest" in posts[0]  # the digest, then one alert
    alert = posts[1]
    assert alert.startswith("⚠️") and NEWCOMER in alert and "entered the top 10" in alert
    assert "top 10 (owners view) gained" in alert
    store = bot.collaborators.store
    assert [(kind, sent) for kind, _key, sent in await store.posts()] == [
        ("digest", True), ("alert", True)]
    assert await store.finished_runs("daily") == ["2026-01-01"]
    await _restart(bot)
    store = bot.collaborators.store
    await env.advance_time(3600)  # the same day: done already, nothing posted
    assert len(_messages(env, channel)) == 2
    await env.advance_time(24 * 3600)  # the next day: a digest, and no alert again
    later = _messages(env, channel)[2:]
    assert len(later) == 1 and "daily digest" in later[0]
    assert await store.finished_runs("daily") == ["2026-01-01", "2026-01-02"]
    assert [kind for kind, _key, _sent in await store.posts()] == ["digest", "alert",
                                                                  "digest"]


async def test_crash_between_snapshot_and_alert_alerts_once(world, admin, fake, monkeypatch):
    """The job dies after storing the fresh snapshot, before claiming anything: the run is
    not finished, the baseline has not moved, so the next tick finds the crossing again
    and alerts once."""
    import pipeline.watch_job as job

    env, _guild, channel, _alice = world
    await admin.slash(channel, "watch add", protocol="uniswap")
    token = fake.tokens[UNI]
    token.holders = sorted([*token.holders, (NEWCOMER, 2 * token.holders[0][1])],
                           key=lambda row: -row[1])
    real_plan = job.plan_watch
    crashes: list[int] = []

    async def crash_once(store, watch, snap, day):
        if not crashes:
            crashes.append(snap.id)
            raise RuntimeError("process killed between snapshot and alert")
        await real_plan(store, watch, snap, day)

    monkeypatch.setattr(job, "plan_watch", crash_once)
    store = env.bot.collaborators.store
    await env.advance_time(6 * 3600 + 1)  # 06:00: refreshed, stored, then the crash
    assert crashes and await store.get(crashes[0]) is not None  # the snapshot is kept
    assert _messages(env, channel) == [] and await store.finished_runs("daily") == []
    await env.advance_time(3600)  # 07:00: the run again, to the end
    posts = _messages(env, channel)
    assert len(posts) == 2 and "daily digest" in posts[0] and NEWCOMER in posts[1]
    assert await store.finished_runs("daily") == ["2026-01-01"]
    await env.advance_time(3600)
    assert len(_messages(env, channel)) == 2


async def test_watch_in_a_channel_the_bot_cannot_post_in(world, admin, caplog):
    env, guild, channel, _alice = world
    locked = guild.create_text_channel("locked", overwrites={
        env.bot.user: discord.PermissionOverwrite(send_messages=False)})
    refused = await admin.slash(channel, "watch add", protocol="uniswap", channel=locked)
    assert refused.ephemeral and "missing send messages" in refused.response.content
    other = guild.create_text_channel("other")
    await admin.slash(channel, "watch add", protocol="uniswap")
    await admin.slash(channel, "watch add", protocol="aave", channel=other)
    # the bot loses its permission in #general after the watch was set
    env.inject_error("POST", f"/channels/{channel.id}/messages", status=403, code=50013,
                     message="Missing Permissions", times=None)
    await env.advance_time(7 * 3600)
    assert any("daily digest" in p for p in _messages(env, other))  # the job went on
    store = env.bot.collaborators.store
    watches = {w.protocol: w for w in await store.watches(guild.id)}
    assert watches["uniswap"].disabled == "missing permission to post there"
    assert watches["aave"].disabled == ""
    assert "cannot post in channel" in caplog.text
    listed = await admin.slash(other, "watch list")
    assert "stopped: missing permission" in listed.response.content


async def test_a_watch_keeps_its_own_thresholds(world, admin, fake):
    """Thresholds set with /watch add apply to that watch: with the top-10 limit at 50
    points and a new holder needing 90% of supply, the overnight newcomer alerts nothing —
    the digest still comes."""
    env, _guild, channel, _alice = world
    added = await admin.slash(channel, "watch add", protocol="uniswap", top10_points=50.0,
                              new_holder_pct=90.0, nakamoto_change=1000)
    assert "moves 50 points" in added.response.content
    assert "≥ 90% of supply" in added.response.content
    (watch,) = await env.bot.collaborators.store.watches(_guild.id)
    assert watch.thresholds == {"top10_points": 50.0, "new_member_share": 0.9,
                                "nakamoto_change": 1000.0}
    token = fake.tokens[UNI]
    token.holders = sorted([*token.holders, (NEWCOMER, 2 * token.holders[0][1])],
                           key=lambda row: -row[1])
    await env.advance_time(7 * 3600)
    posts = _messages(env, channel)
    assert len(posts) == 1 and "daily digest" in posts[0]
