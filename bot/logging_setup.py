"""Secrets never in a log line: a redacting :class:`logging.Filter`, installed at start-up.

The first line of defence is not to log secrets at all: keys travel in headers where the
API allows it, our own log lines and error messages show URLs without their query string
(:func:`sources.http.safe_url`), and ``lorenz`` keeps the ``httpx``/``httpcore`` loggers at
WARNING because httpx logs every request line at INFO — query string included, and
Ethplorer wants its key there (``?apiKey=…``).

This module is the second line, defence in depth for everything else (a DEBUG switch, a
third-party logger, an upstream that echoes a key back in an error message, a traceback):

* :data:`SECRET_FILTER` replaces every known secret value — the Discord token and the API
  keys, registered with :func:`install` — and the value of any ``apiKey=``/``api_key=``/
  ``key=``/``token=``… URL parameter and ``Bearer …`` credential with ``***``, in the
  message, its arguments, the formatted traceback and the stack.
* :func:`install` attaches it to every handler of the root logger (so records of every
  logger are cleaned before they are written) and to the loggers that print URLs or
  payloads themselves (:data:`URL_LOGGERS`; a logger's own filter acts when the record is
  made, before any handler — including handlers added later).

Wired in by :func:`bot.cli.configure_logging` (secrets from the environment), by the CLI
after it loads the configuration (secrets from ``config.toml``) and by
:meth:`bot.app.LorenzBot.setup_hook` (however the bot was started).
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Iterable, Mapping

from core.secret import Secret

REDACTED = "***"

#: Loggers that write request URLs, headers or payloads on their own.
URL_LOGGERS: tuple[str, ...] = (
    "httpx", "httpcore.connection", "httpcore.http11", "httpcore.http2", "httpcore.proxy",
    "hishel", "stamina", "discord.client", "discord.http", "discord.gateway",
    "discord.webhook.async_",
)

#: Secrets shorter than this are not registered (they would blank out ordinary words).
MIN_SECRET_CHARS = 8

_QUERY_SECRET = re.compile(
    r"(?i)((?:[?&;]|%3F|%26)(?:api[-_]?key|apikey|key|token|access[-_]?token|secret|"
    r"password|auth|signature|sig)=)[^&#\s\"'<>]+")
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]{8,}")


class SecretFilter(logging.Filter):
    """Redacts registered secret values and credential-looking URL parameters in place.

    Never drops a record; a record that cannot be formatted is passed on untouched.
    """

    def __init__(self) -> None:
        super().__init__("")
        self._secrets: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<SecretFilter secrets={len(self._secrets)}>"

    def add(self, *values: str | Secret | None) -> None:
        """Register secret values (``Secret`` or str; empty and short ones are ignored)."""
        found = [v.get() if isinstance(v, Secret) else v for v in values]
        new = {v for v in found if isinstance(v, str) and len(v) >= MIN_SECRET_CHARS}
        with self._lock:  # longest first, so a secret containing another goes whole
            self._secrets = tuple(sorted(set(self._secrets) | new, key=len, reverse=True))

    def clear(self) -> None:
        """Forget the registered values (for tests)."""
        with self._lock:
            self._secrets = ()

    def redact(self, text: str) -> str:
        """``text`` with every secret value and credential parameter replaced by ``***``."""
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        text = _QUERY_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
        return _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: leave it to logging's own error path
            return True
        clean = self.redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info)).rstrip()
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


#: The one filter of the process.
SECRET_FILTER = SecretFilter()


def install(*secrets: str | Secret | None) -> SecretFilter:
    """Register ``secrets`` and attach :data:`SECRET_FILTER` where it is needed (idempotent).

    Call it after the root logger's handlers exist (after ``logging.basicConfig``).
    """
    SECRET_FILTER.add(*secrets)
    for handler in logging.getLogger().handlers:
        handler.addFilter(SECRET_FILTER)
    for name in URL_LOGGERS:
        logging.getLogger(name).addFilter(SECRET_FILTER)
    return SECRET_FILTER


def secrets_of(config: object) -> list[Secret]:
    """The secrets of a :class:`bot.config.Config`: the token, every source key and the
    store URL (it may hold a password)."""
    found: list[Secret] = []
    for section in (getattr(config, name, None) for name in ("discord", "sources", "store")):
        if section is not None:
            found.extend(v for v in vars(section).values() if isinstance(v, Secret))
    return found


def secrets_from_env(environ: Mapping[str, str], names: Iterable[str]) -> list[str]:
    """The values of the secret environment variables ``names`` that are set."""
    return [environ[n] for n in names if environ.get(n)]
