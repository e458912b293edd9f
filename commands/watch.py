"""Watches: ``/watch add|remove|list``, ``/trend``, and the daily job that posts digests
and alerts (extension ``commands.watch``).

The job is a :func:`discord.ext.tasks.loop` ticking every hour; from ``[store] daily_hour``
(UTC) on, the first tick of each day runs :func:`pipeline.watch_job.daily_posts` under
:meth:`store.repo.Store.job_slot` (once across processes: a PostgreSQL advisory lock and a
``job_runs`` row), then sends every claimed post. A channel the bot may not post in
disables that watch (logged, shown by ``/watch list``); the job goes on with the others.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable, Mapping
from typing import Literal, Protocol, runtime_checkable

import discord
from discord import app_commands
from discord.ext import commands, tasks

from commands.embeds import NEUTRAL, clip, fit, safe
from commands.host import Host, host_of
from core.errors import InputError
from core.protocol import ProtocolRecord
from pipeline.resolve import find_protocol
from pipeline.snapshots import iso, protocol_key
from pipeline.trends import series, trend_line, trends_for
from pipeline.watch_job import Planned, pending_posts, run_daily
from scoring.formatting import metric_name
from store.config import StoreConfig
from store.repo import MAX_WATCHES_PER_GUILD, Store
from store.thresholds import DEFAULT_THRESHOLDS, effective

log = logging.getLogger(__name__)

NONE = discord.AllowedMentions.none()
#: What the bot needs in a watching channel.
NEEDED = ("view_channel", "send_messages", "embed_links")
METRICS = Literal["top10_share", "nakamoto", "gini", "hhi", "top1_share", "identified_share"]


@runtime_checkable
class WatchHost(Host, Protocol):
    """A :class:`Host` that also carries the store settings."""

    @property
    def store_settings(self) -> StoreConfig:
        """The ``[store]`` settings (daily hour)."""
        ...


def _missing_permissions(channel: discord.abc.GuildChannel, me: discord.Member) -> list[str]:
    perms = channel.permissions_for(me)
    return [p.replace("_", " ") for p in NEEDED if not getattr(perms, p)]


class Watches(commands.Cog):
    """Watches, trends and the daily job."""

    watch = app_commands.Group(name="watch", description="Watch a protocol in a channel",
                               guild_only=True,
                               default_permissions=discord.Permissions(manage_guild=True))

    def __init__(self, bot: commands.Bot, host: WatchHost) -> None:
        self.bot = bot
        self.host = host
        #: The clock of the job (tests give simcord's virtual clock).
        self.now: Callable[[], dt.datetime] = discord.utils.utcnow

    @property
    def store(self) -> Store:
        store = self.host.analyses.store
        if store is None:
            raise InputError("My memory (the store) is not available right now, so I can't "
                             "keep watches or trends.")
        return store

    async def cog_load(self) -> None:
        self.daily.start()

    async def cog_unload(self) -> None:
        self.daily.cancel()

    async def _resolve(self, key: str) -> ProtocolRecord:
        """A watched protocol's record for the daily job (no interaction to defer)."""
        record, _ = await find_protocol(self.host.directory, key)
        return record

    async def _record(self, interaction: discord.Interaction, text: str, *,
                      ephemeral: bool = False) -> ProtocolRecord:
        """The protocol called ``text``; when the DefiLlama list must be loaded first, the
        interaction is deferred before (Discord's 3-second window)."""
        async def defer() -> None:
            if not interaction.response.is_done():
                await interaction.response.defer(ephemeral=ephemeral, thinking=True)

        record, _ = await find_protocol(self.host.directory, text, before_loading=defer)
        return record

    # -- /watch ------------------------------------------------------------------------

    @watch.command(name="add", description="Post a daily digest and alerts about a "
                                           "protocol in a channel")
    @app_commands.describe(
        protocol="a DeFi protocol", channel="default: this channel",
        top10_points="alert when the top-10 share moves this many points (default 2)",
        nakamoto_change="alert when the Nakamoto coefficient changes by this many (default 1)",
        new_holder_pct="alert when a new top-10 holder or delegate has at least this % of "
                       "supply (default 1)",
        quorum_change="alert when the delegates needed for quorum change by this many "
                      "(default 1)")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def add(self, interaction: discord.Interaction, protocol: str,
                  channel: discord.TextChannel | None = None,
                  top10_points: app_commands.Range[float, 0.1, 100.0] | None = None,
                  nakamoto_change: app_commands.Range[int, 1, 1000] | None = None,
                  new_holder_pct: app_commands.Range[float, 0.01, 100.0] | None = None,
                  quorum_change: app_commands.Range[int, 1, 1000] | None = None) -> None:
        target = channel or interaction.channel
        if not isinstance(target, discord.TextChannel) or interaction.guild is None:
            raise InputError("Pick a text channel of this server.")
        missing = _missing_permissions(target, interaction.guild.me)
        if missing:
            raise InputError(f"I can't post in {target.mention}: I'm missing "
                             f"{', '.join(missing)} there.")
        store = self.store
        record = await self._record(interaction, protocol)
        key = protocol_key(record)
        await _check_room(store, interaction.guild.id, target.id, key)  # before any work
        if not interaction.response.is_done():
            await interaction.response.defer(thinking=True)
        answer = await self.host.analyses.answer(record, chart=False)  # the baseline
        baseline = await store.latest(key, members=False)
        overrides = watch_thresholds(top10_points, nakamoto_change, new_holder_pct,
                                     quorum_change)
        await store.add_watch(interaction.guild.id, target.id, key, interaction.user.id,
                              thresholds=overrides,
                              baseline_id=baseline.id if baseline else None)
        hour = self.host.store_settings.daily_hour
        await interaction.followup.send(
            f"Watching **{safe(answer.report.name, 80)}** in {target.mention}: a digest "
            f"every day from {hour:02d}:00 UTC, and an alert when "
            f"{_thresholds_text(effective(overrides))}.",
            allowed_mentions=NONE)

    @watch.command(name="remove", description="Stop watching a protocol in a channel")
    @app_commands.describe(protocol="the watched protocol", channel="default: this channel")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def remove(self, interaction: discord.Interaction, protocol: str,
                     channel: discord.TextChannel | None = None) -> None:
        target = channel or interaction.channel
        assert interaction.guild is not None  # guild_only
        key = protocol_key(await self._record(interaction, protocol, ephemeral=True))
        removed = await self.store.remove_watch(interaction.guild.id, getattr(target, "id", 0),
                                                key)
        text = (f"Stopped watching **{safe(key, 80)}** there." if removed else
                f"**{safe(key, 80)}** was not watched there.")
        if interaction.response.is_done():  # deferred while the protocol list loaded
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NONE)
        else:
            await interaction.response.send_message(text, ephemeral=True,
                                                    allowed_mentions=NONE)

    @watch.command(name="list", description="The watches of this server")
    async def list_(self, interaction: discord.Interaction) -> None:
        assert interaction.guild is not None  # guild_only
        rows = await self.store.watches(interaction.guild.id)
        lines = [f"**{safe(w.protocol, 60)}** in <#{w.channel_id}>"
                 + (f" — stopped: {safe(w.disabled, 120)}" if w.disabled else "")
                 for w in rows]
        await interaction.response.send_message(
            clip("\n".join(lines) or "No watches here. Add one with `/watch add`.", 1900),
            ephemeral=True, allowed_mentions=NONE)

    # -- /trend ------------------------------------------------------------------------

    @app_commands.command(name="trend", description="A protocol's stored history: a metric "
                                                    "over time, per view")
    @app_commands.describe(protocol="a DeFi protocol", metric="default: top10_share",
                           days="how far back (default 90)")
    async def trend(self, interaction: discord.Interaction, protocol: str,
                    metric: METRICS = "top10_share",
                    days: app_commands.Range[int, 1, 3650] = 90) -> None:
        record = await self._record(interaction, protocol)
        key = protocol_key(record)
        since = self.now() - dt.timedelta(days=days)
        snaps = await self.store.history(key, since)
        if not snaps:
            raise InputError(f"I have no snapshots of {record.name} from the last {days} "
                             "days yet. Ask `/concentration` or set a `/watch`.")
        if not interaction.response.is_done():
            await interaction.response.defer()
        dates, lines = series(snaps, metric)
        png = await self.host.analyses.render(render_trend_chart, record.name, metric,
                                              dates, lines, sources_text(snaps))
        embed = trend_embed(record.name, metric, snaps, await trends_for(
            self.store, snaps[-1].data, self.now(), exclude=snaps[-1].id))
        embed.set_image(url="attachment://trend.png")
        await interaction.followup.send(embed=embed, file=discord.File(io.BytesIO(png),
                                                                      "trend.png"),
                                        allowed_mentions=NONE)

    async def protocol_autocomplete(self, interaction: discord.Interaction, current: str
                                    ) -> list[app_commands.Choice[str]]:
        """Up to 25 protocols from the cached directory (no network)."""
        try:
            records = self.host.directory.search(current[:100], limit=25)
        except Exception:  # autocomplete must never fail loudly
            return []
        return [app_commands.Choice(name=r.name[:100], value=(r.slug or r.name)[:100])
                for r in records]

    add.autocomplete("protocol")(protocol_autocomplete)
    trend.autocomplete("protocol")(protocol_autocomplete)

    # -- the daily job -----------------------------------------------------------------

    @tasks.loop(hours=1)
    async def daily(self) -> None:
        """Each hour: run the day's refresh once it is due, then send what is claimed."""
        try:
            await self.run_due()
        except Exception:  # one bad run must not stop the loop
            log.exception("daily watch job failed; retrying at the next tick")

    @daily.before_loop
    async def _before_daily(self) -> None:
        await self.bot.wait_until_ready()

    async def run_due(self) -> bool:
        """Run the day's refresh when due and not done (here or in another process);
        then send the claimed posts. Returns whether this process ran the refresh."""
        store = self.host.analyses.store
        if store is None:
            return False
        now = self.now()
        ran = False
        if now.hour >= self.host.store_settings.daily_hour:
            ran = await run_daily(self.host.analyses.services, store, now, self._resolve,
                                  self.host.analyses.holders_limit) is not None
        await self.send_pending(store)
        return ran

    async def send_pending(self, store: Store) -> int:
        """Send every claimed post; a channel that refuses disables its watch."""
        sent = 0
        for post in await pending_posts(store):
            if await self._send(store, post):
                sent += 1
        return sent

    def _mine(self, guild_id: int) -> bool:
        """Whether this process runs the shard of ``guild_id`` (always, unsharded)."""
        count = getattr(self.bot, "shard_count", None)
        ids = getattr(self.bot, "shard_ids", None)
        if not isinstance(self.bot, discord.AutoShardedClient) or not count or not ids:
            return True
        return (guild_id >> 22) % count in ids

    async def _send(self, store: Store, post: Planned) -> bool:
        if not self._mine(post.guild_id):
            return False  # another process's shard posts it
        channel = self.bot.get_channel(post.channel_id)
        if not isinstance(channel, discord.TextChannel):
            await store.disable_watch(post.watch_id, "the channel is gone")
            log.warning("watch %d disabled: channel %d is gone", post.watch_id,
                        post.channel_id)
            return False
        text = "\n".join(safe(line, 600) for line in post.text.splitlines())
        try:
            await channel.send(clip(text, 1900), allowed_mentions=NONE)
        except discord.Forbidden as exc:
            await store.disable_watch(post.watch_id, "missing permission to post there")
            log.warning("watch %d disabled: cannot post in channel %d (HTTP %s, code %s)",
                        post.watch_id, post.channel_id, exc.status, exc.code)
            return False
        except discord.HTTPException as exc:  # 429/5xx: the next tick sends it
            log.warning("could not post to channel %d (HTTP %s); retrying later",
                        post.channel_id, exc.status)
            return False
        await store.mark_sent(post.post_id)
        return True


def render_trend_chart(name: str, metric: str, dates: list[dt.datetime],
                       lines: dict[str, list[float | None]], source: str = "") -> bytes:
    """The trend chart (top level: picklable; matplotlib is imported in the worker)."""
    from charts.trend import render_trend_png

    return render_trend_png(name, metric, dates, lines, source)


def sources_text(snaps: list) -> str:
    """"holders from Blockscout" (every holder source of the series, in order seen)."""
    names = list(dict.fromkeys(s.data.source for s in snaps if s.data.source))
    return f"holders from {', '.join(names)}" if names else "holder source not recorded"


def trend_embed(name: str, metric: str, snaps: list, trends: tuple) -> discord.Embed:
    """The /trend answer: the series' span and source, the latest figures, the trends."""
    first, last = snaps[0].data, snaps[-1].data
    embed = discord.Embed(title=clip(f"{safe(name, 80)} — {metric_name(metric)} over time",
                                     256),
                          colour=NEUTRAL)
    embed.description = (f"{len(snaps)} snapshot(s) from {first.as_of:%Y-%m-%d} to "
                         f"{last.as_of:%Y-%m-%d} (holder lists' times, UTC); one line per "
                         "view.")
    if trends:
        embed.add_field(name=f"Trend ({last.basis_view} view)",
                        value=clip("\n".join(trend_line(t) for t in trends), 1024),
                        inline=False)
    embed.set_footer(text=clip(f"holders from {last.source or 'unknown source'} · latest "
                               f"as of {iso(last.as_of)}", 2048))
    return fit(embed)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point (needs a bot that carries the store settings)."""
    host = host_of(bot)
    if not isinstance(host, WatchHost):
        raise TypeError(f"{type(bot).__name__} has no store settings")
    await bot.add_cog(Watches(bot, host))


def watch_thresholds(top10_points: float | None, nakamoto_change: int | None,
                     new_holder_pct: float | None, quorum_change: int | None
                     ) -> dict[str, float]:
    """A watch's own thresholds from the ``/watch add`` options (only those given; the
    rest stay at :data:`DEFAULT_THRESHOLDS`). ``new_holder_pct`` is in percent."""
    given = {"top10_points": top10_points, "nakamoto_change": nakamoto_change,
             "new_member_share": None if new_holder_pct is None else new_holder_pct / 100,
             "quorum_delegates_change": quorum_change}
    return {k: float(v) for k, v in given.items() if v is not None}


def _thresholds_text(t: Mapping[str, float] = DEFAULT_THRESHOLDS) -> str:
    """Alert thresholds in words (the defaults, from :data:`DEFAULT_THRESHOLDS`, unless
    given)."""
    return (f"the top-10 share moves {t['top10_points']:g} points, the Nakamoto coefficient "
            f"changes by {t['nakamoto_change']:g}, a new holder or delegate with ≥ "
            f"{t['new_member_share']:.0%} of supply enters the top 10, or the delegates "
            f"needed for quorum change by {t['quorum_delegates_change']:g}")


async def _check_room(store: Store, guild_id: int, channel_id: int, key: str) -> None:
    """Refuse a new watch at once when the server has :data:`MAX_WATCHES_PER_GUILD`
    (re-adding one that exists is always allowed), before any analysis is paid for.

    Raises:
        InputError: the server is full.
    """
    watches = await store.watches(guild_id)
    exists = any(w.channel_id == channel_id and w.protocol == key for w in watches)
    if not exists and len(watches) >= MAX_WATCHES_PER_GUILD:
        raise InputError(f"This server already has {MAX_WATCHES_PER_GUILD} watches; remove "
                         "one first (/watch remove).")
