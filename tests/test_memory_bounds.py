"""Every cache stays within its configured size and age after many distinct analyses.

``benchmarks/memory.py`` prints resident memory over 1000 analyses; these tests assert the
bounds behind those numbers (entry counts, TTLs, empty in-flight tables, the SQLite cache's
size limit and per-entry expiry), never RSS figures.
"""

from __future__ import annotations

import asyncio
import gc
import sqlite3
import time
import weakref

import pytest

from core.errors import SourceError
from sources.config import SourcesConfig
from sources.directory import Directory
from sources.http import HTTP_CACHE_MAX_BYTES, TTL_DATA, TTL_DIRECTORY
from tests.fake_upstream import PROTOCOLS
from tests.memory_support import (
    SyntheticUpstream,
    cache_sizes,
    make_service,
    synthetic_address,
    synthetic_record,
)

KEEP_LAST = 8
MEMO_SIZE = 6
FRESH_TTL = 600.0


@pytest.fixture
async def service(tmp_path):
    """The analysis service with small caches on the real HTTP stack (thread rendering)."""
    fake = SyntheticUpstream(holders=20)
    svc = make_service(fake, tmp_path, keep_last=KEEP_LAST, fresh_ttl=FRESH_TTL,
                       http_options={"memo_size": MEMO_SIZE})
    svc.fake = fake
    yield svc
    await svc.services.http.aclose()
    svc.renderer.shutdown()


async def _analyse(service, numbers, chart=False):
    for start in range(0, len(numbers), 4):
        await asyncio.gather(*(service.answer(synthetic_record(i), chart=chart)
                               for i in numbers[start:start + 4]))


async def test_in_memory_caches_stay_at_their_maxima(service):
    await _analyse(service, list(range(30)))
    sizes = cache_sizes(service)
    assert service.runs == 30
    assert sizes["fresh"] == KEEP_LAST == service._fresh.maxsize
    assert sizes["last_good"] == KEEP_LAST == service._last_good.maxsize
    assert sizes["post_memo"] == MEMO_SIZE  # ~8 spaces × 3 GraphQL queries went through it
    assert sizes["analysis inflight"] == 0 and sizes["http inflight"] == 0
    assert sizes["limiters"] <= 4  # one per host, not per request

    # The most recent answers are served from memory; the oldest were evicted.
    await service.answer(synthetic_record(29), chart=False)
    assert service.cache_hits == 1 and service.runs == 30
    await service.answer(synthetic_record(0), chart=False)
    assert service.runs == 31
    assert len(service._fresh) == KEEP_LAST


async def test_answers_with_charts_are_bounded_too(service):
    await _analyse(service, list(range(KEEP_LAST + 1)), chart=True)
    assert len(service._fresh) == KEEP_LAST
    kept = list(service._fresh.values())
    assert all(a.png and a.png.startswith(b"\x89PNG") for a in kept)


async def test_caches_expire_by_age(service):
    await _analyse(service, list(range(5)))
    http = service.services.http
    assert service._fresh.ttl == FRESH_TTL
    assert service._last_good.ttl == 24 * 3600.0
    assert http._post_memo.ttl == TTL_DATA
    # cachetools expires on access against its own clock; ask it as if time had passed.
    now = service._fresh.timer()
    service._fresh.expire(now + FRESH_TTL + 1)
    assert len(service._fresh) == 0 and len(service._last_good) == 5
    service._last_good.expire(now + 24 * 3600.0 + 1)
    http._post_memo.expire(now + TTL_DATA + 1)
    assert len(service._last_good) == 0 and len(http._post_memo) == 0
    # Nothing fresh or kept: the next question fetches again.
    await service.answer(synthetic_record(1), chart=False)
    assert service.runs == 6


async def test_http_cache_is_size_bounded_and_every_entry_expires(service, tmp_path):
    await _analyse(service, list(range(6)))
    storage = service.services.http._storage
    assert storage is not None
    assert storage.max_size == HTTP_CACHE_MAX_BYTES
    assert storage.default_ttl == TTL_DATA
    db = sqlite3.connect(f"file:{tmp_path / 'http-cache.sqlite'}?mode=ro", uri=True)
    try:
        rows = db.execute("SELECT ttl_deadline, last_accessed_at FROM entries").fetchall()
    finally:
        db.close()
    assert rows, "nothing was cached"
    now = time.time()
    for deadline, _accessed in rows:
        assert deadline is not None  # every entry has an expiry…
        assert deadline <= now + TTL_DIRECTORY + 5  # …at most a day out (data: an hour)


async def test_inflight_tables_empty_after_failures_and_cancellations(service):
    fake = service.fake
    fake.delay = (0.02, 0.05)  # real sleeps: no simcord here
    fake.faults[synthetic_address(3)] = "timeout"
    fake.faults["synthetic-3"] = "timeout"
    with pytest.raises(SourceError):
        await service.answer(synthetic_record(3), chart=False)
    # A caller that gives up does not cancel the shared run, and leaves nothing behind.
    caller = asyncio.ensure_future(service.answer(synthetic_record(4), chart=False))
    await asyncio.sleep(0.01)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    for _ in range(200):
        if not service._inflight and not service.services.http._inflight:
            break
        await asyncio.sleep(0.01)
    sizes = cache_sizes(service)
    assert sizes["analysis inflight"] == 0 and sizes["http inflight"] == 0
    hits = service.cache_hits
    await service.answer(synthetic_record(4), chart=False)  # the run finished for the next
    assert service.cache_hits == hits + 1  # asker, who gets it from memory


def test_directory_keeps_one_index():
    directory = Directory(None, SourcesConfig())
    directory.load_body(PROTOCOLS)
    old = weakref.ref(directory._ix)
    directory.load_body(PROTOCOLS)
    gc.collect()
    assert old() is None  # a reload replaces the index; nothing keeps the previous one
    assert directory.lookup("uniswap").name == "Uniswap"


RENDERS: list[str] = []


def _fake_chart(name: str) -> bytes:
    time.sleep(0.02)  # long enough for the other callers to join
    RENDERS.append(name)
    return b"\x89PNG" + name.encode()


async def test_derived_charts_render_once_and_stay_bounded(service):
    RENDERS.clear()
    pngs = await asyncio.gather(*(service.render(_fake_chart, "votes", key="votes|uni@1")
                                  for _ in range(5)))
    assert RENDERS == ["votes"] and set(pngs) == {b"\x89PNGvotes"}
    assert await service.render(_fake_chart, "votes", key="votes|uni@1") == b"\x89PNGvotes"
    assert RENDERS == ["votes"] and service.chart_hits == 5
    for i in range(3 * KEEP_LAST):
        await service.render(_fake_chart, f"c{i}", key=f"compare|{i}")
    assert len(service._charts) == KEEP_LAST and not service._charts_inflight
    await service.render(_fake_chart, "unkeyed")  # no key: always drawn, never kept
    assert RENDERS[-1] == "unkeyed" and len(service._charts) == KEEP_LAST
