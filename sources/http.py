"""The one shared HTTP client and the behaviour every source gets from it.

Layers, outermost first::

    HttpClient.get_json / post_json      coalescing of identical in-flight requests,
      │                                  per-host rate limit (aiolimiter), retries with
      │                                  backoff + jitter honouring Retry-After (stamina),
      │                                  status → our error family, JSON decoding
      └─ httpx.AsyncClient               timeouts, User-Agent, redirects
           └─ hishel AsyncCacheTransport SQLite HTTP cache under the user cache dir,
                │                        TTL per request (directory 24 h, data 1 h)
                └─ BodyLimitTransport    refuses bodies above a size limit (not cached)
                     └─ AsyncHTTPTransport (or a MockTransport in tests)

Sources call :meth:`HttpClient.get_json` / :meth:`HttpClient.post_json` and get parsed JSON
or one of :mod:`core.errors`; nothing else escapes. Messages name the *provider*
("DefiLlama", "Blockscout") and never a host or URL; hosts and URLs (without their query
string, so keys passed as parameters never leak) go to the DEBUG log only.

Rules that keep a dead network and a refusing provider cheap:

* a DNS failure or a refused connection is not retried (nothing is listening, or we are
  offline): :class:`SourceUnavailable` with ``unreachable=True`` at once;
* a 429 whose body is an HTML or captcha page is not retried either (a challenge page does
  not go away in seconds): it becomes :class:`Refused` with status 429;
* a 4xx answer other than 404 becomes :class:`Refused` carrying its status, media type and
  the start of its body (DefiLlama answers "no data" with a 400 ``text/plain`` body); such
  definite answers are kept in memory for the request's TTL like any other answer, so the
  same question is not asked again within the hour;
* every response's rate-limit headers (``x-ratelimit-limit``/``-remaining``/``-reset`` in
  milliseconds, ``x-credits-remaining``: Blockscout PRO) are read: the host's limiter never
  runs above the reported limit, an exhausted window is waited out (up to
  :data:`MAX_RETRY_AFTER`), and the last values are kept in :attr:`HttpClient.quotas`
  (credits left are logged at DEBUG).

A Blockscout PRO key never travels in a URL: :class:`HeaderKeyTransport` (below the cache)
adds the ``Authorization`` header for the PRO host only, so the key is in no cache entry,
no cache key, no log line and no error. A personal Ethplorer key must travel in the query
string (``?apiKey=…``); :class:`QueryKeyTransport`, below the cache too, adds it to the
Ethplorer host's requests on the way out, so the cached URL and the cache key never hold it.

A body that is not JSON, or that the caller's ``parse`` rejects with :class:`BadResponse`
(wrong types, missing fields), is dropped from the HTTP cache and the POST memo at once:
a provider's bad minute must not be served from the cache for the next hour.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import datetime as dt
import email.utils
import errno
import hashlib
import json
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cachetools
import hishel
import httpx
import platformdirs
import stamina
from aiolimiter import AsyncLimiter
from hishel.httpx import AsyncCacheTransport

from core.errors import (
    BadResponse,
    NotFound,
    RateLimited,
    Refused,
    SourceError,
    SourceUnavailable,
)
from core.secret import Secret
from core.version import __version__
from sources.config import SourcesConfig
from sources.inflight import InFlight

log = logging.getLogger(__name__)

USER_AGENT = f"Lorenz/{__version__} (DeFi concentration bot; +https://pypi.org/project/lorenz)"

#: Requests per period (seconds) per host, at or below the providers' documented free
#: limits (API_NOTES.md §2). Hosts not listed get DEFAULT_RATE.
RATE_LIMITS: dict[str, tuple[float, float]] = {
    "api.llama.fi": (60, 60),
    "coins.llama.fi": (60, 60),
    "api.ethplorer.io": (1, 1),
    "api.blockscout.com": (5, 1),  # PRO free plan: 5 req/s (the headers may say less)
    # Keyless per-instance API (deprecated; docs say "3" req/s): every *.blockscout.com
    # instance is its own bucket.
    "blockscout.com": (3, 1),
    "hub.snapshot.org": (90, 60),
}
DEFAULT_RATE: tuple[float, float] = (5, 1)

#: Provider names for messages, by host suffix (most specific first). A source that talks
#: to a mirror or a self-hosted instance passes its provider name itself.
PROVIDERS: tuple[tuple[str, str], ...] = (
    ("api.blockscout.com", "Blockscout PRO"),
    ("blockscout.com", "Blockscout"),
    ("llama.fi", "DefiLlama"),
    ("ethplorer.io", "Ethplorer"),
    ("snapshot.org", "Snapshot"),
)

#: Characters of a refusal's body kept on :class:`Refused` (for the source to read).
REFUSAL_TEXT_CHARS = 500

#: A Retry-After longer than this is not waited for: we answer "rate limited" instead.
MAX_RETRY_AFTER = 20.0

#: Fixed wait (seconds) before retrying a refused connection or a failed DNS lookup.
CONNECT_RETRY_WAIT = 0.25

#: Seconds to cache responses: the protocol directory for a day, live data for an hour.
TTL_DIRECTORY = 24 * 3600.0
TTL_DATA = 3600.0

#: Upper bound of the SQLite HTTP cache on disk (hishel evicts the least recently used
#: entries beyond it; its own default is 1 GiB). Expired entries are deleted as new ones
#: are written.
HTTP_CACHE_MAX_BYTES = 256 * 1024 * 1024

#: Parsed GraphQL answers kept in memory by :meth:`HttpClient.post_json` (each for its TTL).
POST_MEMO_SIZE = 256


class _Retryable(Exception):
    """An HTTP status worth another try (429, 5xx); carries the Retry-After wait."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        self.status = status
        self.retry_after = retry_after
        super().__init__(f"HTTP {status}")


class BodyTooLarge(httpx.HTTPError):
    """Raised by :class:`BodyLimitTransport`; never cached."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"response body larger than {limit} bytes")


class BodyLimitTransport(httpx.AsyncBaseTransport):
    """Reads the whole body, refusing anything above ``request.extensions['max_bytes']``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, default_limit: int) -> None:
        self.inner = inner
        self.default_limit = default_limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        limit = int(request.extensions.get("max_bytes", self.default_limit))
        response = await self.inner.handle_async_request(request)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await response.aclose()
            raise BodyTooLarge(limit)
        try:
            body = response.content  # already read (e.g. by a MockTransport)
            if len(body) > limit:
                raise BodyTooLarge(limit)
        except httpx.ResponseNotRead:
            chunks: list[bytes] = []
            size = 0
            try:
                async for chunk in response.aiter_raw():
                    size += len(chunk)
                    if size > limit:
                        raise BodyTooLarge(limit) from None
                    chunks.append(chunk)
            finally:
                await response.aclose()
            body = b"".join(chunks)
        headers = [(k, v) for k, v in response.headers.raw
                   if k.lower() not in (b"content-length", b"transfer-encoding")]
        return httpx.Response(
            response.status_code, headers=headers, content=body,
            request=request, extensions={"http_version": b"HTTP/1.1"},
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


#: Bodies larger than this (bytes) are decoded in a worker thread: DefiLlama's protocol
#: list runs to tens of MB, ~0.1 s of CPU per MB, which must not stall the event loop.
THREAD_DECODE_BYTES = 1024 * 1024


async def decode_json(content: bytes) -> Any:
    """``json.loads(content)``; off the event loop for bodies over
    :data:`THREAD_DECODE_BYTES`.

    Raises:
        ValueError, UnicodeDecodeError: not JSON (as :func:`json.loads`).
    """
    if len(content) > THREAD_DECODE_BYTES:
        return await asyncio.to_thread(json.loads, content)
    return json.loads(content)


class _KeyTransport(httpx.AsyncBaseTransport):
    """Adds a key to requests for one host on the way out, below the cache.

    The cache above stores and keys the request it was given — without the key — so the
    key is in no cache entry or cache key, no log line and no error message. Requests for
    other hosts, and every request while the key is empty, pass unchanged; ``repr`` never
    shows the key. Subclasses say where the key goes (:meth:`_signed`).
    """

    def __init__(self, inner: httpx.AsyncBaseTransport, host: str, key: Secret) -> None:
        self.inner = inner
        self.host = host.lower()
        self._key = key

    def __repr__(self) -> str:
        return f"<{type(self).__name__} host={self.host!r} key={self._key!r}>"

    def _signed(self, request: httpx.Request, key: str) -> httpx.Request:
        raise NotImplementedError

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = self._key.get()
        if not key or request.url.host.lower() != self.host:
            return await self.inner.handle_async_request(request)
        # A copy (in _signed): the cache above keeps the request it was given, keyless.
        return await self.inner.handle_async_request(self._signed(request, key))

    async def aclose(self) -> None:
        await self.inner.aclose()


class HeaderKeyTransport(_KeyTransport):
    """Sets one header carrying the key: ``value`` formats it (``"Bearer {key}"`` for
    Blockscout PRO's ``Authorization``, ``"{key}"`` for Snapshot's ``x-api-key``)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, host: str, key: Secret, *,
                 header: str = "Authorization", value: str = "Bearer {key}") -> None:
        super().__init__(inner, host, key)
        self.header = header
        self.value = value

    def _signed(self, request: httpx.Request, key: str) -> httpx.Request:
        headers = httpx.Headers(request.headers)
        headers[self.header] = self.value.format(key=key)
        return httpx.Request(request.method, request.url, headers=headers,
                             stream=request.stream, extensions=request.extensions)


class QueryKeyTransport(_KeyTransport):
    """Sets the query parameter ``param=<key>``, for providers that only take a key in the
    URL (Ethplorer's ``apiKey``); a value the caller set for ``param`` (Ethplorer's public
    ``freekey``) is replaced."""

    def __init__(self, inner: httpx.AsyncBaseTransport, host: str, param: str,
                 key: Secret) -> None:
        super().__init__(inner, host, key)
        self.param = param

    def _signed(self, request: httpx.Request, key: str) -> httpx.Request:
        url = request.url.copy_set_param(self.param, key)
        return httpx.Request(request.method, url, headers=request.headers,
                             stream=request.stream, extensions=request.extensions)


def base_transport(cfg: SourcesConfig,
                   transport: httpx.AsyncBaseTransport | None = None) -> httpx.AsyncBaseTransport:
    """The transports under the cache: the PRO key, the Snapshot key and the personal
    Ethplorer key (each when set) and the body size limit.

    Args:
        cfg: source configuration (PRO URL and key, Ethplorer URL and key, body limit).
        transport: the innermost transport (a ``MockTransport`` in tests); default real HTTP.
    """
    inner: httpx.AsyncBaseTransport = transport or httpx.AsyncHTTPTransport(retries=0)
    if cfg.blockscout_pro_api_key.get():
        inner = HeaderKeyTransport(inner, httpx.URL(cfg.blockscout_pro_url).host,
                                   cfg.blockscout_pro_api_key)
    if cfg.snapshot_api_key.get():
        inner = HeaderKeyTransport(inner, httpx.URL(cfg.snapshot_url).host,
                                   cfg.snapshot_api_key, header="x-api-key", value="{key}")
    if cfg.ethplorer_api_key.get():
        inner = QueryKeyTransport(inner, httpx.URL(cfg.ethplorer_url).host, "apiKey",
                                  cfg.ethplorer_api_key)
    return BodyLimitTransport(inner, cfg.max_body_bytes)


def default_cache_path(cfg: SourcesConfig) -> Path:
    """The SQLite HTTP cache file (``cfg.cache_dir`` or the user cache directory).

    Raises:
        OSError: the directory cannot be created (read-only, not a directory, ``/proc``).
    """
    base = cfg.cache_dir or Path(platformdirs.user_cache_dir("lorenz", appauthor=False))
    base.mkdir(parents=True, exist_ok=True)
    return base / "http-cache.sqlite"


def usable_cache_path(cfg: SourcesConfig, cache_path: Path | None = None) -> Path | None:
    """``cache_path`` (default :func:`default_cache_path`) when the SQLite cache can live
    there, else ``None`` after one WARNING line — a bot must not fail to start because of
    its cache.

    "Can live there": the directory exists or can be made, the file can be opened for
    appending (it is created, empty, when missing) and the directory is writable (SQLite
    puts its journal next to the file). Never raises.
    """
    try:
        path = cache_path or default_cache_path(cfg)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab"):
            pass
        if not os.access(path.parent, os.W_OK):
            raise PermissionError(errno.EACCES, "directory not writable")
    except OSError as exc:
        log.warning("HTTP cache unavailable (%s: %s); running without the on-disk cache",
                    type(exc).__name__, exc.strerror or exc)
        return None
    return path


def make_http_client(
    cfg: SourcesConfig,
    transport: httpx.AsyncBaseTransport | None = None,
    cache_path: Path | None = None,
) -> httpx.AsyncClient:
    """The shared ``httpx.AsyncClient`` with the cache and size-limit transports.

    When the cache file cannot be used (:func:`usable_cache_path`: an unwritable or
    impossible directory) the client runs without the on-disk cache — one WARNING line,
    every request goes to the network; the in-memory refusal and POST memos of
    :class:`HttpClient` still work.

    Args:
        cfg: source configuration (timeouts, body limit, cache directory).
        transport: the innermost transport (a ``MockTransport`` in tests); default real HTTP.
        cache_path: SQLite file for the HTTP cache; default :func:`default_cache_path`.
    """
    inner = base_transport(cfg, transport)
    path = usable_cache_path(cfg, cache_path)
    if path is not None:
        storage = hishel.AsyncSqliteStorage(database_path=str(path), default_ttl=TTL_DATA,
                                            max_size=HTTP_CACHE_MAX_BYTES)
        inner = AsyncCacheTransport(next_transport=inner, storage=storage)
    return httpx.AsyncClient(
        transport=inner,
        timeout=httpx.Timeout(cfg.timeout_seconds, connect=min(5.0, cfg.timeout_seconds)),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        follow_redirects=True,
    )


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date), or None."""
    value = response.headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max((when - dt.datetime.now(dt.UTC)).total_seconds(), 0.0)


def provider_of(host: str) -> str:
    """The provider's name for messages ("DefiLlama"), from its host; "a data source" for a
    host Lorenz does not know (a mirror: the source names itself then)."""
    host = host.lower()
    return next((name for suffix, name in PROVIDERS
                 if host == suffix or host.endswith("." + suffix)), "a data source")


#: Words in an OSError that say nobody is there: a failed DNS lookup or a refused connection.
_UNREACHABLE_WORDS = ("name or service not known", "nodename nor servname",
                      "temporary failure in name resolution", "no address associated",
                      "getaddrinfo failed", "name resolution", "connection refused",
                      "errno 111", "errno 61", "errno -2", "errno -3", "errno 11001")


def is_unreachable(exc: BaseException) -> bool:
    """Whether ``exc`` (an httpx error and its causes) is a DNS failure or a refused
    connection — not worth retrying, unlike a reset or a timeout."""
    if not isinstance(exc, httpx.ConnectError):
        return False
    return _nobody_there(exc, depth=8)


def _nobody_there(exc: BaseException, depth: int) -> bool:
    """``exc`` or one of its causes is a DNS failure or a refused connection; for a group
    (anyio tried several addresses), every member is."""
    seen: BaseException | None = exc
    for _ in range(depth):
        if seen is None:
            return False
        if isinstance(seen, BaseExceptionGroup):
            return all(_nobody_there(e, depth - 1) for e in seen.exceptions)
        if isinstance(seen, ConnectionRefusedError | socket.gaierror):
            return True
        if any(w in str(seen).lower() for w in _UNREACHABLE_WORDS):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _backoff(exc: Exception) -> bool | float:
    """stamina hook: retry transient failures; wait what Retry-After says when it says.

    Never retried: a DNS failure or a refused connection (:func:`is_unreachable`).
    """
    if isinstance(exc, _Retryable):
        if exc.retry_after is None:
            return True
        return exc.retry_after if exc.retry_after <= MAX_RETRY_AFTER else False
    if isinstance(exc, httpx.ConnectError):
        # a reset during connect is worth a quick retry; nobody answering is not
        return False if is_unreachable(exc) else CONNECT_RETRY_WAIT
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError
                      | httpx.RemoteProtocolError)


def is_challenge_page(content_type: str, text: str) -> bool:
    """Whether a body is an HTML page (a Cloudflare challenge, a captcha, a login wall)
    rather than an API answer."""
    head = text[:REFUSAL_TEXT_CHARS].lower()
    return ("html" in content_type.lower() or head.lstrip().startswith("<")
            or "captcha" in head or "cf-chl" in head)


def _cache_storage(client: httpx.AsyncClient) -> Any:
    """The hishel storage behind ``client``'s transport, or None when it has no cache."""
    config = getattr(getattr(client, "_transport", None), "config", None)
    return config.get("storage") if isinstance(config, dict) else None


@dataclass(frozen=True, slots=True)
class Quota:
    """A provider's rate-limit and credit headers, as last seen (Blockscout PRO sends them
    on every reply). ``None`` = not sent, or sent as -1 (the provider's "unknown").

    Attributes:
        limit: ``x-ratelimit-limit`` — requests allowed per window (read as per second,
            the unit of Blockscout's plans).
        remaining: ``x-ratelimit-remaining`` — requests left in the current window.
        reset_ms: ``x-ratelimit-reset`` — milliseconds until the window resets.
        credits: ``x-credits-remaining`` — credits left today.
    """

    limit: int | None
    remaining: int | None
    reset_ms: int | None
    credits: int | None

    def to_dict(self) -> dict[str, int | None]:
        """JSON-ready dict."""
        return {"limit": self.limit, "remaining": self.remaining, "reset_ms": self.reset_ms,
                "credits": self.credits}

    def text(self) -> str:
        """"limit 5/s, 4 left, credits 99,980" — only what was sent; "" when nothing."""
        parts = []
        if self.limit is not None:
            parts.append(f"limit {self.limit}/s")
        if self.remaining is not None:
            parts.append(f"{self.remaining} left")
        if self.credits is not None:
            parts.append(f"credits {self.credits:,}")
        return ", ".join(parts)


_QUOTA_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset",
                  "x-credits-remaining")


def parse_quota(headers: httpx.Headers) -> Quota | None:
    """The rate-limit/credit headers of a response, or None when it sends none of them.

    Values that are not whole numbers, or are negative (-1 on a provider's internal
    error), are ``None``.
    """
    if not any(h in headers for h in _QUOTA_HEADERS):
        return None

    def number(name: str) -> int | None:
        text = headers.get(name, "").strip()
        return int(text) if text.isdigit() else None

    return Quota(number("x-ratelimit-limit"), number("x-ratelimit-remaining"),
                 number("x-ratelimit-reset"), number("x-credits-remaining"))


def safe_url(url: httpx.URL | str) -> str:
    """The URL without its query string (which may hold an API key)."""
    u = httpx.URL(str(url))
    return str(u.copy_with(query=None))


#: Set inside :func:`fresh_data`: answers kept in the HTTP cache and the memos are not used.
_FRESH: contextvars.ContextVar[bool] = contextvars.ContextVar("lorenz_fresh_data",
                                                             default=False)


@contextlib.contextmanager
def fresh_data() -> Iterator[None]:
    """Within this block (and the tasks it starts), every request goes to the network:
    the HTTP cache entry, the POST memo and the refusal memo are skipped, and the new
    answer replaces the cached one. For snapshots, which must see today's data."""
    token = _FRESH.set(True)
    try:
        yield
    finally:
        _FRESH.reset(token)


class HttpClient:
    """JSON over the shared ``httpx.AsyncClient`` with limits, retries and coalescing.

    Never call an instance ``bot.http`` — that attribute is discord.py's own client.
    ``memo_size`` bounds the parsed GraphQL answers :meth:`post_json` keeps in memory.

    Attributes:
        requests_sent: requests that left this object (after coalescing and the
            POST memo; the HTTP cache below may still answer some) — for tests and logs.
        coalesced: requests answered by joining an identical one already in flight.
        quotas: the last :class:`Quota` each host sent (hosts that send such headers).
    """

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        attempts: int = 4,
        retry_budget: float = 25.0,
        rate_limits: dict[str, tuple[float, float]] | None = None,
        default_rate: tuple[float, float] = DEFAULT_RATE,
        memo_size: int = POST_MEMO_SIZE,
    ) -> None:
        self.client = client
        self.attempts = attempts
        self.retry_budget = retry_budget
        self._rates = dict(RATE_LIMITS if rate_limits is None else rate_limits)
        self._default_rate = default_rate
        self._limiters: dict[str, AsyncLimiter] = {}
        self._inflight: InFlight[Any] = InFlight()
        self._post_memo: cachetools.TTLCache[str, Any] = cachetools.TTLCache(
            maxsize=memo_size, ttl=TTL_DATA
        )
        self._storage = _cache_storage(client)
        self.requests_sent = 0
        self.quotas: dict[str, Quota] = {}
        self._paused_until: dict[str, float] = {}
        # Definite refusals (404, 4xx): (deadline, error) by request key, kept like answers.
        self._refusals: cachetools.LRUCache[str, tuple[float, SourceError]] = (
            cachetools.LRUCache(maxsize=memo_size))

    def __repr__(self) -> str:
        return f"<HttpClient sent={self.requests_sent} coalesced={self.coalesced}>"

    async def aclose(self) -> None:
        """Close the underlying client (and its cache storage)."""
        await self.client.aclose()

    def _limiter(self, host: str) -> AsyncLimiter:
        limiter = self._limiters.get(host)
        if limiter is None:
            rate = next((r for suffix, r in self._rates.items()
                         if host == suffix or host.endswith("." + suffix)),
                        self._default_rate)
            limiter = self._limiters[host] = AsyncLimiter(*rate)
        return limiter

    async def get_json(
        self,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        ttl: float = TTL_DATA,
        max_bytes: int | None = None,
        parse: Callable[[Any], Any] | None = None,
        source: str | None = None,
    ) -> Any:
        """GET ``url`` and return its JSON body, or ``parse(body)`` when ``parse`` is given.

        ``parse`` turns the body into the caller's result and raises :class:`BadResponse`
        when the body has the wrong shape; the cached response is then dropped. ``source``
        names the provider in messages (default: :func:`provider_of` the host).

        Raises:
            SourceUnavailable, RateLimited, NotFound, BadResponse (:class:`Refused` for a
            4xx): see :mod:`core.errors`.
        """
        request = self.client.build_request("GET", url, params=params, headers=headers)
        data = await self._coalesced(request, ttl, max_bytes, source)
        return await self._parsed(request, data, parse)

    async def post_json(
        self,
        url: str,
        body: dict[str, Any],
        *,
        headers: dict[str, str] | None = None,
        ttl: float = TTL_DATA,
        max_bytes: int | None = None,
        parse: Callable[[Any], Any] | None = None,
        source: str | None = None,
    ) -> Any:
        """POST a JSON ``body`` (GraphQL) and return the JSON answer, or ``parse(answer)``.

        Answers are memoised for ``ttl`` seconds — only those ``parse`` accepts.
        """
        request = self.client.build_request("POST", url, json=body, headers=headers)
        key = self._key(request)
        if key in self._post_memo and not _FRESH.get():
            return await self._parsed(request, self._post_memo[key], parse)
        data = await self._coalesced(request, ttl, max_bytes, source)
        result = await self._parsed(request, data, parse)
        if ttl > 0:
            self._post_memo[key] = data
        return result

    async def _parsed(self, request: httpx.Request, data: Any,
                      parse: Callable[[Any], Any] | None) -> Any:
        """``parse(data)``; a :class:`BadResponse` from it drops the cached answer first."""
        if parse is None:
            return data
        try:
            return parse(data)
        except BadResponse:
            await self.forget(request)
            raise

    async def forget(self, request: httpx.Request) -> None:
        """Drop what is kept of ``request``'s answer: the POST memo, the HTTP cache entry.

        Never raises: a cache that cannot be cleaned only means the next ask may see the
        same bad answer until its TTL ends.
        """
        self._post_memo.pop(self._key(request), None)
        if self._storage is None or request.method != "GET":
            return
        # hishel's default key (without RFC 9111 mode): sha256 of "METHOD URL".
        key = hashlib.sha256(f"{request.method} {request.url}".encode()).hexdigest()
        try:
            for entry in await self._storage.get_entries(key):
                await self._storage.remove_entry(entry.id)
        except Exception as exc:  # the cache is an optimisation; never fail a request here
            log.warning("could not drop a bad cached answer of %s (%s)", safe_url(request.url),
                        type(exc).__name__)

    @staticmethod
    def _key(request: httpx.Request) -> str:
        digest = hashlib.sha256(request.content or b"").hexdigest()
        return f"{request.method} {request.url} {digest}"

    @property
    def coalesced(self) -> int:
        """Requests answered by joining an identical one already in flight."""
        return self._inflight.joined

    async def _coalesced(self, request: httpx.Request, ttl: float, max_bytes: int | None,
                         source: str | None = None) -> Any:
        # a fresh request never joins one that may be answered from the cache
        key = self._key(request) + (" fresh" if _FRESH.get() else "")
        return await self._inflight.run(key,
                                        lambda: self._fetch(request, ttl, max_bytes, source))

    async def _fetch(self, request: httpx.Request, ttl: float, max_bytes: int | None,
                     source: str | None = None) -> Any:
        host = request.url.host
        name = source or provider_of(host)
        key = self._key(request)
        kept = self._refusals.get(key)
        if _FRESH.get():
            kept = None
            await self.forget(request)  # the cached answer must not stand in for today's
        if kept is not None and kept[0] > time.monotonic():
            log.debug("%s %s: answered from the refusal memo", request.method,
                      safe_url(request.url))
            raise _copy(kept[1])
        extensions: dict[str, Any] = {"caching": {"ttl": ttl}}
        if max_bytes is not None:
            extensions["max_bytes"] = max_bytes
        request.extensions.update(extensions)
        response = await self._send(request, host, name)
        status = response.status_code
        if status >= 400:
            error = _refusal(response, host, name)
            log.debug("%s %s: HTTP %d", request.method, safe_url(request.url), status)
            if not isinstance(error, Refused) or error.status != 429:
                self._refusals[key] = (time.monotonic() + ttl, error)
            raise _copy(error)
        try:
            return await decode_json(response.content)
        except (ValueError, UnicodeDecodeError):
            await self.forget(request)  # truncated or an HTML error page: never serve it again
            raise BadResponse(f"{name} sent a body that is not valid JSON.", host,
                              (name,)) from None

    async def _send(self, request: httpx.Request, host: str, name: str) -> httpx.Response:
        """:meth:`_send_with_retries`, its failures turned into our errors (naming ``name``;
        the host and URL go to the DEBUG log)."""
        try:
            return await self._send_with_retries(request, host)
        except _Retryable as exc:
            log.debug("%s: HTTP %d after retries", safe_url(request.url), exc.status)
            if exc.status == 429:
                raise RateLimited(f"{name} is rate-limiting us; try again in a minute.",
                                  host, exc.retry_after, (name,)) from None
            raise SourceUnavailable(f"{name} is having trouble (HTTP {exc.status}).",
                                    host, (name,)) from None
        except BodyTooLarge as exc:
            raise BadResponse(f"{name} sent a response larger than {exc.limit // 1024 // 1024}"
                              " MB; refusing it.", host, (name,)) from None
        except httpx.TimeoutException:
            log.debug("%s: timed out", safe_url(request.url))
            raise SourceUnavailable(f"{name} did not answer in time.", host, (name,)) from None
        except httpx.HTTPError as exc:
            unreachable = is_unreachable(exc)
            log.debug("%s: %s (%s)", safe_url(request.url), type(exc).__name__,
                      "unreachable" if unreachable else "network error")
            why = "no connection" if unreachable else "network error"
            raise SourceUnavailable(f"Could not reach {name} ({why}).", host, (name,),
                                    unreachable=unreachable) from None

    async def _send_with_retries(self, request: httpx.Request, host: str) -> httpx.Response:
        response: httpx.Response | None = None
        async for attempt in stamina.retry_context(
            on=_backoff, attempts=self.attempts, timeout=self.retry_budget,
            wait_initial=0.5, wait_max=8.0, wait_jitter=1.0,
        ):
            with attempt:
                await self._wait_for_window(host)
                async with self._limiter(host):
                    self.requests_sent += 1
                    log.debug("%s %s (attempt %d)", request.method, safe_url(request.url),
                              attempt.num)
                    response = await self.client.send(request)
                self._note_quota(host, response)
                if response.status_code == 429 and is_challenge_page(
                        response.headers.get("content-type", ""), response.text[:2000]):
                    return response  # a challenge page: retrying will not help
                if response.status_code == 429 or response.status_code >= 500:
                    raise _Retryable(response.status_code, _retry_after(response))
        assert response is not None
        return response

    async def _wait_for_window(self, host: str) -> None:
        """Sleep until the host's exhausted rate-limit window resets (see :meth:`_note_quota`)."""
        wait = self._paused_until.get(host, 0.0) - time.monotonic()
        if wait > 0:
            log.debug("%s: rate-limit window exhausted; waiting %.2f s", host, wait)
            await asyncio.sleep(wait)

    def _note_quota(self, host: str, response: httpx.Response) -> None:
        """Read the rate-limit/credit headers of a fresh (not cached) response: keep them,
        log the credits at DEBUG, keep the host's limiter at or below the reported limit,
        and pause the host when the window is used up."""
        caching = response.extensions.get("caching")
        if getattr(caching, "from_cache", False):
            return
        quota = parse_quota(response.headers)
        if quota is None:
            return
        self.quotas[host] = quota
        log.debug("%s: rate limit %s, remaining %s, reset %s ms, credits left %s", host,
                  quota.limit, quota.remaining, quota.reset_ms, quota.credits)
        limiter = self._limiter(host)
        if quota.limit and quota.limit < limiter.max_rate / limiter.time_period:
            self._limiters[host] = AsyncLimiter(quota.limit, 1)
        if quota.remaining == 0 and quota.reset_ms:
            self._paused_until[host] = (time.monotonic()
                                        + min(quota.reset_ms / 1000, MAX_RETRY_AFTER))


def _refusal(response: httpx.Response, host: str, name: str) -> SourceError:
    """The error for a 4xx answer: :class:`NotFound` for 404, else :class:`Refused` with the
    status, media type and the start of the body (for the source to read; never shown)."""
    status = response.status_code
    if status == 404:
        return NotFound(f"{name} has no such record.", host, (name,))
    content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = response.content[:REFUSAL_TEXT_CHARS * 4].decode("utf-8", "replace")
    except Exception:  # a body we cannot read says nothing more
        text = ""
    return Refused(f"{name} refused the request (HTTP {status}).", host, (name,),
                   status=status, content_type=content_type, text=text[:REFUSAL_TEXT_CHARS])


def _copy(error: SourceError) -> SourceError:
    """A fresh instance of a kept error (raising one instance twice chains tracebacks)."""
    if isinstance(error, Refused):
        return Refused(str(error), error.host, error.sources, status=error.status,
                       content_type=error.content_type, text=error.text)
    return type(error)(str(error), error.host, error.sources)


async def gather_sources(*calls: Awaitable[Any]) -> list[Any | SourceError]:
    """Await source calls together; a :class:`SourceError` is returned in place, not raised.

    Lets a pipeline show what it has when one provider fails (other exceptions propagate).
    """
    results = await asyncio.gather(*calls, return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException) and not isinstance(r, SourceError):
            raise r
    return list(results)


