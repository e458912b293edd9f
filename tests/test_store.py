"""The store on real databases: SQLite always, PostgreSQL when a throwaway cluster starts
(tests/pg_server.py; skipped, saying why, where it cannot)."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import inspect

from core.errors import InputError
from store.engine import current_revision, downgrade, head_revision, store_url, upgrade
from store.records import MemberRow, SnapshotIn
from store.repo import MAX_WATCHES_PER_GUILD, open_store

T0 = dt.datetime(2026, 1, 1, 6, 0, tzinfo=dt.UTC)
TABLES = {"snapshots", "snapshot_members", "watches", "posts", "job_runs"}


def snap(top10: float = 0.4, origin: str = "cli", protocol: str = "uniswap",
         members: tuple[MemberRow, ...] = ()) -> SnapshotIn:
    return SnapshotIn(protocol=protocol, name="Uniswap", symbol="UNI", as_of=T0,
                      origin=origin, source="Blockscout", top10_share=top10, nakamoto=4,
                      gini=0.9, metrics={"owners": {"top10_share": top10, "nakamoto": 4},
                                         "entity": {"nakamoto": 3}},
                      governance={"delegates_to_quorum": 7}, members=members)


async def _tables(store) -> set[str]:
    async with store.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_migrations_up_and_down(store_url):
    store = await open_store(store_url)
    try:
        assert await current_revision(store.engine) == head_revision()
        assert await _tables(store) >= TABLES
        await store.add_snapshot(snap())
        await downgrade(store.engine, "base")
        assert await current_revision(store.engine) is None
        assert not TABLES & await _tables(store)
        await upgrade(store.engine)
        assert await store.count_snapshots() == 0
        assert await store.size_bytes() > 0
    finally:
        await store.close()


async def test_reopening_keeps_what_was_committed(store_url):
    store = await open_store(store_url)
    members = (MemberRow(1, "0x" + "a" * 40, 5e7, 0.05, "Binance 14", "exchange", "built-in"),
               MemberRow(1, "0x" + "d" * 40, 3e7, 0.03, kind="delegate"))
    stored = await store.add_snapshot(snap(members=members))
    await store.close()
    again = await open_store(store_url)  # a restart: migrations are a no-op, data is there
    try:
        got = await again.get(stored.id)
        assert got is not None and got.data.members == members
        assert got.data.metrics["entity"] == {"nakamoto": 3}  # a view that came later
        assert got.data.governance == {"delegates_to_quorum": 7}
        assert got.data.as_of == T0 and got.taken_at.tzinfo is not None
    finally:
        await again.close()


async def test_replies_keep_one_per_hour_latest_wins(store_url):
    store = await open_store(store_url)
    try:
        await store.add_snapshot(snap(0.40, "reply"), now=T0)
        await store.add_snapshot(snap(0.41, "reply"), now=T0 + dt.timedelta(minutes=30))
        await store.add_snapshot(snap(0.42, "cli"), now=T0 + dt.timedelta(minutes=40))
        await store.add_snapshot(snap(0.43, "reply"), now=T0 + dt.timedelta(hours=1))
        history = await store.history("uniswap")
        assert [s.data.top10_share for s in history] == [0.41, 0.42, 0.43]
        before = await store.at_or_before("uniswap", T0 + dt.timedelta(minutes=45))
        assert before is not None and before.data.top10_share == 0.42
        assert await store.history("aave") == []
    finally:
        await store.close()


async def test_a_reply_never_replaces_a_watch_baseline(store_url):
    """The hour's reply snapshot that a watch compares against stays; a later reply in
    the same hour is stored beside it (and the one after that replaces the new one)."""
    store = await open_store(store_url)
    try:
        first = await store.add_snapshot(snap(0.40, "reply"), now=T0)
        watch = await store.add_watch(1, 2, "uniswap", 3, baseline_id=first.id, now=T0)
        second = await store.add_snapshot(snap(0.41, "reply"), now=T0 + dt.timedelta(minutes=10))
        third = await store.add_snapshot(snap(0.42, "reply"), now=T0 + dt.timedelta(minutes=20))
        assert second.id != first.id and third.id == second.id
        history = await store.history("uniswap")
        assert [s.data.top10_share for s in history] == [0.40, 0.42]
        (row,) = await store.watches(1)
        assert row.id == watch.id and row.baseline_id == first.id
    finally:
        await store.close()


async def test_watches_cap_and_posts_never_twice(store_url):
    store = await open_store(store_url)
    try:
        for i in range(MAX_WATCHES_PER_GUILD):
            await store.add_watch(1, 100 + i, "uniswap", created_by=7)
        with pytest.raises(InputError):
            await store.add_watch(1, 999, "uniswap", created_by=7)
        await store.add_watch(2, 5, "aave", created_by=8)  # another guild is not capped
        watch = (await store.watches(1))[0]
        post = await store.claim_post(watch.id, "alert:top10:5", "alert", "text", None)
        assert post is not None
        again = await store.claim_post(watch.id, "alert:top10:5", "alert", "text", None)
        assert again == post  # claimed, never sent: the next run retries it
        await store.mark_sent(post)
        assert await store.claim_post(watch.id, "alert:top10:5", "alert", "text", None) is None
        assert await store.remove_watch(1, 100, "uniswap")
        assert not await store.remove_watch(1, 100, "uniswap")
        await store.disable_watch(watch.id, "missing permission")
        assert len(await store.watches(1, active=True)) == MAX_WATCHES_PER_GUILD - 1
    finally:
        await store.close()


async def test_job_runs_once_across_two_processes(store_url):
    """Two stores on one database (as two bot processes have): the day's job runs once,
    whoever gets there first; a crashed run is run again later."""
    a, b = await open_store(store_url), await open_store(store_url)
    ran: list[str] = []
    started = asyncio.Event()

    async def job(store, name):
        async with store.job_slot("daily", "2026-01-01") as mine:
            if mine:
                ran.append(name)
                started.set()
                await asyncio.sleep(0.2)  # still running while the other one tries

    async def late(store, name):
        await started.wait()
        await job(store, name)

    try:
        await asyncio.gather(job(a, "a"), late(b, "b"))
        await job(b, "b again")  # finished: not again
        assert ran == ["a"]
        with pytest.raises(RuntimeError):
            async with a.job_slot("daily", "2026-01-02", now=T0) as mine:
                assert mine
                raise RuntimeError("crash mid-job")
        later = T0 + dt.timedelta(hours=2)
        async with b.job_slot("daily", "2026-01-02", now=later) as mine:
            assert mine  # the crashed run was not marked finished
        assert await a.finished_runs("daily") == ["2026-01-01", "2026-01-02"]
    finally:
        await a.close()
        await b.close()


def test_store_url_forms(tmp_path):
    assert store_url("", {"LORENZ_DATABASE_URL": "postgresql://u@h/db"}) == (
        "postgresql+asyncpg://u@h/db")
    assert store_url(f"sqlite:///{tmp_path}/x.db", {}).startswith("sqlite+aiosqlite:///")
    with pytest.raises(Exception, match="SQLite and PostgreSQL") as info:
        store_url("mysql://u:secret@h/db", {})
    assert "secret" not in str(info.value)
