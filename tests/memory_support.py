"""Support for the memory benchmark and tests: many distinct protocols, analysed in a row.

:class:`SyntheticUpstream` answers for *any* of :func:`synthetic_record`'s protocols —
token info and a small holder list on Blockscout, fees on DefiLlama, proposals and votes on
Snapshot — generated from the address or slug on every request and never stored, so the
fake itself does not grow while the bot's caches are measured.
"""

from __future__ import annotations

import gc
import os
import random
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from core.protocol import ProtocolRecord
from tests.fake_upstream import NOW, FakeUpstream, Token, fee_summary, synthetic_holders

#: Synthetic token addresses: this prefix, then the protocol number in hex.
PREFIX = "0x5e5e"


def synthetic_address(i: int) -> str:
    """The token address of synthetic protocol ``i``."""
    return f"{PREFIX}{i:036x}"


def synthetic_record(i: int, *, votes_every: int = 4) -> ProtocolRecord:
    """Protocol ``i``: its own token, fee slug and (every ``votes_every``-th) Snapshot space."""
    return ProtocolRecord(
        name=f"Synthetic {i}", slug=f"synthetic-{i}", symbol=f"SYN{i}", category="Lending",
        chain="ethereum", token_address=synthetic_address(i), decimals=18,
        snapshot_spaces=(f"synthetic-{i}.eth",) if i % votes_every == 0 else (),
        source="test")


@dataclass
class SyntheticUpstream(FakeUpstream):
    """:class:`FakeUpstream` that also serves every synthetic protocol (see module doc)."""

    holders: int = 60

    def _blockscout(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.strip("/").split("/")
        address = parts[3].lower() if len(parts) > 3 else ""
        if address.startswith(PREFIX) and address not in self.tokens:
            i = int(address[len(PREFIX):], 16)
            token = Token(address, f"SYN{i}", f"Synthetic {i}",
                          synthetic_holders(self.holders, seed=i), 1e9, 5_000 + i)
            self.tokens[address] = token
            try:
                return super()._blockscout(request)
            finally:
                del self.tokens[address]
        return super()._blockscout(request)

    def _llama(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path.startswith("/summary/fees/synthetic-"):
            slug = path.rsplit("/", 1)[-1]
            body = fee_summary("aave", request.url.params.get("dataType", "dailyFees"))
            if body is None:
                return httpx.Response(404)
            body.update(id=slug, name=slug.title(), slug=slug)
            return httpx.Response(200, json=body)
        return super()._llama(request)

    def _snapshot(self, request: httpx.Request) -> httpx.Response:
        if b"synthetic-" in request.content and b"proposals" in request.content:
            rng = random.Random(request.content)
            return httpx.Response(200, json={"data": {"proposals": [
                {"id": f"0xsynprop{rng.getrandbits(64):x}", "title": f"Proposal {k}",
                 "end": NOW - k * 7 * 86_400, "votes": 20, "scores_total": 1e6,
                 "state": "closed", "space": {"id": "synthetic.eth"}}
                for k in range(2)]}})
        return super()._snapshot(request)


def make_service(fake: FakeUpstream, cache_dir: Path, *, render_processes: int = 0,
                 keep_last: int = 256, fresh_ttl: float = 600.0,
                 http_options: dict[str, Any] | None = None) -> Any:
    """The bot's :class:`AnalysisService` on the real HTTP stack (hishel SQLite cache under
    ``cache_dir``), the fake at the transport; rate limits lifted as in the bot tests."""
    from pipeline.analyze import Services
    from pipeline.service import AnalysisService, Renderer
    from sources.config import SourcesConfig
    from sources.directory import Directory
    from sources.http import HttpClient, make_http_client

    cfg = SourcesConfig(cache_dir=cache_dir, holders_limit=1000)
    options = {"rate_limits": {}, "default_rate": (10_000, 1), **(http_options or {})}
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(fake.handler),
                                       cache_path=cache_dir / "http-cache.sqlite"), **options)
    renderer = Renderer(render_processes)
    renderer.warm_up()
    services = Services(cfg, http, Directory(http, cfg))
    return AnalysisService(services, renderer, keep_last=keep_last, fresh_ttl=fresh_ttl)


def rss_bytes(pid: int | str = "self") -> int:
    """Resident set size of a process (``VmRSS`` in ``/proc/<pid>/status``), in bytes."""
    return _status_kib(pid, "VmRSS") * 1024


def peak_rss_bytes(pid: int | str = "self") -> int:
    """Peak resident set size (``VmHWM``), in bytes."""
    return _status_kib(pid, "VmHWM") * 1024


def _status_kib(pid: int | str, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    if pid == "self" and field in ("VmRSS", "VmHWM") and sys.platform != "win32":
        import resource  # no /proc (macOS): the peak is all getrusage knows

        usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return usage // 1024 if sys.platform == "darwin" else usage
    return 0


def settle_memory() -> None:
    """Collect garbage (all generations) so RSS readings compare like with like."""
    gc.collect()
    gc.collect()


def cache_sizes(service: Any) -> dict[str, int]:
    """Entries in every in-memory cache of the analysis service and its HTTP client."""
    http = service.services.http
    return {
        "fresh": len(service._fresh), "last_good": len(service._last_good),
        "charts": len(getattr(service, "_charts", ())),
        "analysis inflight": len(service._inflight), "post_memo": len(http._post_memo),
        "http inflight": len(http._inflight), "limiters": len(http._limiters),
    }


def child_pids(renderer: Any) -> list[int]:
    """Process ids of the render pool's workers (empty for thread rendering)."""
    pool = getattr(renderer, "_pool", None)
    return [p for p in (getattr(pool, "_processes", None) or {}) if os.path.exists(f"/proc/{p}")]
