"""One simulated month of the store: daily snapshots of the built-in protocols, watches.

Run from the repository root::

    python benchmarks/store_month.py                  # 30 days, SQLite in a temp folder
    python benchmarks/store_month.py --url postgresql://postgres@127.0.0.1:5432/bench
    python benchmarks/store_month.py --days 90 --json

Every built-in protocol (15) is watched by at least one channel (``--watches`` in all, in 4
guilds), so the daily job (:func:`pipeline.watch_job.run_daily`) takes a fresh snapshot of
each every day, claims each watch's digest and alerts, and the posts are marked sent as the
bot does after posting. Upstream is the test stand-in (``tests/fake_upstream.py``) behind an
``httpx.MockTransport``, answering at once: 1,000 synthetic holders per token whose balances
drift each day (a log-normal step of 2 %, and a new wallet now and then), so alerts happen.

Per day, in alternating order, the same analyses are also run **without** the store (fresh
data, no writes: the baseline), so the ratio job / baseline is what the store costs on top of
fetching and scoring. Printed: snapshots stored, database size (total and per snapshot),
posts claimed, and the medians of job and baseline time with their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import logging
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx
import stamina

from core.protocol import ProtocolRecord
from pipeline.analyze import Services, analyze_protocol
from pipeline.resolve import find_protocol
from pipeline.watch_job import run_daily
from sources.config import SourcesConfig
from sources.directory import Directory
from sources.http import HttpClient, fresh_data, make_http_client
from store.repo import Store, open_store
from tests.fake_upstream import FakeUpstream, Token, synthetic_holders

T0 = dt.datetime(2026, 1, 1, 6, 0, tzinfo=dt.UTC)


def upstream(records: list[ProtocolRecord], holders: int) -> FakeUpstream:
    """The stand-in with a synthetic token for every built-in protocol."""
    fake = FakeUpstream()
    for i, r in enumerate(records):
        assert r.token_address
        fake.tokens[r.token_address] = Token(r.token_address, r.symbol, r.name,
                                             synthetic_holders(holders, seed=i), 1e9,
                                             holders * 50)
    return fake


def drift(fake: FakeUpstream, rng: random.Random) -> None:
    """One day of change: every balance takes a 2 % log-normal step; now and then a new
    wallet with 1-3 % of the supply appears."""
    for token in fake.tokens.values():
        rows = [(a, b * rng.lognormvariate(0, 0.02)) for a, b in token.holders]
        if rng.random() < 0.1:
            rows.append((f"0x{rng.getrandbits(160):040x}",
                         token.total_supply * rng.uniform(0.01, 0.03)))
        token.holders = sorted(rows, key=lambda row: -row[1])[:len(token.holders)]


async def baseline(services: Services, records: list[ProtocolRecord]) -> float:
    """Seconds for the same analyses from fresh data, nothing stored."""
    started = time.perf_counter()
    with fresh_data():
        for r in records:
            await analyze_protocol(services, r)
    return time.perf_counter() - started


async def job(services: Services, store: Store, directory: Directory, day: int) -> float:
    """Seconds for one daily run: fresh snapshots, claims, and marking the posts sent."""
    async def resolve(key: str) -> ProtocolRecord:
        return (await find_protocol(directory, key))[0]

    started = time.perf_counter()
    await run_daily(services, store, T0 + dt.timedelta(days=day), resolve)
    for post_id, *_rest in await store.unsent_posts():
        await store.mark_sent(post_id)
    return time.perf_counter() - started


async def run(args: argparse.Namespace) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="lorenz-month-") as tmp:
        cfg = SourcesConfig(cache_dir=Path(tmp), holders_limit=args.holders)
        directory = Directory(None, cfg)
        records = list(directory.records)
        fake = upstream(records, args.holders)
        http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(fake.handler)),
                          rate_limits={}, default_rate=(10_000, 1))
        services = Services(cfg, http, Directory(http, cfg))
        store = await open_store(args.url or f"sqlite:///{tmp}/store.sqlite")
        rng = random.Random(14)
        for i in range(args.watches):
            r = records[i % len(records)]
            await store.add_watch(1 + i % 4, 100 + i, r.slug, created_by=1)
        jobs, bases = [], []
        try:
            for day in range(args.days):
                drift(fake, rng)
                if day % 2:
                    bases.append(await baseline(services, records))
                    jobs.append(await job(services, store, directory, day))
                else:
                    jobs.append(await job(services, store, directory, day))
                    bases.append(await baseline(services, records))
            snapshots = await store.count_snapshots()
            if not store.is_postgres:  # the size of the database itself, its WAL folded in
                async with store.engine.begin() as conn:
                    await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            size = await store.size_bytes()
            posts = await store.posts()
        finally:
            await store.close()
            await http.aclose()
    return {"days": args.days, "protocols": len(records), "watches": args.watches,
            "snapshots": snapshots, "db_bytes": size,
            "bytes_per_snapshot": size / max(1, snapshots),
            "digests": sum(k == "digest" for k, _key, _s in posts),
            "alerts": sum(k == "alert" for k, _key, _s in posts),
            "job_median_s": statistics.median(jobs),
            "baseline_median_s": statistics.median(bases),
            "ratio": statistics.median(jobs) / statistics.median(bases)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--watches", type=int, default=20)
    parser.add_argument("--holders", type=int, default=1000)
    parser.add_argument("--url", default="", help="database URL (default: temp SQLite)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    stamina.set_testing(True, attempts=1)
    out = asyncio.run(run(args))
    if args.json:
        print(json.dumps(out, indent=2))
        return
    print(f"{out['days']} days, {out['protocols']} protocols, {out['watches']} watches")
    print(f"snapshots stored: {out['snapshots']}  digests: {out['digests']}  "
          f"alerts: {out['alerts']}")
    print(f"database: {out['db_bytes'] / 1024 / 1024:.2f} MB "
          f"({out['bytes_per_snapshot'] / 1024:.1f} KB per snapshot)")
    print(f"daily job median {out['job_median_s']:.2f} s; the same analyses without the "
          f"store {out['baseline_median_s']:.2f} s; ratio {out['ratio']:.2f}x")


if __name__ == "__main__":
    main()
