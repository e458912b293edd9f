"""Load benchmark: many slash commands at once through simcord, slow upstream APIs.

Run from the repository root::

    python benchmarks/load.py                      # 200 commands, thread vs 2-process pool
    python benchmarks/load.py --repeats 3          # medians over 3 runs per mode
    python benchmarks/load.py --commands 400 --wave 50 --gap 0.5 --modes 2

What it does, per rendering mode (``0`` = charts in a worker thread, ``2`` = a warm
2-process pool): a fresh bot (the real :class:`bot.app.LorenzBot`, only the HTTP boundary
faked) in simcord, ``--guilds`` guilds and ``--users`` members, then ``--commands`` slash
commands fired as fast as they come — /concentration over six protocols, /holders, /fees,
/votes, /compare and a few typos (``tests/load_support.py`` explains how concurrency is
driven through simcord and why upstream delays are on the real clock). Every upstream
response waits a uniform ``--delay`` (default 50–500 ms, real time). Cooldowns are lifted
(load, not rate limiting, is measured); the HTTP client's per-host rate limits too.

Printed: how many commands got an answer (embed) or a clear error (a sentence), reply time
from firing to the bot's message (p50/p95; real time), acknowledgement time (defer, p95),
event-loop lag sampled every 10 ms by a driver task (p50/p99/max, overall and while at
least one chart was rendering), and how many upstream requests were made per endpoint,
against how many analyses ran, were coalesced with one in flight, or came from the cache.
With ``--repeats`` > 1 every figure is the median over the runs. Nothing here asserts a
time (machines are shared and noisy); tests/test_load.py asserts the behaviour.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import statistics
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stamina

from tests.load_support import (
    PROTOCOLS,
    LoadResult,
    LoadUpstream,
    install_process_pool,
    make_load_bot,
    median,
    percentile,
    run_load,
    unwrap_all,
)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:,.0f}" if seconds == seconds else "–"  # NaN → dash


def _s(seconds: float) -> str:
    return f"{seconds:.2f}" if seconds == seconds else "–"


async def one_run(args: argparse.Namespace, processes: int, seed: int) -> LoadResult:
    """One fresh bot in one fresh simcord environment; returns what the run measured."""
    import simcord

    from core.errors import LorenzError

    fake = LoadUpstream.for_load(real_delay=(args.delay[0], args.delay[1]), seed=seed)
    with tempfile.TemporaryDirectory(prefix="lorenz-load-") as tmp:
        bot = make_load_bot(fake, Path(tmp), render_processes=0,
                            holders_limit=args.holders_limit,
                            max_concurrent=args.max_concurrent)
        async with simcord.run(bot, settle_timeout=args.timeout) as env:
            if processes:
                install_process_pool(env.bot, processes)
            gc.collect()
            result = await run_load(env, fake, users=args.users, guilds=args.guilds,
                                    commands=args.commands, wave=args.wave,
                                    wave_gap=args.gap, settle_timeout=args.timeout,
                                    seed=seed)
            unexpected = [e for e in result.errors
                          if not isinstance(unwrap_all(e), LorenzError)]
            if unexpected:
                print(f"  !! {len(unexpected)} unexpected errors: "
                      f"{Counter(type(unwrap_all(e)).__name__ for e in unexpected)}")
            result.errors = unexpected
            return result


def summarize(runs: list[LoadResult]) -> dict[str, float]:
    """Per-run figures, then the median over the runs."""
    rows: list[dict[str, float]] = []
    for r in runs:
        rows.append({
            "answers": r.answers, "errors": r.clear_errors, "none": len(r.unanswered),
            "unexpected": len(r.errors), "wall": r.wall,
            "reply p50": median(r.reply_times), "reply p95": percentile(r.reply_times, 95),
            "ack p95": percentile(r.ack_times, 95), "ack max": max(r.ack_times, default=0),
            "lag p50": median(r.lag), "lag p99": percentile(r.lag, 99),
            "lag max": max(r.lag, default=0),
            "rlag p99": percentile(r.lag_while_rendering, 99),
            "rlag max": max(r.lag_while_rendering, default=float("nan")),
            "rlag n": len(r.lag_while_rendering), "renders": r.renders,
            "runs": r.analyses_runs, "coalesced": r.analyses_coalesced,
            "cache hits": r.analyses_cache_hits, "chart hits": r.chart_hits,
            "http sent": r.http_sent,
            "http coalesced": r.http_coalesced, "upstream": sum(r.upstream.values()),
        })
    return {k: statistics.median(row[k] for row in rows) for k in rows[0]}


def print_tables(args: argparse.Namespace, results: dict[int, list[LoadResult]]) -> None:
    """The summary table, per-command-kind reply times, and upstream requests per endpoint."""
    label = {0: "thread", **{p: f"pool×{p}" for p in results if p}}
    sums = {p: summarize(runs) for p, runs in results.items()}
    print(f"\n{args.commands} commands from {args.users} users in {args.guilds} guilds, "
          f"upstream delay {args.delay[0] * 1000:.0f}–{args.delay[1] * 1000:.0f} ms, "
          f"{args.max_concurrent} analyses at once, holders limit {args.holders_limit}; "
          f"median of {args.repeats} run(s)\n")
    head = (f"{'render':>8} {'answers':>7} {'errors':>6} {'none':>4} {'unexp':>5} "
            f"{'wall s':>6} {'reply p50 s':>11} {'p95 s':>6} {'ack p95 ms':>10} "
            f"{'lag p50 ms':>10} {'p99':>5} {'max':>5} {'render-lag p99':>14} {'max':>5}")
    print(head)
    print("-" * len(head))
    for p, m in sums.items():
        print(f"{label[p]:>8} {m['answers']:7.0f} {m['errors']:6.0f} {m['none']:4.0f} "
              f"{m['unexpected']:5.0f} {m['wall']:6.1f} {_s(m['reply p50']):>11} "
              f"{_s(m['reply p95']):>6} {_ms(m['ack p95']):>10} {m['lag p50'] * 1000:10.1f} "
              f"{_ms(m['lag p99']):>5} {_ms(m['lag max']):>5} {_ms(m['rlag p99']):>14} "
              f"{_ms(m['rlag max']):>5}")

    print(f"\n{'render':>8} {'renders':>7} {'chart hits':>10} {'analyses run':>12} "
          f"{'coalesced':>9} {'cache hits':>10} {'http sent':>9} {'http coalesced':>14} "
          f"{'upstream':>8}")
    for p, m in sums.items():
        print(f"{label[p]:>8} {m['renders']:7.0f} {m['chart hits']:10.0f} {m['runs']:12.0f} "
              f"{m['coalesced']:9.0f} {m['cache hits']:10.0f} {m['http sent']:9.0f} "
              f"{m['http coalesced']:14.0f} {m['upstream']:8.0f}")

    print("\nreply time per command (s), p50 / p95 (last run of each mode)")
    names = sorted({c.name for runs in results.values() for c in runs[-1].commands})
    print(f"{'render':>8} " + " ".join(f"{n:>17}" for n in names))
    for p, runs in results.items():
        cells = []
        for n in names:
            ts = [c.reply_seconds for c in runs[-1].commands
                  if c.name == n and c.reply_seconds is not None]
            cells.append(f"{_s(median(ts))} / {_s(percentile(ts, 95))} ({len(ts)})")
        print(f"{label[p]:>8} " + " ".join(f"{c:>17}" for c in cells))

    print("\nupstream requests per endpoint (last run of each mode), for "
          f"{len(PROTOCOLS)} protocols")
    endpoints = sorted({k for runs in results.values() for k in runs[-1].upstream})
    print(f"{'endpoint':>22} " + " ".join(f"{label[p]:>8}" for p in results))
    for e in endpoints:
        print(f"{e:>22} " + " ".join(f"{results[p][-1].upstream.get(e, 0):8d}"
                                     for p in results))


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, run every mode ``--repeats`` times, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--commands", type=int, default=200)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--guilds", type=int, default=10)
    parser.add_argument("--delay", type=float, nargs=2, default=(0.05, 0.5),
                        metavar=("LO", "HI"), help="upstream delay range, seconds")
    parser.add_argument("--modes", type=int, nargs="+", default=[0, 2],
                        help="render processes per mode (0 = a worker thread)")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--holders-limit", type=int, default=1000)
    parser.add_argument("--max-concurrent", type=int, default=4)
    parser.add_argument("--wave", type=int, default=0,
                        help="fire this many at a time (0 = all at once)")
    parser.add_argument("--gap", type=float, default=0.25, help="seconds between waves")
    parser.add_argument("--timeout", type=float, default=300.0)
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.ERROR)
    stamina.set_testing(True, attempts=3)  # as in the tests: retries without waits
    results: dict[int, list[LoadResult]] = {p: [] for p in args.modes}
    for repeat in range(args.repeats):
        for processes in args.modes:  # modes take turns, so a noisy neighbour hits both
            result = asyncio.run(one_run(args, processes, seed=7 + repeat))
            results[processes].append(result)
            print(f"run {repeat + 1}/{args.repeats} render={processes}: "
                  f"{result.answers} answers, {result.clear_errors} clear errors, "
                  f"{len(result.unanswered)} unanswered, {result.wall:.1f} s", flush=True)
    print_tables(args, results)
    failed = any(r.unanswered or r.errors for runs in results.values() for r in runs)
    return 1 if failed else 0


if __name__ == "__main__":  # the render pool's worker processes import this module too
    raise SystemExit(main())
