"""Plain-text rendering of a report for the terminal (``lorenz analyze``)."""

from __future__ import annotations

import logging

from core.report import Report
from scoring import formatting
from scoring.formatting import nakamoto_text, short_address, usd

log = logging.getLogger(__name__)

__all__ = ["nakamoto_text", "pct", "render_text", "short_address", "usd"]


def pct(x: float | None, digits: int = 1) -> str:
    """``0.4812`` → ``"48.1%"`` (one decimal by default); ``None`` → ``"n/a"``."""
    return formatting.pct(x, digits)


def render_text(report: Report, top: int = 10) -> str:
    """The verdict, the three views as a compact table, the top holders and provenance."""
    lines: list[str] = []
    title = (report.name if report.name == report.symbol or not report.symbol
             else f"{report.name} ({report.symbol})")
    if report.verdict is None:
        lines.append(f"{title}: no verdict — " + "; ".join(report.missing or ("no holder data",)))
    else:
        lines.append(f"{title}: {report.verdict.level.upper()}")
        lines.append(report.verdict.summary)
    if report.views is not None:
        lines.append("")
        header = (f"{'view':<12} {'holders':>7} {'top1':>7} {'top10':>7} {'top100':>7} "
                  f"{'Nakamoto':>8} {'HHI':>7} {'eff.':>8} {'Gini':>6} {'coverage':>8} "
                  f"{'left out':>8}")
        lines.append(header)
        for v in report.views:
            s = v.scores
            if s is None:
                lines.append(f"{v.name:<12} (nothing left in this view)")
                continue
            lines.append(
                f"{v.name:<12} {s.holders:>7} {pct(s.top1_share):>7} {pct(s.top10_share):>7} "
                f"{pct(s.top100_share):>7} {nakamoto_text(s):>8} {s.hhi:>7.4f} "
                f"{s.effective_holders:>8.1f} {s.gini:>6.3f} {pct(s.coverage):>8} "
                f"{pct(v.excluded.share):>8}"
            )
        bounds = report.views.owners.gini_all
        if bounds is not None:
            lines.append(f"Gini of all owners (bounds from the holder count): "
                         f"{bounds.low:.3f}–{bounds.high:.3f}")
    if report.holders:
        lines.append("")
        lines.append(f"Top {min(top, len(report.holders))} holders:")
        denominator = report.views.raw.denominator if report.views else None
        for i, h in enumerate(report.holders[:top], 1):
            share = pct(h.balance / denominator) if denominator else ""
            label = h.label or "—"
            lines.append(f"{i:>3}. {h.address}  {share:>6}  {h.category.value:<18} {label}")
    if report.fees is not None:
        f = report.fees.split_30d
        lines.append("")
        lines.append(f"Fees, last {f.period_days} days: {usd(f.fees)} paid; supply side "
                     f"{usd(f.supply_side)}, treasury {usd(f.treasury)}, holders "
                     f"{usd(f.holders_revenue)}")
    if report.fees is not None and report.fees.category_share is not None:
        lines.append(f"Share of its category's ({report.fees.category or 'category'}) fees: "
                     f"{pct(report.fees.category_share)}; category fee HHI "
                     f"{report.fees.category_hhi:.3f}")
    if report.fees is not None and report.fees.profit_flow_top10_usd is not None:
        lines.append(f"Profit flow: the top-10 owners would receive "
                     f"{usd(report.fees.profit_flow_top10_usd)} of 30-day holders revenue "
                     f"({report.fees.profit_flow_assumption})")
    if report.votes is not None:
        lines.append("")
        lines.append(f"Snapshot voting power ({report.votes.space or 'no space'}):")
        for p in report.votes.proposals:
            if p.scores is None:
                lines.append(f"  {p.title[:60]}: no votes")
                continue
            lines.append(f"  {p.title[:60]}: {p.votes} votes; top voter "
                         f"{pct(p.scores.top1_share)}, top 10 {pct(p.scores.top10_share)}, "
                         f"Nakamoto {nakamoto_text(p.scores)}")
        if report.votes.note:
            lines.append(f"  note: {report.votes.note}")
    if report.missing:
        lines.append("")
        for m in report.missing:
            lines.append(f"missing: {m}")
    if report.sources:
        lines.append("")
        for src in report.sources:
            lines.append(f"source: {src.what}: {src.source} (as of {src.as_of or '?'})")
    if report.provenance is not None:
        lines.append("")
        lines.append(report.provenance.line())
        for note in report.provenance.notes:
            lines.append(f"  note: {note}")
    fee_warnings = list(report.fees.warnings) if report.fees is not None else []
    if report.fees is not None and report.fees.unavailable:
        fee_warnings.append("could not fetch " + ", ".join(report.fees.unavailable))
    for w in (*report.warnings, *(f"fees: {w}" for w in fee_warnings)):
        lines.append(f"  warning: {w}")
    return "\n".join(lines)
