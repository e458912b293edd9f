"""`lorenz snapshot` and `lorenz history` end to end: real subprocesses, a loopback stand-in
for the data APIs, and a real SQLite store file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fake_upstream import UNI, FakeUpstream
from tests.local_server import LocalUpstream, config_toml

NEWCOMER = "0x00000000000000000000000000000000c0ffee01"


@pytest.fixture
def upstream():
    server = LocalUpstream(FakeUpstream.default()).start()
    yield server
    server.stop()


def _run(args: list[str], cwd: Path, db: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LORENZ_CONFIG"}
    env["LORENZ_DATABASE_URL"] = f"sqlite:///{db}"
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_two_snapshots_show_the_change(upstream, tmp_path):
    """The holder list changes between two snapshots; the HTTP cache (same directory, 1 h
    TTL) must not hide it, and the history shows both snapshots and the change."""
    cfg = config_toml(tmp_path / "config.toml", upstream.base, tmp_path / "cache")
    db = tmp_path / "store.sqlite"
    first = _run(["snapshot", "uniswap", "--no-votes", "--config", str(cfg)], tmp_path, db)
    assert first.returncode == 0, first.stderr
    assert "snapshot 1 stored" in first.stdout
    pages = upstream.fake.count("/holders")
    token = upstream.fake.tokens[UNI]
    # a new wallet with 3% of the supply enters the top 10
    token.holders = sorted([*token.holders, (NEWCOMER, 0.03 * token.total_supply)],
                           key=lambda row: -row[1])
    second = _run(["snapshot", "uniswap", "--no-votes", "--config", str(cfg)], tmp_path, db)
    assert second.returncode == 0, second.stderr
    assert upstream.fake.count("/holders") == 2 * pages  # fetched again, not from the cache
    out = _run(["history", "uniswap", "--json", "--config", str(cfg)], tmp_path, db)
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    assert doc["protocol"] == "uniswap" and doc["count"] == 2
    a, b = doc["snapshots"]
    assert a["top10_share"] is not None and b["top10_share"] is not None
    assert NEWCOMER not in {h["address"] for h in a["top_holders"]}
    assert NEWCOMER in {h["address"] for h in b["top_holders"]}
    (change,) = doc["changes"]
    entered = {e["address"]: e for e in change["entered_top10"]}
    assert entered[NEWCOMER]["share"] == pytest.approx(0.03)
    assert change["top10_share_points"] == pytest.approx(
        (b["top10_share"] - a["top10_share"]) * 100, abs=1e-3)
    assert change["top10_share_points"] != 0
    assert set(a["views"]) >= {"raw", "circulating", "owners"}
    text = _run(["history", "uniswap", "--config", str(cfg)], tmp_path, db)
    assert text.returncode == 0 and "2 snapshot(s)" in text.stdout
    assert f"entered top 10: {NEWCOMER}" in text.stdout


def test_history_of_nothing_is_one_line_exit_2(tmp_path):
    out = _run(["history", "aave"], tmp_path, tmp_path / "store.sqlite")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "lorenz: error: no snapshots of 'aave' stored yet (take one with "
        "'lorenz snapshot aave')"]
    out = _run(["history", "nonexistentprotocol"], tmp_path, tmp_path / "store.sqlite")
    assert out.returncode == 2 and "no built-in protocol is called that" in out.stderr
    out = _run(["history", "aave", "--days", "7"], tmp_path, tmp_path / "store.sqlite")
    assert out.returncode == 2 and "in the last 7 days" in out.stderr
    out = _run(["snapshot", "--watched", "aave"], tmp_path, tmp_path / "store.sqlite")
    assert out.returncode == 2 and "--watched takes no protocol names" in out.stderr


def test_bad_store_url_is_one_line(tmp_path):
    env_db = "mysql://someone:hunter2@db.example/lorenz"
    env = {k: v for k, v in os.environ.items() if k != "LORENZ_CONFIG"}
    env["LORENZ_DATABASE_URL"] = env_db
    out = subprocess.run([sys.executable, "-m", "bot.cli", "history", "aave"], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1
    assert "hunter2" not in out.stderr and "db.example" not in out.stderr


def test_history_does_not_create_a_missing_store(tmp_path):
    """A read-only command on a SQLite store that does not exist says "nothing stored"
    and leaves no folder or file behind."""
    db = tmp_path / "not" / "yet" / "store.sqlite"
    out = _run(["history", "aave"], tmp_path, db)
    assert out.returncode == 2 and "no snapshots of 'aave' stored yet" in out.stderr
    assert not (tmp_path / "not").exists()


def _open_error(url: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LORENZ_CONFIG"}
    env["LORENZ_DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "bot.cli", "snapshot", "aave"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)


def test_unreachable_database_is_one_line_naming_no_address(tmp_path):
    from tests.local_server import closed_port

    port = closed_port()
    out = _open_error(f"postgresql://someone:hunter2@127.0.0.1:{port}/lorenz", tmp_path)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == [
        "lorenz: the store could not be opened: the database server refused the connection "
        "(is it running?)"]
    assert str(port) not in out.stderr and "127.0.0.1" not in out.stderr


def test_a_store_folder_that_cannot_be_made_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    out = _open_error(f"sqlite:///{blocker}/sub/store.sqlite", tmp_path)
    assert out.returncode != 0 and "unexpected error" not in out.stderr
    assert out.stderr.strip().splitlines() == [
        "lorenz: the store could not be opened: the database could not be reached or its "
        "file opened"]
    assert str(tmp_path) not in out.stderr


def test_a_missing_postgresql_database_is_named_in_words(pg_cluster, tmp_path):
    out = _open_error(pg_cluster.url("no_such_database_here"), tmp_path)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines() == [
        "lorenz: the store could not be opened: the database does not exist"]


def test_reasons_name_no_host():
    import socket

    from store.repo import _reason

    dns = socket.gaierror(-2, "Name or service not known: db.internal.example")
    assert _reason(dns) == "the database host name could not be resolved"
    wrapped = RuntimeError("connect failed to db.internal.example:5432")
    wrapped.__cause__ = TimeoutError("db.internal.example")
    assert _reason(wrapped) == "the database server did not answer in time"
    assert "example" not in _reason(RuntimeError("db.internal.example says no"))
