"""The discord.py bot: start-up, clean shutdown.

Start-up follows discord.py's ``advanced_startup`` example: ``main()`` → ``async with
make_bot(config)`` (:func:`bot.wiring.build` makes the shared HTTP client, the directory,
the render pool and the analysis service; :class:`LorenzBot` receives them) →
``setup_hook`` starts them, loads an explicit tuple of extensions and — only when
``dev_guild_id`` is configured — syncs slash commands to that guild. Global sync happens
only through ``lorenz sync`` or the owner-only ``!sync``/``@Lorenz sync`` command.

Messages go through discord.py's own command processing; mentions that are questions are
answered by the ``Concentration`` cog's listener, errors by the ``ErrorHandler`` cog.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import signal
from collections.abc import Callable
from typing import Any

import discord
from discord.ext import commands

from bot import logging_setup, wiring
from bot.config import Config, DiscordConfig
from bot.wiring import Collaborators
from pipeline.service import AnalysisService
from sources.directory import Directory
from store.config import StoreConfig

log = logging.getLogger(__name__)

#: Loaded in this order by ``setup_hook``: the one error handler first.
EXTENSIONS: tuple[str, ...] = (
    "commands.error_handler",
    "commands.concentration",
    "commands.watch",
    "commands.admin",
)

#: Seconds to wait for the gateway task after ``close()`` on SIGINT/SIGTERM.
SHUTDOWN_GRACE = 10.0


def _intents(config: Config) -> discord.Intents:
    intents = discord.Intents.default()
    # Mentions carry their content without the privileged intent; plain-text prefix
    # commands need it, so it is requested only when the prefix is enabled.
    intents.message_content = config.discord.prefix_enabled
    return intents


class LorenzBot(commands.Bot):
    """Lorenz on Discord: discord.py's bot with our collaborators passed in.

    ``self.collaborators.http`` is our HTTP client (``self.http`` is discord.py's). The cogs
    see the bot as a :class:`commands.host.Host`: ``settings``, ``directory``, ``analyses``
    and ``refresh_directory_soon`` below.

    Args:
        config: the loaded configuration.
        collaborators: built by :func:`bot.wiring.build`; started in :meth:`setup_hook`,
            closed in :meth:`close`.
    """

    def __init__(self, config: Config, collaborators: Collaborators) -> None:
        prefix: Callable[..., Any] = (commands.when_mentioned_or(config.discord.prefix)
                                      if config.discord.prefix_enabled
                                      else commands.when_mentioned)
        options: dict[str, Any] = {}
        if config.discord.application_id:  # else discord.py fetches it at login
            options["application_id"] = config.discord.application_id
        if isinstance(self, commands.AutoShardedBot):
            options["shard_count"] = config.discord.shard_count
            options["shard_ids"] = list(config.discord.shard_ids) or None
        super().__init__(
            command_prefix=prefix,
            intents=_intents(config),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            owner_ids=set(config.discord.owner_ids) or None,
            **options,
        )
        self.config = config
        self.collaborators = collaborators

    def __repr__(self) -> str:
        return f"<LorenzBot user={self.user}>"

    @property
    def settings(self) -> DiscordConfig:
        """The Discord settings the cogs read."""
        return self.config.discord

    @property
    def directory(self) -> Directory:
        """The protocol directory."""
        return self.collaborators.directory

    @property
    def analyses(self) -> AnalysisService:
        """The shared analysis service."""
        return self.collaborators.analyses

    @property
    def store_settings(self) -> StoreConfig:
        """The ``[store]`` settings (the daily job's hour)."""
        return self.config.store

    def refresh_directory_soon(self) -> None:
        """Reload the directory in the background when its daily TTL is due (never waits)."""
        self.collaborators.refresh_directory_soon()

    async def setup_hook(self) -> None:
        """Start the collaborators, load the extensions, sync to the dev guild (no gateway
        waits)."""
        cfg = self.config
        logging_setup.install(*logging_setup.secrets_of(cfg))  # however the bot was started
        await self.collaborators.open_store()
        self.collaborators.start()
        for ext in EXTENSIONS:
            await self.load_extension(ext)
        # Start-up objects (discord.py, matplotlib-free modules, the directory) live for the
        # whole run: keep them out of full GC passes, which otherwise pause the loop ~0.1 s.
        gc.freeze()
        if cfg.discord.dev_guild_id:
            guild = discord.Object(id=cfg.discord.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to the dev guild", len(synced))

    async def on_ready(self) -> None:
        log.info("ready as %s in %d guilds", self.user, len(self.guilds))

    async def close(self) -> None:
        """Close the gateway first, then our HTTP client and the render pool."""
        self.collaborators.stop_background()
        await super().close()
        await self.collaborators.aclose()


class ShardedLorenzBot(LorenzBot, commands.AutoShardedBot):
    """Lorenz as discord.py's ``AutoShardedBot``: ``[discord] shard_count`` shards, this
    process running ``shard_ids`` of them. Run N such processes on one PostgreSQL store
    (README "Deployment"); the daily job runs once across them."""


def bot_class(config: Config) -> type[LorenzBot]:
    """:class:`ShardedLorenzBot` when ``shard_count`` is set, else :class:`LorenzBot`."""
    return ShardedLorenzBot if config.discord.shard_count else LorenzBot


def make_bot(config: Config) -> LorenzBot:
    """The production bot: its collaborators built from ``config`` (tests build theirs with
    :func:`bot.wiring.build` and its seams)."""
    return bot_class(config)(config, wiring.build(config))


async def run_bot(config: Config) -> None:
    """Run until SIGINT/SIGTERM; close everything cleanly.

    Raises:
        discord.LoginFailure: the token was rejected.
    """
    async with make_bot(config) as bot:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # Windows
                loop.add_signal_handler(sig, stop.set)
        runner = asyncio.create_task(bot.start(config.discord.token.get()))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if runner in done:
            runner.result()  # re-raise LoginFailure etc.
            return
        log.info("shutting down")
        await bot.close()  # ends the gateway loop, then closes our HTTP client and pool
        try:
            await asyncio.wait_for(runner, timeout=SHUTDOWN_GRACE)
        except (TimeoutError, asyncio.CancelledError):
            log.warning("the gateway did not stop within %.0f s; cancelled", SHUTDOWN_GRACE)
        except Exception:  # already closing: a late gateway error is not worth a traceback
            log.debug("error while stopping the gateway", exc_info=True)
