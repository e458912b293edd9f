"""Configuration: one frozen object, loaded once at start-up (never at import).

Where it comes from, later wins:

1. built-in defaults (the public API hosts);
2. a TOML file: ``--config PATH``, else ``$LORENZ_CONFIG``, else ``./config.toml`` if it
   exists (every key is documented in ``config.example.toml``);
3. environment variables for secrets: ``DISCORD_TOKEN``, ``ETHPLORER_API_KEY``,
   ``BLOCKSCOUT_PRO_API_KEY``, ``SNAPSHOT_API_KEY``.

Secrets are :class:`core.secret.Secret` and never show in a repr or a log line.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from commands.config import DiscordConfig
from core.errors import ConfigError
from core.secret import Secret
from sources.config import DEFAULT_BLOCKSCOUT, DEFAULT_RPC, SourcesConfig
from store.config import StoreConfig

ENV_CONFIG = "LORENZ_CONFIG"
ENV_SECRETS = {
    "DISCORD_TOKEN": ("discord", "token"),
    "ETHPLORER_API_KEY": ("sources", "ethplorer_api_key"),
    "BLOCKSCOUT_PRO_API_KEY": ("sources", "blockscout_pro_api_key"),
    "SNAPSHOT_API_KEY": ("sources", "snapshot_api_key"),
    "LORENZ_DATABASE_URL": ("store", "url"),  # may hold a password
}


@dataclass(frozen=True)
class Config:
    """Everything Lorenz reads from configuration."""

    discord: DiscordConfig = field(default_factory=DiscordConfig)
    sources: SourcesConfig = field(default_factory=SourcesConfig)
    store: StoreConfig = field(default_factory=StoreConfig)
    path: Path | None = None


def _coerce(section: str, name: str, value: Any, default: Any) -> Any:
    """Type-check one TOML value against the default's type."""
    where = f"[{section}] {name}"
    if isinstance(default, Secret):
        if not isinstance(value, str):
            raise ConfigError(f"config {where} must be a string")
        return Secret(value)
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ConfigError(f"config {where} must be true or false")
        return value
    if isinstance(default, int) and not isinstance(default, bool):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ConfigError(f"config {where} must be a non-negative whole number")
        return value
    if isinstance(default, float):
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"config {where} must be a positive number")
        return float(value)
    if isinstance(default, tuple):
        if not isinstance(value, list) or not all(isinstance(v, int) for v in value):
            raise ConfigError(f"config {where} must be a list of numbers")
        return tuple(value)
    if name == "cache_dir":
        if not isinstance(value, str):
            raise ConfigError(f"config {where} must be a path string")
        return Path(value).expanduser()
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ConfigError(f"config {where} must be a string")
        if name.endswith("_url"):
            _check_url(where, value)
            return value.rstrip("/")
        return value
    raise ConfigError(f"config {where} has an unsupported value")


def _check_url(where: str, value: str) -> None:
    if not value.startswith(("http://", "https://")):
        raise ConfigError(f"config {where} must be an http(s) URL")


def _build(cls: type, section: str, table: Mapping[str, Any], skip: tuple[str, ...] = ()) -> Any:
    known = {f.name: f for f in fields(cls)}
    defaults = cls()
    kwargs: dict[str, Any] = {}
    for name, value in table.items():
        if name in skip:
            continue
        if name not in known:
            raise ConfigError(f"config [{section}] has an unknown key {name!r}")
        kwargs[name] = _coerce(section, name, value, getattr(defaults, name))
    return cls(**kwargs)


def _chain_urls(sources_table: Mapping[str, Any], name: str,
                defaults: Mapping[str, str]) -> dict[str, str]:
    """``[sources.NAME]`` (a table of chain = URL) over ``defaults``; URLs checked."""
    urls = dict(defaults)
    table = sources_table.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"config [sources.{name}] must be a table of chain = URL")
    for chain, url in table.items():
        if not isinstance(url, str):
            raise ConfigError(f"config [sources.{name}] {chain} must be a URL string")
        _check_url(f"[sources.{name}] {chain}", url)
        urls[chain.lower()] = url.rstrip("/")
    return urls


def _find_path(explicit: str | Path | None, env: Mapping[str, str]) -> Path | None:
    if explicit:
        return Path(explicit)
    from_env = env.get(ENV_CONFIG)
    if from_env:
        return Path(from_env)
    local = Path("config.toml")
    return local if local.is_file() else None


def _check_shards(discord: DiscordConfig) -> None:
    """``shard_ids`` need a ``shard_count`` and must lie below it."""
    bad = [i for i in discord.shard_ids if i >= discord.shard_count]
    if bad:
        raise ConfigError(f"config [discord] shard_ids must be below shard_count "
                          f"({discord.shard_count}); {bad[0]} is not")


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Load the configuration (see the module docstring for the order).

    ``env`` defaults to ``os.environ`` (tests pass a dict).

    Raises:
        ConfigError: unreadable file, TOML syntax error, unknown key or wrong type — with a
            one-line message naming the key.
    """
    env = os.environ if env is None else env
    file_path = _find_path(path, env)
    data: dict[str, Any] = {}
    if file_path is not None:
        try:
            with file_path.open("rb") as fh:
                data = tomllib.load(fh)
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {file_path}") from None
        except OSError as exc:
            raise ConfigError(f"cannot read config file {file_path}: {exc.strerror}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {file_path} is not valid TOML: {exc}") from None
    unknown = set(data) - {"discord", "sources", "store"}
    if unknown:
        raise ConfigError(f"config has an unknown section [{sorted(unknown)[0]}]")
    discord_table = dict(data.get("discord", {}))
    sources_table = dict(data.get("sources", {}))
    store_table = dict(data.get("store", {}))
    tables = {"discord": discord_table, "sources": sources_table, "store": store_table}
    for var, (section, key) in ENV_SECRETS.items():
        if env.get(var):
            tables[section][key] = env[var]

    blockscout = _chain_urls(sources_table, "blockscout", DEFAULT_BLOCKSCOUT)
    rpc = _chain_urls(sources_table, "rpc", DEFAULT_RPC)
    sources = _build(SourcesConfig, "sources", sources_table, skip=("blockscout", "rpc"))
    sources = SourcesConfig(**{**{f.name: getattr(sources, f.name) for f in fields(sources)},
                               "blockscout": blockscout, "rpc": rpc})
    if not 1 <= sources.delegate_holders <= 1000:
        raise ConfigError("config [sources] delegate_holders must be between 1 and 1000")
    if not 0 <= sources.delegate_scan_wait <= 2.5:
        raise ConfigError("config [sources] delegate_scan_wait must be between 0 and 2.5 s")
    for name in ("holders_limit", "keyless_holders_limit"):
        if not 1 <= getattr(sources, name) <= 10_000:
            raise ConfigError(f"config [sources] {name} must be between 1 and 10000")
    discord = _build(DiscordConfig, "discord", discord_table)
    _check_shards(discord)
    store = _build(StoreConfig, "store", store_table)
    if not 0 <= store.daily_hour <= 23:
        raise ConfigError("config [store] daily_hour must be between 0 and 23")
    return Config(discord=discord, sources=sources, store=store, path=file_path)
