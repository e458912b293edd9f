"""Helpers for the bot tests: a test configuration and the bot wired to the fake upstream."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.app import LorenzBot, make_bot
from bot.config import Config, DiscordConfig
from core.secret import Secret
from sources.config import SourcesConfig
from tests.fake_upstream import FakeUpstream

FAKE_TOKEN = "MTA5OTk5.FAKE-TOKEN.lorenz-test-secret-token-value"
FAKE_KEYS = {"ethplorer": "EK-lorenz-test-secret-ethplorer", "snapshot": "SK-lorenz-secret-snap"}


def config_for_tests(tmp_path: Path, **discord_overrides) -> Config:
    """A configuration for tests: fake secrets, thread rendering, cache under tmp_path."""
    discord_cfg = DiscordConfig(token=Secret(FAKE_TOKEN), render_processes=0,
                                **discord_overrides)
    sources = SourcesConfig(cache_dir=tmp_path, holders_limit=1000,
                            ethplorer_api_key=Secret(FAKE_KEYS["ethplorer"]),
                            snapshot_api_key=Secret(FAKE_KEYS["snapshot"]))
    return Config(discord=discord_cfg, sources=sources)


def bot_for(fake: FakeUpstream, tmp_path: Path, **discord_overrides) -> LorenzBot:
    """The real bot with only the HTTP boundary replaced by ``fake``."""
    return make_bot(config_for_tests(tmp_path, **discord_overrides),
                    transport=httpx.MockTransport(fake.handler),
                    cache_path=tmp_path / "http-cache.sqlite",
                    http_options={"rate_limits": {}, "default_rate": (10_000, 1)})
