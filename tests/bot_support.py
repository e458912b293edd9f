"""Helpers for the bot tests: a test configuration and the bot wired to the fake upstream."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from bot import wiring
from bot.app import LorenzBot
from bot.config import Config
from commands.config import DiscordConfig
from core.secret import Secret
from sources.config import SourcesConfig
from store.config import StoreConfig
from tests.fake_upstream import FakeUpstream

FAKE_TOKEN = "MTA5OTk5.FAKE-TOKEN.lorenz-test-secret-token-value"
FAKE_KEYS = {"ethplorer": "EK-lorenz-test-secret-ethplorer", "snapshot": "SK-lorenz-secret-snap"}


def config_for_tests(tmp_path: Path, **discord_overrides) -> Config:
    """A configuration for tests: fake secrets, thread rendering, the HTTP cache and the
    store (SQLite) under tmp_path."""
    discord_cfg = DiscordConfig(token=Secret(FAKE_TOKEN), render_processes=0,
                                **discord_overrides)
    sources = SourcesConfig(cache_dir=tmp_path, holders_limit=1000,
                            ethplorer_api_key=Secret(FAKE_KEYS["ethplorer"]),
                            snapshot_api_key=Secret(FAKE_KEYS["snapshot"]))
    store = StoreConfig(url=Secret(f"sqlite:///{tmp_path / 'store.sqlite'}"))
    return Config(discord=discord_cfg, sources=sources, store=store)


#: HttpClient options for tests: no per-host rate limits.
FAST_HTTP = {"rate_limits": {}, "default_rate": (10_000, 1)}


def bot_behind(config: Config, handler: Callable[[httpx.Request], Any], tmp_path: Path,
               **http_options: Any) -> LorenzBot:
    """The real bot for ``config``; its HTTP boundary is ``handler`` (an httpx
    ``MockTransport`` handler), its HTTP cache a fresh file under ``tmp_path``."""
    return LorenzBot(config, wiring.build(
        config, transport=httpx.MockTransport(handler),
        cache_path=tmp_path / "http-cache.sqlite", http_options={**FAST_HTTP, **http_options}))


def bot_for(fake: FakeUpstream, tmp_path: Path, **discord_overrides) -> LorenzBot:
    """The real bot with only the HTTP boundary replaced by ``fake``."""
    return bot_behind(config_for_tests(tmp_path, **discord_overrides), fake.handler, tmp_path)
