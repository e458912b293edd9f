"""Discord embeds for reports, within Discord's limits, with every echoed text escaped.

Limits (Discord API): title 256, description 4096, ≤ 25 fields, field name 256, field value
1024, footer 2048, 6000 characters per embed in all; message content 2000.
"""

from __future__ import annotations

import re

import discord

from core.categories import CATEGORY_WORDS, VIEWS, in_view
from core.errors import without_hosts
from core.report import Report
from core.views import ViewSet
from pipeline.service import Answer
from pipeline.trends import trend_line
from scoring.formatting import (
    denominator_text,
    level_colour,
    nakamoto_text,
    pct,
    short_address,
    usd,
)
from scoring.power_text import amount, delegate_name, quorum_clause, trend_clause
from scoring.verdict import LEVELS, methodology_text
from scoring.windows import fee_window, vote_window, window_lines

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_TOTAL_MAX = 6000
CONTENT_MAX = 2000

NEUTRAL = 0x5865F2

# discord.py's escape_markdown leaves "<scheme:/…>" untouched, markdown inside included.
_ANGLE_LINK = re.compile(r"<[^: >]+:/[^ >]+>")  # the same shape discord.py skips
_MARKDOWN_CHAR = re.compile(r"[*_~`|\\]")
# Zero-width and bidi-control characters users can hide text with; removed before escaping.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
# A user/role mention discord.py's escape_mentions leaves alone (ids of under 17 digits, which
# Discord still renders as a mention): "<@1>", "<@!0>", "<@&2>".
_BARE_MENTION = re.compile(r"<@(?=[!&]?\d)")


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, ending with … when cut. A cut never leaves half
    an escape behind: a trailing zero-width space (of ``]\u200b(`` or ``@\u200b``) or
    backslash is dropped with what it escaped."""
    return text if len(text) <= limit else text[: limit - 1].rstrip("\u200b\\") + "…"


def safe(text: str, limit: int = 200) -> str:
    """User or upstream text made inert, on one line, then clipped to ``limit`` characters.

    Invisible characters are removed, every line break (``\\n``, ``\\r``, U+2028…) becomes
    a space, markdown and mentions are escaped — ``@everyone``, ``@here`` and ``<@…>`` /
    ``<@&…>`` whatever the length of the id. ``](`` gets a zero-width space: discord.py's
    ``escape_markdown`` skips the inside of anything shaped like a masked link, so
    ``[a](**b**)`` or ``[x](```)`` would keep their markdown; and it skips anything shaped
    like ``<scheme:/…>``, so markdown there is escaped here (``<**:/0>`` kept its ``**``).
    """
    raw = _one_line(text).replace("](", "]\u200b(")
    raw = _ANGLE_LINK.sub(lambda m: _MARKDOWN_CHAR.sub(r"\\\g<0>", m.group()), raw)
    return clip(_no_mentions(discord.utils.escape_markdown(raw)), limit)


def plain(text: str, limit: int) -> str:
    """Text for places Discord shows without markdown (embed footers): like :func:`safe` but
    without markdown escapes (their backslashes would show), then clipped."""
    return clip(_no_mentions(_one_line(text)), limit)


def _one_line(text: object) -> str:
    """``text`` without invisible characters, its line breaks turned into spaces."""
    return " ".join(_INVISIBLE.sub("", str(text)).splitlines())


def _no_mentions(text: str) -> str:
    """Mentions made inert with a zero-width space (``@\u200beveryone``, ``<@\u200b1>``)."""
    return _BARE_MENTION.sub("<@\u200b", discord.utils.escape_mentions(text))


def fit(embed: discord.Embed) -> discord.Embed:
    """Drop trailing fields until the embed fits Discord's 6000-character total."""
    while len(embed) > EMBED_TOTAL_MAX and embed.fields:
        embed.remove_field(len(embed.fields) - 1)
    if len(embed) > EMBED_TOTAL_MAX and embed.description:
        embed.description = clip(embed.description, 1000)
    return embed


def _title(report: Report) -> str:
    """"Name (SYM) — level" (:attr:`Report.title`, escaped)."""
    verdict = report.verdict
    if verdict is None:
        level = "no verdict"
    else:
        level = (f"{verdict.level if verdict.level is not None else 'level withheld'}"
                 f" · {verdict.confidence} confidence")
    return clip(f"{safe(report.title, 124)} — {level}", TITLE_MAX)


def _view_value(report: Report, view: str) -> str:
    assert report.views is not None
    v = report.views.get(view)
    s = v.scores
    if s is None:
        return "nothing left in this view"
    if v.gini_all is not None:  # truncated list: bounds for all holders, not the listed ones
        gini = (f"Gini {v.gini_all.low:.2f}–{v.gini_all.high:.2f} (all holders; "
                f"top {s.holders:,}: {s.gini:.2f})")
    else:
        gini = f"Gini {s.gini:.2f} (listed holders)"
    entities = ""  # wallets merged only where labels name one organisation
    if v.entities and v.entity_nakamoto is not None:
        entities = f" (**{v.entity_nakamoto:,}** counting entities)"
    lines = [
        f"Nakamoto **{nakamoto_text(s)}**{entities} · top 10 **{pct(s.top10_share, 0)}** · "
        f"top 1 {pct(s.top1_share, 1)}",
        f"HHI {s.hhi:.3f} (≈{s.effective_holders:,.0f} equal owners) · {gini}",
        f"identified: {pct(v.identified_share, 0)} of the listed balance",
    ]
    if view != "raw":
        lines.append(f"left out {pct(v.excluded.share, 0)} ({v.excluded.count} holders)")
    if view == "beneficial":
        lines.extend(_look_through_value(report.views))
    return clip("\n".join(lines), FIELD_VALUE_MAX)


def _look_through_value(views: ViewSet) -> list[str]:
    """What the beneficial view looked through and what it could not, in short."""
    lines = []
    if views.looked_through:
        lines.append("looked through " + ", ".join(
            f"{safe(w.label, 40)} ({pct(w.share, 0)}, {w.holders_listed:,} holders)"
            for w in views.looked_through))
    if views.not_looked_through:
        lines.append("not looked through " + ", ".join(
            f"{safe(n.label, 40)} ({pct(n.share, 0)})" for n in views.not_looked_through[:3]))
    return lines


def _fees_value(report: Report) -> str:
    assert report.fees is not None
    f = report.fees.split_30d
    shares = f.shares()
    lines = [
        f"paid **{usd(f.fees)}**",
        f"supply side {usd(f.supply_side)} ({pct(shares['supply_side'], 0)})",
        f"treasury {usd(f.treasury)} ({pct(shares['treasury'], 0)})",
        f"holders {usd(f.holders_revenue)} ({pct(shares['holders'], 0)})",
    ]
    if report.fees.category_share is not None:
        lines.append(f"{pct(report.fees.category_share, 1)} of "
                     f"{safe(report.fees.category, 40)} "
                     f"fees (category HHI {report.fees.category_hhi or 0:.2f})")
    if report.fees.profit_flow_top10_usd is not None:
        lines.append(f"top-10 owners would get {usd(report.fees.profit_flow_top10_usd)} "
                     f"of holders revenue ({report.fees.profit_flow_assumption})")
    return clip("\n".join(lines), FIELD_VALUE_MAX)


def _fees_title(report: Report) -> str:
    """"Fees, 30 days 2025-10-22 → 2025-11-20" (the window's dates when known)."""
    assert report.fees is not None
    days = report.fees.split_30d.period_days
    return (f"Fees, {days} days {report.fees.window}" if report.fees.window
            else f"Fees, last {days} days")


def _votes_value(report: Report, limit: int = 5) -> str:
    assert report.votes is not None
    window = vote_window(report.votes)
    lines = []
    if window is not None:
        span = (window["from"] if window["from"] == window["to"]
                else f"{window['from']} → {window['to']}")
        lines.append(f"{window['proposals']} proposal(s) closed {span}")
    for p in report.votes.proposals[:limit]:
        title = safe(p.title, 60)
        if p.scores is None:
            lines.append(f"{title}: no votes")
        else:
            lines.append(f"{title}: top voter {pct(p.scores.top1_share, 0)}, top 10 "
                         f"{pct(p.scores.top10_share, 0)}, Nakamoto {nakamoto_text(p.scores)}")
    if report.votes.note:
        lines.append(f"*{safe(report.votes.note, 300)}*")
    return clip("\n".join(lines) or "no closed proposals found", FIELD_VALUE_MAX)


def view_field_name(report: Report, view: str) -> str:
    """"owners view · % of owner-held supply (351.2M UNI)": the view and its denominator."""
    assert report.views is not None
    v = report.views.get(view)
    return clip(f"{view} view · % of " + safe(denominator_text(
        view, v.denominator, report.symbol, report.views.supply_known), 120), FIELD_NAME_MAX)


def footer_text(report: Report, view: str | None = None) -> str:
    """Provenance for the footer, then the window of every part (holder fetch time and
    source, fee window, vote dates).

    The provenance names the sources that supplied a figure, the holders' as-of time, the
    denominator — of ``view`` when the embed shows one view (``/holders``), else "each
    view's own" (every field names its own) — the threshold, and what ``view`` (default
    owners) leaves out.
    """
    p = report.provenance
    if p is not None:
        shown = view or "owners"
        if view is not None and report.views is not None:
            v = report.views.get(view)
            denominator = f"{view} view: % of " + denominator_text(
                view, v.denominator, report.symbol, report.views.supply_known)
        else:
            denominator = "each view's shares are of its own denominator (see its field)"
        leaves = ("" if shown == "raw" else
                  f"{shown} view leaves out " + p.exclusions.get(shown, "nothing"))
        text = " · ".join(part for part in (
            "Sources: " + ", ".join(p.sources), f"holders as of {p.as_of}", denominator,
            p.threshold, leaves) if part)
    else:
        text = "Sources: " + ", ".join(s.source for s in report.sources)
    text = " · ".join([text, *window_lines(report)])
    return plain(text, FOOTER_MAX)  # holds upstream text: symbol, Snapshot space id


def concentration_embed(answer: Answer, filename: str | None) -> discord.Embed:
    """The main answer: verdict, three views, fee split, votes summary, provenance."""
    report = answer.report
    colour = (int(level_colour(report.verdict.level)[1:], 16) if report.verdict else NEUTRAL)
    if report.verdict is not None:
        description = safe(report.verdict.summary, 1500)
    else:
        description = (f"No verdict: the holder list of {safe(report.name, 100)} is missing "
                       "(see Missing).")
    if answer.stale_reason:
        minutes = max(1, round(answer.age_seconds() / 60))
        description = (f"⚠️ Live data unavailable ({safe(answer.stale_reason, 200)}). "
                       f"Showing the answer from {minutes} min ago.\n\n" + description)
    embed = discord.Embed(title=_title(report), description=clip(description, DESCRIPTION_MAX),
                          colour=colour)
    if report.views is not None:
        shown = ("owners", "circulating", "raw")
        for view in (("beneficial", *shown) if report.views.beneficial else shown):
            embed.add_field(name=view_field_name(report, view),
                            value=_view_value(report, view), inline=False)
    if answer.trends:
        basis = report.verdict.basis_view if report.verdict else "owners"
        lines = "\n".join(trend_line(t) for t in answer.trends)
        embed.add_field(name=f"Trend ({basis} view)", value=clip(lines, FIELD_VALUE_MAX),
                        inline=False)
    if report.fees is not None:
        embed.add_field(name=_fees_title(report), value=_fees_value(report), inline=False)
    if report.governance is not None:
        embed.add_field(name=power_title(report), value=power_value(report, 3), inline=False)
    if report.votes is not None and report.votes.proposals:
        embed.add_field(name=f"Snapshot votes ({safe(report.votes.space, 60)})",
                        value=_votes_value(report, 3), inline=False)
    if report.missing:
        embed.add_field(name="Missing", value=clip("\n".join(safe(without_hosts(m), 300)
                                                               for m in report.missing),
                                                     FIELD_VALUE_MAX), inline=False)
    caveats = caveat_lines(report)
    if caveats:
        embed.add_field(name="Caveats", value=clip("\n".join(caveats), FIELD_VALUE_MAX),
                        inline=False)
    embed.set_footer(text=footer_text(report))
    if filename:
        embed.set_image(url=f"attachment://{filename}")
    return fit(embed)


def caveat_lines(report: Report) -> list[str]:
    """What qualifies the numbers: coverage, truncation, fallbacks, inconsistent inputs
    (upstream text: without hosts or URLs, :func:`core.errors.without_hosts`)."""
    lines = [safe(without_hosts(w), 200) for w in report.warnings]
    if report.fees is not None:
        lines.extend(safe(without_hosts(w), 200) for w in report.fees.warnings)
        if report.fees.unavailable:
            lines.append("fees: could not fetch " + ", ".join(
                u.replace("_", " ") for u in report.fees.unavailable) + " (not the same as 0)")
    if report.provenance is not None:
        lines.extend(safe(n, 200) for n in report.provenance.notes)
    return lines[:8]


def holders_embed(report: Report, view: str = "raw", top: int = 15) -> discord.Embed:
    """The top holders of a view, with labels and categories."""
    if view not in VIEWS:
        view = "raw"
    embed = discord.Embed(title=clip(f"{safe(report.name, 100)} — top {top} holders "
                                     f"({view} view)", TITLE_MAX), colour=NEUTRAL)
    if report.holders is None or report.views is None:
        embed.description = _missing_text(report, "holder")
        return fit(embed)
    v = report.views.get(view)
    kept = [h for h in report.holders if in_view(h.category, view)][:top]
    lines = []
    for i, h in enumerate(kept, 1):
        share = pct(h.balance / v.denominator, 1) if v.denominator else "n/a"
        kind = CATEGORY_WORDS.get(h.category, h.category.value.replace("_", " "))
        lines.append(f"`{i:>2}.` `{short_address(h.address)}` **{share}** — "
                     + (f"{safe(h.label, 40)} *({kind})*" if h.label else f"*{kind}*"))
    embed.description = clip("\n".join(lines) or "no holders in this view", DESCRIPTION_MAX)
    embed.set_footer(text=footer_text(report, view))
    return fit(embed)


def fees_embed(report: Report) -> discord.Embed:
    """Where the fees go."""
    embed = discord.Embed(title=clip(f"{safe(report.name, 100)} — where the fees go",
                                     TITLE_MAX), colour=NEUTRAL)
    if report.fees is None:
        embed.description = _missing_text(report, "fee")
    else:
        embed.description = (f"**{_fees_title(report)}**\n" + _fees_value(report))
        totals = report.fees.totals.get("fees", {})
        if totals:
            embed.add_field(name="Fees paid", value=" · ".join(
                f"{PERIOD_NAMES.get(k, k.replace('_', ' '))}: {usd(v)}"
                for k, v in totals.items()), inline=False)
        caveats = [safe(w, 200) for w in report.fees.warnings]  # staleness, negatives…
        if report.fees.unavailable:
            caveats.append("could not fetch " + ", ".join(
                u.replace("_", " ") for u in report.fees.unavailable) + " (not the same as 0)")
        if caveats:
            embed.add_field(name="Caveats", value=clip("\n".join(caveats[:6]),
                                                       FIELD_VALUE_MAX), inline=False)
    window = fee_window(report.fees)
    when = f", 30 days {window['from']} → {window['to']}" if window else ""
    cited = [s for s in report.sources if s.source.startswith("DefiLlama")]
    source = (f"Source: {cited[0].source} ({cited[0].what}{when}). Not reported ≠ zero."
              if cited and report.fees is not None else "No fee source answered.")
    embed.set_footer(text=plain(source, FOOTER_MAX))
    return fit(embed)


def power_title(report: Report) -> str:
    """"On-chain power (Uniswap GovernorBravo, block 21,000,000)"."""
    gov = report.governance
    assert gov is not None
    return clip(f"On-chain power ({safe(gov.governor_label, 60)}, block {gov.block:,})",
                FIELD_NAME_MAX)


def power_value(report: Report, top: int = 5) -> str:
    """Quorum and threshold, how many delegates reach quorum, the top delegates, the trend
    and how complete the delegate set is (:mod:`scoring.power_text`)."""
    gov = report.governance
    assert gov is not None
    sym = safe(gov.symbol, 20)
    lines = [f"Quorum {amount(gov.quorum)} {sym} · proposal threshold "
             f"{amount(gov.proposal_threshold)} {sym}"]
    clause = quorum_clause(gov)
    if clause:
        lines.append(f"**{safe(clause[0].upper() + clause[1:], 200)}**")
    for i, d in enumerate(gov.delegates[:top], start=1):
        lines.append(f"{i}. {safe(delegate_name(d), 40)} — {amount(d.votes)} ({pct(d.share)})")
    trend = trend_clause(gov)
    if trend:
        lines.append(safe(trend[0].upper() + trend[1:], 200))
    lines.append(f"*Delegate set: {safe(gov.completeness, 300)}*")
    return clip("\n".join(lines), FIELD_VALUE_MAX)


def votes_embed(report: Report) -> discord.Embed:
    """Who can pass a proposal: on-chain delegates first (DAOs that decide on-chain), then
    Snapshot voting power of recent proposals (both when both exist)."""
    embed = discord.Embed(title=clip(f"{safe(report.name, 100)} — who votes", TITLE_MAX),
                          colour=NEUTRAL)
    if report.governance is not None:
        embed.add_field(name=power_title(report), value=power_value(report, 10), inline=False)
    snapshot = (_missing_text(report, "vote") if report.votes is None
                else _votes_value(report, 10))
    if report.governance is None:
        embed.description = snapshot
    elif report.votes is not None or any("vote" in m for m in report.missing):
        embed.add_field(name="Snapshot votes", value=clip(snapshot, FIELD_VALUE_MAX),
                        inline=False)
    window = vote_window(report.votes)
    when = f"; proposals closed {window['from']} → {window['to']}" if window else ""
    cited = [s for s in report.sources if s.source.startswith("Snapshot")]
    sources = [f"{cited[0].source} (votes ordered by voting power{when})"] if cited else []
    if report.governance is not None:
        sources.insert(0, f"{report.governance.source} at block {report.governance.block:,}")
    embed.set_footer(text=plain(
        ("Sources: " + "; ".join(sources) + ".") if sources
        else "No vote was read: no source cited.", FOOTER_MAX))
    return fit(embed)


#: Names of DefiLlama's total periods (``FeeReport.totals`` keys) for users.
PERIOD_NAMES: dict[str, str] = {"24h": "last 24 h", "7d": "last 7 days", "30d": "last 30 days",
                                "all_time": "all time"}


def _missing_text(report: Report, part: str) -> str:
    """Why ``part`` ("holder", "fee", "vote") of ``report`` is missing: the report's
    missing lines — each names the protocol, the part and the provider, in words — or
    "<name>: no <part> data" when none says more."""
    lines = [m for m in report.missing if part in m.lower()] or list(report.missing)
    return safe(without_hosts("; ".join(lines)) or f"{report.name}: no {part} data", 900)


def _compare_verdict(report: Report) -> str:
    """"verdict: <level> (<confidence> confidence)", "withheld" for a withheld level."""
    v = report.verdict
    if v is None:
        return "verdict: no verdict"
    return f"verdict: {v.level or 'withheld'} ({v.confidence} confidence)"


def compare_embed(answers: list[Answer], filename: str | None,
                  notes: list[str] | tuple[str, ...] = ()) -> discord.Embed:
    """Side-by-side key figures of 1–4 protocols (owners view); ``notes`` name the
    protocols left out and why (unknown, the same as another, no data), in the
    description."""
    embed = discord.Embed(title="Comparison (owners view)", colour=NEUTRAL)
    if notes:
        embed.description = clip("Not compared: " + " ".join(safe(n, 400) for n in notes),
                                 DESCRIPTION_MAX)
    for a in answers:
        r = a.report
        s = r.views.owners.scores if r.views is not None else None
        lines = [_compare_verdict(r)]
        if s is not None and r.views is not None:
            lines.append(f"Nakamoto {nakamoto_text(s)} · top 10 {pct(s.top10_share, 0)} · "
                         f"Gini {s.gini:.2f}")
            lines.append("owners view, % of " + safe(denominator_text(
                "owners", r.views.owners.denominator, r.symbol, r.views.supply_known), 120))
        elif "holders" in r.parts:
            lines.append(_missing_text(r, "holder"))
        if r.fees is not None:
            lines.append(f"holders' share of fees: {pct(r.fees.split_30d.holders_share, 0)}")
        lines.extend(safe(w, 120) for w in window_lines(r))
        embed.add_field(name=clip(safe(r.title, 100), FIELD_NAME_MAX),
                        value=clip("\n".join(lines), FIELD_VALUE_MAX), inline=True)
    if filename:
        embed.set_image(url=f"attachment://{filename}")
    embed.set_footer(text=plain(compared_sources([a.report for a in answers]), FOOTER_MAX))
    return fit(embed)


def compared_sources(reports: list[Report]) -> str:
    """"Sources: …" naming only the sources that supplied a figure to one of ``reports``."""
    names = list(dict.fromkeys(s.source for r in reports for s in r.sources))
    return ("Sources: " + ", ".join(names) + ".") if names else "No source answered."


def methodology_embed() -> discord.Embed:
    """How Lorenz measures (the thresholds come from scoring.verdict.LEVELS)."""
    embed = discord.Embed(title="How Lorenz measures concentration", colour=NEUTRAL,
                          description=clip("```\n" + methodology_text() + "\n```",
                                           DESCRIPTION_MAX))
    embed.set_footer(text=f"{len(LEVELS)} levels; thresholds live in scoring/verdict.py")
    return fit(embed)


def help_embed(prefix_enabled: bool, prefix: str) -> discord.Embed:
    """The command list."""
    lines = [
        "`/concentration protocol` — verdict, key figures, fee split and chart",
        "`/compare a b [c] [d]` — 2–4 protocols side by side",
        "`/holders protocol [view]` — top 15 holders with labels; views: **owners** "
        "(default: without treasury, burn, vesting, exchanges, bridges, pools), "
        "**circulating** (without treasury, burn, vesting), **raw** (everything)",
        "`/fees protocol` — where the fees go (30 days)",
        "`/votes protocol` — Snapshot voting power",
        "`/methodology` — what the numbers mean",
        "Or mention me: “@Lorenz how centralized is aave?”",
    ]
    if prefix_enabled:
        lines.append(f"Text commands: `{safe(prefix, 5)}conc uniswap`")
    return discord.Embed(title="Lorenz — is it really decentralized?", colour=NEUTRAL,
                         description="\n".join(lines))
