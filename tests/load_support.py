"""Load-test support shared by ``tests/test_load.py`` and ``benchmarks/load.py``.

How concurrency is driven through simcord
-----------------------------------------
simcord's actor verbs (``member.slash`` …) are *guarded* operations: a second verb started
from another task while one is running raises ``SetupError("operation overlaps …")``, and
every verb ends by *settling* — waiting until all the bot's work is done. So
``asyncio.gather(*(m.slash(...) for m in members))`` is refused, and awaiting verbs one by
one measures a bot that never has two commands at once.

:func:`fire_slash` therefore runs the real verb (command lookup, visibility, option
building, the INTERACTION_CREATE payload) with the per-verb settlement switched off for
that one call; the verb has no other suspension point, so nothing else runs while it is
off. The bot starts handling the interaction at once; the driver yields one loop turn (as
if the next gateway event arrived on the websocket) and fires the next one. It then waits
for every reply (:class:`ReplyClock`) rather than in ``env.settle()``, whose loop inspects
every pending bot task each turn (~40 ms of loop time per turn with a couple of hundred
commands in flight: that would be measured as the bot's event-loop lag); one
``await env.settle(timeout=…)`` at the end joins the bot's remaining work.

A render process pool cannot start from bot-owned code under simcord (the worker start
spins on simcord's frozen ``time.monotonic``), so :func:`install_process_pool` starts it
from the driver and hands it to the running bot.

Upstream delays must be real time under simcord
-----------------------------------------------
``asyncio.sleep`` inside bot-owned work (the httpx ``MockTransport`` handler runs inside the
bot's tasks) is a *virtual* timer: simcord fires it by moving its virtual clock, which it
only does once every other bot task is parked. A task waiting on an ``asyncio.Semaphore``
(the analysis service's slots) or a ``Lock`` is not "parked" in simcord's sense, so with
more commands than slots the clock never moves and settlement times out (measured: 12
concurrent /concentration commands with ``FakeUpstream.delay`` → "bot did not settle …
AnalysisService._run: unknown wait (Future)" after the full settle timeout, virtual clock
stuck at 0.11 s). :class:`LoadUpstream` instead delays each response with a timer on the
event loop's own (real) clock, which simcord does not track: the bot just sees a slow
upstream, as it would in production, and the delays are in real milliseconds.

Measurements
------------
* :class:`ReplyClock` timestamps (``time.perf_counter``) every REST call the bot makes per
  interaction token: the first callback (acknowledgement, e.g. the defer) and the first
  message (reply or error). Reply time = that message's time minus the time the command
  was fired.
* :class:`LagMonitor` is a task started from the driver (outside the bot, so its
  ``asyncio.sleep(0.01)`` is a real timer) that records how late each wake-up is.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import random
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.fake_upstream import FakeUpstream, Token, dune_holders, synthetic_holders

#: The loop's real clock, taken before any simcord environment patches ``time.monotonic``
#: (simcord substitutes its virtual time inside bot-owned code).
REAL_MONOTONIC: Callable[[], float] = time.monotonic

LDO = "0x5a98fcbea516cf06857215779fd812ca3bef1b32"
MKR = "0x9f8f72aa9304c8b593d555f12ef6589cc3a579a2"

PROTOCOLS: tuple[str, ...] = ("uniswap", "aave", "compound", "curve", "lido", "maker")
#: Names users get wrong: the first two resolve by fuzzy matching, the rest are unknown.
TYPOS: tuple[str, ...] = ("uniswp", "compund", "notaprotocol", "zzyzx finance", "qwertyswap")


async def real_sleep(seconds: float) -> None:
    """Sleep ``seconds`` of real time, on a loop timer simcord does not virtualise."""
    loop = asyncio.get_running_loop()
    done = loop.create_future()

    def wake() -> None:
        if not done.done():
            done.set_result(None)

    # BaseEventLoop.call_at pushes a plain TimerHandle on the loop's heap; simcord only
    # wraps the loop *instance's* call_at/call_later.
    handle = asyncio.BaseEventLoop.call_at(loop, REAL_MONOTONIC() + seconds, wake)
    try:
        await done
    finally:
        handle.cancel()


@dataclass
class LoadUpstream(FakeUpstream):
    """:class:`FakeUpstream` with real-time response delays, LDO and MKR, and counters.

    ``real_delay`` is the uniform range (seconds) of every response's delay; ``delay`` (the
    base class's virtual-time delay) stays at 0 — see the module docstring for why.
    """

    real_delay: tuple[float, float] = (0.05, 0.5)
    in_flight: int = 0
    max_in_flight: int = 0
    delays: list[float] = field(default_factory=list)

    @classmethod
    def for_load(cls, real_delay: tuple[float, float] = (0.05, 0.5),
                 seed: int = 1) -> LoadUpstream:
        """The default tokens plus Lido (LDO) and Maker (MKR, the real list when present)."""
        base = FakeUpstream.default()
        fake = cls(tokens=dict(base.tokens), real_delay=real_delay, rng=random.Random(seed))
        fake.tokens[LDO] = Token(LDO, "LDO", "Lido DAO Token", synthetic_holders(100, 11),
                                 1e9, 40_000)
        mkr = dune_holders("mkr") or synthetic_holders(90, 13)
        fake.tokens[MKR] = Token(MKR, "MKR", "Maker", mkr, 870_000, 95_000)
        return fake

    async def handler(self, request: httpx.Request) -> httpx.Response:
        """Wait a random real delay, then answer like :class:`FakeUpstream`."""
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if self.real_delay[1] > 0:
                wait = self.rng.uniform(*self.real_delay)
                started = time.perf_counter()
                await real_sleep(wait)
                self.delays.append(time.perf_counter() - started)
            return await super().handler(request)
        finally:
            self.in_flight -= 1

    def per_endpoint(self) -> dict[str, int]:
        """Requests per endpoint kind (paths with a token address or slug folded)."""
        out: Counter[str] = Counter()
        for key, n in self.calls.items():
            out[endpoint_kind(key)] += n
        return dict(out)


def endpoint_kind(key: str) -> str:
    """``eth.blockscout.com/api/v2/tokens/0x…/holders`` → ``blockscout holders`` etc."""
    if "blockscout.com" in key:
        return "blockscout holders" if key.endswith("/holders") else "blockscout token"
    if "/summary/fees/" in key:
        return "llama summary/fees"
    if "/overview/fees" in key:
        return "llama overview/fees"
    if key.endswith("/protocols"):
        return "llama protocols"
    if "snapshot.org" in key:
        return "snapshot " + key.rsplit(" ", 1)[-1]
    return key


# --------------------------------------------------------------------------- the driver


async def _no_settle(*_args: Any, **_kwargs: Any) -> None:
    return None


async def fire_slash(env: Any, member: Any, channel: Any, name: str, **options: Any) -> Any:
    """Send a slash command through the real simcord verb without waiting for the bot.

    Returns the verb's ``InteractionResult`` at once (its response fills in later). The
    verb's only suspension point is the settlement this switches off, so no other task can
    run while it is off.
    """
    env._settle_internal = _no_settle
    try:
        return await member.slash(channel, name, **options)
    finally:
        del env._settle_internal


@dataclass(eq=False)
class Command:
    """One planned command: who sends it, where, what; filled in as it runs."""

    member: Any
    channel: Any
    name: str
    options: dict[str, Any]
    fired: float = 0.0
    token: str = ""
    result: Any = None
    ack_seconds: float | None = None  # fired → first callback (defer or message)
    reply_seconds: float | None = None  # fired → the reply or error message
    outcome: str = ""  # answer / error / none (see :func:`classify`)

    @property
    def label(self) -> str:
        """``/concentration uniswap`` style label."""
        return f"/{self.name} " + " ".join(str(v) for v in self.options.values())


def plan_commands(members: Sequence[Any], channels: dict[int, Any], n: int,
                  seed: int = 7) -> list[Command]:
    """``n`` commands from ``members`` (round robin), a realistic mix.

    About half /concentration over :data:`PROTOCOLS`, then /holders, /fees, /votes,
    /compare, and one in twelve a name from :data:`TYPOS`.
    """
    rng = random.Random(seed)
    out: list[Command] = []
    kinds = (["concentration"] * 10 + ["holders"] * 3 + ["fees"] * 3 + ["votes"] * 3
             + ["compare"] * 3)
    for i in range(n):
        member = members[i % len(members)]
        channel = channels[member.guild.id]
        kind = rng.choice(kinds)
        protocol = rng.choice(TYPOS) if i % 12 == 5 else rng.choice(PROTOCOLS)
        if kind == "compare":
            first, second = rng.sample(PROTOCOLS, 2)
            options: dict[str, Any] = {"first": first, "second": second}
        elif kind == "holders":
            options = {"protocol": protocol, "view": rng.choice(["owners", "raw"])}
        else:
            options = {"protocol": protocol}
        out.append(Command(member, channel, kind, options))
    return out


class ReplyClock:
    """Real-time stamps of the bot's REST calls per interaction token.

    Wraps simcord's request log (``env.http_requests`` is the backend's list) so every
    appended entry is stamped with ``time.perf_counter()`` as the bot makes the call.
    """

    def __init__(self, env: Any) -> None:
        self.acked: dict[str, float] = {}
        self.replied: dict[str, float] = {}
        self.expected: set[str] = set()
        self._all_replied = asyncio.Event()
        backend = env.backend
        clock = self

        class _Log(list[Any]):
            def append(self, entry: Any) -> None:
                super().append(entry)
                clock._seen(entry)

        backend.http_requests = _Log(backend.http_requests)

    def _seen(self, entry: Any) -> None:
        now = time.perf_counter()
        parts = entry.path.strip("/").split("/")
        if len(parts) >= 4 and parts[0] == "interactions" and parts[3] == "callback":
            token = parts[2]
            self.acked.setdefault(token, now)
            body = entry.json if isinstance(entry.json, dict) else {}
            if body.get("type") == 4:  # a message right away (typo, cooldown, /help)
                self.replied.setdefault(token, now)
        elif (len(parts) >= 3 and parts[0] == "webhooks"
              and entry.method in ("POST", "PATCH")):
            self.replied.setdefault(parts[2], now)
        if self.expected and self.expected <= self.replied.keys():
            self._all_replied.set()

    def expect(self, token: str) -> None:
        """Wait for a reply to the interaction with ``token`` in :meth:`wait`."""
        self.expected.add(token)
        self._all_replied.clear()

    async def wait(self, timeout: float) -> bool:
        """True once every expected interaction got its reply; False after ``timeout``."""
        if self.expected <= self.replied.keys():
            return True
        try:
            await asyncio.wait_for(self._all_replied.wait(), timeout)
        except TimeoutError:
            return False
        return True


class LagMonitor:
    """Samples event-loop lag: how late ``asyncio.sleep(interval)`` wakes, in real time.

    Start it from the driver (not from bot code) so its timer is a real one. ``busy`` (if
    given) is asked at every sample whether charts are rendering; those samples are also
    kept in :attr:`while_busy`.
    """

    def __init__(self, interval: float = 0.01, busy: Callable[[], bool] | None = None) -> None:
        self.interval = interval
        self.busy = busy
        self.samples: list[float] = []
        self.while_busy: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            started = time.perf_counter()
            rendering = self.busy is not None and self.busy()
            await asyncio.sleep(self.interval)
            lag = max(0.0, time.perf_counter() - started - self.interval)
            self.samples.append(lag)
            if rendering or (self.busy is not None and self.busy()):
                self.while_busy.append(lag)

    def start(self) -> None:
        """Begin sampling."""
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        """Stop sampling."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None


class RenderTracker:
    """Wraps a running bot's ``Renderer.run`` to count renders and how many are in flight."""

    def __init__(self, bot: Any) -> None:
        self.started = 0
        self.in_flight = 0
        self.max_in_flight = 0
        renderer = bot.analyses.renderer
        original = renderer.run
        tracker = self

        async def run(fn: Callable[..., Any], *args: Any) -> Any:
            tracker.started += 1
            tracker.in_flight += 1
            tracker.max_in_flight = max(tracker.max_in_flight, tracker.in_flight)
            try:
                return await original(fn, *args)
            finally:
                tracker.in_flight -= 1

        renderer.run = run

    def busy(self) -> bool:
        """True while at least one chart is rendering."""
        return self.in_flight > 0


@dataclass
class RenderWatch:
    """Counts chart renders and where they ran (set up with :func:`watch_renders`)."""

    calls: int = 0
    on_loop_thread: int = 0
    threads: set[str] = field(default_factory=set)


@contextlib.contextmanager
def watch_renders(loop_thread: threading.Thread | None = None) -> Iterator[RenderWatch]:
    """Wrap the three chart functions (thread rendering only: a worker process would
    import the unwrapped module) to record the thread each render runs on."""
    import charts.render as render

    watch = RenderWatch()
    loop_thread = loop_thread or threading.current_thread()
    names = ("render_report_png", "render_comparison_png", "render_votes_png")
    originals = {name: getattr(render, name) for name in names}

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            watch.calls += 1
            current = threading.current_thread()
            watch.threads.add(current.name)
            if current is loop_thread:
                watch.on_loop_thread += 1
            return fn(*args, **kwargs)
        return wrapped

    for name, fn in originals.items():
        setattr(render, name, wrap(fn))
    try:
        yield watch
    finally:
        for name, fn in originals.items():
            setattr(render, name, fn)


def install_process_pool(bot: Any, processes: int) -> Any:
    """Give a running bot a render pool whose worker processes are all started already.

    Call from the driver, after simcord started the bot with ``render_processes=0``.
    Starting a worker process from bot-owned code hangs under simcord: the new process'
    start polls the previous children with ``multiprocessing.connection.wait(timeout=0)``,
    whose deadline arithmetic uses ``time.monotonic`` — simcord's frozen virtual clock
    inside bot code — so the poll never times out. Started here (real clock), all
    ``processes`` workers exist before the first render and the pool never spawns again.
    """
    import concurrent.futures as cf

    from pipeline.service import Renderer

    renderer = Renderer(processes)
    pool = renderer._pool
    assert pool is not None
    cf.wait([pool.submit(int) for _ in range(processes)])  # workers run their initializer
    for _ in range(10):  # a worker may finish before the next submit: keep them busy
        if len(pool._processes) >= processes:
            break
        cf.wait([pool.submit(time.sleep, 0.2) for _ in range(processes)])
    old = bot.collaborators.renderer
    bot.collaborators.renderer = renderer  # closed with the bot
    bot.analyses.renderer = renderer
    old.shutdown()
    return renderer


# --------------------------------------------------------------------------- one run


@dataclass
class LoadResult:
    """What one load run measured (times in seconds)."""

    commands: list[Command]
    answers: int
    clear_errors: int
    unanswered: list[str]
    reply_times: list[float]
    ack_times: list[float]
    lag: list[float]
    lag_while_rendering: list[float]
    renders: int
    wall: float
    upstream: dict[str, int]
    analyses_runs: int
    analyses_coalesced: int
    analyses_cache_hits: int
    chart_hits: int
    http_sent: int
    http_coalesced: int
    errors: list[BaseException]
    kinds: Counter[str] = field(default_factory=Counter)


def classify(command: Command) -> str:
    """``answer`` (an embed), ``error`` (a sentence: typo, cooldown, upstream) or ``none``."""
    result = command.result
    message = result.response if result is not None else None
    if message is None:
        return "none"
    followups = result.followups
    final = followups[-1] if followups else message
    if final.embeds:
        return "answer"
    if final.content and final.content.strip():
        return "error"
    return "none"


async def run_load(env: Any, fake: LoadUpstream, *, users: int, guilds: int, commands: int,
                   wave: int = 0, wave_gap: float = 0.0, settle_timeout: float = 300.0,
                   seed: int = 7) -> LoadResult:
    """Fire ``commands`` slash commands from ``users`` members in ``guilds`` guilds.

    ``wave`` > 0 fires that many at a time with ``wave_gap`` real seconds between waves
    (without waiting for answers); 0 fires them all at once. Returns when the bot has
    settled.
    """
    channels: dict[int, Any] = {}
    members: list[Any] = []
    handles = [env.create_guild(name=f"guild {g}") for g in range(guilds)]
    for guild in handles:
        channels[guild.id] = guild.create_text_channel("general")
    for u in range(users):
        guild = handles[u % guilds]
        members.append(guild.add_member(env.create_user(f"user{u}")))
    await env.bot.tree.sync()
    plan = plan_commands(members, channels, commands, seed=seed)
    clock = ReplyClock(env)
    renders = RenderTracker(env.bot)
    lag = LagMonitor(busy=renders.busy)
    lag.start()
    await asyncio.sleep(0.05)  # a few idle samples first
    started = time.perf_counter()
    size = wave or len(plan)
    for offset in range(0, len(plan), size):
        for command in plan[offset:offset + size]:
            command.fired = time.perf_counter()
            command.result = await fire_slash(env, command.member, command.channel,
                                              command.name, **command.options)
            command.token = command.result._interaction.token
            clock.expect(command.token)
            await asyncio.sleep(0)  # one gateway event per loop turn, as from a websocket
        if wave and offset + size < len(plan):
            await asyncio.sleep(wave_gap)
    # Wait for the replies themselves, not with env.settle(): simcord's settle loop
    # inspects every pending bot task each turn (~40 ms of the loop's time per turn with
    # a couple of hundred commands in flight), which would show up as event-loop lag.
    await clock.wait(settle_timeout)
    wall = time.perf_counter() - started
    await lag.stop()
    await env.settle(timeout=settle_timeout)  # the bot's remaining work, then the checks
    kinds: Counter[str] = Counter()
    unanswered: list[str] = []
    replies: list[float] = []
    acks: list[float] = []
    for command in plan:
        command.outcome = classify(command)
        kinds[command.outcome] += 1
        if command.outcome == "none":
            unanswered.append(command.label)
        if command.token in clock.replied:
            command.reply_seconds = clock.replied[command.token] - command.fired
            replies.append(command.reply_seconds)
        if command.token in clock.acked:
            command.ack_seconds = clock.acked[command.token] - command.fired
            acks.append(command.ack_seconds)
    bot = env.bot
    upstream = fake.per_endpoint()
    return LoadResult(
        commands=plan, answers=kinds["answer"], clear_errors=kinds["error"],
        unanswered=unanswered, reply_times=replies, ack_times=acks, lag=lag.samples,
        lag_while_rendering=lag.while_busy, renders=renders.started,
        wall=wall, upstream=upstream, analyses_runs=bot.analyses.runs,
        analyses_coalesced=bot.analyses.coalesced, analyses_cache_hits=bot.analyses.cache_hits,
        chart_hits=getattr(bot.analyses, "chart_hits", 0),
        http_sent=bot.collaborators.http.requests_sent,
        http_coalesced=bot.collaborators.http.coalesced,
        errors=list(env.errors), kinds=kinds,
    )


def unwrap_all(error: BaseException) -> BaseException:
    """The innermost ``.original`` of discord.py's wrappers."""
    for _ in range(5):
        inner = getattr(error, "original", None)
        if inner is None or inner is error:
            break
        error = inner
    return error


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by linear interpolation; NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median(values: Sequence[float]) -> float:
    """The median, NaN when empty."""
    return statistics.median(values) if values else float("nan")


def load_config(tmp_path: Path, *, render_processes: int, holders_limit: int = 1000,
                max_concurrent: int = 4) -> Any:
    """The test configuration with generous cooldowns (load, not rate limiting, is tested)."""
    from tests.bot_support import config_for_tests

    cfg = config_for_tests(tmp_path, user_rate=1000, guild_rate=10_000,
                      max_concurrent_analyses=max_concurrent)
    return dataclasses.replace(
        cfg, discord=dataclasses.replace(cfg.discord, render_processes=render_processes),
        sources=dataclasses.replace(cfg.sources, holders_limit=holders_limit))


def make_load_bot(fake: LoadUpstream, tmp_path: Path, *, render_processes: int,
                  holders_limit: int = 1000, max_concurrent: int = 4) -> Any:
    """The real bot wired to ``fake`` (rate limits lifted as in the other bot tests)."""
    from tests.bot_support import bot_behind

    return bot_behind(load_config(tmp_path, render_processes=render_processes,
                                  holders_limit=holders_limit, max_concurrent=max_concurrent),
                      fake.handler, tmp_path)
