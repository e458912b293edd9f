"""The store's operations: every write is one transaction (a crash loses nothing committed).

:class:`Store` wraps the async engine; :func:`open_store` opens it and applies the
migrations. Reads return :mod:`store.records` objects, never ORM rows.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import socket
import zlib
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from core.errors import InputError, LorenzError
from store.engine import make_engine, store_url, upgrade
from store.records import MemberRow, SnapshotIn, SnapshotOut, WatchRow
from store.schema import JobRun, Post, Snapshot, SnapshotMember, Watch

#: Most watches one guild may have.
MAX_WATCHES_PER_GUILD = 10
#: A job run that started this long ago without finishing is taken to have crashed (s).
STALE_RUN = 3600.0

log = logging.getLogger(__name__)

_SNAPSHOT_FIELDS = tuple(f.name for f in fields(SnapshotIn) if f.name != "members")


def utcnow() -> dt.datetime:
    """Now, aware UTC."""
    return dt.datetime.now(dt.UTC)


class StoreUnavailable(LorenzError):
    """The database could not be opened or migrated (the message names no URL)."""


async def open_store(url: str = "", env: Mapping[str, str] | None = None) -> Store:
    """The store at ``url`` (see :func:`store.engine.store_url`), migrated to the newest
    schema.

    Raises:
        ConfigError: an unusable URL.
        StoreUnavailable: the database cannot be reached, opened or migrated.
    """
    try:
        engine = make_engine(store_url(url, env))
    except OSError as exc:  # the SQLite file's folder cannot be made
        log.debug("store folder failed", exc_info=True)
        raise StoreUnavailable(f"the store could not be opened: {_reason(exc)}") from None
    try:
        await upgrade(engine)
    except (OSError, SQLAlchemyError) as exc:
        await engine.dispose()
        log.debug("store open failed", exc_info=True)
        raise StoreUnavailable(f"the store could not be opened: {_reason(exc)}") from None
    return Store(engine)


#: PostgreSQL error codes (SQLSTATE) a misconfigured store meets, in words.
_SQLSTATE_WORDS = {
    "28P01": "the password was refused",
    "28000": "the user may not connect",
    "3D000": "the database does not exist",
    "42501": "the user lacks a privilege the migrations need",
    "57P03": "the database server is starting up or shutting down",
}


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc``, the driver's error inside it and their causes, outermost first."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        item = todo.pop(0)
        if item is None or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [getattr(item, "orig", None), item.__cause__, item.__context__]
    return seen


def _reason(exc: BaseException) -> str:
    """Why the store could not be opened, in words that name no host, address, port,
    path or URL (the driver's own message often holds them, and the URL a password)."""
    chain = _causes(exc)
    for item in chain:
        words = _SQLSTATE_WORDS.get(str(getattr(item, "sqlstate", "") or ""))
        if words:
            return words
    for item in chain:
        if isinstance(item, socket.gaierror):
            return "the database host name could not be resolved"
        if isinstance(item, ConnectionRefusedError):
            return "the database server refused the connection (is it running?)"
        if isinstance(item, TimeoutError):
            return "the database server did not answer in time"
        if isinstance(item, PermissionError):
            return "no permission to open the database file"
        if isinstance(item, OSError):
            return "the database could not be reached or its file opened"
    return "the database refused to open or migrate (run with -vv for details)"


def _out(row: Snapshot, members: Sequence[SnapshotMember] = ()) -> SnapshotOut:
    data = SnapshotIn(**{name: getattr(row, name) for name in _SNAPSHOT_FIELDS},
                      members=tuple(MemberRow(m.rank, m.address, m.balance, m.share, m.label,
                                              m.category, m.label_source, m.kind)
                                    for m in members))
    return SnapshotOut(row.id, row.taken_at, data)


def _watch(row: Watch) -> WatchRow:
    return WatchRow(row.id, row.guild_id, row.channel_id, row.protocol, dict(row.thresholds),
                    row.created_by, row.created_at, row.disabled, row.baseline_id)


class Store:
    """Snapshots, watches, posts and job runs on one database (SQLite or PostgreSQL)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.session = async_sessionmaker(engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"<Store {self.engine.dialect.name}>"

    @property
    def is_postgres(self) -> bool:
        """Whether the database is PostgreSQL (advisory locks available)."""
        return self.engine.dialect.name == "postgresql"

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.engine.dispose()

    # -- snapshots -----------------------------------------------------------------------

    async def add_snapshot(self, snap: SnapshotIn, now: dt.datetime | None = None
                           ) -> SnapshotOut:
        """Store ``snap`` (one transaction). A ``"reply"`` snapshot replaces a reply
        snapshot of the same protocol taken in the same clock hour (the latest wins) —
        unless that one is a watch's baseline, which alerts compare against: then both
        are kept."""
        now = now or utcnow()
        hour = int(now.timestamp() // 3600)
        values = {name: getattr(snap, name) for name in _SNAPSHOT_FIELDS}
        async with self.session.begin() as session:
            row = None
            if snap.origin == "reply":
                baselines = select(Watch.baseline_id).where(Watch.baseline_id.is_not(None))
                row = await session.scalar(select(Snapshot).where(
                    Snapshot.protocol == snap.protocol, Snapshot.origin == "reply",
                    Snapshot.hour == hour, Snapshot.id.not_in(baselines)).limit(1))
            if row is None:
                row = Snapshot(**values, taken_at=now, hour=hour)
                session.add(row)
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                row.taken_at = now
                await session.execute(delete(SnapshotMember).where(
                    SnapshotMember.snapshot_id == row.id))
            await session.flush()
            session.add_all(SnapshotMember(snapshot_id=row.id, **{
                f.name: getattr(m, f.name) for f in fields(MemberRow)}) for m in snap.members)
        return SnapshotOut(row.id, now, snap)

    async def _members(self, session: AsyncSession, ids: Sequence[int]
                       ) -> dict[int, list[SnapshotMember]]:
        by_id: dict[int, list[SnapshotMember]] = {i: [] for i in ids}
        if not ids:
            return by_id
        rows = await session.scalars(  # holders before delegates, by rank
            select(SnapshotMember).where(SnapshotMember.snapshot_id.in_(ids))
            .order_by(SnapshotMember.kind.desc(), SnapshotMember.rank))
        for m in rows:
            by_id[m.snapshot_id].append(m)
        return by_id

    async def _select(self, query: Any, members: bool) -> list[SnapshotOut]:
        async with self.session() as session:
            rows = list(await session.scalars(query))
            kept = await self._members(session, [r.id for r in rows]) if members else {}
        return [_out(r, kept.get(r.id, ())) for r in rows]

    async def history(self, protocol: str, since: dt.datetime | None = None, *,
                      members: bool = False) -> list[SnapshotOut]:
        """The snapshots of ``protocol`` (oldest first), taken at or after ``since``."""
        query = select(Snapshot).where(Snapshot.protocol == protocol)
        if since is not None:
            query = query.where(Snapshot.taken_at >= since)
        return await self._select(query.order_by(Snapshot.taken_at, Snapshot.id), members)

    async def latest(self, protocol: str, *, members: bool = True) -> SnapshotOut | None:
        """The newest snapshot of ``protocol``, or ``None``."""
        found = await self._select(select(Snapshot).where(Snapshot.protocol == protocol)
                                   .order_by(Snapshot.taken_at.desc(), Snapshot.id.desc())
                                   .limit(1), members)
        return found[0] if found else None

    async def at_or_before(self, protocol: str, when: dt.datetime, *,
                           members: bool = False) -> SnapshotOut | None:
        """The newest snapshot of ``protocol`` taken at or before ``when``, or ``None``."""
        found = await self._select(select(Snapshot).where(
            Snapshot.protocol == protocol, Snapshot.taken_at <= when)
            .order_by(Snapshot.taken_at.desc(), Snapshot.id.desc()).limit(1), members)
        return found[0] if found else None

    async def first(self, protocol: str) -> SnapshotOut | None:
        """The oldest snapshot of ``protocol``, or ``None``."""
        found = await self._select(select(Snapshot).where(Snapshot.protocol == protocol)
                                   .order_by(Snapshot.taken_at, Snapshot.id).limit(1), False)
        return found[0] if found else None

    async def get(self, snapshot_id: int, *, members: bool = True) -> SnapshotOut | None:
        """The snapshot with this id, or ``None``."""
        found = await self._select(select(Snapshot).where(Snapshot.id == snapshot_id),
                                   members)
        return found[0] if found else None

    async def count_snapshots(self) -> int:
        """How many snapshots are stored."""
        async with self.session() as session:
            return int(await session.scalar(select(func.count()).select_from(Snapshot)) or 0)

    async def size_bytes(self) -> int:
        """Bytes the database takes on disk (the SQLite file with its WAL; PostgreSQL's
        ``pg_database_size``)."""
        if self.is_postgres:
            async with self.engine.connect() as conn:
                return int(await conn.scalar(text("SELECT pg_database_size(current_database())"))
                           or 0)
        path = make_url(str(self.engine.url)).database or ""
        return sum(p.stat().st_size for p in (Path(path), Path(path + "-wal"))
                   if p.is_file())

    # -- watches -------------------------------------------------------------------------

    async def add_watch(self, guild_id: int, channel_id: int, protocol: str, created_by: int,
                        thresholds: Mapping[str, float] | None = None,
                        baseline_id: int | None = None, now: dt.datetime | None = None
                        ) -> WatchRow:
        """Watch ``protocol`` in a channel (an existing watch there is re-enabled).

        Raises:
            InputError: the guild already has :data:`MAX_WATCHES_PER_GUILD` watches.
        """
        async with self.session.begin() as session:
            row = await session.scalar(select(Watch).where(
                Watch.channel_id == channel_id, Watch.protocol == protocol))
            if row is None:
                count = await session.scalar(select(func.count()).select_from(Watch).where(
                    Watch.guild_id == guild_id))
                if (count or 0) >= MAX_WATCHES_PER_GUILD:
                    raise InputError(f"This server already has {MAX_WATCHES_PER_GUILD} "
                                     "watches; remove one first (/watch remove).")
                row = Watch(guild_id=guild_id, channel_id=channel_id, protocol=protocol,
                            created_by=created_by, created_at=now or utcnow(),
                            thresholds=dict(thresholds or {}), baseline_id=baseline_id,
                            disabled="")
                session.add(row)
            else:
                row.disabled = ""
                if thresholds:
                    row.thresholds = dict(thresholds)
                if row.baseline_id is None:
                    row.baseline_id = baseline_id
            await session.flush()
            return _watch(row)

    async def remove_watch(self, guild_id: int, channel_id: int, protocol: str) -> bool:
        """Stop watching; ``False`` when there was no such watch."""
        async with self.session.begin() as session:
            result = await session.execute(delete(Watch).where(
                Watch.guild_id == guild_id, Watch.channel_id == channel_id,
                Watch.protocol == protocol))
        return bool(getattr(result, "rowcount", 0))

    async def watches(self, guild_id: int | None = None, *, active: bool = False
                      ) -> list[WatchRow]:
        """The watches of one guild (or all), oldest first; only enabled ones with
        ``active``."""
        query = select(Watch).order_by(Watch.id)
        if guild_id is not None:
            query = query.where(Watch.guild_id == guild_id)
        if active:
            query = query.where(Watch.disabled == "")
        async with self.session() as session:
            return [_watch(r) for r in await session.scalars(query)]

    async def disable_watch(self, watch_id: int, reason: str) -> None:
        """Stop a watch, saying why (shown by ``/watch list``)."""
        async with self.session.begin() as session:
            await session.execute(update(Watch).where(Watch.id == watch_id)
                                  .values(disabled=reason[:500] or "disabled"))

    async def set_baseline(self, watch_id: int, snapshot_id: int) -> None:
        """The snapshot the watch's next alerts compare against."""
        async with self.session.begin() as session:
            await session.execute(update(Watch).where(Watch.id == watch_id)
                                  .values(baseline_id=snapshot_id))

    # -- posts (digests, alerts) ---------------------------------------------------------

    async def claim_post(self, watch_id: int, key: str, kind: str, body: str,
                         snapshot_id: int | None, now: dt.datetime | None = None) -> int | None:
        """Claim the post ``key`` of a watch: its id when it is to be sent now (new, or
        claimed earlier but never sent), ``None`` when it was sent already."""
        async with self.session.begin() as session:
            row = await session.scalar(select(Post).where(Post.watch_id == watch_id,
                                                          Post.key == key))
            if row is not None:
                return None if row.sent_at is not None else row.id
        try:
            async with self.session.begin() as session:
                row = Post(watch_id=watch_id, key=key[:200], kind=kind, text=body,
                           snapshot_id=snapshot_id, claimed_at=now or utcnow())
                session.add(row)
                await session.flush()
                return row.id
        except IntegrityError:  # another process claimed it between the two transactions
            return None

    async def mark_sent(self, post_id: int, now: dt.datetime | None = None) -> None:
        """Record that a claimed post went out."""
        async with self.session.begin() as session:
            await session.execute(update(Post).where(Post.id == post_id)
                                  .values(sent_at=now or utcnow()))

    async def unsent_posts(self) -> list[tuple[int, int, int, int, str, str]]:
        """``(post_id, watch_id, guild_id, channel_id, kind, text)`` of every claimed post
        of an active watch that has not gone out yet, in claim order."""
        query = (select(Post.id, Post.watch_id, Watch.guild_id, Watch.channel_id, Post.kind,
                        Post.text)
                 .join(Watch, Watch.id == Post.watch_id)
                 .where(Post.sent_at.is_(None), Watch.disabled == "").order_by(Post.id))
        async with self.session() as session:
            return [tuple(r) for r in await session.execute(query)]  # type: ignore[misc]

    async def posts(self, watch_id: int | None = None) -> list[tuple[str, str, bool]]:
        """``(kind, key, sent)`` of the posts of one watch (or all), in claim order."""
        query = select(Post).order_by(Post.id)
        if watch_id is not None:
            query = query.where(Post.watch_id == watch_id)
        async with self.session() as session:
            return [(p.kind, p.key, p.sent_at is not None) for p in await session.scalars(query)]

    # -- scheduled jobs ------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def job_slot(self, job: str, slot: str, now: dt.datetime | None = None
                       ) -> AsyncIterator[bool]:
        """Run ``job`` for ``slot`` (e.g. a UTC day) once across every process.

        Yields ``True`` when this process is to run it, ``False`` when it already ran, is
        running elsewhere (PostgreSQL: another process holds its advisory lock; SQLite: a
        run started less than :data:`STALE_RUN` seconds ago is unfinished) — then do
        nothing. On a clean exit the run is marked finished; after a crash it is not, and
        the next tick runs it again (its posts are claimed by key, so none repeats).
        """
        now = now or utcnow()
        async with contextlib.AsyncExitStack() as stack:
            if self.is_postgres:
                conn = await stack.enter_async_context(self.engine.connect())
                key = zlib.crc32(f"lorenz:{job}".encode())
                if not await conn.scalar(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}):
                    yield False
                    return
                stack.push_async_callback(conn.execute, text("SELECT pg_advisory_unlock(:k)"),
                                          {"k": key})
            if not await self._start_run(job, slot, now):
                yield False
                return
            yield True
            async with self.session.begin() as session:
                await session.execute(update(JobRun).where(
                    JobRun.job == job, JobRun.slot == slot).values(finished_at=utcnow()))

    async def _start_run(self, job: str, slot: str, now: dt.datetime) -> bool:
        """Record the start of a run; ``False`` when it finished already or (without an
        advisory lock) another run started recently."""
        try:
            async with self.session.begin() as session:
                row = await session.get(JobRun, (job, slot))
                if row is not None:
                    if row.finished_at is not None:
                        return False
                    if (not self.is_postgres
                            and (now - row.started_at).total_seconds() < STALE_RUN):
                        return False
                    row.started_at = now
                else:
                    session.add(JobRun(job=job, slot=slot, started_at=now, summary=""))
            return True
        except IntegrityError:  # another process inserted the same run just now
            return False

    async def finished_runs(self, job: str) -> list[str]:
        """The slots ``job`` finished, oldest first."""
        async with self.session() as session:
            rows = await session.scalars(select(JobRun.slot).where(
                JobRun.job == job, JobRun.finished_at.is_not(None)).order_by(JobRun.slot))
            return list(rows)
