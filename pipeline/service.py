"""The analysis service the bot's commands share: bounded, cached, coalesced, off the loop.

* At most ``max_concurrent`` analyses run at once; the rest wait their turn (a semaphore).
* Identical questions asked at the same time run once (in-flight coalescing); a question
  for some parts (``/fees``: fees only) is answered by a fresh or running analysis of all
  parts when there is one.
* Answers are kept for ``fresh_ttl`` seconds (served again without fetching), and the last
  good answer per protocol is kept (at most ``keep_last`` of them, none older than
  ``keep_for`` seconds, a day by default) so that when an upstream API is down the bot can
  still show it, marked with its age.
* With a store (:mod:`store`), every new answer with holder figures is kept as a snapshot
  (one per protocol per hour, the latest wins) and carries its trends against earlier
  snapshots (:mod:`pipeline.trends`); a store that fails is logged, never fails an answer.
* Charts render in a small process pool (matplotlib holds the GIL while drawing and is not
  thread-safe — DESIGN.md §3.6); with ``processes=0`` they render in a worker thread.

No discord import here: the Discord layer (:mod:`commands.concentration`) calls this.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import cachetools

from core.errors import SourceError, public_text
from core.governance import GovernanceReport
from core.protocol import ProtocolRecord
from core.report import Report
from core.votes import VoteReport
from pipeline.analyze import PARTS, Services, analyze_protocol
from pipeline.snapshots import protocol_key, snapshot_of
from pipeline.trends import Trend, trends_for
from sources.inflight import InFlight
from store.repo import Store

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Answer:
    """A report, its chart (PNG bytes or None) and when it was made (unix seconds)."""

    report: Report
    png: bytes | None
    created: float
    stale_reason: str = ""
    timings: tuple[tuple[str, float], ...] = ()  # (stage, seconds): fetch, score, render
    trends: tuple[Trend, ...] = ()  # against stored snapshots 7/30/90 days back

    def age_seconds(self, now: float | None = None) -> float:
        """Seconds since the answer was made."""
        return (time.time() if now is None else now) - self.created


class Renderer:
    """Runs chart functions off the event loop: a warm process pool, or a thread.

    Functions must be importable at module level and take picklable data.
    """

    def __init__(self, processes: int = 2) -> None:
        self.processes = processes
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        if processes > 0:
            methods = multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("forkserver" if "forkserver" in methods
                                              else "spawn")
            self._pool = concurrent.futures.ProcessPoolExecutor(processes, mp_context=ctx,
                                                                initializer=_warm)

    def __repr__(self) -> str:
        return f"<Renderer processes={self.processes}>"

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """``fn(*args)`` in the pool (or a thread); the loop stays free."""
        if self._pool is None:
            return await asyncio.to_thread(fn, *args)
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._pool, fn, *args)
        except concurrent.futures.BrokenExecutor:
            log.warning("render pool broke; rendering in a thread instead")
            self._pool = None
            return await asyncio.to_thread(fn, *args)

    def warm_up(self) -> None:
        """Start the worker processes now (each runs :func:`_warm`) instead of on first use."""
        if self._pool is not None:
            for _ in range(self.processes):
                self._pool.submit(int)  # any trivial task makes the pool spawn a worker

    def shutdown(self) -> None:
        """Stop the pool (pending renders are cancelled)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None


def _warm() -> None:
    """Pool initializer: import matplotlib and fill the font caches once per worker."""
    from charts.render import warm_up

    warm_up()


def render_report(report: Report) -> bytes | None:
    """Report chart PNG (with the delegates panel when the report has on-chain delegates),
    or None when there is nothing to draw (top level: picklable)."""
    from charts.render import render_report_png

    if report.holders is None and report.fees is None and report.governance is None:
        return None
    return render_report_png(report)


def render_view(report: Report, view: str) -> bytes | None:
    """Report chart whose top-holder bars show ``view`` (``/holders``: no delegates panel,
    whichever answer it reuses), or None without holders (top level: picklable)."""
    from charts.render import render_report_png

    if report.holders is None:
        return None
    return render_report_png(report, view, delegates=False)


def render_comparison(reports: list[Report]) -> bytes:
    """Comparison chart PNG (top level: picklable; matplotlib is imported in the worker)."""
    from charts.render import render_comparison_png

    return render_comparison_png(reports)


def render_delegates(governance: GovernanceReport) -> bytes:
    """Delegates-vs-quorum chart PNG (top level: picklable; matplotlib in the worker)."""
    from charts.delegates import render_delegates_png

    return render_delegates_png(governance)


def render_votes(votes: VoteReport, name: str, symbol: str) -> bytes:
    """Voting-power chart PNG (top level: picklable; matplotlib is imported in the worker)."""
    from charts.render import render_votes_png

    return render_votes_png(votes, name, symbol)


class AnalysisService:
    """Bounded, cached and coalesced analyses for the bot."""

    def __init__(
        self,
        services: Services,
        renderer: Renderer,
        *,
        max_concurrent: int = 4,
        fresh_ttl: float = 600.0,
        keep_last: int = 256,
        keep_for: float = 24 * 3600.0,
        holders_limit: int | None = None,
        store: Store | None = None,
    ) -> None:
        self.services = services
        self.renderer = renderer
        self.store = store
        self.holders_limit = holders_limit
        self._slots = asyncio.Semaphore(max(1, max_concurrent))
        self._fresh: cachetools.TTLCache[str, Answer] = cachetools.TTLCache(
            maxsize=keep_last, ttl=fresh_ttl)
        # Bounded by count and by age: an answer older than a day is no longer shown.
        self._last_good: cachetools.TTLCache[str, Answer] = cachetools.TTLCache(
            maxsize=keep_last, ttl=keep_for)
        self._inflight: InFlight[Answer] = InFlight()
        # Comparison and voting charts, by the answers they draw (see :meth:`render`).
        self._charts: cachetools.TTLCache[str, Any] = cachetools.TTLCache(
            maxsize=keep_last, ttl=fresh_ttl)
        self._charts_inflight: InFlight[Any] = InFlight()
        self.runs = 0
        self.cache_hits = 0
        self.chart_hits = 0

    @property
    def coalesced(self) -> int:
        """Analyses answered by joining an identical one already running."""
        return self._inflight.joined

    def __repr__(self) -> str:
        return (f"<AnalysisService runs={self.runs} coalesced={self.coalesced} "
                f"cache_hits={self.cache_hits}>")

    def _key(self, record: ProtocolRecord, parts: tuple[str, ...], chart: bool) -> str:
        return f"{record.slug or record.name}|{self.holders_limit}|{chart}|{','.join(parts)}"

    def _keys(self, record: ProtocolRecord, parts: tuple[str, ...], chart: bool) -> list[str]:
        """Keys whose answer also answers ``parts`` (with a chart when ``chart``): the exact
        one first, then the same parts with a chart, then every part."""
        keys = [self._key(record, parts, chart), self._key(record, parts, True),
                self._key(record, PARTS, chart), self._key(record, PARTS, True)]
        return list(dict.fromkeys(keys))

    def is_free(self, record: ProtocolRecord, *, chart: bool = True,
                parts: tuple[str, ...] = PARTS) -> bool:
        """Whether :meth:`answer` would cost no work now: a fresh answer is kept, or an
        analysis that answers it is running (it would be joined). Cooldowns charge only
        for work, so the bot asks this before charging."""
        parts = _ordered(parts)
        return any(k in self._fresh or k in self._inflight
                   for k in self._keys(record, parts, chart))

    async def answer(self, record: ProtocolRecord, *, chart: bool = True,
                     parts: tuple[str, ...] = PARTS) -> Answer:
        """The answer for ``record``'s ``parts``: fresh cache, in-flight run (of these
        parts or of all), or a new bounded run (see :meth:`begin`).

        Raises:
            SourceError: when the upstream APIs failed and no earlier answer is kept; when
                one is kept it is returned with ``stale_reason`` set instead.
        """
        return await self.begin(record, chart=chart, parts=parts)

    def begin(self, record: ProtocolRecord, *, chart: bool = True,
              parts: tuple[str, ...] = PARTS) -> asyncio.Future[Answer]:
        """:meth:`answer` started now: a fresh answer (done at once), a running analysis
        that answers it (joined), or a new run registered before this returns — so a
        question asked right after joins it and :meth:`is_free` says so. Needs a running
        loop; cancelling the future does not cancel the shared run."""
        parts = _ordered(parts)
        keys = self._keys(record, parts, chart)
        for key in keys:
            cached = self._fresh.get(key)
            if cached is not None:
                self.cache_hits += 1
                done: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
                done.set_result(cached)
                return done
        # join a running analysis that answers this one, else start one for these parts
        key = next((k for k in keys[1:] if k in self._inflight), keys[0])
        return self._inflight.share(key, lambda: self._run(key, record, chart, parts))

    async def _run(self, key: str, record: ProtocolRecord, chart: bool,
                   parts: tuple[str, ...]) -> Answer:
        async with self._slots:
            self.runs += 1
            stages: dict[str, float] = {}
            try:
                report = await analyze_protocol(self.services, record,
                                                holders_limit=self.holders_limit,
                                                parts=parts, timings=stages)
            except SourceError as exc:
                last = self._last_good.get(key)
                if last is None:
                    stored = await self._stored_figures(record)
                    if stored:
                        raise SourceError(f"{public_text(exc)} {stored}", exc.host,
                                          exc.sources) from None
                    raise
                return Answer(last.report, last.png, last.created,
                              stale_reason=public_text(exc))
            last = self._last_good.get(key)
            if report.views is None and last is not None and last.report.views is not None:
                # The holder source is down now: the earlier full answer says more than a
                # report without a verdict. Show it, marked with its age (not cached fresh).
                reason = "; ".join(report.missing) or "holder data unavailable"
                return Answer(last.report, last.png, last.created, stale_reason=reason)
            analysed = time.perf_counter()
            # the store works while the chart renders (both wait on other threads)
            memory = asyncio.create_task(self._remember(report))
            png = None
            try:
                if chart:
                    png = await self.renderer.run(render_report, report)
            finally:
                trends = await memory
            rendered = time.perf_counter()
        stages["render"] = rendered - analysed
        answer = Answer(report, png, time.time(), timings=tuple(stages.items()),
                        trends=trends)
        self._fresh[key] = answer
        if report.verdict is not None or (last is None and report.fees is not None):
            self._last_good[key] = answer  # never replace a verdict with a partial answer
        return answer

    async def _stored_figures(self, record: ProtocolRecord) -> str:
        """The last stored snapshot's headline figures as a sentence (with its time and
        source), for an outage when no answer is kept in memory (e.g. after a restart);
        "" without a store or a snapshot."""
        if self.store is None:
            return ""
        try:
            snap = await self.store.latest(protocol_key(record), members=False)
        except Exception as exc:  # the store is memory, not the answer
            log.warning("could not read the last snapshot (%s)", type(exc).__name__)
            return ""
        if snap is None:
            return ""
        d = snap.data
        top10 = "n/a" if d.top10_share is None else f"{d.top10_share * 100:.1f}%"
        naka = "n/a" if d.nakamoto is None else str(d.nakamoto)
        verdict = f"verdict {d.verdict_level}" if d.verdict_level else "no verdict"
        return (f"Last stored figures (holders from {d.source or 'an unknown source'} as of "
                f"{d.as_of:%Y-%m-%d %H:%M} UTC): {d.basis_view} view top 10 {top10}, "
                f"Nakamoto {naka}, {verdict}.")

    async def _remember(self, report: Report) -> tuple[Trend, ...]:
        """Store ``report`` as a reply snapshot and return its trends (none without a
        store or holder figures; a failing store is logged and costs only the trends)."""
        snap = snapshot_of(report, "reply")
        if self.store is None or snap is None:
            return ()
        try:
            stored = await self.store.add_snapshot(snap)
            return await trends_for(self.store, snap, exclude=stored.id)
        except Exception as exc:  # the store is memory, not the answer
            log.warning("could not store the snapshot of %s (%s)", snap.protocol,
                        type(exc).__name__, exc_info=log.isEnabledFor(logging.DEBUG))
            return ()

    async def render(self, fn: Callable[..., T], *args: Any, key: str | None = None) -> T:
        """Run another chart function (comparison, votes) off the loop.

        With ``key`` (naming what is drawn, e.g. the answers' protocols and creation times),
        the result is kept for ``fresh_ttl`` seconds (at most ``keep_last`` charts) and
        identical renders in flight run once: twenty /votes for one protocol draw one chart.
        """
        if key is None:
            return await self.renderer.run(fn, *args)
        if key in self._charts:
            self.chart_hits += 1
            return self._charts[key]
        if key in self._charts_inflight:
            self.chart_hits += 1

        async def draw() -> Any:
            png = await self.renderer.run(fn, *args)
            self._charts[key] = png
            return png

        return await self._charts_inflight.run(key, draw)


def _ordered(parts: tuple[str, ...] | frozenset[str] | list[str]) -> tuple[str, ...]:
    """``parts`` in :data:`pipeline.analyze.PARTS` order, each once.

    Raises:
        ValueError: for a name that is not a part.
    """
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}")
    return tuple(p for p in PARTS if p in parts)


def answer_key(answer: Answer, name: str) -> str:
    """A key for charts drawn from ``answer`` of protocol ``name`` (see
    :meth:`AnalysisService.render`): a new analysis makes a new key."""
    return f"{name}@{answer.created!r}"
