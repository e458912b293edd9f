"""The bot's commands: /concentration, /compare, /holders, /fees, /votes, /methodology, /help,
and "@Lorenz how centralized is aave?" mentions.

Every command that fetches first resolves the protocol (a typo is answered at once,
ephemerally, and costs no cooldown), then starts its work — only the parts it shows
(``/fees`` fetches fees, ``/votes`` votes) — charging the per-user and per-guild cooldowns
of its command family only when that means new work (an answer kept fresh, or an analysis
already running that it joins, is free), defers (Discord's 3-second window) and answers
with one message: an embed, and the chart attached from memory. When none of the parts it
shows came back the reply is one error sentence naming the protocol and each part; when
some did, a report whose "Missing" field names the rest (:mod:`pipeline.analyze`).

Mentions are routed by this cog's ``on_message`` listener: a message that names the bot
(``<@bot>`` in its text, not ``@everyone``, not a reply that merely pings it) is a question,
unless it is a command ("@Lorenz holders aave"), which discord.py's own command processing
runs — never both.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, Literal, ParamSpec, Protocol, TypeAlias, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from commands.embeds import (
    clip,
    compare_embed,
    concentration_embed,
    fees_embed,
    help_embed,
    holders_embed,
    methodology_embed,
    safe,
    votes_embed,
)
from commands.errors import describe
from commands.host import Host, host_of
from core.errors import CooldownActive, InputError, LorenzError, ProtocolNotFound, public_text
from core.protocol import ProtocolRecord
from pipeline.analyze import PARTS
from pipeline.resolve import find_protocol
from pipeline.service import (
    Answer,
    answer_key,
    render_comparison,
    render_delegates,
    render_view,
    render_votes,
)

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 8 * 1024 * 1024  # stay under Discord's smallest upload limit
_MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>|@everyone|@here")

Ctx: TypeAlias = commands.Context[commands.Bot]
CogT = TypeVar("CogT", bound=commands.Cog)
P = ParamSpec("P")


class _HybridDecorator(Protocol):
    def __call__(self, func: Callable[Concatenate[CogT, Ctx, P], Coroutine[Any, Any, None]],
                 /) -> commands.HybridCommand[CogT, P, None]: ...


def hybrid_command(name: str, **attrs: Any) -> _HybridDecorator:
    """:func:`discord.ext.commands.hybrid_command`, typed so that mypy checks the callbacks.

    discord.py declares the decorator as a generic callable whose type variables mypy
    solves to ``Never`` (every callback is then rejected); the same decorator, returned
    under this signature, is checked against each method it decorates.
    """
    return commands.hybrid_command(name, **attrs)


def chart_filename(record: ProtocolRecord | str) -> str:
    """A safe attachment name like ``uniswap.png``."""
    base = record if isinstance(record, str) else (record.slug or record.name)
    return (re.sub(r"[^a-z0-9_-]+", "-", base.lower()).strip("-")[:40] or "report") + ".png"


def png_file(png: bytes | None, filename: str) -> discord.File | None:
    """The chart as an in-memory attachment, or None when absent or too large."""
    if not png or len(png) > MAX_FILE_BYTES:
        return None
    return discord.File(io.BytesIO(png), filename=filename)


async def send_embed(ctx: Ctx, embed: discord.Embed, file: discord.File | None) -> None:
    """One message: ``embed``, with ``file`` attached when there is one.

    (``send`` takes ``file=None`` at run time, but discord.py's typed overloads accept only
    a :class:`discord.File`; this one branch keeps every call site checked.)
    """
    if file is None:
        await ctx.send(embed=embed)
    else:
        await ctx.send(embed=embed, file=file)


#: Command families, each with its own cooldowns: a refusal blocks only its own family.
FAMILIES: tuple[str, ...] = ("report", "compare", "holders", "fees", "votes")
#: The parts each family shows (and so fetches).
FAMILY_PARTS: dict[str, tuple[str, ...]] = {
    "report": PARTS, "compare": ("holders", "fees"), "holders": ("holders",),
    "fees": ("fees",), "votes": ("votes", "governance")}


class Cooldowns:
    """Per-user and per-guild rate limits of one command family, kept on the cog (not per
    function) and timed from the message/interaction timestamp so a virtual clock works in
    tests."""

    def __init__(self, user_rate: int, user_per: float, guild_rate: int, guild_per: float):
        self.user = commands.CooldownMapping.from_cooldown(user_rate, user_per,
                                                           commands.BucketType.user)
        self.guild = commands.CooldownMapping.from_cooldown(guild_rate, guild_per,
                                                            commands.BucketType.guild)

    def consume(self, message: discord.Message, when: float) -> None:
        """Take one token for the author and the guild, or raise :class:`CooldownActive`."""
        user_bucket = self.user.get_bucket(message, when)
        guild_bucket = self.guild.get_bucket(message, when) if message.guild else None
        if guild_bucket is not None:
            guild_wait = guild_bucket.get_retry_after(when)
            if guild_wait:
                raise CooldownActive(guild_wait, "guild")
        if user_bucket is not None:
            user_wait = user_bucket.update_rate_limit(when)
            if user_wait:
                raise CooldownActive(user_wait, "user")
        if guild_bucket is not None:
            guild_bucket.update_rate_limit(when)


def _when(ctx: Ctx) -> float:
    if ctx.interaction is not None:
        return ctx.interaction.created_at.timestamp()
    return ctx.message.created_at.timestamp()


class Concentration(commands.Cog):
    """Concentration answers, to commands and to mentions.

    Args:
        bot: the discord.py bot (for its user and command parsing).
        host: our collaborators — settings, directory, analysis service (see
            :class:`commands.host.Host`).
    """

    def __init__(self, bot: commands.Bot, host: Host) -> None:
        self.bot = bot
        self.host = host
        cfg = host.settings
        self.cooldowns = {family: Cooldowns(cfg.user_rate, cfg.user_per, cfg.guild_rate,
                                            cfg.guild_per) for family in FAMILIES}

    # -- shared steps --------------------------------------------------------------------

    async def _find(self, ctx: Ctx, text: str) -> tuple[ProtocolRecord, bool]:
        """The record for ``text``, and whether it had to defer to get it.

        Mentions in the text ("@everyone uniswap") are dropped first, as in a mention.
        Answered from memory whenever possible (a due daily refresh runs in the
        background); only a name that needs the list while it is still loading defers first
        (see :func:`commands.host.find_protocol`). A typo raises :class:`ProtocolNotFound`
        before any deferral, so it gets an ephemeral reply and costs no cooldown.
        """
        text = _MENTION.sub(" ", text).strip() or text
        record, deferred = await find_protocol(self.host.directory, text,
                                               before_loading=ctx.defer)
        if not deferred:
            self.host.refresh_directory_soon()
        return record, deferred

    def _begin(self, message: discord.Message, when: float, family: str,
               records: list[ProtocolRecord], chart: bool = True
               ) -> list[asyncio.Future[Answer]]:
        """Charge ``family``'s cooldowns once if any record needs new work (a fresh or
        running answer is free), then start every answer now (see
        :meth:`pipeline.service.AnalysisService.begin`).

        Raises:
            CooldownActive: new work was needed and the family's allowance is used up.
        """
        analyses = self.host.analyses
        parts = FAMILY_PARTS[family]
        if not all(analyses.is_free(r, chart=chart, parts=parts) for r in records):
            self.cooldowns[family].consume(message, when)
        return [analyses.begin(r, chart=chart, parts=parts) for r in records]

    async def _start(self, ctx: Ctx, family: str, text: str, chart: bool = True
                     ) -> tuple[ProtocolRecord, asyncio.Future[Answer]]:
        """Resolve ``text``, start its answer (charging the cooldown when it is new work),
        then defer — an unknown name and a cooldown are answered before the deferral."""
        started = time.perf_counter()
        record, deferred = await self._find(ctx, text)
        (pending,) = self._begin(ctx.message, _when(ctx), family, [record], chart)
        await _defer_unless(ctx, deferred, [pending])
        log.info("resolve %r → %s in %.0f ms", text[:40], record.slug or record.name,
                 (time.perf_counter() - started) * 1000)
        return record, pending

    async def _send_answer(self, ctx: Ctx, record: ProtocolRecord,
                           pending: asyncio.Future[Answer]) -> None:
        answer = await pending
        filename = chart_filename(record)
        file = png_file(answer.png, filename)
        embed = concentration_embed(answer, filename if file else None)
        started = time.perf_counter()
        await send_embed(ctx, embed, file)
        log.info("concentration %s: %s, send %.0f ms", record.slug or record.name,
                 ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in answer.timings),
                 (time.perf_counter() - started) * 1000)

    async def _send_with_chart(self, ctx: Ctx, embed: discord.Embed,
                               answer: Answer, record: ProtocolRecord) -> None:
        """Send ``embed`` with the report chart (top holders, fee split) attached."""
        filename = chart_filename(record)
        file = png_file(answer.png, filename)
        if file is not None:
            embed.set_image(url=f"attachment://{filename}")
        await send_embed(ctx, embed, file)

    async def protocol_autocomplete(self, interaction: discord.Interaction, current: str
                                    ) -> list[app_commands.Choice[str]]:
        """Up to 25 protocols from the cached directory (no network)."""
        try:
            records = self.host.directory.search(current[:100], limit=25)
        except Exception:  # autocomplete must never fail loudly
            log.exception("autocomplete failed")
            return []
        return [app_commands.Choice(name=r.name[:100], value=(r.slug or r.name)[:100])
                for r in records]

    # -- commands ------------------------------------------------------------------------

    @hybrid_command(name="concentration", aliases=["conc"])
    @app_commands.describe(protocol="a DeFi protocol, e.g. uniswap")
    async def concentration(self, ctx: Ctx, *, protocol: str) -> None:
        """How concentrated are a protocol's token, votes and fees?"""
        record, pending = await self._start(ctx, "report", protocol)
        await self._send_answer(ctx, record, pending)

    @hybrid_command(name="compare")
    @app_commands.describe(first="protocol", second="protocol", third="optional",
                           fourth="optional")
    async def compare(self, ctx: Ctx, first: str, second: str,
                      third: str | None = None, fourth: str | None = None) -> None:
        """Compare 2–4 protocols side by side."""
        names = [n for n in (first, second, third, fourth) if n]
        records, notes, deferred = await self._compared(ctx, names)
        if len(records) < 2:
            raise InputError(clip("Name at least two different protocols I know to compare. "
                                  + " ".join(notes), 1500))
        pending = self._begin(ctx.message, _when(ctx), "compare", records, chart=False)
        await _defer_unless(ctx, deferred, pending)
        results = await asyncio.gather(*pending, return_exceptions=True)
        answers: list[Answer] = []
        for record, result in zip(records, results, strict=True):
            if isinstance(result, LorenzError):
                notes.append(f"{record.name}: {public_text(result)}")
            elif isinstance(result, BaseException):
                raise result
            else:
                answers.append(result)
        if not answers:
            raise InputError(clip("I could not analyse any of them. " + " ".join(notes), 1500))
        file = None
        if len(answers) >= 2:
            key = "compare|" + ",".join(answer_key(a, a.report.name) for a in answers)
            png = await self.host.analyses.render(render_comparison,
                                                  [a.report for a in answers], key=key)
            file = png_file(png, "compare.png")
        await send_embed(ctx, compare_embed(answers, "compare.png" if file else None, notes),
                         file)

    async def _compared(self, ctx: Ctx, names: list[str]
                        ) -> tuple[list[ProtocolRecord], list[str], bool]:
        """The distinct protocols of ``names``, sentences about the names left out (unknown,
        or the same protocol as another), and whether resolving had to defer."""
        records: list[ProtocolRecord] = []
        notes: list[str] = []
        deferred = False
        for n in names:
            try:
                record, needed_defer = await self._find(ctx, n)
            except ProtocolNotFound as exc:
                notes.append(f"I don't know a protocol called “{safe(exc.query, 60)}”.")
                continue
            deferred = deferred or needed_defer
            same = next((r for r in records
                         if (r.slug or r.name) == (record.slug or record.name)), None)
            if same is None:
                records.append(record)
            else:
                notes.append(f"“{safe(n, 60)}” is the same protocol as "
                             f"{safe(same.name, 60)}.")
        return records, notes, deferred

    @hybrid_command(name="holders")
    @app_commands.describe(protocol="a DeFi protocol", view="which holders to list")
    async def holders(self, ctx: Ctx, protocol: str,
                      view: Literal["owners", "circulating", "raw"] = "owners") -> None:
        """The top 15 holders of a view (owners, circulating, raw) with labels and
        categories."""
        record, pending = await self._start(ctx, "holders", protocol, chart=False)
        answer = await pending
        embed = holders_embed(answer.report, view)
        png = await self.host.analyses.render(  # the chart of the view asked for
            render_view, answer.report, view,
            key=f"holders|{view}|" + answer_key(answer, record.slug or record.name))
        filename = chart_filename(f"{record.slug or record.name}-{view}")
        file = png_file(png, filename)
        if file is not None:
            embed.set_image(url=f"attachment://{filename}")
        await send_embed(ctx, embed, file)

    @hybrid_command(name="fees")
    @app_commands.describe(protocol="a DeFi protocol")
    async def fees(self, ctx: Ctx, *, protocol: str) -> None:
        """Where a protocol's fees go: supply side, treasury, token holders."""
        record, pending = await self._start(ctx, "fees", protocol)
        answer = await pending
        await self._send_with_chart(ctx, fees_embed(answer.report), answer, record)

    @hybrid_command(name="votes")
    @app_commands.describe(protocol="a DeFi protocol")
    async def votes(self, ctx: Ctx, *, protocol: str) -> None:
        """Who can pass a proposal: on-chain delegates vs quorum, and Snapshot voters."""
        record, pending = await self._start(ctx, "votes", protocol, chart=False)
        answer = await pending
        report = answer.report
        embed = votes_embed(report)
        file = None
        if report.governance is not None:  # on-chain DAOs: the delegates vs the quorum
            png = await self.host.analyses.render(
                render_delegates, report.governance,
                key="delegates|" + answer_key(answer, record.slug or record.name))
            file = png_file(png, "delegates.png")
            if file:
                embed.set_image(url="attachment://delegates.png")
        elif report.votes is not None and report.votes.proposals:
            png = await self.host.analyses.render(
                render_votes, report.votes, report.name, report.symbol,
                key="votes|" + answer_key(answer, record.slug or record.name))
            file = png_file(png, "votes.png")
            if file:
                embed.set_image(url="attachment://votes.png")
        await send_embed(ctx, embed, file)

    @hybrid_command(name="methodology")
    async def methodology(self, ctx: Ctx) -> None:
        """What the numbers mean and the verdict thresholds."""
        await ctx.send(embed=methodology_embed(), ephemeral=True)

    @hybrid_command(name="help")
    async def help(self, ctx: Ctx) -> None:
        """How to use Lorenz."""
        cfg = self.host.settings
        await ctx.send(embed=help_embed(cfg.prefix_enabled, cfg.prefix), ephemeral=True)

    concentration.autocomplete("protocol")(protocol_autocomplete)
    holders.autocomplete("protocol")(protocol_autocomplete)
    fees.autocomplete("protocol")(protocol_autocomplete)
    votes.autocomplete("protocol")(protocol_autocomplete)
    compare.autocomplete("first")(protocol_autocomplete)
    compare.autocomplete("second")(protocol_autocomplete)
    compare.autocomplete("third")(protocol_autocomplete)
    compare.autocomplete("fourth")(protocol_autocomplete)

    # -- mentions ------------------------------------------------------------------------

    @commands.Cog.listener("on_message")
    async def route_mention(self, message: discord.Message) -> None:
        """A message addressed to the bot is a question, unless it is a command.

        Commands — "@Lorenz holders aave", and "!conc uniswap" when the prefix is enabled —
        are run by discord.py's own command processing (``Bot.on_message``); this listener
        answers only what that leaves unanswered, so a message is never answered twice.
        """
        if not self._addressed(message):
            return
        ctx = await self.bot.get_context(message)
        if not ctx.valid:
            await self.handle_mention(message)

    def _addressed(self, message: discord.Message) -> bool:
        """Whether ``message`` names the bot: an explicit ``<@bot>`` in its text (a reply
        that merely pings the bot is not a question), other bots and ``@everyone`` aside."""
        me = self.bot.user
        if message.author.bot or me is None or not message.content:
            return False
        return (me in message.mentions and not message.mention_everyone
                and re.search(rf"<@!?{me.id}>", message.content) is not None)

    async def handle_mention(self, message: discord.Message) -> None:
        """Answer "@Lorenz uniswap" / "@Lorenz how centralized is aave?" like /concentration.

        Works without the message-content intent: Discord sends the content of messages
        that mention the bot. Errors get the one handler's sentence (:func:`describe`).
        """
        text = _MENTION.sub(" ", message.content or "").strip()[:500]
        try:
            if not text or text.lower() in {"help", "?", "hi", "hello"}:
                cfg = self.host.settings
                await message.reply(embed=help_embed(cfg.prefix_enabled, cfg.prefix),
                                    mention_author=False)
                return
            record = await self._mentioned_record(message, text)
            if record is not None:
                await self._reply_answer(message, record)
        except Exception as exc:  # the one handler, for the mention path
            text_reply, _ = describe(exc)
            try:
                await message.reply(text_reply, mention_author=False)
            except discord.HTTPException as send_exc:
                log.warning("could not reply to a mention: %s %s", send_exc.status,
                            send_exc.code)

    async def _mentioned_record(self, message: discord.Message, text: str
                                ) -> ProtocolRecord | None:
        """The one protocol ``text`` asks about; None (after saying why) for none or several."""
        found = self.host.directory.find_in_text(text)
        if not found:  # maybe the whole text is a name with a typo ("@Lorenz uniswp")
            try:
                found = [await self.host.directory.resolve(text)]
            except ProtocolNotFound as exc:
                hint = (" Did you mean " + ", ".join(f"**{safe(s, 60)}**"
                                                      for s in exc.suggestions) + "?"
                        if exc.suggestions else " Try “@Lorenz uniswap”.")
                await message.reply(f"I couldn't find a protocol called "
                                    f"“{safe(exc.query, 80)}”.{hint}", mention_author=False)
                return None
        if len(found) > 1:
            names = ", ".join(f"**{safe(r.name, 40)}**" for r in found[:4])
            await message.reply(f"I found several protocols: {names}. Ask about one, or "
                                "use `/compare`.", mention_author=False)
            return None
        return found[0]

    async def _reply_answer(self, message: discord.Message, record: ProtocolRecord) -> None:
        """The /concentration answer, as a reply to ``message`` (charged to the "report"
        family's cooldown only when it is new work)."""
        (pending,) = self._begin(message, message.created_at.timestamp(), "report", [record])
        try:
            async with message.channel.typing():
                answer = await pending
        finally:
            pending.cancel()  # no-op when done; a failed typing call leaves it unawaited
        filename = chart_filename(record)
        file = png_file(answer.png, filename)
        embed = concentration_embed(answer, filename if file else None)
        if file is None:
            await message.reply(embed=embed, mention_author=False)
        else:
            await message.reply(embed=embed, file=file, mention_author=False)


async def _defer_unless(ctx: Ctx, deferred: bool, pending: list[asyncio.Future[Answer]]
                        ) -> None:
    """Defer (Discord's 3-second window) unless already deferred; when deferring fails,
    the started answers are let go (they still finish and are kept for the next asker)."""
    if deferred:
        return
    try:
        await ctx.defer()
    except BaseException:
        for p in pending:
            p.cancel()
        raise


async def setup(bot: commands.Bot) -> None:
    """Extension entry point: the cog gets the bot's collaborators (:func:`host_of`)."""
    await bot.add_cog(Concentration(bot, host_of(bot)))
