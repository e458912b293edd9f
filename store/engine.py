"""Opening the store: the URL, the async engine, and the migrations applied at start-up.

The URL comes from, first found: the argument (``[store] url`` in ``config.toml``),
``$LORENZ_DATABASE_URL``, else SQLite in the user data directory
(``platformdirs.user_data_dir("lorenz")/lorenz.sqlite``). ``postgresql://`` and
``sqlite://`` URLs get their async drivers (asyncpg, aiosqlite) filled in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from core.errors import ConfigError

ENV_URL = "LORENZ_DATABASE_URL"
_DRIVERS = {"postgresql": "postgresql+asyncpg", "postgres": "postgresql+asyncpg",
            "sqlite": "sqlite+aiosqlite"}


def default_url() -> str:
    """SQLite in the user data directory (made when missing)."""
    folder = Path(platformdirs.user_data_dir("lorenz", appauthor=False))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{folder / 'lorenz.sqlite'}"


def store_url(configured: str = "", env: Mapping[str, str] | None = None) -> str:
    """The database URL (see the module docstring), with its async driver.

    Raises:
        ConfigError: a URL SQLAlchemy cannot read, or a database other than SQLite and
            PostgreSQL (the message never repeats the URL: it may hold a password).
    """
    env = os.environ if env is None else env
    text = configured or env.get(ENV_URL, "") or default_url()
    try:
        url = make_url(text)
    except ArgumentError:
        raise ConfigError("the store URL is not a database URL (expected sqlite:///PATH "
                          "or postgresql://USER@HOST/DB)") from None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql"):
        raise ConfigError(f"the store supports SQLite and PostgreSQL, not {backend}")
    if "+" not in url.drivername:
        url = url.set(drivername=_DRIVERS[url.drivername])
    return url.render_as_string(hide_password=False)


def store_missing(url: str) -> bool:
    """Whether ``url`` (as :func:`store_url` returns it) is a SQLite file that does not
    exist yet — so a read-only command can say "nothing stored" without creating it.
    PostgreSQL and in-memory SQLite: ``False`` (only opening them tells)."""
    if not url.startswith("sqlite"):
        return False
    path = make_url(url).database
    if not path or path == ":memory:":
        return False
    return not Path(path).exists()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL (readers never wait for the writer, e.g. ``lorenz history`` while the bot
    writes), foreign keys on, and up to 30 s of waiting for another process's write."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> AsyncEngine:
    """The async engine for ``url`` (already given its driver by :func:`store_url`)."""
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    """Alembic's configuration for the migrations shipped in :mod:`store.migrations`."""
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", "store:migrations")
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this version of Lorenz."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (default: the newest), in one transaction."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.upgrade(alembic_config(c), revision))


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Undo migrations down to ``revision`` (``"base"``: an empty database)."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda c: command.downgrade(alembic_config(c), revision))


async def current_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (``None``: no migration applied)."""
    async with engine.connect() as conn:
        return await conn.run_sync(
            lambda c: MigrationContext.configure(c).get_current_revision())
