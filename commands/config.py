"""What the Discord layer reads from configuration (loaded by :mod:`bot.config`).

Like :class:`sources.config.SourcesConfig` for the data sources: the commands own the type,
the bot fills it from the TOML file and the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.secret import Secret


@dataclass(frozen=True)
class DiscordConfig:
    """Bot settings.

    Attributes:
        token: the bot token (prefer ``DISCORD_TOKEN``).
        application_id: the application (client) id, for ``lorenz invite``.
        dev_guild_id: a guild to sync slash commands to at start-up (0: don't sync).
        owner_ids: user ids allowed to run owner-only commands (``!sync``).
        prefix_enabled / prefix: text commands like ``!conc uniswap`` (needs the
            privileged message-content intent for text other than mentions).
        max_concurrent_analyses: analyses running at once; others wait their turn.
        user_rate / user_per: at most ``user_rate`` analyses per ``user_per`` seconds per user.
        guild_rate / guild_per: the same per guild.
        render_processes: size of the chart-rendering process pool (0: render in a thread).
        shard_count / shard_ids: run as discord.py's ``AutoShardedBot`` over
            ``shard_count`` shards, this process taking ``shard_ids`` (all when empty);
            ``shard_count = 0`` (default): one process, unsharded. Several processes need
            one PostgreSQL store (the daily job runs once across them).
    """

    token: Secret = field(default_factory=lambda: Secret(""))
    application_id: int = 0
    dev_guild_id: int = 0
    owner_ids: tuple[int, ...] = ()
    prefix_enabled: bool = False
    prefix: str = "!"
    max_concurrent_analyses: int = 4
    user_rate: int = 3
    user_per: float = 60.0
    guild_rate: int = 12
    guild_per: float = 60.0
    render_processes: int = 2
    shard_count: int = 0
    shard_ids: tuple[int, ...] = ()
