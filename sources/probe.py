"""One cheap request to a data source, to see whether and how it answers (``lorenz doctor``).

A probe is sent once — no retries, no cache, no rate limiter — through the same transports
as every other request (:func:`sources.http.base_transport`: the Blockscout PRO key as a
Bearer header, the body size limit), and classified:

====================  ============================================================
``works``             2xx with a JSON body, or an answer that is the API's own "no
                      data" (404; DefiLlama's 400 "not found")
``needs key``         a keyless Blockscout refusal (401/403/410, 429 HTML/captcha or a
                      deprecation notice) — or a PRO key that is refused
``rate limited``      429 (an API answer, not a challenge page)
``refused``           another 4xx
``trouble``           5xx, or a body that is not JSON
``timeout``           no answer within the probe timeout
``unreachable``       DNS failure, connection refused or another network error
====================  ============================================================

The URL (with its query string, which may hold a key) is never kept: only the host, for the
doctor's table. Latency is wall-clock milliseconds of the one request (shown, never tested).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from enum import StrEnum

import httpx

from sources.http import Quota, is_challenge_page, is_unreachable, parse_quota, safe_url

log = logging.getLogger(__name__)

class Outcome(StrEnum):
    """How a source answered a probe (the module table); a string, so JSON shows the word."""

    WORKS = "works"
    NEEDS_KEY = "needs key"
    RATE_LIMITED = "rate limited"
    REFUSED = "refused"
    TROUBLE = "trouble"
    TIMEOUT = "timeout"
    UNREACHABLE = "unreachable"



@dataclass(frozen=True, slots=True)
class ProbeResult:
    """How one source answered one request.

    Attributes:
        source: what was probed ("DefiLlama", "Blockscout PRO (chain 1)").
        host: the host asked (for the table; never a URL).
        outcome: one of the module's outcomes (``"works"``…).
        status: the HTTP status, or None when there was no answer.
        latency_ms: milliseconds until the answer (or the failure).
        quota: the rate-limit/credit headers, when the source sends them.
        key: whether a key was sent (None: the source takes none).
        detail: a short reason ("HTTP 403 (HTML page)", "connection refused").
    """

    source: str
    host: str
    outcome: Outcome
    status: int | None = None
    latency_ms: float = 0.0
    quota: Quota | None = None
    key: bool | None = None
    detail: str = ""

    @property
    def reachable(self) -> bool:
        """The host answered at all (any HTTP status)."""
        return self.status is not None

    @property
    def works(self) -> bool:
        return self.outcome == Outcome.WORKS


def classify(response: httpx.Response, *, keyless_blockscout: bool = False,
             not_found_ok: tuple[int, ...] = (404,), not_found_text: str = "",
             ) -> tuple[Outcome, str]:
    """``(outcome, detail)`` of an HTTP answer (see the module table).

    Args:
        response: the answer (its body already read).
        keyless_blockscout: the keyless per-instance Blockscout API was asked: its refusals
            mean "needs key".
        not_found_ok: statuses that are the API's own "no data" answer.
        not_found_text: a 400 whose body contains this (lower case) is "no data" too
            (DefiLlama's ``Fees for x not found``).
    """
    status = response.status_code
    content_type = response.headers.get("content-type", "")
    text = response.text[:2000]
    page = is_challenge_page(content_type, text)
    what = f"HTTP {status}" + (" (HTML page)" if page else "")
    if status in not_found_ok or (status == 400 and not_found_text
                                  and not_found_text in text.lower()):
        return Outcome.WORKS, f"{what}: answers (no data for the probe)"
    if status in (401, 403, 410) or (status == 429 and (page or "deprecat" in text.lower())):
        needs_key = keyless_blockscout or status in (401, 403)
        return (Outcome.NEEDS_KEY if needs_key else Outcome.REFUSED), what
    if status == 429:
        return Outcome.RATE_LIMITED, what
    if status >= 500:
        return Outcome.TROUBLE, what
    if status >= 400:
        return Outcome.REFUSED, what
    try:
        json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return Outcome.TROUBLE, f"HTTP {status}: not JSON"
    return Outcome.WORKS, f"HTTP {status}"


async def probe(client: httpx.AsyncClient, source: str, request: httpx.Request, *,
                key: bool | None = None, keyless_blockscout: bool = False,
                not_found_ok: tuple[int, ...] = (404,), not_found_text: str = "",
                ) -> ProbeResult:
    """Send ``request`` once with ``client`` and classify the answer; never raises for
    network trouble (that is an outcome)."""
    host = request.url.host
    started = time.perf_counter()
    try:
        response = await client.send(request)
    except httpx.TimeoutException:
        return ProbeResult(source, host, Outcome.TIMEOUT, None, _ms(started), key=key,
                           detail="no answer in time")
    except httpx.HTTPError as exc:
        log.debug("probe %s: %s", safe_url(request.url), type(exc).__name__)
        detail = "no connection" if is_unreachable(exc) else "network error"
        return ProbeResult(source, host, Outcome.UNREACHABLE, None, _ms(started), key=key,
                           detail=detail)
    latency = _ms(started)
    outcome, detail = classify(response, keyless_blockscout=keyless_blockscout,
                               not_found_ok=not_found_ok, not_found_text=not_found_text)
    log.debug("probe %s: HTTP %d in %.0f ms → %s", safe_url(request.url),
              response.status_code, latency, outcome)
    return ProbeResult(source, host, outcome, response.status_code, latency,
                       parse_quota(response.headers), key, detail)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


__all__ = ["Outcome", "ProbeResult", "classify", "probe"]
