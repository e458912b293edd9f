"""The discord.py bot: start-up, shared clients, mention routing, clean shutdown.

Start-up follows discord.py's ``advanced_startup`` example: ``main()`` → ``async with
LorenzBot(...)`` → ``setup_hook`` opens the one shared httpx client, the directory, the
render pool and the analysis service, loads an explicit tuple of extensions and — only when
``dev_guild_id`` is configured — syncs slash commands to that guild. Global sync happens
only through ``lorenz sync`` or the owner-only ``!sync``/``@Lorenz sync`` command.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import re
import signal
from collections.abc import Callable
from typing import Any

import discord
import httpx
from discord.ext import commands

from bot import logging_setup
from bot.config import Config
from commands.errors import on_command_error, on_tree_error
from pipeline.analyze import Services
from pipeline.service import AnalysisService, Renderer
from sources.directory import Directory
from sources.http import HttpClient, make_http_client

log = logging.getLogger(__name__)

EXTENSIONS: tuple[str, ...] = ("commands.concentration", "commands.admin")

#: Seconds to wait for the gateway task after ``close()`` on SIGINT/SIGTERM.
SHUTDOWN_GRACE = 10.0


def _intents(config: Config) -> discord.Intents:
    intents = discord.Intents.default()
    # Mentions carry their content without the privileged intent; plain-text prefix
    # commands need it, so it is requested only when the prefix is enabled.
    intents.message_content = config.discord.prefix_enabled
    return intents


class LorenzBot(commands.Bot):
    """Lorenz on Discord. ``self.data_http`` is our HTTP client (``self.http`` is discord.py's).

    Args:
        config: the loaded configuration.
        transport: innermost httpx transport (tests pass a ``MockTransport``).
        cache_path: SQLite file for the HTTP cache (tests pass a temporary file).
        http_options: extra :class:`HttpClient` arguments (tests lift the rate limits).
    """

    def __init__(
        self,
        config: Config,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        cache_path: Any = None,
        http_options: dict[str, Any] | None = None,
    ) -> None:
        prefix: Callable[..., Any] = (commands.when_mentioned_or(config.discord.prefix)
                                      if config.discord.prefix_enabled
                                      else commands.when_mentioned)
        super().__init__(
            command_prefix=prefix,
            intents=_intents(config),
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
            owner_ids=set(config.discord.owner_ids) or None,
            application_id=config.discord.application_id or None,
        )
        self.config = config
        self._transport = transport
        self._cache_path = cache_path
        self._http_options = dict(http_options or {})
        self.data_http: HttpClient | None = None
        self.directory: Directory
        self.analyses: AnalysisService
        self.renderer: Renderer | None = None

    def __repr__(self) -> str:
        return f"<LorenzBot user={self.user}>"

    async def setup_hook(self) -> None:
        """Open shared clients, load extensions, sync to the dev guild (no gateway waits)."""
        cfg = self.config
        logging_setup.install(*logging_setup.secrets_of(cfg))  # however the bot was started
        self.data_http = HttpClient(make_http_client(cfg.sources, transport=self._transport,
                                                     cache_path=self._cache_path),
                                    **self._http_options)
        self.directory = Directory(self.data_http, cfg.sources)
        self.renderer = Renderer(cfg.discord.render_processes)
        self.renderer.warm_up()
        services = Services(cfg.sources, self.data_http, self.directory)
        self.analyses = AnalysisService(services, self.renderer,
                                        max_concurrent=cfg.discord.max_concurrent_analyses)
        self.tree.on_error = on_tree_error
        self.add_listener(on_command_error, "on_command_error")
        for ext in EXTENSIONS:
            await self.load_extension(ext)
        # The directory loads in the background; until then the built-in table answers.
        self._directory_task = asyncio.create_task(self._load_directory())
        # Start-up objects (discord.py, matplotlib-free modules, the directory) live for the
        # whole run: keep them out of full GC passes, which otherwise pause the loop ~0.1 s.
        gc.freeze()
        if cfg.discord.dev_guild_id:
            guild = discord.Object(id=cfg.discord.dev_guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to the dev guild", len(synced))

    def refresh_directory_soon(self) -> None:
        """Reload the directory in the background when its daily TTL is due (never waits)."""
        task = getattr(self, "_directory_task", None)
        if task is None or task.done():
            self._directory_task = asyncio.create_task(self._refresh_directory())

    async def _refresh_directory(self) -> None:
        try:
            await self.directory.ensure_loaded()
        except Exception:  # the cached list keeps answering
            log.warning("protocol directory refresh failed", exc_info=log.isEnabledFor(
                logging.DEBUG))

    async def _load_directory(self) -> None:
        try:
            await self.directory.load()
        except Exception:  # the built-in table keeps working
            log.warning("protocol directory could not be loaded; using the built-in table",
                        exc_info=log.isEnabledFor(logging.DEBUG))

    async def on_ready(self) -> None:
        log.info("ready as %s in %d guilds", self.user, len(self.guilds))

    async def on_message(self, message: discord.Message) -> None:
        """Mentions become questions; prefix commands run only when enabled."""
        if message.author.bot or self.user is None:
            return
        # An explicit <@bot> in the text: a reply that merely pings the bot is not a question.
        mentioned = (self.user in message.mentions and not message.mention_everyone
                     and re.search(rf"<@!?{self.user.id}>", message.content or "") is not None)
        content = message.content or ""
        ctx = await self.get_context(message)
        if ctx.valid:  # "!conc uniswap" (prefix enabled) or "@Lorenz holders aave"
            await self.invoke(ctx)
            return
        if mentioned and content:
            cog = self.get_cog("Concentration")
            if cog is not None:
                await cog.handle_mention(message)  # type: ignore[attr-defined]

    async def close(self) -> None:
        """Close the gateway first, then our HTTP client and the render pool."""
        task = getattr(self, "_directory_task", None)
        if task is not None:
            task.cancel()
        await super().close()
        if self.data_http is not None:
            await self.data_http.aclose()
            self.data_http = None
        if self.renderer is not None:
            self.renderer.shutdown()
            self.renderer = None


def make_bot(config: Config, **kwargs: Any) -> LorenzBot:
    """Build the bot (tests pass ``transport=`` and ``cache_path=``)."""
    return LorenzBot(config, **kwargs)


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
