"""The live pipeline: protocol record → fetch → label → score → assemble → report.

Used by ``lorenz analyze PROTOCOL`` and by every bot command, so the bot's answers can be
reproduced in a terminal. The stages:

1. **fetch** (:func:`fetch`, here) — holders, fees and votes at once, into one
   :class:`Fetched`; a source that fails leaves its part empty and says so in ``missing``;
2. **label** (:func:`pipeline.labels.label_snapshot`);
3. **score** (:func:`pipeline.assemble.score_snapshot`);
4. **assemble** (:func:`pipeline.assemble.build_report`, which runs 2–3 too).

:func:`analyze_protocol` runs them, stages 2–4 in a worker thread so the event loop stays
free. Only when *nothing* could be fetched does it raise.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from core.errors import NotFound, SourceError, SourceUnavailable
from core.fees import FeeReport
from core.labels import Label
from core.protocol import ProtocolRecord
from core.report import Report, SourceRef
from core.votes import VoteReport
from pipeline.assemble import build_report
from pipeline.fees import fetch_fees
from pipeline.look_through import WrapperHolders, fetch_wrappers, wrapper_fact, wrappers_to_fetch
from pipeline.votes import fetch_votes
from sources.config import SourcesConfig
from sources.directory import Directory
from sources.holders import HolderSnapshot, fetch_holders
from sources.http import HttpClient

Progress = Callable[[str], None]
T = TypeVar("T")


@dataclass
class Services:
    """What the pipeline needs, opened once per process (CLI run or bot)."""

    cfg: SourcesConfig
    http: HttpClient
    directory: Directory
    user_labels: tuple[tuple[str, Label], ...] = ()


@dataclass(frozen=True, slots=True)
class Fetched:
    """What the fetch stage brought back.

    Attributes:
        holders, fees, votes: each part, or ``None`` when it is unknown, failed or was not
            asked for.
        missing: one line per part that is absent and why ("fee data: …"), holders first.
        sources: where each fetched part came from, and when.
        failures: the errors of the parts that failed (not of those that are unknown).
        wrappers: the holder lists of the wrappers among the holders that can be looked
            through (:mod:`pipeline.look_through`); one that failed carries its reason.
    """

    holders: HolderSnapshot | None = None
    fees: FeeReport | None = None
    votes: VoteReport | None = None
    missing: tuple[str, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    failures: tuple[SourceError, ...] = ()
    wrappers: tuple[WrapperHolders, ...] = ()

    @property
    def nothing(self) -> bool:
        """No part at all was fetched."""
        return self.holders is None and self.fees is None and self.votes is None


@dataclass(frozen=True, slots=True)
class _Part(Generic[T]):
    """One part of :class:`Fetched`: its value, or why it is missing (and the error)."""

    value: T | None = None
    missing: str = ""
    source: SourceRef | None = None
    failure: SourceError | None = None


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _quiet(_message: str) -> None:
    """The default progress callback: say nothing."""


async def _fetch_holders(services: Services, record: ProtocolRecord, limit: int | None,
                         say: Progress) -> _Part[HolderSnapshot]:
    if not record.token_address:
        return _Part(missing=f"holder data: no governance token known for {record.name}")
    chain = record.chain or "ethereum"
    say(f"fetching top holders of {record.symbol or record.token_address} on {chain}…")
    try:
        snap = await fetch_holders(services.http, services.cfg, chain, record.token_address,
                                   limit)
    except SourceError as exc:
        return _Part(missing=f"holder data: {exc}", failure=exc)
    what = "holders, supply" + (", labels" if snap.live_labels else "")
    return _Part(snap, source=SourceRef(what, snap.source, snap.fetched_at))


async def _fetch_wrappers(services: Services, record: ProtocolRecord,
                          holders: _Part[HolderSnapshot],
                          say: Progress) -> tuple[WrapperHolders, ...]:
    """The holder lists of the wrappers among the fetched holders that can be looked
    through (none when the holders are missing); failures are carried, never raised."""
    snap = holders.value
    if snap is None or not record.token_address:
        return ()
    chain = record.chain or "ethereum"
    wanted = wrappers_to_fetch(chain, record.token_address, snap.addresses, snap.balances)
    if not wanted:
        return ()
    say(f"fetching the holders of {len(wanted)} wrapper(s) to look through…")
    return await fetch_wrappers(services.http, services.cfg, chain, record.token_address,
                                snap)


async def _fetch_holders_and_wrappers(
    services: Services, record: ProtocolRecord, limit: int | None, say: Progress,
) -> tuple[_Part[HolderSnapshot], tuple[WrapperHolders, ...]]:
    """The token's holders, then the holder lists of the wrappers among them."""
    holders = await _fetch_holders(services, record, limit, say)
    return holders, await _fetch_wrappers(services, record, holders, say)


def _wrapper_sources(chain: str, wrappers: tuple[WrapperHolders, ...]) -> tuple[SourceRef, ...]:
    """Where each fetched wrapper's holder list came from, and when."""
    refs = []
    for w in wrappers:
        if not w.failure:
            fact = wrapper_fact(w.address, chain)
            name = fact.label if fact is not None else w.address
            refs.append(SourceRef(f"holders of wrapper {name}", w.source, w.as_of))
    return tuple(refs)


async def _fetch_fees(services: Services, record: ProtocolRecord,
                      say: Progress) -> _Part[FeeReport]:
    if not record.slug:
        return _Part(missing=f"fee data: DefiLlama does not list fees for {record.name}")
    say(f"fetching fees of {record.slug} from DefiLlama…")
    try:
        fees = await fetch_fees(services.http, services.cfg, record.slug,
                                record.category or None)
    except NotFound as exc:  # "not tracked by DefiLlama": an answer, not a failure
        return _Part(missing=f"fee data: {exc}")
    except SourceError as exc:
        return _Part(missing=f"fee data: {exc}", failure=exc)
    # "as of" the day the fee series ends (the 30-day window's last day), not today
    return _Part(fees, source=SourceRef(_fee_dimensions(fees), "DefiLlama",
                                        fees.window_end or _now_iso()))


def _fee_dimensions(fees: FeeReport) -> str:
    """The fee dimensions DefiLlama actually reported ("fees, revenue"…), for the citation."""
    split = fees.split_30d
    parts = [name for name, value in (("fees", split.fees), ("revenue", split.revenue),
                                      ("holders revenue", split.holders_revenue))
             if value is not None]
    return ", ".join(parts) or "fees (no 30-day total)"


async def _fetch_votes(services: Services, record: ProtocolRecord, wanted: bool,
                       say: Progress) -> _Part[VoteReport]:
    if not wanted:
        return _Part()
    if not record.snapshot_spaces:
        governs = (f" (governs on-chain: {record.onchain_governance})"
                   if record.onchain_governance else "")
        return _Part(missing=f"votes: no Snapshot space known for {record.name}{governs}")
    say(f"fetching Snapshot votes of {', '.join(record.snapshot_spaces)}…")
    try:
        report = await fetch_votes(services.http, services.cfg, record.snapshot_spaces,
                                   onchain_governance=record.onchain_governance,
                                   name=record.name)
    except SourceError as exc:
        return _Part(missing=f"votes: {exc}", failure=exc)
    ends = [p.end for p in report.proposals if p.end > 0]
    as_of = (dt.datetime.fromtimestamp(max(ends), dt.UTC).date().isoformat() if ends
             else _now_iso())  # the last scored proposal's close, not today
    return _Part(report, source=SourceRef("voting power", f"Snapshot {report.space}",
                                          as_of))


async def fetch(
    services: Services,
    record: ProtocolRecord,
    *,
    holders_limit: int | None = None,
    votes: bool = True,
    say: Progress = _quiet,
) -> Fetched:
    """The fetch stage: holders, fees and (when ``votes``) Snapshot votes, all at once.

    A part the record gives no way to fetch (no token, no DefiLlama slug, no Snapshot
    space) or whose source fails is ``None`` with a line in ``missing``; a failure is kept
    in ``failures`` too. After the holders, the holder lists of the wrappers among them
    that can be looked through (:func:`pipeline.look_through.fetch_wrappers`; a wrapper
    that fails is named in the report, not in ``missing``). Never raises a
    :class:`SourceError`.
    """
    (holders, wrappers), fees, vote_part = await asyncio.gather(
        _fetch_holders_and_wrappers(services, record, holders_limit, say),
        _fetch_fees(services, record, say),
        _fetch_votes(services, record, votes, say),
    )
    return Fetched(
        holders=holders.value, fees=fees.value, votes=vote_part.value,
        missing=tuple(m for m in (holders.missing, fees.missing, vote_part.missing) if m),
        sources=(*(s for s in (holders.source, fees.source, vote_part.source) if s),
                 *_wrapper_sources(record.chain or "ethereum", wrappers)),
        failures=tuple(f for f in (holders.failure, fees.failure, vote_part.failure) if f),
        wrappers=wrappers,
    )


def _names(items: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def raise_if_nothing(fetched: Fetched) -> None:
    """Raise when no part was fetched because sources failed (not merely because none is
    known): :class:`SourceUnavailable` naming every provider that could not be reached
    (Ethplorer included when the holder fallback was tried) when all were unreachable, else
    the first failure."""
    if not fetched.nothing or not fetched.failures:
        return
    failures = fetched.failures
    names = list(dict.fromkeys(n for f in failures for n in f.sources))
    if all(isinstance(f, SourceUnavailable) for f in failures):
        offline = all(getattr(f, "unreachable", False) for f in failures)
        raise SourceUnavailable(
            f"Could not reach {_names(names) if names else 'the data APIs'} — no data "
            "fetched" + (" (no connection)." if offline else "."),
            failures[0].host, tuple(names), unreachable=offline)
    raise failures[0]


async def analyze_protocol(
    services: Services,
    record: ProtocolRecord,
    *,
    holders_limit: int | None = None,
    votes: bool = True,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Report:
    """Run the whole pipeline for ``record``: fetch, then label → score → assemble.

    ``timings``, when given, receives the seconds spent per stage (``fetch``, ``score``;
    the latter covers labelling and assembling too).

    Raises:
        SourceUnavailable: when no part at all could be fetched (naming the hosts).
        SourceError: the first failure, when nothing was fetched for other reasons.
    """
    say = progress or _quiet
    stage_times = timings if timings is not None else {}
    started = time.perf_counter()
    fetched = await fetch(services, record, holders_limit=holders_limit, votes=votes, say=say)
    stage_times["fetch"] = time.perf_counter() - started
    raise_if_nothing(fetched)
    say("scoring…")
    started = time.perf_counter()
    report = await asyncio.to_thread(build_report, record, fetched.holders, fetched.fees,
                                     fetched.votes, fetched.missing, fetched.sources,
                                     services.user_labels, fetched.wrappers)
    stage_times["score"] = time.perf_counter() - started
    return report
