"""Memory benchmark: 1000 distinct protocols analysed in a row by the bot's analysis service.

Run from the repository root::

    python benchmarks/memory.py                    # 1000 protocols, charts in a 2-process pool
    python benchmarks/memory.py --render 0         # charts in a thread (one process to watch)
    python benchmarks/memory.py --no-charts --count 3000 --checkpoints 100 1000 3000

Every protocol is new (its own token, holder list, fee slug, every fourth a Snapshot space;
``tests/memory_support.py``), so nothing is served from a cache and every cache fills up:
the analysis service's fresh answers (TTL) and last good answers, the HTTP client's GraphQL
memo and in-flight tables, the hishel SQLite HTTP cache on disk. Upstream answers come at
once (no delay): this measures memory, not time.

Printed at the start and after each checkpoint: resident memory of this process (VmRSS,
after a full garbage collection) and its peak (VmHWM), the render workers' RSS, the number
of entries in every in-memory cache, and the size of the SQLite cache file. A bounded bot
stops growing once its caches are full (``keep_last`` answers, 256 by default).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stamina

from tests.memory_support import (
    SyntheticUpstream,
    cache_sizes,
    child_pids,
    make_service,
    peak_rss_bytes,
    rss_bytes,
    settle_memory,
    synthetic_record,
)

MB = 1024 * 1024


def _file_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())


async def run(args: argparse.Namespace) -> list[dict[str, float]]:
    """Analyse ``args.count`` synthetic protocols; one row of figures per checkpoint."""
    rows: list[dict[str, float]] = []
    with tempfile.TemporaryDirectory(prefix="lorenz-mem-") as tmp:
        fake = SyntheticUpstream(holders=args.holders)
        service = make_service(fake, Path(tmp), render_processes=args.render,
                               keep_last=args.keep_last)
        db = Path(tmp) / "http-cache.sqlite"
        chart = not args.no_charts
        # One analysis first: imports, the render workers, the SQLite connection.
        await service.answer(synthetic_record(10**6), chart=chart)
        started = time.perf_counter()

        def checkpoint(done: int) -> None:
            settle_memory()
            workers = [rss_bytes(pid) for pid in child_pids(service.renderer)]
            rows.append({"done": done, "rss": rss_bytes() / MB, "peak": peak_rss_bytes() / MB,
                         "workers": sum(workers) / MB, "sqlite": _file_size(db) / MB,
                         "seconds": time.perf_counter() - started,
                         **cache_sizes(service)})
            print(f"  {done:5d} analyses: RSS {rows[-1]['rss']:.1f} MB", flush=True)

        checkpoint(0)
        done = 0
        marks = sorted(set(args.checkpoints))
        for mark in marks:
            while done < mark:
                batch = [synthetic_record(i)
                         for i in range(done, min(done + args.concurrency, mark))]
                await asyncio.gather(*(service.answer(r, chart=chart) for r in batch))
                done += len(batch)
            checkpoint(done)
        await service.services.http.aclose()
        service.renderer.shutdown()
    return rows


def print_table(args: argparse.Namespace, rows: list[dict[str, float]]) -> None:
    """One line per checkpoint."""
    where = ("off" if args.no_charts else "in a thread" if not args.render
             else f"in a {args.render}-process pool")
    print(f"\n{args.count} distinct protocols, {args.holders} holders each, charts {where}, "
          f"keep_last={args.keep_last}\n")
    head = (f"{'analyses':>8} {'RSS MB':>7} {'peak MB':>7} {'workers MB':>10} "
            f"{'fresh':>5} {'last_good':>9} {'post_memo':>9} {'inflight':>8} "
            f"{'sqlite MB':>9} {'s':>6}")
    print(head)
    print("-" * len(head))
    for r in rows:
        print(f"{r['done']:8.0f} {r['rss']:7.1f} {r['peak']:7.1f} {r['workers']:10.1f} "
              f"{r['fresh']:5.0f} {r['last_good']:9.0f} {r['post_memo']:9.0f} "
              f"{r['analysis inflight'] + r['http inflight']:8.0f} {r['sqlite']:9.1f} "
              f"{r['seconds']:6.1f}")
    if len(rows) >= 3:
        mid, last = rows[-2], rows[-1]
        per = (last["rss"] - mid["rss"]) / max(1.0, last["done"] - mid["done"]) * 1024
        print(f"\ngrowth from {mid['done']:.0f} to {last['done']:.0f} analyses: "
              f"{per:.1f} KB per analysis")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--checkpoints", type=int, nargs="+", default=None,
                        help="report after these many analyses (default 100 500 COUNT)")
    parser.add_argument("--holders", type=int, default=60, help="holders per token")
    parser.add_argument("--render", type=int, default=2,
                        help="render processes (0 = a worker thread in this process)")
    parser.add_argument("--no-charts", action="store_true")
    parser.add_argument("--keep-last", type=int, default=256)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args(argv)
    args.checkpoints = [c for c in (args.checkpoints or [100, 500, args.count])
                        if 0 < c <= args.count] or [args.count]
    logging.basicConfig(level=logging.ERROR)
    stamina.set_testing(True, attempts=3)
    rows = asyncio.run(run(args))
    print_table(args, rows)
    return 0


if __name__ == "__main__":  # the render pool's worker processes import this module too
    raise SystemExit(main())
