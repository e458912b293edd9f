"""Lorenz's own error family: every error raised on purpose, in one tree.

Sources, the pipeline and the CLI raise only these; the Discord error-handler cog and the
CLI turn each into one short sentence (no traceback, no host name or URL shown to users).

::

    LorenzError                      base; ``str(err)`` is a sentence fit for a user
    ├── InputError                   bad user input (file, format, values, options)
    ├── ConfigError                  the configuration file or an option in it is unusable
    ├── ProtocolNotFound             a name we could not resolve; ``.suggestions``
    ├── CooldownActive               asked too often; ``.retry_after`` s, ``.scope``
    │                                (raised by the Discord cooldowns in ``commands/``)
    └── SourceError                  an upstream API failed; ``.host`` (for logs only),
        │                            ``.sources``: the providers that failed ("DefiLlama")
        ├── SourceUnavailable        unreachable, timed out, or 5xx after retries;
        │                            ``.unreachable``: DNS failure or connection refused
        ├── RateLimited              429 after retries; ``.retry_after`` seconds or None
        ├── BadResponse              malformed or surprising body (never becomes a number)
        │   ├── Refused              a 4xx answer (not 404); ``.status``, ``.content_type``
        │   │                        and ``.text`` (the body's start, for parsing — never shown)
        │   └── RpcError             a JSON-RPC error object (HTTP 200); ``.code``,
        │                            ``.detail`` (the node's message), ``.reverted``
        ├── KeyRequired              the provider now wants a (free) key; says which variable
        └── NotFound                 the API does not know the token / slug / space

Nothing here imports discord; the messages never contain secrets (URLs are shown without
their query string).
"""

from __future__ import annotations

import re


class LorenzError(Exception):
    """Base of every error Lorenz raises on purpose. The message is user-facing."""


class InputError(LorenzError):
    """The user's input cannot be used (missing file, unknown format, bad numbers…)."""


class ConfigError(LorenzError):
    """The configuration file or an option in it is not usable."""


class CooldownActive(LorenzError):
    """The user or the guild asked too often; ``retry_after`` seconds to wait.

    ``scope`` is ``"user"`` or ``"guild"``.
    """

    def __init__(self, retry_after: float, scope: str) -> None:
        self.retry_after = retry_after
        self.scope = scope
        super().__init__(f"Slow down — {'this server has' if scope == 'guild' else 'you have'} "
                         f"asked a lot. Try again in {max(1, round(retry_after))} s.")


class ProtocolNotFound(LorenzError):
    """No protocol matches the user's text; ``suggestions`` holds close names."""

    def __init__(self, query: str, suggestions: tuple[str, ...] = ()):
        self.query = query
        self.suggestions = tuple(suggestions)
        hint = f" Did you mean {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"I don't know a protocol called {query!r}.{hint}")


class SourceError(LorenzError):
    """An upstream data source failed.

    ``host`` is for logs only (never shown); ``sources`` names the providers involved
    ("DefiLlama", "Blockscout", "Ethplorer"…) for user-facing summaries.
    """

    def __init__(self, message: str, host: str = "", sources: tuple[str, ...] = ()):
        self.host = host
        self.sources = tuple(sources)
        super().__init__(message)


class SourceUnavailable(SourceError):
    """The host could not be reached, timed out, or kept answering 5xx.

    ``unreachable`` is True when the name did not resolve or the connection was refused:
    nothing is listening (or we are offline), so it was not retried.
    """

    def __init__(self, message: str, host: str = "", sources: tuple[str, ...] = (),
                 *, unreachable: bool = False):
        self.unreachable = unreachable
        super().__init__(message, host, sources)


class RateLimited(SourceError):
    """The host kept answering 429."""

    def __init__(self, message: str, host: str = "", retry_after: float | None = None,
                 sources: tuple[str, ...] = ()):
        self.retry_after = retry_after
        super().__init__(message, host, sources)


class BadResponse(SourceError):
    """The host answered, but not with what its documentation promises."""


class Refused(BadResponse):
    """The host answered a 4xx other than 404 (or a 429 page that is not an API answer).

    ``status`` is the HTTP status, ``content_type`` the media type ("text/plain"), ``text``
    the first characters of the body. ``text`` lets a source read what the refusal means
    (DefiLlama's "… not found" 400, a captcha page); it is never put in a message.
    """

    def __init__(self, message: str, host: str = "", sources: tuple[str, ...] = (), *,
                 status: int = 0, content_type: str = "", text: str = ""):
        self.status = status
        self.content_type = content_type
        self.text = text
        super().__init__(message, host, sources)


class RpcError(BadResponse):
    """A JSON-RPC node answered with an error object instead of a result.

    ``code`` is the JSON-RPC error code (``3`` or ``-32000`` for a reverted call on most
    nodes), ``detail`` the node's own message (for parsing and logs — never shown: it may
    name the provider's limits in its own words). ``reverted`` says whether the call itself
    reverted (the contract refused: a missing function, a future timepoint), as opposed to
    the node refusing the request (range too wide, too many results, rate limits).
    """

    def __init__(self, message: str, host: str = "", sources: tuple[str, ...] = (), *,
                 code: int = 0, detail: str = "", reverted: bool = False):
        self.code = code
        self.detail = detail
        self.reverted = reverted
        super().__init__(message, host, sources)


class KeyRequired(SourceError):
    """The provider refuses keyless requests now; the message says where to get a key and
    which environment variable to set (one line)."""


class NotFound(SourceError):
    """The host does not know what we asked for."""


#: A URL, and a bare host name ("eth.blockscout.com", "api.llama.fi") — never shown to users.
_URL = re.compile(r"\(?\s*\b(?:https?|wss?)://[^\s)]+\)?", re.IGNORECASE)
_HOST = re.compile(r"\b(?:[a-z0-9-]+\.)+(?:com|org|io|fi|net|xyz|app|dev|co|info|finance|"
                   r"network|exchange|tech|cloud|ai)\b(?::\d+)?", re.IGNORECASE)


def public_text(error: BaseException, provider: str = "") -> str:
    """The message of ``error`` fit for a user: no URL and no host name.

    A :class:`SourceError`'s ``host`` becomes ``provider`` (default: the first of its
    ``sources``, else "the data source"); a URL is dropped, any other host-like word is
    replaced by the provider too. The raw message belongs in a DEBUG log line, not here.
    """
    text = str(error)
    if not provider:
        sources = error.sources if isinstance(error, SourceError) else ()
        provider = sources[0] if sources else "the data source"
    if isinstance(error, SourceError) and "." in error.host:  # a host, not a name
        text = text.replace(error.host, provider)
    return without_hosts(text, provider)


def without_hosts(text: str, provider: str = "the data source") -> str:
    """``text`` with every URL dropped and every host name replaced by ``provider`` — for
    upstream text shown to users (a caveat, a missing part), whose hosts belong in DEBUG
    logs only."""
    text = _URL.sub("", text)
    text = _HOST.sub(provider, text)
    return re.sub(r"\s+([.,;:])", r"\1", " ".join(text.split()))
