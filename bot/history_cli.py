"""``lorenz snapshot PROTOCOL…`` and ``lorenz history PROTOCOL [--json]``.

``snapshot`` runs the daily refresh from cron: each protocol analysed from fresh data (the
HTTP cache is bypassed) and stored. ``history`` prints the stored snapshots of one protocol
and what changed between them; it needs no network (names resolve from the built-in table,
else they are taken as the stored key).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.config import Config
from core.errors import InputError, LorenzError, ProtocolNotFound, SourceError

if TYPE_CHECKING:
    from store.records import SnapshotOut

EXIT_OK, EXIT_UPSTREAM, EXIT_INPUT = 0, 1, 2


def add_parsers(sub: argparse._SubParsersAction, positive_int, holders_limit) -> None:
    """Register ``snapshot`` and ``history`` on the ``lorenz`` subparsers."""
    snap = sub.add_parser("snapshot", help="analyse protocols from fresh data and store a "
                                           "snapshot of each (for cron)")
    snap.add_argument("protocols", nargs="*", metavar="PROTOCOL")
    snap.add_argument("--watched", action="store_true",
                      help="run the bot's daily refresh of every watched protocol (once a "
                           "day across processes; the bot posts the digests and alerts)")
    snap.add_argument("--holders", type=holders_limit, metavar="N",
                      help="how many top holders to fetch (default from config)")
    snap.add_argument("--no-votes", action="store_true", help="skip Snapshot voting power")
    snap.add_argument("--config", type=Path, metavar="PATH", help="config.toml")
    hist = sub.add_parser("history", help="the stored snapshots of a protocol and what "
                                          "changed between them")
    hist.add_argument("protocol")
    hist.add_argument("--days", type=positive_int, metavar="N",
                      help="only the last N days (default: everything stored)")
    hist.add_argument("--json", action="store_true", help="print the history as JSON")
    hist.add_argument("--config", type=Path, metavar="PATH", help="config.toml")


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{x * 100:.1f}%"


async def _snapshot_all(cfg: Config, names: list[str], holders: int | None,
                        votes: bool) -> int:
    from pipeline.analyze import Services
    from pipeline.resolve import find_protocol
    from pipeline.snapshots import take_snapshot
    from sources.directory import Directory
    from sources.http import HttpClient, make_http_client
    from store.repo import open_store

    store = await open_store(cfg.store.url.get())
    http = HttpClient(make_http_client(cfg.sources))
    status = EXIT_OK
    try:
        directory = Directory(http, cfg.sources)
        records = [(await find_protocol(directory, n))[0] for n in names]  # typos first
        services = Services(cfg.sources, http, directory)
        for record in records:
            try:
                report, snap = await take_snapshot(services, store, record, origin="cli",
                                                   holders_limit=holders, votes=votes)
            except SourceError as exc:
                print(f"{record.name}: no snapshot: {exc}", file=sys.stderr)
                status = EXIT_UPSTREAM
                continue
            if snap is None:
                why = "; ".join(report.missing) or "no holder figures"
                print(f"{record.name}: no snapshot: {why}", file=sys.stderr)
                status = EXIT_UPSTREAM
                continue
            d = snap.data
            print(f"{record.name}: snapshot {snap.id} stored — {d.basis_view} top 10 "
                  f"{_pct(d.top10_share)}, Nakamoto {d.nakamoto or 'n/a'}, holders from "
                  f"{d.source or 'unknown source'} as of {d.as_of:%Y-%m-%d %H:%M} UTC")
    finally:
        await http.aclose()
        await store.close()
    return status


def cmd_snapshot(args: argparse.Namespace, cfg: Config) -> int:
    """``lorenz snapshot``: 0 when every protocol was stored, 1 when one could not be.

    With ``--watched``: the daily refresh of the watched protocols (0 also when it ran
    already today or is running in another process; it says so)."""
    if args.protocols and args.watched:
        raise InputError("--watched takes no protocol names (it refreshes the watched ones)")
    if not args.protocols and not args.watched:
        raise InputError("name protocols (lorenz snapshot uniswap aave) or give --watched")
    if args.watched:
        return asyncio.run(_refresh_watched(cfg, args.holders))
    return asyncio.run(_snapshot_all(cfg, args.protocols, args.holders, not args.no_votes))


async def _refresh_watched(cfg: Config, holders: int | None) -> int:
    from pipeline.analyze import Services
    from pipeline.resolve import find_protocol
    from pipeline.watch_job import day_slot, run_daily
    from sources.directory import Directory
    from sources.http import HttpClient, make_http_client
    from store.repo import open_store, utcnow

    store = await open_store(cfg.store.url.get())
    http = HttpClient(make_http_client(cfg.sources))
    try:
        directory = Directory(http, cfg.sources)

        async def resolve(key: str):
            return (await find_protocol(directory, key))[0]

        now = utcnow()
        planned = await run_daily(Services(cfg.sources, http, directory), store, now,
                                  resolve, holders)
    finally:
        await http.aclose()
        await store.close()
    if planned is None:
        print(f"daily refresh {day_slot(now)}: done already, or running in another process")
    else:
        print(f"daily refresh {day_slot(now)}: {planned} watch(es) refreshed; the bot posts "
              "the digests and alerts")
    return EXIT_OK


def _key_for(text: str) -> str:
    """The stored key of ``text``: its built-in record's, else the text itself."""
    from pipeline.snapshots import protocol_key
    from sources.config import SourcesConfig
    from sources.directory import Directory

    try:
        return protocol_key(Directory(None, SourcesConfig()).lookup(text))
    except (ProtocolNotFound, LorenzError):
        return text.strip().lower()


def _known(text: str) -> bool:
    """Whether ``text`` names a built-in protocol (no network)."""
    from sources.config import SourcesConfig
    from sources.directory import Directory

    try:
        Directory(None, SourcesConfig()).lookup(text)
    except (ProtocolNotFound, LorenzError):
        return False
    return True


async def _stored(url: str, key: str, days: int | None) -> list[SnapshotOut]:
    """The stored snapshots of ``key`` (the last ``days`` days when given), oldest first."""
    import datetime as dt

    from store.repo import open_store, utcnow

    store = await open_store(url)
    try:
        since = utcnow() - dt.timedelta(days=days) if days else None
        return list(await store.history(key, since, members=True))
    finally:
        await store.close()


async def _history(cfg: Config, text: str, days: int | None, as_json: bool) -> str:
    from pipeline.snapshots import history_doc
    from store.engine import store_missing, store_url

    key = _key_for(text)
    url = store_url(cfg.store.url.get())
    snaps = [] if store_missing(url) else await _stored(url, key, days)
    if not snaps:
        if days:
            raise InputError(f"no snapshots of {text!r} in the last {days} days (older "
                             "ones, if any, show without --days)")
        if _known(text):
            raise InputError(f"no snapshots of {text!r} stored yet (take one with "
                             f"'lorenz snapshot {key}')")
        raise InputError(f"no snapshots of {text!r} stored, and no built-in protocol is "
                         "called that (try the name 'lorenz analyze' accepts)")
    doc = history_doc(key, snaps)
    return json.dumps(doc, indent=2, ensure_ascii=False) if as_json else history_text(doc)


def history_text(doc: dict) -> str:
    """The history as a small table, then the changes between snapshots."""
    snaps = doc["snapshots"]
    lines = [f"{doc['protocol']}: {doc['count']} snapshot(s) since {doc['since'][:10]} "
             f"(basis: {snaps[-1]['basis_view']} view)",
             f"{'as of (UTC)':<17} {'top 10':>7} {'Nakamoto':>8} {'Gini':>6}  source"]
    for s in snaps:
        lines.append(f"{s['as_of'][:16].replace('T', ' '):<17} {_pct(s['top10_share']):>7} "
                     f"{s['nakamoto'] if s['nakamoto'] is not None else 'n/a':>8} "
                     f"{'n/a' if s['gini'] is None else format(s['gini'], '.3f'):>6}  "
                     f"{s['source']}")
    for c in doc["changes"]:
        parts = []
        if c["top10_share_points"] is not None:
            parts.append(f"top 10 {c['top10_share_points']:+.2f} points")
        if c["nakamoto"]:
            parts.append(f"Nakamoto {c['nakamoto']:+d}")
        parts += [f"entered top 10: {e['address']} ({_pct(e['share'])} of supply)"
                  for e in c["entered_top10"]]
        parts += [f"left top 10: {e['address']}" for e in c["left_top10"]]
        lines.append(f"{c['from_as_of'][:10]} → {c['to_as_of'][:10]}: "
                     + ("; ".join(parts) or "no change"))
    return "\n".join(lines)


def cmd_history(args: argparse.Namespace, cfg: Config) -> int:
    """``lorenz history``: the snapshots (text or ``--json``); 2 when none is stored."""
    print(asyncio.run(_history(cfg, args.protocol, args.days, args.json)))
    return EXIT_OK
