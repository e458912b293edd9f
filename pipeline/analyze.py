"""The live pipeline: protocol name → holders + supply + labels → views → fees → votes → report.

Used by ``lorenz analyze PROTOCOL`` and by every bot command, so the bot's answers can be
reproduced in a terminal. Fetching is concurrent; scoring runs in a worker thread so the
event loop stays free. A source that fails leaves its part of the report empty and says
so in ``Report.missing``; only when *nothing* could be fetched does the pipeline raise.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from core.categories import VIEW_EXCLUSIONS
from core.errors import SourceError, SourceUnavailable
from core.fees import FeeReport
from core.labels import Label
from core.protocol import ProtocolRecord
from core.report import Report, SourceRef
from core.views import Holder
from core.votes import VoteReport
from pipeline.assemble import analyze_holders
from pipeline.labels import LabelBook, label_holders
from scoring.formatting import pct, usd
from sources.config import SourcesConfig
from sources.directory import Directory
from sources.fees import fetch_fees, with_profit_flow
from sources.holders import HolderSnapshot, fetch_holders
from sources.http import HttpClient
from sources.snapshot import fetch_votes

log = logging.getLogger(__name__)

Progress = Callable[[str], None]


@dataclass
class Services:
    """What the pipeline needs, opened once per process (CLI run or bot)."""

    cfg: SourcesConfig
    http: HttpClient
    directory: Directory
    user_labels: tuple[tuple[str, Label], ...] = ()


def _now_iso() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _fee_reason(fees: FeeReport | None, symbol: str) -> tuple[str, ...]:
    """The fee clause of the verdict sentence (nothing when fees are unknown)."""
    if fees is None:
        return ()
    split = fees.split_30d
    sym = symbol or "token"
    holders = split.holders_revenue
    if holders is None and "holders_revenue" in fees.unavailable:
        return (f"holders revenue for {sym} could not be fetched",)
    if holders is None:
        return (f"holders revenue is not reported for {sym}",)
    if holders <= 0:
        return (f"no fees reach {sym} holders",)
    if not split.fees:  # fees not reported (or zero) but holders revenue is
        return (f"{sym} holders received {usd(holders)} in 30 days (fees not reported)",)
    share = holders / split.fees
    if share > 1:
        return (f"{sym} holders received {usd(holders)} in 30 days, more than the "
                f"{usd(split.fees)} of fees reported",)
    return (f"{pct(share)} of fees reach {sym} holders",)


def build_report(
    record: ProtocolRecord,
    snapshot: HolderSnapshot | None,
    fees: FeeReport | None,
    votes: VoteReport | None,
    missing: list[str],
    sources: list[SourceRef],
    user_labels: tuple[tuple[str, Label], ...] = (),
) -> Report:
    """Assemble the report from fetched parts (pure CPU work: run it off the event loop)."""
    symbol = record.symbol or ""
    if snapshot is None:
        return Report(
            name=record.name, symbol=symbol, holders=None, views=None, verdict=None,
            provenance=None, protocol=record, fees=fees, votes=votes,
            sources=tuple(sources), missing=tuple(missing),
        )
    book = LabelBook(chain=record.chain or "ethereum", labels=user_labels)
    holders = label_holders(snapshot.addresses, snapshot.balances, book, snapshot.live_labels)
    notes = []
    if snapshot.truncated:
        notes.append(f"top {len(snapshot.addresses)} holders listed"
                     + (f" of {snapshot.token.holder_count:,}" if snapshot.token.holder_count
                        else ""))
    if snapshot.token.total_supply is None:
        notes.append("total supply unknown: shares are of the listed holders")
    supply = snapshot.token.total_supply
    listed = sum(snapshot.balances)
    warnings = list(snapshot.warnings)
    if supply is not None and supply < listed * (1 - 1e-9):
        warnings.append(f"the reported supply ({supply:,.0f}) is below the listed holders' "
                        f"sum ({listed:,.0f}); using the listed sum")
        supply = None
    source_names = tuple(dict.fromkeys(s.source for s in sources))
    report = analyze_holders(
        holders, name=record.name, symbol=symbol, supply=supply,
        holder_count=snapshot.token.holder_count, sources=source_names,
        as_of=snapshot.fetched_at, extra_reasons=_fee_reason(fees, symbol),
        notes=tuple(notes), warnings=tuple(warnings),
    )
    if fees is not None and report.views is not None:
        circ = report.views.circulating
        owners = [h.balance for h in holders if _is_owner(h)][:10]
        if circ.denominator > 0:
            # Rounding can put a sum of all the owners a hair above the denominator.
            share = min(1.0, math.fsum(owners) / circ.denominator)
            fees = with_profit_flow(fees, share)
    return Report(
        name=report.name, symbol=symbol, holders=report.holders, views=report.views,
        verdict=report.verdict, provenance=report.provenance, protocol=record, fees=fees,
        votes=votes, sources=tuple(sources), missing=tuple(missing),
        warnings=report.warnings,
    )


def _is_owner(holder: Holder) -> bool:
    return holder.category not in VIEW_EXCLUSIONS["owners"]


async def analyze_protocol(
    services: Services,
    record: ProtocolRecord,
    *,
    holders_limit: int | None = None,
    votes: bool = True,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Report:
    """Run the whole pipeline for ``record``.

    ``timings``, when given, receives the seconds spent per stage (``fetch``, ``score``).

    Raises:
        SourceUnavailable: when no part at all could be fetched (naming the hosts).
    """
    say = progress or (lambda _m: None)
    cfg = services.cfg
    http = services.http
    missing: list[str] = []
    sources: list[SourceRef] = []
    failures: list[SourceError] = []

    async def holders_part() -> HolderSnapshot | None:
        if not record.token_address:
            missing.append(f"holder data: no governance token known for {record.name}")
            return None
        chain = record.chain or "ethereum"
        say(f"fetching top holders of {record.symbol or record.token_address} on {chain}…")
        try:
            snap = await fetch_holders(http, cfg, chain, record.token_address, holders_limit)
        except SourceError as exc:
            failures.append(exc)
            missing.append(f"holder data: {exc}")
            return None
        sources.append(SourceRef("holders, supply, labels", snap.source, snap.fetched_at))
        return snap

    async def fees_part() -> FeeReport | None:
        if not record.slug:
            missing.append(f"fee data: DefiLlama does not list fees for {record.name}")
            return None
        say(f"fetching fees of {record.slug} from DefiLlama…")
        try:
            fees = await fetch_fees(http, cfg, record.slug, record.category or None)
        except SourceError as exc:
            failures.append(exc)
            missing.append(f"fee data: {exc}")
            return None
        sources.append(SourceRef("fees, revenue, holders revenue", "DefiLlama", _now_iso()))
        return fees

    async def votes_part() -> VoteReport | None:
        if not votes:
            return None
        if not record.snapshot_spaces:
            missing.append(f"votes: no Snapshot space known for {record.name}"
                           + (f" (governs on-chain: {record.onchain_governance})"
                              if record.onchain_governance else ""))
            return None
        say(f"fetching Snapshot votes of {', '.join(record.snapshot_spaces)}…")
        try:
            report = await fetch_votes(http, cfg, record.snapshot_spaces,
                                       onchain_governance=record.onchain_governance,
                                       name=record.name)
        except SourceError as exc:
            failures.append(exc)
            missing.append(f"votes: {exc}")
            return None
        sources.append(SourceRef("voting power", f"Snapshot {report.space}", _now_iso()))
        return report

    started = time.perf_counter()
    snapshot, fees, vote_report = await asyncio.gather(holders_part(), fees_part(),
                                                       votes_part())
    stage_times = timings if timings is not None else {}
    stage_times["fetch"] = time.perf_counter() - started
    if snapshot is None and fees is None and vote_report is None and failures:
        hosts = ", ".join(dict.fromkeys(f.host for f in failures if f.host))
        if all(isinstance(f, SourceUnavailable) for f in failures):
            raise SourceUnavailable(
                f"Could not reach {hosts or 'the data APIs'} — no data fetched.",
                failures[0].host,
            )
        raise failures[0]
    say("scoring…")
    started = time.perf_counter()
    report = await asyncio.to_thread(build_report, record, snapshot, fees, vote_report,
                                     missing, sources, services.user_labels)
    stage_times["score"] = time.perf_counter() - started
    return report
