"""Trends: how a protocol's figures moved against its stored snapshots.

Every answer compares itself with the nearest snapshot 7, 30 and 90 days back (the newest
one taken at or before that day, and no more than half the span older), with the dates
compared. With no snapshot that far back, the change since the first snapshot is given,
marked "since <date>" — holder history is never invented.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from pipeline.snapshots import iso, same_view_change
from store.records import SnapshotIn, SnapshotOut
from store.repo import Store, utcnow

#: Days back every answer compares with.
WINDOWS: tuple[int, ...] = (7, 30, 90)
#: A snapshot younger than this is no trend of its own ("since" needs some history).
MIN_SINCE = dt.timedelta(hours=20)


@dataclass(frozen=True, slots=True)
class Trend:
    """The change from one stored snapshot to now.

    ``days`` is the window asked for (``None``: since the first snapshot); ``since`` and
    ``until`` the holder lists' times compared; ``top10_points`` the basis view's top-10
    share change in percentage points; ``nakamoto`` the change in holders; ``quorum`` the
    delegates needed to reach quorum then and now, from the governance figures stored with
    both snapshots (``None`` when either side lacks the figure).
    """

    days: int | None
    since: dt.datetime
    until: dt.datetime
    top10_points: float | None
    nakamoto: int | None
    quorum: tuple[int, int] | None = None  # delegates needed for quorum: then, now

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict."""
        return {"days": self.days, "since": iso(self.since), "until": iso(self.until),
                "top10_share_points": self.top10_points, "nakamoto": self.nakamoto,
                "delegates_to_quorum": list(self.quorum) if self.quorum else None}


def _trend(days: int | None, old: SnapshotIn, new: SnapshotIn) -> Trend:
    points, naka = same_view_change(old, new, digits=2)
    then, now = ((g or {}).get("delegates_to_quorum") for g in (old.governance, new.governance))
    quorum = (then, now) if isinstance(then, int) and isinstance(now, int) else None
    return Trend(days, old.as_of, new.as_of, points, naka, quorum)


async def trends_for(store: Store, current: SnapshotIn, now: dt.datetime | None = None,
                     exclude: int | None = None) -> tuple[Trend, ...]:
    """The trends of ``current`` against the stored snapshots of its protocol.

    ``exclude`` is the id of ``current``'s own stored snapshot (never compared with
    itself).
    """
    now = now or utcnow()
    found: list[Trend] = []
    seen: set[int] = set() if exclude is None else {exclude}
    for days in WINDOWS:
        target = now - dt.timedelta(days=days)
        old = await store.at_or_before(current.protocol, target)
        if old is None or old.id in seen or old.taken_at < target - dt.timedelta(days=days / 2):
            continue
        seen.add(old.id)
        found.append(_trend(days, old.data, current))
    if not found:
        first = await store.first(current.protocol)
        if first is not None and first.id not in seen and first.taken_at <= now - MIN_SINCE:
            found.append(_trend(None, first.data, current))
    return tuple(found)


def arrow(value: float | int | None, *, invert: bool = False) -> str:
    """▲ more concentrated, ▼ less, ▶ unchanged (``invert``: a higher value means less
    concentrated, as for the Nakamoto coefficient)."""
    if value is None or value == 0:
        return "▶"
    up = value > 0
    return "▲" if up != invert else "▼"


def trend_line(t: Trend) -> str:
    """``7 d (2026-01-01 → 2026-01-08): top 10 ▲ +2.10 pts · Nakamoto ▼ -1``."""
    span = f"{t.days} d" if t.days is not None else f"since {t.since:%Y-%m-%d}"
    parts = []
    if t.top10_points is not None:
        parts.append(f"top 10 {arrow(t.top10_points)} {t.top10_points:+.2f} pts")
    if t.nakamoto is not None:
        parts.append(f"Nakamoto {arrow(t.nakamoto, invert=True)} {t.nakamoto:+d}")
    if t.quorum is not None:  # fewer delegates to reach quorum: more concentrated
        then, now = t.quorum
        parts.append(f"delegates to quorum {arrow(now - then, invert=True)} {then} → {now}")
    return (f"{span} ({t.since:%Y-%m-%d} → {t.until:%Y-%m-%d}): "
            + (" · ".join(parts) or "figures not comparable"))


def series(snaps: list[SnapshotOut], metric: str) -> tuple[list[dt.datetime],
                                                          dict[str, list[float | None]]]:
    """``metric`` of every view over time: the holder lists' times and one line per view
    (``None`` where a snapshot lacks the view or the figure)."""
    views: list[str] = []
    for s in snaps:
        views.extend(v for v in s.data.metrics if v not in views)
    lines: dict[str, list[float | None]] = {v: [] for v in views}
    for s in snaps:
        for v in views:
            value = (s.data.metrics.get(v) or {}).get(metric)
            lines[v].append(float(value) if isinstance(value, int | float) else None)
    return [s.data.as_of for s in snaps], lines
