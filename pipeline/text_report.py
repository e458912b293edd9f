"""Plain-text rendering of a report for the terminal (``lorenz analyze``).

Numbers are written by :mod:`scoring.formatting` (the one copy shared with the embeds and
the charts); the terminal's table gives every percentage one decimal so its columns align.
"""

from __future__ import annotations

from core.report import Report
from core.views import ViewSet
from pipeline.look_through import look_through_lines
from scoring.formatting import listed_text, nakamoto_text, pct, short_address, usd
from scoring.power_text import power_lines
from scoring.windows import window_lines

# ``pct``, ``nakamoto_text``, ``short_address`` and ``usd`` are re-exported for callers that
# still import them from here; their home is scoring.formatting.
__all__ = ["nakamoto_text", "pct", "render_text", "short_address", "usd"]

#: Decimals of every percentage in the terminal report (aligned columns).
DIGITS = 1


def render_text(report: Report, top: int = 10) -> str:
    """The verdict, the three views as a compact table, the top holders, fees, votes and
    provenance — each section only when the report has it, separated by blank lines."""
    lines = _verdict_lines(report)
    for section in (_views_table(report), _holder_lines(report, top), _fee_lines(report),
                    _power_lines(report), _vote_lines(report), _missing_lines(report),
                    _source_lines(report), _window_section(report), _provenance_lines(report)):
        if section:
            lines += ["", *section]
    lines += _warning_lines(report)
    return "\n".join(lines)


def _verdict_lines(report: Report) -> list[str]:
    """"Name (SYM): LEVEL" and the summary, or "Name (SYM): no verdict — why"."""
    if report.verdict is None:
        why = "; ".join(report.missing or ("no holder data",))
        return [f"{report.title}: no verdict — {why}"]
    verdict = report.verdict
    level = verdict.level.upper() if verdict.level is not None else "NO VERDICT (withheld)"
    return [f"{report.title}: {level} · confidence {verdict.confidence}", verdict.summary]


def _views_table(report: Report) -> list[str]:
    """One row per view (holders, shares, Nakamoto, HHI, Gini, coverage, what it left out),
    and the owners' Gini bounds when the list is truncated."""
    if report.views is None:
        return []
    lines = [f"{'view':<12} {'holders':>7} {'top1':>7} {'top10':>7} {'top100':>7} "
             f"{'Nakamoto':>8} {'HHI':>7} {'eff.':>8} {'Gini':>6} {'coverage':>8} "
             f"{'left out':>8}"]
    for v in report.views:
        s = v.scores
        if s is None:
            lines.append(f"{v.name:<12} (nothing left in this view)")
            continue
        lines.append(
            f"{v.name:<12} {s.holders:>7} {pct(s.top1_share, DIGITS):>7} "
            f"{pct(s.top10_share, DIGITS):>7} {pct(s.top100_share, DIGITS):>7} "
            f"{nakamoto_text(s):>8} {s.hhi:>7.4f} {s.effective_holders:>8.1f} {s.gini:>6.3f} "
            f"{pct(s.coverage, DIGITS):>8} {pct(v.excluded.share, DIGITS):>8}"
        )
    lines.append("identified (share of each view's listed balance whose holder is known): "
                 + " · ".join(f"{v.name} {pct(v.identified_share, DIGITS)}"
                              for v in report.views))
    lines.append(_entity_note(report.views))
    lines.append(_gini_note(report.views))
    lines.extend(look_through_lines(report.views))
    return lines


def _entity_note(views: ViewSet) -> str:
    """The entity Nakamoto per view next to the wallet one, and how many labelled wallets
    were merged into how many entities (merged only where labels name the entity)."""
    parts = []
    for v in views:
        if v.scores is None:
            continue
        merged = ""
        if v.entities:
            wallets_word = "wallet" if v.entity_wallets == 1 else "wallets"
            entities_word = "entity" if v.entities == 1 else "entities"
            merged = (f" ({v.entity_wallets} labelled {wallets_word} → {v.entities} "
                      f"{entities_word})")
        wallets = nakamoto_text(v.scores)
        entity = f"{v.entity_nakamoto:,}" if v.entity_nakamoto is not None else wallets
        parts.append(f"{v.name} {entity} (wallets {wallets}){merged}")
    return ("entity Nakamoto (wallets merged where labels name one organisation): "
            + " · ".join(parts))


def _gini_note(views: ViewSet) -> str:
    """Which Gini is which: the table's is of the listed holders only; with a truncated
    list and a known holder count, the bounds for all holders per view."""
    raw = views.raw.scores
    listed = listed_text(raw.holders if raw else 0, views.holder_count)
    bounds = [f"{v.name} {v.gini_all.low:.3f}–{v.gini_all.high:.3f}" for v in views
              if v.gini_all is not None]
    total = "" if views.holder_count is not None else "; the total number is not known"
    note = f"Gini above: of the listed holders only — {listed}{total}"
    if bounds:
        note += "; of all holders (bounds from the holder count): " + " · ".join(bounds)
    return note


def _holder_lines(report: Report, top: int) -> list[str]:
    """The ``top`` largest holders: address, share of the raw denominator, category, label."""
    if not report.holders:
        return []
    shown = min(top, len(report.holders))
    denominator = report.views.raw.denominator if report.views else None
    of = ("% of total supply" if report.views is not None and report.views.supply_known
          else "% of the listed holders' sum")
    head = "Top holder" if shown == 1 else f"Top {shown} holders"
    lines = [f"{head} (raw view, every holder; {of}):"]
    for i, h in enumerate(report.holders[:top], 1):
        share = pct(h.balance / denominator, DIGITS) if denominator else ""
        label = h.label or "—"
        lines.append(f"{i:>3}. {h.address}  {share:>6}  {h.category.value:<18} {label}")
    return lines


def _fee_lines(report: Report) -> list[str]:
    """The 30-day fee split, the category share and the profit flow, when known."""
    fees = report.fees
    if fees is None:
        return []
    f = fees.split_30d
    period = (f"{f.period_days} days {fees.window}" if fees.window
              else f"last {f.period_days} days")
    lines = [f"Fees, {period}: {usd(f.fees)} paid; supply side "
             f"{usd(f.supply_side)}, treasury {usd(f.treasury)}, holders "
             f"{usd(f.holders_revenue)}"]
    if fees.category_share is not None:
        lines.append(f"Share of its category's ({fees.category or 'category'}) fees: "
                     f"{pct(fees.category_share, DIGITS)}; category fee HHI "
                     f"{fees.category_hhi:.3f}")
    if fees.profit_flow_top10_usd is not None:
        lines.append(f"Profit flow: the top-10 owners would receive "
                     f"{usd(fees.profit_flow_top10_usd)} of 30-day holders revenue "
                     f"({fees.profit_flow_assumption})")
    return lines


def _power_lines(report: Report) -> list[str]:
    """On-chain delegates, quorum and trend (:func:`scoring.power_text.power_lines`)."""
    return power_lines(report.governance) if report.governance is not None else []


def _vote_lines(report: Report) -> list[str]:
    """Snapshot voting power per proposal (top voter, top 10, Nakamoto) and the note."""
    votes = report.votes
    if votes is None:
        return []
    lines = [f"Snapshot voting power ({votes.space or 'no space'}):"]
    for p in votes.proposals:
        if p.scores is None:
            lines.append(f"  {p.title[:60]}: no votes")
            continue
        lines.append(f"  {p.title[:60]}: {p.votes} votes; top voter "
                     f"{pct(p.scores.top1_share, DIGITS)}, top 10 "
                     f"{pct(p.scores.top10_share, DIGITS)}, Nakamoto {nakamoto_text(p.scores)}")
    if votes.note:
        lines.append(f"  note: {votes.note}")
    return lines


def _missing_lines(report: Report) -> list[str]:
    return [f"missing: {m}" for m in report.missing]


def _source_lines(report: Report) -> list[str]:
    return [f"source: {src.what}: {src.source} (as of {src.as_of or '?'})"
            for src in report.sources]


def _window_section(report: Report) -> list[str]:
    """What time each part covers (:func:`scoring.windows.window_lines`)."""
    lines = window_lines(report)
    return ["Data windows:", *(f"  {w}" for w in lines)] if lines else []


def _provenance_lines(report: Report) -> list[str]:
    """The provenance line and its notes."""
    if report.provenance is None:
        return []
    return [report.provenance.line(), *(f"  note: {n}" for n in report.provenance.notes)]


def _warning_lines(report: Report) -> list[str]:
    """The report's warnings, then the fee warnings (and dimensions that could not be
    fetched) prefixed "fees:"; no blank line before them."""
    fee_warnings = list(report.fees.warnings) if report.fees is not None else []
    if report.fees is not None and report.fees.unavailable:
        fee_warnings.append("could not fetch " + ", ".join(report.fees.unavailable))
    return [f"  warning: {w}" for w in (*report.warnings, *(f"fees: {w}" for w in fee_warnings))]
