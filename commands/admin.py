"""Owner-only operations: sync slash commands on demand (never globally at every start)."""

from __future__ import annotations

import logging
from typing import Literal

import discord
from discord.ext import commands

log = logging.getLogger(__name__)


class Admin(commands.Cog):
    """Commands for the bot's owners (text commands: ``@Lorenz sync`` or ``!sync``)."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @commands.command(name="sync", hidden=True)
    @commands.is_owner()
    async def sync(self, ctx: commands.Context[commands.Bot],
                   scope: Literal["guild", "global", "clear"] = "guild") -> None:
        """Sync slash commands to this guild (default), globally, or clear this guild's."""
        if scope == "global":
            synced = await self.bot.tree.sync()
        elif ctx.guild is None:
            await ctx.send("Run `sync guild` inside a server, or `sync global`.")
            return
        elif scope == "clear":
            self.bot.tree.clear_commands(guild=ctx.guild)
            synced = await self.bot.tree.sync(guild=ctx.guild)
        else:
            self.bot.tree.copy_global_to(guild=ctx.guild)
            synced = await self.bot.tree.sync(guild=ctx.guild)
        log.info("synced %d commands (%s)", len(synced), scope)
        await ctx.send(f"Synced {len(synced)} commands ({scope}).",
                       allowed_mentions=discord.AllowedMentions.none())


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(Admin(bot))
