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
or one of :mod:`core.errors`; nothing else escapes. URLs in messages and logs are shown
without their query string, so API keys passed as parameters never leak.

A body that is not JSON, or that the caller's ``parse`` rejects with :class:`BadResponse`
(wrong types, missing fields), is dropped from the HTTP cache and the POST memo at once:
a provider's bad minute must not be served from the cache for the next hour.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email.utils
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import cachetools
import hishel
import httpx
import platformdirs
import stamina
from aiolimiter import AsyncLimiter
from hishel.httpx import AsyncCacheTransport

from core.errors import BadResponse, NotFound, RateLimited, SourceError, SourceUnavailable
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
    "blockscout.com": (4, 1),  # every *.blockscout.com instance, each its own bucket
    "hub.snapshot.org": (90, 60),
}
DEFAULT_RATE: tuple[float, float] = (5, 1)

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


def default_cache_path(cfg: SourcesConfig) -> Path:
    """The SQLite HTTP cache file (``cfg.cache_dir`` or the user cache directory)."""
    base = cfg.cache_dir or Path(platformdirs.user_cache_dir("lorenz", appauthor=False))
    base.mkdir(parents=True, exist_ok=True)
    return base / "http-cache.sqlite"


def make_http_client(
    cfg: SourcesConfig,
    transport: httpx.AsyncBaseTransport | None = None,
    cache_path: Path | None = None,
) -> httpx.AsyncClient:
    """The shared ``httpx.AsyncClient`` with the cache and size-limit transports.

    Args:
        cfg: source configuration (timeouts, body limit, cache directory).
        transport: the innermost transport (a ``MockTransport`` in tests); default real HTTP.
        cache_path: SQLite file for the HTTP cache; default :func:`default_cache_path`.
    """
    inner = transport or httpx.AsyncHTTPTransport(retries=0)
    storage = hishel.AsyncSqliteStorage(
        database_path=str(cache_path or default_cache_path(cfg)), default_ttl=TTL_DATA,
        max_size=HTTP_CACHE_MAX_BYTES,
    )
    cached = AsyncCacheTransport(
        next_transport=BodyLimitTransport(inner, cfg.max_body_bytes), storage=storage
    )
    return httpx.AsyncClient(
        transport=cached,
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


def _backoff(exc: Exception) -> bool | float:
    """stamina hook: retry transient failures; wait what Retry-After says when it says."""
    if isinstance(exc, _Retryable):
        if exc.retry_after is None:
            return True
        return exc.retry_after if exc.retry_after <= MAX_RETRY_AFTER else False
    if isinstance(exc, httpx.ConnectError):
        # DNS failure / refused: retry quickly, so an offline run fails in about a second.
        return CONNECT_RETRY_WAIT
    return isinstance(exc, httpx.TimeoutException | httpx.NetworkError
                      | httpx.RemoteProtocolError)


def _cache_storage(client: httpx.AsyncClient) -> Any:
    """The hishel storage behind ``client``'s transport, or None when it has no cache."""
    config = getattr(getattr(client, "_transport", None), "config", None)
    return config.get("storage") if isinstance(config, dict) else None


def safe_url(url: httpx.URL | str) -> str:
    """The URL without its query string (which may hold an API key)."""
    u = httpx.URL(str(url))
    return str(u.copy_with(query=None))


class HttpClient:
    """JSON over the shared ``httpx.AsyncClient`` with limits, retries and coalescing.

    Never call an instance ``bot.http`` — that attribute is discord.py's own client.
    ``memo_size`` bounds the parsed GraphQL answers :meth:`post_json` keeps in memory.

    Attributes:
        requests_sent: requests that left this object (after coalescing and the
            POST memo; the HTTP cache below may still answer some) — for tests and logs.
        coalesced: requests answered by joining an identical one already in flight.
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
    ) -> Any:
        """GET ``url`` and return its JSON body, or ``parse(body)`` when ``parse`` is given.

        ``parse`` turns the body into the caller's result and raises :class:`BadResponse`
        when the body has the wrong shape; the cached response is then dropped.

        Raises:
            SourceUnavailable, RateLimited, NotFound, BadResponse: see :mod:`core.errors`.
        """
        request = self.client.build_request("GET", url, params=params, headers=headers)
        data = await self._coalesced(request, ttl, max_bytes)
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
    ) -> Any:
        """POST a JSON ``body`` (GraphQL) and return the JSON answer, or ``parse(answer)``.

        Answers are memoised for ``ttl`` seconds — only those ``parse`` accepts.
        """
        request = self.client.build_request("POST", url, json=body, headers=headers)
        key = self._key(request)
        if key in self._post_memo:
            return await self._parsed(request, self._post_memo[key], parse)
        data = await self._coalesced(request, ttl, max_bytes)
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

    async def _coalesced(self, request: httpx.Request, ttl: float, max_bytes: int | None) -> Any:
        return await self._inflight.run(self._key(request),
                                        lambda: self._fetch(request, ttl, max_bytes))

    async def _fetch(self, request: httpx.Request, ttl: float, max_bytes: int | None) -> Any:
        host = request.url.host
        where = safe_url(request.url)
        extensions: dict[str, Any] = {"caching": {"ttl": ttl}}
        if max_bytes is not None:
            extensions["max_bytes"] = max_bytes
        request.extensions.update(extensions)
        try:
            response = await self._send_with_retries(request, host)
        except _Retryable as exc:
            if exc.status == 429:
                raise RateLimited(f"{host} is rate-limiting us; try again in a minute.",
                                  host, exc.retry_after) from None
            raise SourceUnavailable(f"{host} is having trouble (HTTP {exc.status}).",
                                    host) from None
        except BodyTooLarge as exc:
            raise BadResponse(f"{host} sent a response larger than {exc.limit // 1024 // 1024}"
                              " MB; refusing it.", host) from None
        except httpx.TimeoutException:
            raise SourceUnavailable(f"{host} did not answer in time.", host) from None
        except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError):
            raise SourceUnavailable(f"Could not reach {host} (network error).", host) from None
        except httpx.HTTPError as exc:
            raise SourceUnavailable(f"Could not reach {host} ({type(exc).__name__}).",
                                    host) from None
        status = response.status_code
        if status == 404:
            raise NotFound(f"{host} has no such record ({where}).", host)
        if status >= 400:
            raise BadResponse(f"{host} refused the request (HTTP {status}).", host)
        try:
            return json.loads(response.content)
        except (ValueError, UnicodeDecodeError):
            await self.forget(request)  # truncated or an HTML error page: never serve it again
            raise BadResponse(f"{host} sent a body that is not valid JSON.", host) from None

    async def _send_with_retries(self, request: httpx.Request, host: str) -> httpx.Response:
        response: httpx.Response | None = None
        async for attempt in stamina.retry_context(
            on=_backoff, attempts=self.attempts, timeout=self.retry_budget,
            wait_initial=0.5, wait_max=8.0, wait_jitter=1.0,
        ):
            with attempt:
                async with self._limiter(host):
                    self.requests_sent += 1
                    log.debug("%s %s (attempt %d)", request.method, safe_url(request.url),
                              attempt.num)
                    response = await self.client.send(request)
                if response.status_code == 429 or response.status_code >= 500:
                    raise _Retryable(response.status_code, _retry_after(response))
        assert response is not None
        return response


async def gather_sources(*calls: Awaitable[Any]) -> list[Any | SourceError]:
    """Await source calls together; a :class:`SourceError` is returned in place, not raised.

    Lets a pipeline show what it has when one provider fails (other exceptions propagate).
    """
    results = await asyncio.gather(*calls, return_exceptions=True)
    for r in results:
        if isinstance(r, BaseException) and not isinstance(r, SourceError):
            raise r
    return list(results)


