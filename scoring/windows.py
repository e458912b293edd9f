"""The time window behind every figure of a report, said the same way everywhere.

Each part of a report covers its own stretch of time, and none of them is "today":

* **holders** — the list as fetched at one moment, from one source
  (``holders: top 1,000 from Blockscout PRO (chain 1), fetched 2026-11-29 19:21 UTC``);
* **fees** — 30 UTC days ending on the fee series' last day, which can be days or weeks old
  (``fees: 30 days 2025-10-22 → 2025-11-20 (DefiLlama)``; the report's warnings say when
  that day is more than 2 days old);
* **votes** — the closed Snapshot proposals scored
  (``votes: 5 proposals closed 2025-10-01 → 2025-11-20 (Snapshot aave.eth)``).

:func:`windows` gives the structured form (for ``--json``), :func:`window_lines` the lines
the terminal, the embeds and the chart footers print. Pure functions of the report.
"""

from __future__ import annotations

from typing import Any

from core.fees import FeeReport
from core.report import Report
from core.votes import VoteReport
from scoring.formatting import date_text, moment_text


def holder_window(report: Report) -> dict[str, Any] | None:
    """``{"source", "fetched_at", "listed"}`` of the holder list, or None without one.

    The source and time come from the report's holders :class:`~core.report.SourceRef`
    (live data), else from its provenance (a holder file: the time the file states).
    """
    if report.holders is None:
        return None
    ref = next((s for s in report.sources if s.what.startswith("holders")), None)
    if ref is not None:
        source, as_of = ref.source, ref.as_of
    elif report.provenance is not None:
        source = ", ".join(report.provenance.sources[:1])
        as_of = report.provenance.as_of
    else:
        source, as_of = "", ""
    return {"source": source, "fetched_at": as_of, "listed": len(report.holders)}


def fee_window(fees: FeeReport | None) -> dict[str, Any] | None:
    """``{"from", "to", "days", "source"}`` of the 30-day fee figures, or None when the
    window is unknown (no fee data, or a fee series without points)."""
    if fees is None or not fees.window_end:
        return None
    return {"from": fees.window_start, "to": fees.window_end, "days": fees.split_30d.period_days,
            "source": "DefiLlama"}


def vote_window(votes: VoteReport | None) -> dict[str, Any] | None:
    """``{"from", "to", "proposals", "source"}``: the closing dates of the scored proposals,
    or None when there are none (or none says when it closed)."""
    if votes is None:
        return None
    ends = [p.end for p in votes.proposals if p.end > 0]
    if not ends:
        return None
    return {"from": date_text(min(ends)), "to": date_text(max(ends)), "proposals": len(ends),
            "source": f"Snapshot {votes.space}".strip()}


def windows(report: Report) -> dict[str, dict[str, Any] | None]:
    """Every part's window (``holders``, ``fees``, ``votes``; None where the part is absent)."""
    return {"holders": holder_window(report), "fees": fee_window(report.fees),
            "votes": vote_window(report.votes)}


def window_lines(report: Report) -> list[str]:
    """One line per part the report has, e.g. ``"fees: 30 days 2025-10-22 → 2025-11-20
    (DefiLlama)"``. Unknown parts are left out (never guessed)."""
    lines = []
    h = holder_window(report)
    if h is not None:
        where = f" from {h['source']}" if h["source"] else ""
        when = f", fetched {moment_text(h['fetched_at'])}" if h["fetched_at"] else ""
        lines.append(f"holders: top {h['listed']:,}{where}{when}")
    f = fee_window(report.fees)
    if f is not None:
        lines.append(f"fees: {f['days']} days {f['from']} → {f['to']} ({f['source']})")
    v = vote_window(report.votes)
    if v is not None:
        span = v["from"] if v["from"] == v["to"] else f"{v['from']} → {v['to']}"
        lines.append(f"votes: {v['proposals']} proposal(s) closed {span} ({v['source']})")
    return lines


__all__ = ["fee_window", "holder_window", "vote_window", "window_lines", "windows"]
