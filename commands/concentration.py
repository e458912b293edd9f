"""The bot's commands: /concentration, /compare, /holders, /fees, /votes, /methodology, /help,
and "@Lorenz how centralized is aave?" mentions.

Every command that fetches first resolves the protocol (a typo is answered at once,
ephemerally, and costs no cooldown), then checks the per-user and per-guild cooldowns,
defers (Discord's 3-second window), runs the shared analysis service and answers with one
message: an embed, and the chart attached from memory.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
import time
from typing import TYPE_CHECKING, Literal

import discord
from discord import app_commands
from discord.ext import commands

from commands.embeds import (
    compare_embed,
    concentration_embed,
    fees_embed,
    help_embed,
    holders_embed,
    methodology_embed,
    safe,
    votes_embed,
)
from commands.errors import CooldownActive, describe
from core.errors import ProtocolNotFound
from core.protocol import ProtocolRecord
from pipeline.service import Answer, answer_key, render_comparison, render_votes

if TYPE_CHECKING:
    from bot.app import LorenzBot

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 8 * 1024 * 1024  # stay under Discord's smallest upload limit
_MENTION = re.compile(r"<@[!&]?\d+>|<#\d+>|@everyone|@here")


def chart_filename(record: ProtocolRecord | str) -> str:
    """A safe attachment name like ``uniswap.png``."""
    base = record if isinstance(record, str) else (record.slug or record.name)
    return (re.sub(r"[^a-z0-9_-]+", "-", base.lower()).strip("-")[:40] or "report") + ".png"


def png_file(png: bytes | None, filename: str) -> discord.File | None:
    """The chart as an in-memory attachment, or None when absent or too large."""
    if not png or len(png) > MAX_FILE_BYTES:
        return None
    return discord.File(io.BytesIO(png), filename=filename)


class Cooldowns:
    """Per-user and per-guild rate limits, kept on the cog (not per function) and timed
    from the message/interaction timestamp so a virtual clock works in tests."""

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
            retry = guild_bucket.get_retry_after(when)
            if retry:
                raise CooldownActive(retry, "guild")
        if user_bucket is not None:
            retry = user_bucket.update_rate_limit(when)
            if retry:
                raise CooldownActive(retry, "user")
        if guild_bucket is not None:
            guild_bucket.update_rate_limit(when)


def _when(ctx: commands.Context) -> float:
    if ctx.interaction is not None:
        return ctx.interaction.created_at.timestamp()
    return ctx.message.created_at.timestamp()


class Concentration(commands.Cog):
    """Concentration answers."""

    def __init__(self, bot: LorenzBot) -> None:
        self.bot = bot
        cfg = bot.config.discord
        self.cooldowns = Cooldowns(cfg.user_rate, cfg.user_per, cfg.guild_rate, cfg.guild_per)

    # -- shared steps --------------------------------------------------------------------

    async def _resolve(self, text: str) -> ProtocolRecord:
        return await self.bot.directory.resolve(text)

    async def _find(self, ctx: commands.Context, text: str) -> tuple[ProtocolRecord, bool]:
        """The record for ``text``, and whether it had to defer to get it.

        Answered from memory whenever possible (built-in table and the cached DefiLlama
        list; a due daily refresh runs in the background). Only a name that needs the list
        while it is still loading defers first, so Discord's 3-second window is kept. A
        typo raises :class:`ProtocolNotFound` before any deferral, so it gets an ephemeral
        reply and costs no cooldown.
        """
        directory = self.bot.directory
        try:
            record = directory.lookup(text)
        except ProtocolNotFound:
            if directory.loaded or directory.load_error is not None:
                raise  # nothing more to wait for
            await ctx.defer()
            return await directory.resolve(text), True
        self.bot.refresh_directory_soon()
        return record, False

    async def _answer(self, record: ProtocolRecord) -> Answer:
        return await self.bot.analyses.answer(record)

    async def _prepare(self, ctx: commands.Context, text: str) -> ProtocolRecord:
        started = time.perf_counter()
        record, deferred = await self._find(ctx, text)
        self.cooldowns.consume(ctx.message, _when(ctx))
        if not deferred:
            await ctx.defer()
        log.info("resolve %r → %s in %.0f ms", text[:40], record.slug or record.name,
                 (time.perf_counter() - started) * 1000)
        return record

    async def _send_answer(self, ctx: commands.Context, record: ProtocolRecord) -> None:
        answer = await self._answer(record)
        filename = chart_filename(record)
        file = png_file(answer.png, filename)
        embed = concentration_embed(answer, filename if file else None)
        started = time.perf_counter()
        await ctx.send(embed=embed, **({"file": file} if file else {}))
        log.info("concentration %s: %s, send %.0f ms", record.slug or record.name,
                 ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in answer.timings),
                 (time.perf_counter() - started) * 1000)

    async def _send_with_chart(self, ctx: commands.Context, embed: discord.Embed,
                               answer: Answer, record: ProtocolRecord) -> None:
        """Send ``embed`` with the report chart (top holders, fee split) attached."""
        filename = chart_filename(record)
        file = png_file(answer.png, filename)
        if file is not None:
            embed.set_image(url=f"attachment://{filename}")
        await ctx.send(embed=embed, **({"file": file} if file else {}))

    async def protocol_autocomplete(self, interaction: discord.Interaction, current: str
                                    ) -> list[app_commands.Choice[str]]:
        """Up to 25 protocols from the cached directory (no network)."""
        try:
            records = self.bot.directory.search(current[:100], limit=25)
        except Exception:  # autocomplete must never fail loudly
            log.exception("autocomplete failed")
            return []
        return [app_commands.Choice(name=r.name[:100], value=(r.slug or r.name)[:100])
                for r in records]

    # -- commands ------------------------------------------------------------------------

    @commands.hybrid_command(name="concentration", aliases=["conc"])
    @app_commands.describe(protocol="a DeFi protocol, e.g. uniswap")
    async def concentration(self, ctx: commands.Context, *, protocol: str) -> None:
        """How concentrated are a protocol's token, votes and fees?"""
        record = await self._prepare(ctx, protocol)
        await self._send_answer(ctx, record)

    @commands.hybrid_command(name="compare")
    @app_commands.describe(first="protocol", second="protocol", third="optional",
                           fourth="optional")
    async def compare(self, ctx: commands.Context, first: str, second: str,
                      third: str | None = None, fourth: str | None = None) -> None:
        """Compare 2–4 protocols side by side."""
        names = [n for n in (first, second, third, fourth) if n]
        records: list[ProtocolRecord] = []
        deferred = False
        for n in names:
            record, needed_defer = await self._find(ctx, n)
            deferred = deferred or needed_defer
            if all((r.slug or r.name) != (record.slug or record.name) for r in records):
                records.append(record)
        if len(records) < 2:
            await ctx.send("Name at least two different protocols to compare.", ephemeral=True)
            return
        self.cooldowns.consume(ctx.message, _when(ctx))
        if not deferred:
            await ctx.defer()
        answers = list(await asyncio.gather(*(self._answer(r) for r in records)))
        key = "compare|" + ",".join(answer_key(a, r.slug or r.name)
                                    for a, r in zip(answers, records, strict=True))
        png = await self.bot.analyses.render(render_comparison, [a.report for a in answers],
                                             key=key)
        filename = "compare.png"
        file = png_file(png, filename)
        embed = compare_embed(answers, filename if file else None)
        await ctx.send(embed=embed, **({"file": file} if file else {}))

    @commands.hybrid_command(name="holders")
    @app_commands.describe(protocol="a DeFi protocol", view="which holders to list")
    async def holders(self, ctx: commands.Context, protocol: str,
                      view: Literal["owners", "circulating", "raw"] = "owners") -> None:
        """The top 15 holders with labels and categories."""
        record = await self._prepare(ctx, protocol)
        answer = await self._answer(record)
        await self._send_with_chart(ctx, holders_embed(answer.report, view), answer, record)

    @commands.hybrid_command(name="fees")
    @app_commands.describe(protocol="a DeFi protocol")
    async def fees(self, ctx: commands.Context, *, protocol: str) -> None:
        """Where a protocol's fees go: supply side, treasury, token holders."""
        record = await self._prepare(ctx, protocol)
        answer = await self._answer(record)
        await self._send_with_chart(ctx, fees_embed(answer.report), answer, record)

    @commands.hybrid_command(name="votes")
    @app_commands.describe(protocol="a DeFi protocol")
    async def votes(self, ctx: commands.Context, *, protocol: str) -> None:
        """Who holds the voting power on recent Snapshot proposals."""
        record = await self._prepare(ctx, protocol)
        answer = await self._answer(record)
        report = answer.report
        embed = votes_embed(report)
        file = None
        if report.votes is not None and report.votes.proposals:
            png = await self.bot.analyses.render(
                render_votes, report.votes, report.name, report.symbol,
                key="votes|" + answer_key(answer, record.slug or record.name))
            file = png_file(png, "votes.png")
            if file:
                embed.set_image(url="attachment://votes.png")
        await ctx.send(embed=embed, **({"file": file} if file else {}))

    @commands.hybrid_command(name="methodology")
    async def methodology(self, ctx: commands.Context) -> None:
        """What the numbers mean and the verdict thresholds."""
        await ctx.send(embed=methodology_embed(), ephemeral=True)

    @commands.hybrid_command(name="help")
    async def help(self, ctx: commands.Context) -> None:
        """How to use Lorenz."""
        cfg = self.bot.config.discord
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

    async def handle_mention(self, message: discord.Message) -> None:
        """Answer "@Lorenz uniswap" / "@Lorenz how centralized is aave?" like /concentration.

        Works without the message-content intent: Discord sends the content of messages
        that mention the bot.
        """
        text = _MENTION.sub(" ", message.content or "").strip()[:500]
        try:
            if not text or text.lower() in {"help", "?", "hi", "hello"}:
                cfg = self.bot.config.discord
                await message.reply(embed=help_embed(cfg.prefix_enabled, cfg.prefix),
                                    mention_author=False)
                return
            found = self.bot.directory.find_in_text(text)
            if not found:  # maybe the whole text is a name with a typo ("@Lorenz uniswp")
                try:
                    found = [await self._resolve(text)]
                except ProtocolNotFound as exc:
                    hint = (" Did you mean " + ", ".join(f"**{safe(s, 60)}**"
                                                          for s in exc.suggestions) + "?"
                            if exc.suggestions else " Try “@Lorenz uniswap”.")
                    await message.reply(f"I couldn't find a protocol in that.{hint}",
                                        mention_author=False)
                    return
            if len(found) > 1:
                names = ", ".join(f"**{safe(r.name, 40)}**" for r in found[:4])
                await message.reply(f"I found several protocols: {names}. Ask about one, or "
                                    "use `/compare`.", mention_author=False)
                return
            record = found[0]
            self.cooldowns.consume(message, message.created_at.timestamp())
            async with message.channel.typing():
                answer = await self._answer(record)
            filename = chart_filename(record)
            file = png_file(answer.png, filename)
            await message.reply(embed=concentration_embed(answer, filename if file else None),
                                mention_author=False, **({"file": file} if file else {}))
        except Exception as exc:  # the one handler, for the mention path
            text_reply, _ = describe(exc)
            try:
                await message.reply(text_reply, mention_author=False)
            except discord.HTTPException as send_exc:
                log.warning("could not reply to a mention: %s %s", send_exc.status,
                            send_exc.code)


async def setup(bot: LorenzBot) -> None:
    """Extension entry point."""
    await bot.add_cog(Concentration(bot))
