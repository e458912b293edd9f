"""Words for on-chain power: the verdict clause, the trend sentence and the report lines.

Pure formatting of a :class:`core.governance.GovernanceReport`; shared by the text report,
the Discord embeds and ``/votes`` so every surface says the same thing.
"""

from __future__ import annotations

from core.governance import Delegate, GovernanceReport, PowerTrend
from scoring.formatting import pct, short_address


def amount(x: float | None) -> str:
    """Token amounts for sentences: "40M", "2.5M", "320k", "950"; "?" when unknown."""
    if x is None:
        return "?"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= size:
            text = f"{x / size:.1f}".rstrip("0").rstrip(".")
            return f"{text}{suffix}"
    return f"{x:,.0f}"


def quorum_clause(gov: GovernanceReport) -> str | None:
    """"4 delegates can reach Uniswap's 40M UNI quorum alone" — or that the delegates found
    do not reach it; ``None`` when the quorum is unknown."""
    if gov.quorum is None:
        return None
    what = f"{gov.dao}'s {amount(gov.quorum)} {gov.symbol} quorum".replace("  ", " ")
    k = gov.scores.delegates_to_quorum
    if k is None and gov.delegates_found == 0:
        return f"no delegates found yet to weigh against {what}"
    if k is None:
        found = f"{gov.delegates_found:,} delegate" + ("s" if gov.delegates_found != 1 else "")
        bound = "" if gov.complete else " (a lower bound of the delegate set)"
        return f"the {found} found together do not reach {what}{bound}"
    who = "1 delegate" if k == 1 else f"{k:,} delegates"
    return f"{who} can reach {what} alone"


def trend_clause(gov: GovernanceReport) -> str | None:
    """"the top 5 delegates gained 3.1 points of supply since 2026-08-31" (the longest
    window with a change); ``None`` without a trend."""
    usable = [t for t in gov.trend if t.change_points is not None]
    if not usable:
        return None
    t = max(usable, key=lambda x: x.days)
    assert t.change_points is not None
    verb = "gained" if t.change_points > 0 else "lost" if t.change_points < 0 else "kept"
    size = "their share" if verb == "kept" else f"{abs(t.change_points):.1f} points"
    return f"the top {t.top} delegates {verb} {size} of the supply since {t.date}"


def power_clauses(gov: GovernanceReport) -> tuple[str, ...]:
    """The verdict's power clauses: quorum first, then the trend (each when known)."""
    return tuple(c for c in (quorum_clause(gov), trend_clause(gov)) if c)


def delegate_name(d: Delegate) -> str:
    """The label, else the short address."""
    return d.label or short_address(d.address)


def _trend_line(t: PowerTrend) -> str:
    change = f"{t.change_points:+.1f} pts" if t.change_points is not None else "change unknown"
    quorum = (f"; {t.delegates_to_quorum_then} of them could reach quorum then"
              if t.delegates_to_quorum_then else "; together they could not reach quorum then")
    return (f"  {t.days} days ago (block {t.block:,}, {t.date}): top {t.top} held "
            f"{pct(t.share_then)} of supply, now {pct(t.share_now)} ({change}){quorum}")


def power_lines(gov: GovernanceReport, top: int = 10) -> list[str]:
    """The text report's section: rules, the figures, the top delegates, trend, method."""
    lines = [f"On-chain power ({gov.governor_label}, {gov.chain}, block {gov.block:,}, "
             f"{gov.as_of}):",
             f"  quorum {amount(gov.quorum)} {gov.symbol}, counted as: {gov.quorum_rule}; "
             f"proposal threshold {amount(gov.proposal_threshold)} {gov.symbol}"]
    clause = quorum_clause(gov)
    if clause:
        lines.append(f"  {clause[0].upper()}{clause[1:]}.")
    if gov.delegates:  # else no figures to state: the delegate set below says why
        lines += _figure_lines(gov, top)
    lines.append(f"  delegate set: {gov.completeness}")
    lines.append(f"  method: {gov.method}")
    lines += [f"  note: {n}" for n in gov.notes]
    return lines


def _figure_lines(gov: GovernanceReport, top: int) -> list[str]:
    """Delegated votes, Nakamoto, top 5, proposers; the top delegates; the trend."""
    s = gov.scores
    lines: list[str] = []
    delegated = amount(gov.delegated_votes)
    basis = ("voting supply (every balance votes)" if gov.kind == "aave3" else
             "delegated votes")
    lines.append(f"  {basis} {delegated} {gov.symbol}"
                 + ("" if gov.delegated_exact or gov.kind == "aave3"
                    else " (sum over the delegates found)")
                 + f"; delegate Nakamoto {s.nakamoto if s.nakamoto else 'not reached'}; "
                 f"top 5 hold {pct(s.top5_share)}; {s.over_threshold} can propose alone"
                 + (f"; not delegated: {pct(s.inactive_share)} of supply"
                    if s.inactive_share is not None else ""))
    for i, d in enumerate(gov.delegates[:top], start=1):
        lines.append(f"  {i:>3}. {d.address}  {amount(d.votes):>7}  {pct(d.share):>6}  "
                     f"{d.label or '(unlabelled)'}")
    lines += [_trend_line(t) for t in gov.trend]
    return lines
