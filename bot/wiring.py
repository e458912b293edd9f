"""The bot's collaborators, built in one place from the configuration.

:func:`build` makes the shared HTTP client, the protocol directory, the render pool and the
analysis service; :class:`bot.app.LorenzBot` receives them, starts them in ``setup_hook``
(render workers warmed, the directory loading in the background) and closes them after the
gateway. Tests pass their seams here — the innermost httpx transport, an HTTP-cache file,
:class:`HttpClient` options — never to the bot's constructor.

Nothing here needs a running event loop: the httpx client, the cache storage, the locks and
the render pool bind to a loop (or start processes) only when first used, so :func:`build`
may run before ``asyncio.run`` as well as inside it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.config import Config
from core.errors import LorenzError
from pipeline.analyze import Services
from pipeline.service import AnalysisService, Renderer
from sources.directory import Directory
from sources.http import HttpClient, make_http_client
from store.repo import Store, open_store

log = logging.getLogger(__name__)


@dataclass
class Collaborators:
    """What the bot's cogs work with, and their lifecycle (start once, close once).

    ``http`` is our HTTP client (never ``bot.http``: that is discord.py's own).
    """

    http: HttpClient
    directory: Directory
    renderer: Renderer
    analyses: AnalysisService
    store_url: str = ""
    store: Store | None = field(default=None, init=False)
    closed: bool = field(default=False, init=False)
    _directory_task: asyncio.Task[None] | None = field(default=None, init=False, repr=False)

    async def open_store(self) -> None:
        """Open (and migrate) the store and hand it to the analysis service. A store that
        cannot be opened is logged: the bot then answers without memory (no snapshots,
        trends or watches) rather than not at all."""
        try:
            self.store = await open_store(self.store_url)
        except LorenzError as exc:
            log.warning("%s; running without snapshots, trends and watches", exc)
            return
        self.analyses.store = self.store

    def start(self) -> None:
        """Warm the render workers and load the directory in the background (never waits).

        Until the directory's DefiLlama list is in, the built-in table answers.
        """
        self.renderer.warm_up()
        self._directory_task = asyncio.create_task(self._load_directory())

    def refresh_directory_soon(self) -> None:
        """Reload the directory in the background when its daily TTL is due (never waits)."""
        task = self._directory_task
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

    def stop_background(self) -> None:
        """Cancel a directory load or refresh still running."""
        if self._directory_task is not None:
            self._directory_task.cancel()

    async def aclose(self) -> None:
        """Close the HTTP client and stop the render pool (call after the gateway closed;
        a second call does nothing)."""
        self.stop_background()
        task = self._directory_task
        if task is not None and not task.done():
            # let the cancelled load unwind before its HTTP client closes under it
            await asyncio.gather(task, return_exceptions=True)
        if not self.closed:
            self.closed = True
            # background delegate log scans unwind before their HTTP client closes
            await self.analyses.services.delegate_scans.aclose()
            await self.http.aclose()
            self.renderer.shutdown()
            if self.store is not None:
                await self.store.close()


def build(
    config: Config,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    cache_path: Path | None = None,
    http_options: dict[str, Any] | None = None,
) -> Collaborators:
    """The collaborators for ``config``.

    Args:
        config: the loaded configuration.
        transport: innermost httpx transport (tests pass a ``MockTransport``); default real
            HTTP.
        cache_path: SQLite file for the HTTP cache (tests pass a temporary file).
        http_options: extra :class:`HttpClient` arguments (tests lift the rate limits).
    """
    http = HttpClient(make_http_client(config.sources, transport=transport,
                                       cache_path=cache_path),
                      **(http_options or {}))
    directory = Directory(http, config.sources)
    renderer = Renderer(config.discord.render_processes)
    analyses = AnalysisService(Services(config.sources, http, directory), renderer,
                               max_concurrent=config.discord.max_concurrent_analyses)
    return Collaborators(http, directory, renderer, analyses, config.store.url.get())
