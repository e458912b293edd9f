"""What the cogs need from the bot that loads them.

The cogs never import the ``bot`` package (the layers point down): an extension's ``setup``
asks the discord.py bot for a :class:`Host` with :func:`host_of` and hands it to the cog.
``bot.app.LorenzBot`` is one; a test may pass any object with these members.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from discord.ext import commands

    from commands.config import DiscordConfig
    from pipeline.service import AnalysisService
    from sources.directory import Directory


@runtime_checkable
class Host(Protocol):
    """Our collaborators as the cogs see them (read at each use, never copied)."""

    @property
    def settings(self) -> DiscordConfig:
        """The Discord settings."""
        ...

    @property
    def directory(self) -> Directory:
        """The protocol directory (answers from memory; may load the DefiLlama list)."""
        ...

    @property
    def analyses(self) -> AnalysisService:
        """The shared analysis service (caches, coalescing, render pool)."""
        ...

    def refresh_directory_soon(self) -> None:
        """Reload the directory in the background when its daily refresh is due."""
        ...


def host_of(bot: commands.Bot) -> Host:
    """``bot`` as a :class:`Host`, for an extension's ``setup``.

    Raises:
        TypeError: the bot does not carry our collaborators.
    """
    if not isinstance(bot, Host):
        raise TypeError(f"{type(bot).__name__} does not provide what Lorenz's cogs need "
                        "(settings, directory, analyses, refresh_directory_soon)")
    return bot
