"""The governance stage: who can pass a proposal, for DAOs that decide on-chain.

1. The governor comes from :func:`sources.governors.governor_for` (built-in table, else
   DefiLlama's ``eip155:`` governanceID); the node from ``[sources.rpc]``.
2. A ``DelegateVotesChanged`` log scan of the token (:class:`DelegateScans`) runs in the
   **background**, incrementally and bounded; an analysis waits for it at most
   ``delegate_scan_wait`` seconds (under Discord's 3-second window) and uses what it has.
3. :func:`sources.governance.read_governance` reads quorum, threshold and the votes of the
   top holders' delegates plus every delegate the scan found, at one pinned block, and their
   votes 30 and 90 days ago from checkpoints.
4. :func:`build_governance` scores them (:mod:`scoring.power`), names the delegates
   (:class:`pipeline.labels.LabelBook`) and states how complete the delegate set is.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.governance import Delegate, GovernanceReport, PowerTrend
from core.labels import Label, LiveLabel
from core.protocol import ProtocolRecord
from pipeline.labels import LabelBook
from scoring.power import change_points, score_power, share, votes_to_reach
from sources.config import SourcesConfig
from sources.delegate_scan import DelegateScan
from sources.governance import GovernanceRead, read_governance
from sources.governors import GovernorSpec, governor_for
from sources.http import HttpClient
from sources.rpc import RpcClient

log = logging.getLogger(__name__)

#: Delegates kept in the report (the JSON, the chart and the embed show these).
TOP_DELEGATES = 20
#: Trend compares today's top this-many delegates.
TREND_TOP = 5
#: ``eth_getLogs`` requests one background scan run may make before it pauses.
SCAN_CALLS_PER_RUN = 2_000
#: Scanned delegates whose votes are re-read at the pinned block: the largest by their last
#: logged balance (a big DAO has tens of thousands; re-reading all would cost hundreds of
#: requests per reply). The others count in the delegated total at their logged balance.
SCAN_REREAD = 1_000

QUORUM_RULES = {
    "bravo": "For votes ≥ quorum (and For > Against)",
    "oz": "For + Abstain votes ≥ quorum",
    "compgov": "For + Abstain votes ≥ quorum (and For > Against)",
    "agora": "For + Abstain votes ≥ quorum (per proposal, a share of the votable supply)",
    "aave3": "For votes > the yes-threshold and For − Against > the differential",
}
READS = {
    "bravo": "getCurrentVotes(delegate), quorumVotes(), proposalThreshold()",
    "oz": "getVotes(delegate), quorum(block − 1), proposalThreshold()",
    "compgov": "getCurrentVotes(delegate), quorum(block − 1), proposalThreshold()",
    "agora": "getVotes(delegate), votableSupply() × quorumNumerator()/quorumDenominator(), "
             "proposalThreshold()",
    "aave3": "getPowerCurrent(delegate, voting) summed over AAVE, stkAAVE and aAAVE; "
             "getVotingConfig(level 1)",
}


class DelegateScans:
    """The process's background delegate log scans, one per (chain, token).

    :meth:`start` begins (or resumes) a scan towards the chain's head as a background task
    and returns it; :meth:`aclose` cancels what still runs (call it before the HTTP client
    closes).
    """

    def __init__(self, calls_per_run: int = SCAN_CALLS_PER_RUN) -> None:
        self.calls_per_run = calls_per_run
        self._scans: dict[tuple[str, str], DelegateScan] = {}
        self._tasks: dict[tuple[str, str], asyncio.Task[None]] = {}
        self._targets: dict[tuple[str, str], int] = {}

    def get(self, chain: str, token: str) -> DelegateScan | None:
        """The scan of ``token`` on ``chain`` so far, if one was started."""
        return self._scans.get((chain, token.lower()))

    def target(self, chain: str, token: str) -> int | None:
        """The block the last run aimed at."""
        return self._targets.get((chain, token.lower()))

    def start(self, rpc: RpcClient, token: str) -> asyncio.Task[None]:
        """The running scan task of ``token``; a new run when none runs."""
        key = (rpc.chain, token.lower())
        task = self._tasks.get(key)
        if task is not None and not task.done():
            return task
        scan = self._scans.setdefault(key, DelegateScan(token.lower()))
        task = asyncio.create_task(self._run(rpc, scan, key))
        self._tasks[key] = task
        return task

    async def _run(self, rpc: RpcClient, scan: DelegateScan, key: tuple[str, str]) -> None:
        try:
            head = await rpc.block_number()
            self._targets[key] = head
            await scan.run(rpc, head, self.calls_per_run)
        except Exception as exc:  # a background scan never takes the process down
            scan.failed = str(exc)
            log.debug("delegate scan %s stopped: %s", key, type(exc).__name__)

    async def wait(self, task: asyncio.Task[None], seconds: float) -> None:
        """Wait for ``task`` at most ``seconds`` (it goes on in the background)."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(task), seconds)

    async def aclose(self) -> None:
        """Cancel running scans and wait for them to unwind."""
        tasks = [t for t in self._tasks.values() if not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _iso(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class ScanState:
    """What the log scan had when the reads were made."""

    used: bool
    complete: bool
    to_block: int | None
    progress: float
    delegates: int
    logs: int
    failed: str = ""
    logged: dict[str, int] = field(default_factory=dict)  # last logged balances (raw)


def scan_state(scan: DelegateScan | None, target: int | None) -> ScanState:
    """A snapshot of ``scan`` (``None``: no scan for this kind of token)."""
    if scan is None or target is None:
        return ScanState(False, False, None, 0.0, 0, 0, scan.failed if scan else "")
    found = scan.delegates()
    return ScanState(True, scan.done_to(target), scan.next_block - 1, scan.progress(target),
                     len(found), scan.logs, scan.failed, found)


def completeness(read: GovernanceRead, state: ScanState) -> tuple[str, bool, str]:
    """(method, complete, completeness sentence) of the delegate set."""
    held = (f"the delegates of the top {read.holders_asked:,} holders "
            f"({read.holders_delegating:,} of them delegate)")
    if read.spec.kind == "aave3":
        held = (f"the top {read.holders_asked:,} holders and their delegatees (an Aave "
                "holder votes with its own balance unless it delegates)")
    parts = [held] if read.holders_asked else []
    if state.used:
        parts.append(f"every delegate in DelegateVotesChanged logs up to block "
                     f"{state.to_block:,}" if state.complete else
                     f"{state.delegates:,} delegates from a DelegateVotesChanged log scan "
                     f"{state.progress:.0%} done")
    method = (f"{READS[read.spec.kind]} at block {read.head.number:,}; delegate set: "
              + (" plus ".join(parts) or "none (no holder list, no log scan)"))
    if not read.holders_asked:
        held = "only the delegates the log scan found so far (no holder list)"
    if state.complete:
        return method, True, (f"complete: every delegate that ever received votes, from a "
                              f"full log scan to block {state.to_block:,} "
                              f"({state.logs:,} logs), re-read at block "
                              f"{read.head.number:,}")
    why = ("the log scan is still running in the background"
           if state.used and not state.failed else
           "the log scan stopped early (the node refused it)" if state.used else
           "no log scan for this token")
    return method, False, (f"lower bound: {held}; delegates gathering many small holders "
                           f"may be missing ({why})")


def _labels(addresses: Iterable[str], chain: str, user_labels: Sequence[tuple[str, Label]],
            live: dict[str, LiveLabel]) -> dict[str, Label]:
    book = LabelBook(chain=chain, labels=user_labels)
    return {a: book.classify(a, live.get(a)) for a in addresses}


def _trend(read: GovernanceRead, unit: int, supply: float | None, quorum: float | None,
           strict: bool) -> tuple[PowerTrend, ...]:
    top = [a for a, _ in sorted(read.votes.items(), key=lambda kv: -kv[1])[:TREND_TOP]]
    now = sum(read.votes[a] for a in top) / unit
    out = []
    for past in read.past:
        then_votes = [past.votes.get(a, 0) / unit for a in top]
        then_total = sum(past.votes.get(a, 0) for a in top) / unit  # ints: no float noise
        then_supply = past.supply / unit if past.supply else supply
        then_quorum = past.quorum / unit if past.quorum else quorum
        share_then = share(then_total, then_supply)
        share_now = share(now, supply)
        out.append(PowerTrend(
            days=past.days, block=past.block.number, date=_iso(past.block.timestamp)[:10],
            top=len(top), votes_then=then_total, votes_now=now,
            share_then=share_then, share_now=share_now,
            change_points=change_points(share_now, share_then),
            delegates_to_quorum_then=votes_to_reach(then_votes, then_quorum, strict=strict)))
    return tuple(out)


def build_governance(read: GovernanceRead, record: ProtocolRecord, state: ScanState, *,
                     user_labels: Sequence[tuple[str, Label]] = (),
                     live: dict[str, LiveLabel] | None = None,
                     source: str = "") -> GovernanceReport:
    """The :class:`GovernanceReport` of ``read`` (pure: no I/O)."""
    p, kind = read.params, read.spec.kind
    # an int: raw int / int is correctly rounded; a float unit would first round the raw
    # amount to a float (200,000 tokens of 18 decimals came out as 199,999.99999999997)
    unit = 10**p.decimals
    supply = p.supply / unit if p.supply else None
    votes = sorted(((a, v / unit) for a, v in read.votes.items()), key=lambda kv: -kv[1])
    found = math.fsum(v for _, v in votes)
    delegated: float | None
    if p.delegated_total is not None:
        delegated, exact = p.delegated_total / unit, True
    elif kind == "aave3":
        delegated, exact = supply, False  # every balance votes: shares of the AAVE supply
    elif state.complete:  # every delegate: re-read ones at the block, the rest as logged
        rest = sum(v for a, v in state.logged.items()
                   if a not in read.extra and a not in read.votes)
        delegated, exact = found + rest / unit, True
    else:
        delegated, exact = found, False
    quorum = p.quorum / unit if p.quorum is not None else None
    threshold = p.threshold / unit if p.threshold is not None else None
    scores = score_power([v for _, v in votes], quorum=quorum, threshold=threshold,
                         delegated=delegated, supply=supply, strict_quorum=kind == "aave3",
                         delegated_exact=exact)
    labels = _labels([a for a, _ in votes[:TOP_DELEGATES]], read.spec.chain, user_labels,
                     live or {})
    delegates = tuple(
        Delegate(a, v, share(v, delegated), share(v, supply), labels[a].name,
                 labels[a].category.value, labels[a].source)
        for a, v in votes[:TOP_DELEGATES])
    method, complete, complete_text = completeness(read, state)
    notes = list(read.notes)
    if read.spec.note:
        notes.append(read.spec.note)
    if p.differential is not None:
        notes.append(f"Aave also needs For − Against > {p.differential / unit:,.0f} "
                     f"{record.symbol}")
    if not exact and kind != "aave3":
        notes.append("delegated votes are the sum over the delegates found (a lower bound); "
                     "the share not delegated is not stated")
    return GovernanceReport(
        dao=record.name, symbol=record.symbol, chain=read.spec.chain,
        governor=read.spec.governor, governor_label=read.spec.label, kind=kind,
        block=read.head.number, as_of=_iso(read.head.timestamp), quorum=quorum,
        quorum_rule=QUORUM_RULES[kind], proposal_threshold=threshold, supply=supply,
        delegated_votes=delegated, delegated_exact=exact, delegates=delegates,
        delegates_found=len(votes), scores=scores, method=method, complete=complete,
        completeness=complete_text,
        trend=_trend(read, unit, supply, quorum, kind == "aave3"), notes=tuple(notes),
        source=source, addresses_source=read.spec.source)


def governor_known(record: ProtocolRecord) -> bool:
    """Whether ``record`` has an on-chain governor Lorenz can read."""
    return governor_for(record) is not None


async def fetch_governance(http: HttpClient, cfg: SourcesConfig, record: ProtocolRecord,
                           holders: Sequence[str], scans: DelegateScans | None, *,
                           user_labels: Sequence[tuple[str, Label]] = (),
                           live: dict[str, LiveLabel] | None = None,
                           spec: GovernorSpec | None = None) -> GovernanceReport | None:
    """The governance part of ``record``'s report; ``None`` when it has no on-chain governor.

    Raises:
        LookupError: no JSON-RPC endpoint is configured for the governor's chain.
        SourceError: the node failed or the governor could not be read.
    """
    spec = spec or governor_for(record)
    if spec is None:
        return None
    url = cfg.rpc.get(spec.chain)
    if not url:
        raise LookupError(f"no JSON-RPC endpoint configured for {spec.chain}")
    rpc = RpcClient(http, url, spec.chain)
    scan: DelegateScan | None = None
    if scans is not None and spec.kind != "aave3":
        task = scans.start(rpc, spec.tokens[0])
        await scans.wait(task, cfg.delegate_scan_wait)
        scan = scans.get(spec.chain, spec.tokens[0])
    state = scan_state(scan, scans.target(spec.chain, spec.tokens[0]) if scans else None)
    logged = scan.delegates() if scan is not None else {}
    extra = dict(sorted(logged.items(), key=lambda kv: -kv[1])[:SCAN_REREAD])
    read = await read_governance(rpc, spec, list(holders)[:cfg.delegate_holders], extra)
    return build_governance(read, record, state, user_labels=user_labels, live=live,
                            source=rpc.name)


__all__ = ["DelegateScans", "build_governance", "fetch_governance", "governor_known",
           "scan_state"]
