"""Two processes race for the daily job on one PostgreSQL: it runs once.

Two real ``lorenz snapshot --watched`` processes (what a bot process runs at its tick, from
cron) start together against one throwaway PostgreSQL database and one loopback stand-in
for the data APIs, slowed down so that the runs overlap; the advisory lock and the
``job_runs`` row let exactly one of them refresh.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import pytest

from store.repo import open_store
from tests.fake_upstream import FakeUpstream
from tests.local_server import LocalUpstream, config_toml


@pytest.fixture
def slow_upstream():
    fake = FakeUpstream.default()
    fake.delay = (0.02, 0.02)  # seconds per request: the refresh takes a while
    server = LocalUpstream(fake).start()
    yield server
    server.stop()


def _start(url: str, cfg, cwd) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "LORENZ_CONFIG"}
    env["LORENZ_DATABASE_URL"] = url
    return subprocess.Popen([sys.executable, "-m", "bot.cli", "snapshot", "--watched",
                             "--config", str(cfg)], cwd=cwd, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


async def test_two_processes_run_the_daily_job_once(pg_cluster, slow_upstream, tmp_path):
    url = pg_cluster.create_database()
    store = await open_store(url)
    try:
        await store.add_watch(1, 10, "uniswap", created_by=7)
        await store.add_watch(1, 11, "aave", created_by=7)
        cfg = config_toml(tmp_path / "config.toml", slow_upstream.base, tmp_path / "cache")
        procs = [_start(url, cfg, tmp_path) for _ in range(2)]
        outs = [await asyncio.to_thread(p.communicate, timeout=300) for p in procs]
        assert [p.returncode for p in procs] == [0, 0], [err for _out, err in outs]
        lines = sorted(out.strip() for out, _err in outs)
        assert sum("2 watch(es) refreshed" in line for line in lines) == 1, lines
        assert sum("done already, or running in another process" in line
                   for line in lines) == 1, lines
        snaps = await store.history("uniswap") + await store.history("aave")
        assert [s.data.origin for s in snaps] == ["refresh", "refresh"]
        assert [kind for kind, _key, _sent in await store.posts()] == ["digest", "digest"]
        assert len(await store.finished_runs("daily")) == 1
    finally:
        await store.close()
