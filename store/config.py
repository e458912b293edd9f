"""What the store reads from configuration (``[store]`` in ``config.toml``; loaded by
:mod:`bot.config`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.secret import Secret


@dataclass(frozen=True)
class StoreConfig:
    """Store settings.

    Attributes:
        url: the database URL (``postgresql://user:password@host/db`` or
            ``sqlite:///path``); a :class:`Secret` because it may hold a password. Empty:
            ``$LORENZ_DATABASE_URL``, else SQLite in the user data directory.
        daily_hour: the UTC hour from which the daily refresh of watched protocols runs
            (0–23).
    """

    url: Secret = field(default_factory=lambda: Secret(""))
    daily_hour: int = 6
