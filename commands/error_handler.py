"""The one error handler, as a cog (extension ``commands.error_handler``).

Prefix and hybrid commands reach it through its ``on_command_error`` listener; application
commands through the command tree's ``on_error``, which it sets when it loads and gives
back when it unloads. The sentences come from :func:`commands.errors.describe`.

(A module of its own: discord.py runs an extension's module afresh at every load, so the
error classes others import stay in :mod:`commands.errors`.)
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from commands.errors import describe, reply_error, unwrap

log = logging.getLogger(__name__)

#: The shape of a command tree's error handler.
TreeErrorHandler = Callable[[discord.Interaction[commands.Bot], app_commands.AppCommandError],
                            Coroutine[Any, Any, Any]]


class ErrorHandler(commands.Cog):
    """The one error handler: prefix and hybrid commands through the ``on_command_error``
    listener, pure application commands through the tree's ``on_error`` (set on load)."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        self._previous_tree_error: TreeErrorHandler | None = None

    async def cog_load(self) -> None:
        """Install :meth:`on_tree_error` as the command tree's error handler."""
        self._previous_tree_error = self.bot.tree.on_error
        self.bot.tree.error(self.on_tree_error)

    async def cog_unload(self) -> None:
        """Give the tree its previous handler back."""
        if self._previous_tree_error is not None:
            self.bot.tree.error(self._previous_tree_error)
            self._previous_tree_error = None

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context[commands.Bot],
                               error: commands.CommandError) -> None:
        """Bot-wide handler for prefix and hybrid commands (unknown commands are ignored)."""
        if isinstance(unwrap(error), commands.CommandNotFound):
            return
        await reply_error(ctx, error)

    async def on_tree_error(self, interaction: discord.Interaction,
                            error: app_commands.AppCommandError) -> None:
        """Handler for pure application commands (hybrid ones go through on_command_error)."""
        message, _ = describe(error)
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True,
                                                allowed_mentions=discord.AllowedMentions.none())
            else:
                await interaction.response.send_message(
                    message, ephemeral=True, allowed_mentions=discord.AllowedMentions.none())
        except discord.HTTPException as exc:
            log.warning("could not send the error reply: %s %s", exc.status, exc.code)


async def setup(bot: commands.Bot) -> None:
    """Extension entry point."""
    await bot.add_cog(ErrorHandler(bot))
