"""The daily refresh of watched protocols: fresh snapshots, digests and alerts (no discord).

One run (:func:`daily_posts`, under :meth:`store.repo.Store.job_slot` so it runs once
across processes):

1. every protocol some active watch names is analysed from fresh data and stored
   (``origin="refresh"``; :func:`pipeline.snapshots.take_snapshot`);
2. each watch compares the new snapshot with its baseline (the snapshot its last run or
   ``/watch add`` saw) against its thresholds (:data:`store.thresholds.DEFAULT_THRESHOLDS`
   unless overridden): top-10 share ± points, Nakamoto change, a new holder or delegate in
   the top 10 with at least a share of supply, delegates-to-quorum change;
3. a digest (once per watch per day) and an alert listing every threshold crossed (once
   per watch and baseline) are *claimed* in the store by key (never posted twice), then
   the baseline moves to the new snapshot.

The Discord layer sends what was claimed (:func:`pending_posts`) and marks each sent; a
claim whose post failed or never went out (a crash) is sent by the next run. A crash after
step 1 leaves the baseline where it was, so the next run finds the same crossing and
alerts once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from core.errors import LorenzError
from core.protocol import ProtocolRecord
from pipeline.analyze import Services
from pipeline.snapshots import TOP_N, change_between, take_snapshot, view_figures
from pipeline.trends import arrow
from store.records import SnapshotIn, SnapshotOut, WatchRow
from store.repo import Store
from store.thresholds import effective

log = logging.getLogger(__name__)

Resolve = Callable[[str], Awaitable[ProtocolRecord]]


@dataclass(frozen=True, slots=True)
class Planned:
    """A claimed post waiting to go out: its id, the watch, guild and channel, its text."""

    post_id: int
    watch_id: int
    guild_id: int
    channel_id: int
    kind: str
    text: str


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


def digest_text(watch: WatchRow, snap: SnapshotOut, baseline: SnapshotOut | None) -> str:
    """The daily digest line(s) of one watch: plain text (the Discord layer escapes it)."""
    d = snap.data
    lines = [f"{d.name} daily digest ({d.basis_view} view, holders from "
             f"{d.source or 'unknown source'} as of {d.as_of:%Y-%m-%d %H:%M} UTC): top 10 "
             f"{_pct(d.top10_share)}, Nakamoto {d.nakamoto if d.nakamoto is not None else 'n/a'}"
             + (f", verdict {d.verdict_level}" if d.verdict_level else ", no verdict")]
    if baseline is not None:
        c = change_between(baseline, snap)
        if c.top10_points is not None:
            lines.append(f"since {baseline.data.as_of:%Y-%m-%d}: top 10 "
                         f"{arrow(c.top10_points)} {c.top10_points:+.2f} points"
                         + (f", Nakamoto {c.nakamoto:+d}" if c.nakamoto else ""))
    return "\n".join(lines)


def alert_texts(watch: WatchRow, baseline: SnapshotOut, snap: SnapshotOut
                ) -> list[tuple[str, str]]:
    """``(kind, text)`` of every threshold ``snap`` crosses against ``baseline``."""
    th = effective(watch.thresholds)
    old, new = baseline.data, snap.data
    since = f"since {old.as_of:%Y-%m-%d}"
    out: list[tuple[str, str]] = []
    change = change_between(baseline, snap)
    (top_then, naka_then), (top_now, naka_now) = (view_figures(d, new.basis_view)
                                                  for d in (old, new))
    if change.top10_points is not None and abs(change.top10_points) >= th["top10_points"]:
        verb = "gained" if change.top10_points > 0 else "lost"
        out.append(("top10", f"⚠️ {new.name}: the top 10 ({new.basis_view} view) {verb} "
                             f"{abs(change.top10_points):.2f} points {since} "
                             f"({_pct(top_then)} → {_pct(top_now)})."))
    if change.nakamoto is not None and abs(change.nakamoto) >= th["nakamoto_change"]:
        out.append(("nakamoto", f"⚠️ {new.name}: Nakamoto coefficient {naka_then} → "
                                f"{naka_now} {since} ({new.basis_view} view)."))
    out += _newcomer_alerts(old, new, th["new_member_share"])
    quorum = _quorum_change(old.governance, new.governance)
    if quorum is not None and abs(quorum[1] - quorum[0]) >= th["quorum_delegates_change"]:
        out.append(("quorum", f"⚠️ {new.name}: delegates needed to reach quorum "
                              f"{quorum[0]} → {quorum[1]} {since}."))
    return out


def _newcomer_alerts(old: SnapshotIn, new: SnapshotIn, least: float
                     ) -> list[tuple[str, str]]:
    """A new address among the top 10 holders (every address, the raw list) or top 10
    delegates, with at least ``least`` of its denominator: the token supply when it is
    known; for holders without a valid supply, the listed holders' combined balance (the
    text says which)."""
    out: list[tuple[str, str]] = []
    holder_denominator = "of supply" if new.supply else "of the listed holders' balance"
    for kind in ("holder", "delegate"):
        before = {m.address for m in old.members if m.kind == kind and m.rank <= TOP_N}
        of = holder_denominator if kind == "holder" else "of supply"
        where = "the top 10 holders (every address)" if kind == "holder" else \
            "the top 10 delegates"
        for m in new.members:
            if (m.kind == kind and m.rank <= TOP_N and m.address not in before
                    and m.share is not None and m.share >= least):
                label = f" ({m.label})" if m.label else ""
                out.append((f"new-{kind}", f"⚠️ {new.name}: a new address entered {where} "
                                           f"with {m.share * 100:.2f}% {of}: "
                                           f"{m.address}{label}."))
    return out


def _quorum_change(old: dict | None, new: dict | None) -> tuple[int, int] | None:
    a, b = ((g or {}).get("delegates_to_quorum") for g in (old, new))
    if isinstance(a, int) and isinstance(b, int):
        return a, b
    return None


async def refresh(services: Services, store: Store, protocols: list[str], resolve: Resolve,
                  holders_limit: int | None = None, now: dt.datetime | None = None
                  ) -> dict[str, SnapshotOut]:
    """A fresh snapshot of each protocol; one that fails is logged and left out."""
    fresh: dict[str, SnapshotOut] = {}
    for key in protocols:
        try:
            record = await resolve(key)
            _report, snap = await take_snapshot(services, store, record, origin="refresh",
                                                holders_limit=holders_limit, now=now)
        except LorenzError as exc:
            log.warning("daily refresh of %s failed: %s", key, exc)
            continue
        except Exception:  # one protocol's bug must not cost every channel its digest
            log.exception("daily refresh of %s failed unexpectedly", key)
            continue
        if snap is None:
            log.warning("daily refresh of %s: no holder figures to keep", key)
            continue
        fresh[key] = snap
    return fresh


async def plan_watch(store: Store, watch: WatchRow, snap: SnapshotOut, day: str) -> None:
    """Claim the digest and the alerts of one watch, then move its baseline."""
    baseline = await store.get(watch.baseline_id) if watch.baseline_id else None
    await store.claim_post(watch.id, f"digest:{day}", "digest",
                           digest_text(watch, snap, baseline), snap.id)
    crossings = alert_texts(watch, baseline, snap) if baseline is not None else []
    if baseline is not None and crossings:
        # one alert per watch and baseline, listing every threshold crossed: a rerun after
        # a crash claims the same key, so the same crossing is never posted twice
        await store.claim_post(watch.id, f"alert:{baseline.id}", "alert",
                               "\n".join(text for _kind, text in crossings), snap.id)
    await store.set_baseline(watch.id, snap.id)


async def daily_posts(services: Services, store: Store, day: str, resolve: Resolve,
                      holders_limit: int | None = None, now: dt.datetime | None = None
                      ) -> int:
    """Refresh every watched protocol and claim the day's digests and alerts; returns how
    many watches were planned (see the module docstring)."""
    watches = await store.watches(active=True)
    protocols = list(dict.fromkeys(w.protocol for w in watches))
    fresh = await refresh(services, store, protocols, resolve, holders_limit, now)
    planned = 0
    for watch in watches:
        snap = fresh.get(watch.protocol)
        if snap is not None:
            await plan_watch(store, watch, snap, day)
            planned += 1
    return planned


async def pending_posts(store: Store) -> list[Planned]:
    """Claimed posts of active watches that have not gone out yet, digests first."""
    rows = await store.unsent_posts()
    return sorted((Planned(*r) for r in rows), key=lambda p: (p.kind != "digest", p.post_id))


def day_slot(now: dt.datetime) -> str:
    """The job slot of ``now``: its UTC date, ``2026-01-02``."""
    return now.astimezone(dt.UTC).date().isoformat()


async def run_daily(services: Services, store: Store, now: dt.datetime, resolve: Resolve,
                    holders_limit: int | None = None) -> int | None:
    """The day's refresh, once across processes (:meth:`Store.job_slot`): the number of
    watches planned, or ``None`` when it ran already or is running elsewhere. The claimed
    posts go out with the bot's next tick (:func:`pending_posts`), whichever process — the
    bot or ``lorenz snapshot --watched`` from cron — ran the refresh."""
    slot = day_slot(now)
    async with store.job_slot("daily", slot, now=now) as mine:
        if not mine:
            return None
        planned = await daily_posts(services, store, slot, resolve, holders_limit, now)
        log.info("daily job %s: %d watches refreshed", slot, planned)
        return planned

