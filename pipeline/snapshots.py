"""Snapshots: a report as the store keeps it, taking one, and what changed between two.

:func:`snapshot_of` turns a :class:`~core.report.Report` into a
:class:`store.records.SnapshotIn` — the headline figures of the owners view in typed
columns, every view's figures (the ``--json`` view documents, so new views and fields are
kept as they appear) in ``metrics``, the top holders with their categories, and a
governance part's delegate figures when the report has one. :func:`take_snapshot` runs a
fresh analysis (the HTTP cache is bypassed: :func:`sources.http.fresh_data`) and stores it.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from typing import Any

from core.protocol import ProtocolRecord
from core.report import Report
from pipeline.analyze import Services, analyze_protocol
from pipeline.json_report import report_to_json
from sources.http import fresh_data
from store.records import MemberRow, SnapshotIn, SnapshotOut
from store.repo import Store, utcnow

#: Top holders (and delegates) kept per snapshot.
TOP_KEPT = 25
#: Size of the "top 10" whose newcomers are reported.
TOP_N = 10


def protocol_key(record: ProtocolRecord) -> str:
    """The key snapshots and watches use for a protocol: its DefiLlama slug, else its
    name, lower case."""
    return (record.slug or record.name).strip().lower()


def parse_time(text: str, default: dt.datetime) -> dt.datetime:
    """An ISO 8601 time or date (``Z`` allowed) as aware UTC; ``default`` when unreadable."""
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return default
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _delegates(governance: dict[str, Any] | None) -> list[MemberRow]:
    """Delegate rows (largest first) from a governance part's ``top_delegates``: votes,
    and share of supply (``supply_share``) so thresholds compare like holders'."""
    items = (governance or {}).get("top_delegates") or []
    rows = []
    for rank, item in enumerate(items[:TOP_KEPT], start=1):
        if not isinstance(item, dict) or not item.get("address"):
            continue
        votes = item.get("votes")
        rows.append(MemberRow(rank, str(item["address"]).lower(),
                              float(votes) if isinstance(votes, int | float) else 0.0,
                              item.get("supply_share"), str(item.get("label") or ""),
                              str(item.get("category") or "unlabeled"),
                              str(item.get("label_source") or ""), "delegate"))
    return rows


def _governance_kept(governance: Any) -> dict[str, Any] | None:
    """The governance figures kept in ``snapshots.governance``: everything but the full
    delegate list (its top :data:`TOP_KEPT` are kept as members)."""
    if not isinstance(governance, dict):
        return None
    return {k: v for k, v in governance.items() if k != "top_delegates"}


def snapshot_of(report: Report, origin: str, now: dt.datetime | None = None
                ) -> SnapshotIn | None:
    """What the store keeps of ``report``; ``None`` without a protocol or holder figures
    (holder history is never made up from a partial answer)."""
    if report.protocol is None or report.views is None or report.holders is None:
        return None
    now = now or utcnow()
    doc = report_to_json(report, top=TOP_KEPT)
    views: dict[str, Any] = doc["views"] or {}
    basis = report.verdict.basis_view if report.verdict else "owners"
    head = views.get(basis) or {}
    raw = report.views.raw.denominator
    window = doc["windows"].get("holders") or {}
    governance = doc.get("governance")
    record = report.protocol
    holders = [MemberRow(h["rank"], h["address"], h["balance"],
                         h["balance"] / raw if raw > 0 else None, h["label"], h["category"],
                         h["label_source"]) for h in doc["top_holders"]]
    return SnapshotIn(
        protocol=protocol_key(record), name=report.name, symbol=report.symbol,
        as_of=parse_time(window.get("fetched_at", ""), now), origin=origin,
        source=window.get("source", ""), chain=record.chain,
        token_address=record.token_address,
        block=governance.get("block") if isinstance(governance, dict) else None,
        supply=raw if report.views.supply_known else None,
        holder_count=views.get("raw", {}).get("holders"),
        basis_view=basis, top10_share=head.get("top10_share"),
        nakamoto=head.get("nakamoto"), gini=head.get("gini"), hhi=head.get("hhi"),
        verdict_level=(str(report.verdict.level) if report.verdict
                       and report.verdict.level else None),
        confidence=report.verdict.confidence if report.verdict else None,
        metrics=views, governance=_governance_kept(governance),
        sources=doc.get("sources", []), missing=list(report.missing),
        members=tuple(holders + _delegates(governance)))


async def take_snapshot(services: Services, store: Store, record: ProtocolRecord, *,
                        origin: str = "cli", holders_limit: int | None = None,
                        votes: bool = True, now: dt.datetime | None = None
                        ) -> tuple[Report, SnapshotOut | None]:
    """Analyse ``record`` from fresh data (no cached answer) and store the snapshot
    (taken at ``now``, default the current time).

    Returns the report and the stored snapshot (``None`` when the report had no holder
    figures to keep: it says why in ``missing``).

    Raises:
        SourceError: nothing at all could be fetched (see :func:`analyze_protocol`).
    """
    with fresh_data():
        report = await analyze_protocol(services, record, holders_limit=holders_limit,
                                        votes=votes)
    snap = snapshot_of(report, origin, now)
    return report, (await store.add_snapshot(snap, now) if snap is not None else None)


@dataclass(frozen=True, slots=True)
class Change:
    """What changed from one snapshot to the next.

    ``top10_points``: the basis view's top-10 share difference in percentage points;
    ``nakamoto``: the difference in holders; ``entered``/``left``: top-10 holders that
    were not/are no longer there, as ``(address, share of supply or None, label)``.
    ``None`` where either snapshot lacks the figure.
    """

    since: SnapshotOut
    until: SnapshotOut
    top10_points: float | None
    nakamoto: int | None
    entered: tuple[tuple[str, float | None, str], ...]
    left: tuple[tuple[str, float | None, str], ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {"from": self.since.id, "to": self.until.id,
                "from_as_of": iso(self.since.data.as_of), "to_as_of": iso(self.until.data.as_of),
                "top10_share_points": self.top10_points, "nakamoto": self.nakamoto,
                "entered_top10": [{"address": a, "share": s, "label": lb}
                                  for a, s, lb in self.entered],
                "left_top10": [{"address": a, "share": s, "label": lb}
                               for a, s, lb in self.left]}


def iso(when: dt.datetime) -> str:
    """``2026-11-29T21:00:00Z``."""
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _top(snap: SnapshotOut, kind: str = "holder") -> dict[str, MemberRow]:
    return {m.address: m for m in snap.data.members if m.kind == kind and m.rank <= TOP_N}


def view_figures(data: SnapshotIn, view: str) -> tuple[float | None, int | None]:
    """``(top10_share, nakamoto)`` of ``view`` in a snapshot's per-view metrics; ``None``
    where the snapshot has no such view or figure (an older snapshot taken before a wrapper
    could be looked through has no beneficial view)."""
    figures = (data.metrics or {}).get(view) or {}
    top10, naka = figures.get("top10_share"), figures.get("nakamoto")
    return (float(top10) if isinstance(top10, int | float) else None,
            naka if isinstance(naka, int) else None)


def same_view_change(old: SnapshotIn, new: SnapshotIn, digits: int = 4
                     ) -> tuple[float | None, int | None]:
    """``(top-10 share change in points, Nakamoto change)`` of ``new``'s basis view against
    the *same view* of ``old`` — never one view against another (the basis can move from
    owners to beneficial and back when a look-through fails); ``None`` where either lacks
    the figure."""
    (t_old, n_old), (t_new, n_new) = (view_figures(d, new.basis_view) for d in (old, new))
    points = (round((t_new - t_old) * 100, digits)
              if t_old is not None and t_new is not None else None)
    naka = n_new - n_old if n_old is not None and n_new is not None else None
    return points, naka


def change_between(since: SnapshotOut, until: SnapshotOut) -> Change:
    """The :class:`Change` from ``since`` to ``until`` (both loaded with members); the
    figures compare ``until``'s basis view with the same view of ``since``."""
    a, b = since.data, until.data
    points, naka = same_view_change(a, b)
    old, new = _top(since), _top(until)
    entered = tuple((m.address, m.share, m.label) for addr, m in new.items() if addr not in old)
    left = tuple((m.address, m.share, m.label) for addr, m in old.items() if addr not in new)
    return Change(since, until, points, naka, entered, left)


def snapshot_doc(snap: SnapshotOut) -> dict[str, Any]:
    """One snapshot as JSON (``lorenz history --json``)."""
    d = snap.data
    return {"id": snap.id, "taken_at": iso(snap.taken_at), "as_of": iso(d.as_of),
            "origin": d.origin, "source": d.source, "block": d.block, "supply": d.supply,
            "basis_view": d.basis_view, "top10_share": d.top10_share,
            "nakamoto": d.nakamoto, "gini": d.gini, "hhi": d.hhi,
            "verdict_level": d.verdict_level, "confidence": d.confidence,
            "views": d.metrics, "governance": d.governance,
            "top_holders": [{"rank": m.rank, "address": m.address, "balance": m.balance,
                             "share": m.share, "label": m.label, "category": m.category}
                            for m in d.members if m.kind == "holder"][:TOP_N],
            "missing": d.missing}


def history_doc(protocol: str, snaps: list[SnapshotOut]) -> dict[str, Any]:
    """``lorenz history --json``: every snapshot, oldest first, and the change between
    each snapshot and the one before it."""
    return {"protocol": protocol, "count": len(snaps),
            "since": iso(snaps[0].data.as_of) if snaps else None,
            "snapshots": [snapshot_doc(s) for s in snaps],
            "changes": [change_between(a, b).to_dict() for a, b in
                        itertools.pairwise(snaps)]}
