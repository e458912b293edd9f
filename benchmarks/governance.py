"""Benchmark: reading and scoring N delegates' votes via Multicall3 vs one eth_call each.

Run from the repository root::

    python benchmarks/governance.py                 # N = 50, 200, 1000; 7 repeats
    python benchmarks/governance.py --sizes 200 --latency 0.03

The node is the test stand-in (``tests/fake_chain.py``: replies encoded with eth-abi, served
through the real ``HttpClient`` over an ``httpx.MockTransport``), with an optional simulated
round-trip ``--latency`` (seconds per HTTP request; default 0.02, a fast public endpoint).
Each timing covers :func:`sources.governance.votes_of` (encode, request, decode) plus
:func:`scoring.power.score_power` on the result, at a block with Multicall3 and at one before
it (plain calls, 8 in flight). The table prints medians over the repeats and the ratio plain
/ multicall, plus the HTTP requests each path made. Not a test: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from scoring.power import score_power
from sources.config import SourcesConfig
from sources.governance import votes_of
from sources.http import HttpClient, make_http_client
from sources.rpc import Block, RpcClient
from tests.fake_chain import FakeChain
from tests.fake_governance import addr, default_dao, install_dao

WITH_MULTICALL = 20_000_000
BEFORE_MULTICALL = 12_000_000


def setup(n: int, latency: float) -> tuple[FakeChain, object]:
    dao = default_dao("uniswap")
    dao.votes = {addr(i): 1_000 + i for i in range(1, n + 1)}
    chain = FakeChain(head=WITH_MULTICALL)
    install_dao(chain, dao)

    async def handler(request: httpx.Request) -> httpx.Response:
        if latency:
            await asyncio.sleep(latency)
        return await chain.handler(request)
    return chain, (dao, handler)


async def one_run(n: int, block: int, latency: float) -> tuple[float, int]:
    chain, (dao, handler) = setup(n, latency)
    cfg = SourcesConfig(cache_dir=Path(tempfile.mkdtemp()))
    http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(handler)),
                      default_rate=(100_000, 1))
    rpc = RpcClient(http, "https://bench.rpc/", "ethereum")
    head = Block(block, chain.timestamp(block), block)
    try:
        started = time.perf_counter()
        votes = await votes_of(rpc, dao.spec, "bravo", list(dao.votes), head)
        score_power([v / 1e18 for v in votes.values()], quorum=40e6, threshold=1e6,
                    delegated=sum(votes.values()) / 1e18, supply=1e9)
        elapsed = time.perf_counter() - started
    finally:
        await http.aclose()
    assert len(votes) == n
    return elapsed * 1000, len(chain.calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 200, 1000])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--latency", type=float, default=0.02)
    args = parser.parse_args()
    print(f"latency {args.latency * 1000:.0f} ms per request; medians of {args.repeats}")
    print(f"{'N':>6} {'multicall ms':>13} {'req':>5} {'plain ms':>10} {'req':>5} {'ratio':>7}")
    for n in args.sizes:
        multi = [asyncio.run(one_run(n, WITH_MULTICALL, args.latency))
                 for _ in range(args.repeats)]
        plain = [asyncio.run(one_run(n, BEFORE_MULTICALL, args.latency))
                 for _ in range(args.repeats)]
        m = statistics.median(t for t, _ in multi)
        p = statistics.median(t for t, _ in plain)
        print(f"{n:>6} {m:>13.1f} {multi[0][1]:>5} {p:>10.1f} {plain[0][1]:>5} {p / m:>6.1f}×")


if __name__ == "__main__":
    main()
