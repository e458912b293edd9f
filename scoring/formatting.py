"""Short text for numbers and names: percentages, USD, addresses, Nakamoto, "Name (SYM)",
level colours — the one copy of each, shared by the verdict, the terminal report, the
Discord embeds and the charts (pure functions, no I/O)."""

from __future__ import annotations

from datetime import UTC, datetime

from core.scores import GiniBounds, Scores
from core.verdict import Level

ELLIPSIS = "…"

#: Verdict level → colour ("#rrggbb"), most concentrated warmest; the chart badge and the
#: embed's side bar both use it (chosen to read on Discord's dark and light themes).
LEVEL_COLOURS: dict[Level, str] = {
    Level.HIGHLY_CONCENTRATED: "#ff5c5c",
    Level.CONCENTRATED: "#ff9f43",
    Level.MODERATELY_DISTRIBUTED: "#f2c14e",
    Level.BROADLY_DISTRIBUTED: "#4cd6a0",
}
#: The colour of "no verdict" (missing or invalid data).
NO_VERDICT_COLOUR = "#6f7687"


#: What each stored metric is, in words (``/trend`` titles and chart axes).
METRIC_NAMES = {
    "top10_share": "top-10 share",
    "top1_share": "largest holder's share",
    "nakamoto": "Nakamoto coefficient",
    "gini": "Gini (listed holders)",
    "hhi": "HHI (Herfindahl index)",
    "identified_share": "identified share",
}


def metric_name(metric: str) -> str:
    """``metric`` in words; an unknown key with its underscores as spaces."""
    return METRIC_NAMES.get(metric, metric.replace("_", " "))


def level_colour(level: Level | None) -> str:
    """The colour of a verdict level ("#rrggbb"); ``None`` (no verdict) → grey."""
    return NO_VERDICT_COLOUR if level is None else LEVEL_COLOURS[level]


def pct(x: float | None, digits: int | None = None) -> str:
    """A share in [0, 1] as a percentage: ``0.4812`` → ``"48%"``, ``0.0123`` → ``"1.2%"``.

    ``digits`` forces the number of decimals (the terminal table uses 1 so its columns
    align); by default shares of 10 % or more get none and smaller ones one (two below
    0.1 %), so a small share never reads "0%". ``None`` → ``"n/a"``.
    """
    if x is None:
        return "n/a"
    value = x * 100
    if digits is None:
        digits = 0 if abs(value) >= 10 else 1 if abs(value) >= 0.1 else 2
    return f"{value:.{digits}f}%"


def usd(x: float | None) -> str:
    """Compact USD: ``$1.2B``, ``$12.3M``, ``$350K``, ``$812``; ``None`` → ``"not reported"``.

    The unit is picked after rounding, so 999,999 reads ``$1.0M``, not ``$1,000.0K``.
    """
    if x is None:
        return "not reported"
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if round(abs(x) / size, 1) >= 1:
            return f"${x / size:,.1f}{suffix}"
    return f"${x:,.0f}"


def short_address(address: str) -> str:
    """``0x1a9c8182…35bc`` → ``"0x1a9c…35bc"``; short strings are returned unchanged."""
    return f"{address[:6]}{ELLIPSIS}{address[-4:]}" if len(address) > 13 else address


def nakamoto_text(scores: Scores | None) -> str:
    """The Nakamoto coefficient as text with thousands separators: ``"7"``, ``"29,075"``;
    ``">1,000"`` when the listed holders never pass half (the lower bound is n + 1);
    ``"n/a"`` without scores."""
    if scores is None:
        return "n/a"
    if scores.nakamoto is not None:
        return f"{scores.nakamoto:,}"
    return f">{scores.nakamoto_lower_bound - 1:,}"


def moment_text(as_of: str) -> str:
    """An ISO 8601 time in minutes, converted to UTC: ``"2026-02-19 06:27 UTC"``.

    A time without a zone is shown as given (no zone is invented); anything that does not
    parse (``"unknown"``, ``""``) is returned unchanged.
    """
    try:
        when = datetime.fromisoformat(as_of.replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        return as_of
    if when.tzinfo is None:
        return when.strftime("%Y-%m-%d %H:%M")
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def date_text(unix_seconds: int) -> str:
    """Unix seconds → the UTC day, ``"2026-02-19"``."""
    return datetime.fromtimestamp(unix_seconds, tz=UTC).strftime("%Y-%m-%d")


def listed_text(listed: int, holder_count: int | None) -> str:
    """How much of the holder list was read: ``"top 1,000 of 384,211 holders"`` when the
    list is truncated, ``"all 1,000 holders"`` when it is complete, ``"1,000 listed
    holders"`` when the holder count is unknown (whether more exist is not known)."""
    if holder_count is None:
        return f"{listed:,} listed holders"
    if holder_count > listed:
        return f"top {listed:,} of {holder_count:,} holders"
    return f"all {listed:,} holders"


def gini_texts(listed_gini: float | None, bounds: GiniBounds | None) -> str:
    """Which Gini is which: ``"Gini 0.81 of the listed · 0.97–0.99 of all holders"``; just
    the listed one when there are no bounds; "" when there is neither."""
    parts = []
    if listed_gini is not None:
        parts.append(f"Gini {listed_gini:.2f} of the listed")
    if bounds is not None:
        parts.append(f"{bounds.low:.2f}–{bounds.high:.2f} of all holders")
    return " · ".join(parts)


#: What each view's shares are of, in words (the view's denominator).
VIEW_DENOMINATORS: dict[str, str] = {
    "raw": "total supply",
    "circulating": "circulating supply",
    "owners": "owner-held supply",
    "beneficial": "owner-held supply, wrappers looked through",
}


def amount(x: float) -> str:
    """Compact token amount: ``1.00B``, ``351.2M``, ``12.5K``, ``812``."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if round(abs(x) / size, 1) >= 1:
            return f"{x / size:,.{2 if size == 1e9 else 1}f}{suffix}"
    return f"{x:,.0f}"


def denominator_text(view: str, denominator: float, symbol: str, supply_known: bool,
                     *, short: bool = False) -> str:
    """What the shares of ``view`` are of: "owner-held supply (351.2M UNI)"; with
    ``supply_known`` False, "the listed holders' sum" for the raw view and "the listed
    holders' sum minus what the view left out" for the others (``short``: no amount)."""
    if supply_known:
        words = VIEW_DENOMINATORS.get(view, f"{view} denominator")
    else:
        words = ("the listed holders' sum" if view == "raw"
                 else f"the listed sum kept by the {view} view")
    if short or denominator <= 0:
        return words
    return f"{words} ({amount(denominator)} {symbol})".replace(" )", ")")
