"""The live pipeline: protocol record → fetch → label → score → assemble → report.

Used by ``lorenz analyze PROTOCOL`` and by every bot command, so the bot's answers can be
reproduced in a terminal. The stages:

1. **fetch** (:func:`fetch`, here) — the parts asked for (holders, fees, votes, on-chain
   governance; each command asks only for what it shows) at once, into one
   :class:`Fetched`; a part that is unknown or whose source fails is empty, and
   ``missing`` says so in words that name the protocol, the part and the provider — never
   a host or URL (those go to the DEBUG log);
2. **label** (:func:`pipeline.labels.label_snapshot`);
3. **score** (:func:`pipeline.assemble.score_snapshot`);
4. **assemble** (:func:`pipeline.assemble.build_report`, which runs 2–3 too).

:func:`analyze_protocol` runs them, stages 2–4 in a worker thread so the event loop stays
free.

**One rule for error vs partial answer** (:func:`raise_if_nothing`, the same for every
command and the CLI): when *none* of the parts asked for came back, the answer is one error
sentence naming the protocol and every part; when at least one did, it is a report whose
``missing`` names the others.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import partial
from typing import Generic, TypeVar

from core.errors import NotFound, SourceError, SourceUnavailable, public_text
from core.fees import FeeReport
from core.governance import GovernanceReport
from core.labels import Label
from core.protocol import ProtocolRecord
from core.report import Report, SourceRef
from core.votes import VoteReport
from pipeline.assemble import build_report
from pipeline.fees import fetch_fees
from pipeline.governance import DelegateScans, fetch_governance, governor_known
from pipeline.look_through import WrapperHolders, fetch_wrappers, wrapper_fact, wrappers_to_fetch
from pipeline.votes import fetch_votes
from sources.config import SourcesConfig
from sources.directory import Directory
from sources.holders import HolderSnapshot, fetch_holders
from sources.http import HttpClient, provider_of

log = logging.getLogger(__name__)

#: The parts of an answer, in the order they are fetched and named.
PARTS: tuple[str, ...] = ("holders", "fees", "votes", "governance")
#: How a part is named to users ("Aave — holder list: …").
PART_NAMES: dict[str, str] = {"holders": "holder list", "fees": "fees", "votes": "votes",
                              "governance": "on-chain delegates"}

Progress = Callable[[str], None]
T = TypeVar("T")


@dataclass
class Services:
    """What the pipeline needs, opened once per process (CLI run or bot)."""

    cfg: SourcesConfig
    http: HttpClient
    directory: Directory
    user_labels: tuple[tuple[str, Label], ...] = ()
    delegate_scans: DelegateScans = field(default_factory=DelegateScans)


@dataclass(frozen=True, slots=True)
class Fetched:
    """What the fetch stage brought back.

    Attributes:
        holders, fees, votes, governance: each part, or ``None`` when it is unknown,
            failed or was not asked for (governance: when the DAO has no on-chain governor).
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
    governance: GovernanceReport | None = None

    @property
    def nothing(self) -> bool:
        """No part at all was fetched."""
        return (self.holders is None and self.fees is None and self.votes is None
                and self.governance is None)


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


def provider_name(exc: SourceError) -> str:
    """The provider behind ``exc`` for users ("DefiLlama"): its first source, else the one
    its host belongs to (a source that names itself in ``host`` is taken as is), else ""."""
    if exc.sources:
        return exc.sources[0]
    if exc.host and "." not in exc.host:
        return exc.host
    provider = provider_of(exc.host) if exc.host else ""
    return "" if provider == "a data source" else provider


def failure_line(record: ProtocolRecord, part: str, exc: SourceError) -> str:
    """"Aave — holder list: Blockscout did not answer in time." — the protocol, the part and
    the provider's sentence without host or URL (the raw message is logged at DEBUG)."""
    log.debug("%s %s failed: %s (host %s)", record.name, part, exc, exc.host or "-")
    sentence = public_text(exc, provider_name(exc))
    return f"{record.name} — {PART_NAMES[part]}: {sentence}"


async def _fetch_holders(services: Services, record: ProtocolRecord, limit: int | None,
                         say: Progress) -> _Part[HolderSnapshot]:
    if not record.token_address:
        return _Part(missing=f"{record.name}: no governance token known, so no holder list")
    chain = record.chain or "ethereum"
    say(f"fetching top holders of {record.symbol or record.token_address} on {chain}…")
    try:
        snap = await fetch_holders(services.http, services.cfg, chain, record.token_address,
                                   limit)
    except NotFound as exc:
        log.debug("%s holders not found: %s (host %s)", record.name, exc, exc.host or "-")
        provider = exc.sources[0] if exc.sources else "the holder source"
        if "no such record" not in str(exc):  # the source says more than "404"
            return _Part(missing=f"{record.name}: {public_text(exc, provider)}", failure=exc)
        token = f" ({record.symbol})" if record.symbol else ""
        return _Part(missing=f"{record.name}: {provider} has no holder list for its "
                             f"token{token}", failure=exc)
    except SourceError as exc:
        return _Part(missing=failure_line(record, "holders", exc), failure=exc)
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


async def _fetch_governance(services: Services, record: ProtocolRecord,
                            holders: _Part[HolderSnapshot],
                            say: Progress) -> _Part[GovernanceReport]:
    """On-chain delegates and quorum (after the holders: their delegates are read). A DAO
    without an on-chain governor has no such part (empty, not missing)."""
    snap = holders.value
    say(f"reading on-chain delegates and quorum of {record.name}…")
    try:
        report = await fetch_governance(
            services.http, services.cfg, record, snap.addresses if snap else (),
            services.delegate_scans, user_labels=services.user_labels,
            live=snap.live_labels if snap else None)
    except LookupError as exc:
        return _Part(missing=f"{record.name}: {exc}, so no on-chain delegates")
    except SourceError as exc:
        return _Part(missing=failure_line(record, "governance", exc), failure=exc)
    if report is None:
        return _Part()
    return _Part(report, source=SourceRef("delegates, quorum", report.source, report.as_of))


async def _holders_wrappers_governance(
    services: Services, record: ProtocolRecord, limit: int | None, parts: Collection[str],
    say: Progress,
) -> tuple[_Part[HolderSnapshot], tuple[WrapperHolders, ...], _Part[GovernanceReport]]:
    """The token's holders, then together the holder lists of the wrappers among them and
    the on-chain governance reads (which read the top holders' delegates: the holders are
    fetched for them even when the holder part itself was not asked for)."""
    want_holders, want_gov = "holders" in parts, "governance" in parts
    if not want_holders and not (want_gov and governor_known(record)):
        return _Part(), (), _Part()
    holders = await _fetch_holders(services, record, limit, say)
    wrappers, gov = await asyncio.gather(
        _fetch_wrappers(services, record, holders, say) if want_holders else _no_wrappers(),
        _fetch_governance(services, record, holders, say) if want_gov else _skipped())
    if not want_holders:  # fetched only for the delegates: not a part of this answer
        holders = _Part()
    return holders, wrappers, gov


async def _no_wrappers() -> tuple[WrapperHolders, ...]:
    return ()


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
        return _Part(missing=f"{record.name}: DefiLlama does not list it, so no fees")
    say(f"fetching fees of {record.slug} from DefiLlama…")
    try:
        fees = await fetch_fees(services.http, services.cfg, record.slug,
                                record.category or None)
    except NotFound as exc:  # "not tracked by DefiLlama": an answer, not a failure
        log.debug("%s fees not found: %s", record.name, exc)
        return _Part(missing=f"{record.name}: DefiLlama does not track its fees")
    except SourceError as exc:
        return _Part(missing=failure_line(record, "fees", exc), failure=exc)
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
        return _Part(missing=f"{record.name}: no Snapshot space known, so no votes{governs}")
    say(f"fetching Snapshot votes of {', '.join(record.snapshot_spaces)}…")
    try:
        report = await fetch_votes(services.http, services.cfg, record.snapshot_spaces,
                                   onchain_governance=record.onchain_governance,
                                   name=record.name)
    except SourceError as exc:
        return _Part(missing=failure_line(record, "votes", exc), failure=exc)
    if not any(p.scores is not None for p in report.proposals):
        return _Part(report)  # no vote was read: Snapshot supplied no figure, not cited
    ends = [p.end for p in report.proposals if p.end > 0]
    as_of = (dt.datetime.fromtimestamp(max(ends), dt.UTC).date().isoformat() if ends
             else _now_iso())  # the last scored proposal's close, not today
    return _Part(report, source=SourceRef("voting power", f"Snapshot {report.space}",
                                          as_of))


async def _skipped() -> _Part[T]:
    """A part not asked for: empty, and not missing."""
    return _Part()


async def fetch(
    services: Services,
    record: ProtocolRecord,
    *,
    holders_limit: int | None = None,
    votes: bool = True,
    parts: Collection[str] = PARTS,
    say: Progress = _quiet,
) -> Fetched:
    """The fetch stage: the ``parts`` asked for (holders, fees, Snapshot votes — the latter
    only when ``votes`` too), all at once; a part not asked for is neither fetched nor
    missing.

    A part the record gives no way to fetch (no token, no DefiLlama slug, no Snapshot
    space) or whose source fails is ``None`` with a line in ``missing``; a failure is kept
    in ``failures`` too. After the holders, the holder lists of the wrappers among them
    that can be looked through (:func:`pipeline.look_through.fetch_wrappers`; a wrapper
    that fails is named in the report, not in ``missing``). Never raises a
    :class:`SourceError`.
    """
    unknown = set(parts) - set(PARTS)
    if unknown:
        raise ValueError(f"unknown parts {sorted(unknown)}")
    (holders, wrappers, gov), fees, vote_part = await asyncio.gather(
        _holders_wrappers_governance(services, record, holders_limit, parts, say),
        _fetch_fees(services, record, say) if "fees" in parts else _skipped(),
        _fetch_votes(services, record, votes and "votes" in parts, say),
    )
    got = (holders, fees, vote_part, gov)
    return Fetched(
        holders=holders.value, fees=fees.value, votes=vote_part.value, governance=gov.value,
        missing=tuple(p.missing for p in got if p.missing),
        sources=(*(p.source for p in got if p.source),
                 *_wrapper_sources(record.chain or "ethereum", wrappers)),
        failures=tuple(p.failure for p in got if p.failure),
        wrappers=wrappers,
    )


def _names(items: list[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _without_name(line: str, name: str) -> str:
    """A missing line without its leading protocol name ("Aave — fees: …" → "fees: …")."""
    for lead in (f"{name} — ", f"{name}: "):
        if line.startswith(lead):
            return line[len(lead):]
    return line


def raise_if_nothing(fetched: Fetched, name: str = "") -> None:
    """The one rule: raise when *none* of the parts asked for came back.

    :class:`SourceUnavailable` naming every provider that could not be reached (Ethplorer
    included when the holder fallback was tried) when every failure was one; else a
    :class:`NotFound` (nothing known) or :class:`SourceError` (a source failed) whose
    sentence names the protocol and why each part is missing. When at least one part came
    back, nothing is raised: the report is partial and its ``missing`` says what is not
    there.
    """
    if not fetched.nothing:
        return
    failures = fetched.failures
    names = list(dict.fromkeys(n for f in failures for n in f.sources))
    who = f" for {name}" if name else ""
    why = "; ".join(_without_name(m, name).rstrip(".") for m in fetched.missing
                    ) or "nothing was asked for"
    if failures and all(isinstance(f, SourceUnavailable) for f in failures) and (
            len(failures) == len(fetched.missing)):
        offline = all(getattr(f, "unreachable", False) for f in failures)
        # offline, every part failed for the one reason already said: no list of them
        detail = " (no connection)." if offline else f" ({why})."
        raise SourceUnavailable(
            f"Could not reach {_names(names) if names else 'the data APIs'}{who} — no data "
            "fetched" + detail,
            failures[0].host, tuple(names), unreachable=offline)
    message = f"No data{who}: {why}."
    if not failures or all(isinstance(f, NotFound) for f in failures):
        raise NotFound(message, "", tuple(names))
    raise SourceError(message, failures[0].host, tuple(names))


async def analyze_protocol(
    services: Services,
    record: ProtocolRecord,
    *,
    holders_limit: int | None = None,
    votes: bool = True,
    parts: Collection[str] = PARTS,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Report:
    """Run the pipeline for ``record``: fetch the ``parts`` asked for, then label → score →
    assemble. The report's ``parts`` are those asked for.

    ``timings``, when given, receives the seconds spent per stage (``fetch``, ``score``;
    the latter covers labelling and assembling too).

    Raises:
        SourceUnavailable: when none of the parts could be fetched because every source
            was unreachable (naming the providers).
        NotFound, SourceError: when none of the parts came back for other reasons (one
            sentence naming the protocol and every part; see :func:`raise_if_nothing`).
    """
    say = progress or _quiet
    stage_times = timings if timings is not None else {}
    started = time.perf_counter()
    fetched = await fetch(services, record, holders_limit=holders_limit, votes=votes,
                          parts=parts, say=say)
    stage_times["fetch"] = time.perf_counter() - started
    raise_if_nothing(fetched, record.name)
    say("scoring…")
    started = time.perf_counter()
    report = await asyncio.to_thread(partial(
        build_report, record, fetched.holders, fetched.fees, fetched.votes, fetched.missing,
        fetched.sources, services.user_labels, fetched.wrappers,
        parts=tuple(p for p in PARTS if p in parts), governance=fetched.governance))
    stage_times["score"] = time.perf_counter() - started
    return report
