"""Many commands at once through simcord, slow upstream APIs: everyone gets an answer.

A smaller version of ``benchmarks/load.py`` (which prints the timings): ~40 slash
commands from 50 users in 10 guilds fired without waiting for each other, upstream
responses delayed 50–500 ms of real time (``tests/load_support.py`` explains how the
commands are fired concurrently through simcord and why the delays use the real clock).
Nothing here asserts a wall-clock time; it asserts that every command is answered, that no
unexpected error happens, that identical upstream requests are coalesced or cached, and
that charts render off the event loop's thread while an event-loop lag monitor runs.
"""

from __future__ import annotations

from collections import Counter

import pytest

from commands.concentration import FAMILY_PARTS
from core.errors import LorenzError, ProtocolNotFound
from tests.load_support import (
    PROTOCOLS,
    LoadUpstream,
    install_process_pool,
    make_load_bot,
    run_load,
    unwrap_all,
    watch_renders,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

COMMANDS = 40
HOLDERS_LIMIT = 200
#: Typos the fuzzy matcher resolves (to uniswap, compound); the other typos are unknown names.
RESOLVED_TYPOS = {"uniswp", "compund"}


@pytest.fixture
def fake() -> LoadUpstream:
    """The data APIs with real-time delays and six protocols' tokens."""
    return LoadUpstream.for_load(real_delay=(0.05, 0.5))


@pytest.fixture
def simcord_bot(fake, tmp_path):
    """The real bot, generous cooldowns, charts in a worker thread, 200 holders per token
    (4 Blockscout pages instead of 20 keeps the test short)."""
    return make_load_bot(fake, tmp_path, holders_limit=HOLDERS_LIMIT, render_processes=0)


def _names(command) -> list[str]:
    return [v for k, v in command.options.items() if k in ("protocol", "first", "second")]


@pytest.mark.simcord(settle_timeout=60)
async def test_concurrent_commands_all_answered_coalesced_rendered_off_loop(simcord_env, fake):
    with watch_renders() as renders:
        result = await run_load(simcord_env, fake, users=50, guilds=10, commands=COMMANDS)

    # Every command got an answer (an embed) or a clear error (a sentence).
    assert not result.unanswered, result.unanswered
    assert result.answers + result.clear_errors == COMMANDS
    for command in result.commands:
        names = _names(command)
        if all(n in PROTOCOLS or n in RESOLVED_TYPOS for n in names):
            assert command.outcome == "answer", command.label
        else:
            assert command.outcome == "error", command.label
            final = command.result.response
            assert "I don't know a protocol called" in final.content
            assert command.result.ephemeral
    assert result.clear_errors >= 1  # the plan has unknown names in it

    # Only the expected errors reached the handler: the typos (no crash, no cooldown).
    unexpected = [e for e in result.errors if not isinstance(unwrap_all(e), LorenzError)]
    assert not unexpected, unexpected
    assert {type(unwrap_all(e)) for e in result.errors} <= {ProtocolNotFound}

    # Identical work ran once: at most one analysis per protocol and set of parts (each
    # command family fetches only what it shows), one token lookup per token, the protocol
    # list once — the rest joined a run in flight or came from the cache.
    runs = result.analyses_runs
    assert runs <= len(PROTOCOLS) * len(set(FAMILY_PARTS.values()))
    asked = sum(len(_names(c)) for c in result.commands if c.outcome == "answer")
    assert result.analyses_coalesced + result.analyses_cache_hits >= asked - runs
    token_lookups = Counter(k for k in fake.calls
                            if "blockscout" in k and not k.endswith("/holders"))
    assert token_lookups and all(fake.calls[k] == 1 for k in token_lookups), fake.calls
    assert fake.count("/protocols") == 1
    for address in fake.tokens:  # at most one analysis' worth: token info + 4 pages
        assert fake.count(address) <= 1 + HOLDERS_LIMIT // fake.page_size, fake.calls
    for key, n in fake.calls.items():
        if "/summary/fees/" in key:
            assert n <= 3, (key, n)  # fees, revenue, holders revenue: once each
    assert fake.max_in_flight > 1  # the requests really overlapped

    # The lag monitor sampled throughout, and every chart rendered off the loop's thread.
    assert len(result.lag) > 50
    assert result.renders > 0 and renders.calls > 0
    assert renders.on_loop_thread == 0, renders.threads


@pytest.mark.simcord(settle_timeout=60)
async def test_process_pool_renders_under_concurrency(simcord_env, fake):
    """The real 2-process pool (started from the driver, see install_process_pool)."""
    renderer = install_process_pool(simcord_env.bot, 2)
    result = await run_load(simcord_env, fake, users=10, guilds=2, commands=12, seed=3)
    assert not result.unanswered, result.unanswered
    assert result.answers >= 10
    assert result.renders > 0
    assert renderer._pool is not None  # the pool never broke into the thread fallback
    assert not [e for e in result.errors if not isinstance(unwrap_all(e), LorenzError)]
