"""Several bot processes: the shard settings and the store URL in the configuration."""

from __future__ import annotations

import discord
import pytest

from bot.app import LorenzBot, ShardedLorenzBot, make_bot
from bot.config import load_config
from core.errors import ConfigError


def _config(tmp_path, text: str):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return load_config(path, env={})


async def test_sharded_process_takes_its_shards(tmp_path):
    cfg = _config(tmp_path, "[discord]\nshard_count = 4\nshard_ids = [0, 2]\n"
                            "render_processes = 0\n[store]\n"
                            'url = "postgresql://lorenz:hunter2@db/lorenz"\n')
    bot = make_bot(cfg)
    try:
        assert isinstance(bot, ShardedLorenzBot)
        assert isinstance(bot, discord.AutoShardedClient)
        assert (bot.shard_count, bot.shard_ids) == (4, [0, 2])
        assert "hunter2" not in repr(cfg) and cfg.store.url.get().endswith("/lorenz")
        from commands.watch import Watches

        cog = Watches.__new__(Watches)  # only the shard test is used here
        cog.bot = bot
        # a guild's shard is (id >> 22) % shard_count: this process posts for 0 and 2 only
        assert [cog._mine(shard << 22) for shard in range(4)] == [True, False, True, False]
    finally:
        await bot.collaborators.aclose()


async def test_one_process_is_not_sharded(tmp_path):
    bot = make_bot(_config(tmp_path, "[discord]\nrender_processes = 0\n"))
    try:
        assert type(bot) is LorenzBot
    finally:
        await bot.collaborators.aclose()


def test_shard_ids_must_be_below_the_count(tmp_path):
    with pytest.raises(ConfigError, match="shard_ids must be below shard_count"):
        _config(tmp_path, "[discord]\nshard_count = 2\nshard_ids = [2]\n")
    with pytest.raises(ConfigError, match=r"\[store\] has an unknown key"):
        _config(tmp_path, "[store]\nurll = 'x'\n")


def test_database_url_from_the_environment(tmp_path):
    cfg = load_config(None, env={"LORENZ_DATABASE_URL": "postgresql://u:pw@h/db"})
    assert cfg.store.url.get() == "postgresql://u:pw@h/db" and "pw" not in repr(cfg)
