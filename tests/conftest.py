"""Shared pytest fixtures: no waits in retries, the fake upstream, the simcord bot."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, NamedTuple

import pytest
import stamina
from hypothesis import settings

from tests.fake_upstream import FakeUpstream

# CI runs the property tests with a fixed seed (a gate must not flip on a new random draw);
# locally they explore new examples every run.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


#: How long (real seconds) simcord waits for the bot to settle after each event. simcord's
#: default, 5 s, is shorter than one chart render or database write on a busy 2-core
#: machine; nothing is timed by it (tests never assert wall-clock times), it only bounds a
#: hang. A test's own ``@pytest.mark.simcord(settle_timeout=…)`` wins.
SETTLE_TIMEOUT_S = 60.0


def evm_cache_dir(config: pytest.Config) -> Path:
    """Where the compiled EVM contracts are kept: pytest's cache, or a temporary folder
    when the cache plugin is off (``-p no:cacheprovider``)."""
    cache = getattr(config, "cache", None)
    if cache is not None:
        return Path(cache.mkdir("lorenz-evm"))
    folder = Path(tempfile.gettempdir()) / "lorenz-evm-cache"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def pytest_collection_finish(session: pytest.Session) -> None:
    """Start compiling the EVM tests' contracts in the background when they will run
    (tests/evm_chain.py), so solc-js works while the tests before them do."""
    if any(item.nodeid.startswith("tests/test_evm_governance.py") for item in session.items):
        from tests.evm_chain import start_compile

        start_compile(evm_cache_dir(session.config))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Give every simcord test :data:`SETTLE_TIMEOUT_S` unless it sets its own."""
    for item in items:
        marker = item.get_closest_marker("simcord")
        if marker is None or "settle_timeout" not in marker.kwargs:
            item.add_marker(pytest.mark.simcord(settle_timeout=SETTLE_TIMEOUT_S,
                                                **(marker.kwargs if marker else {})))


@pytest.fixture(autouse=True)
def _no_retry_waits():
    """Retries happen (up to 3 attempts) but without sleeping (every test)."""
    stamina.set_testing(True, attempts=3)
    yield
    stamina.set_testing(False)


@pytest.fixture
def fake() -> FakeUpstream:
    """The data APIs, faked at the httpx boundary (see tests/fake_upstream.py)."""
    return FakeUpstream.default()


@pytest.fixture
def bot_options() -> dict:
    """Override DiscordConfig fields for one test with an indirect fixture."""
    return {}


@pytest.fixture
def simcord_bot(fake, tmp_path, bot_options):
    """The real Lorenz bot; simcord logs it in and runs setup_hook."""
    from tests.bot_support import bot_for  # imports discord.py only for the bot tests

    return bot_for(fake, tmp_path, **bot_options)


@pytest.fixture
async def closing():
    """``closing(http)`` registers an HttpClient to be closed after the test."""
    opened: list = []
    yield opened.append
    for client in opened:
        await client.aclose()


class World(NamedTuple):
    """A simcord environment with one guild, a text channel and a member."""

    env: Any
    guild: Any
    channel: Any
    alice: Any


@pytest.fixture
async def world(simcord_env) -> World:
    """A guild, a channel, a member, and the commands synced (for the bot tests)."""
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    await simcord_env.bot.tree.sync()
    return World(simcord_env, guild, channel, alice)


@pytest.fixture(scope="session")
def pg_cluster():
    """A throwaway PostgreSQL cluster for the whole run (tests/pg_server.py); the tests
    that need it skip, saying why, where it cannot start."""
    from tests.pg_server import Unavailable, start_cluster

    try:
        cluster = start_cluster()
    except Unavailable as exc:
        pytest.skip(f"PostgreSQL unavailable: {exc}")
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A URL of an empty database: a SQLite file, then a new PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("pg_cluster").create_database()


@pytest.fixture
async def node_http(tmp_path):
    """Factory ``node_http(chain, rpc, scan_wait)`` → ``(HttpClient, SourcesConfig)`` whose
    every request goes to ``chain.handler`` (a JSON-RPC stand-in or the EVM bridge), with
    ``rpc`` as the configured node URLs; the clients are closed after the test."""
    import httpx

    from sources.config import SourcesConfig
    from sources.http import HttpClient, make_http_client

    opened: list[HttpClient] = []

    def factory(chain: Any, rpc: dict[str, str], scan_wait: float
                ) -> tuple[HttpClient, SourcesConfig]:
        cfg = SourcesConfig(cache_dir=tmp_path, rpc=rpc, delegate_scan_wait=scan_wait)
        http = HttpClient(make_http_client(cfg, transport=httpx.MockTransport(chain.handler)),
                          default_rate=(10_000, 1))
        opened.append(http)
        return http, cfg

    yield factory
    for http in opened:
        await http.aclose()
