"""The tables (SQLAlchemy 2 declarative). Changes go through a new Alembic migration.

Types work on SQLite and PostgreSQL alike: ids are 64-bit on PostgreSQL (``INTEGER
PRIMARY KEY`` on SQLite, its rowid), Discord snowflakes ``BIGINT``, times
:class:`UtcDateTime` (aware UTC in Python; naive UTC on disk), figures double precision.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Double,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Auto-increment ids: BIGINT on PostgreSQL, INTEGER (the rowid) on SQLite.
Id = BigInteger().with_variant(Integer(), "sqlite")

NAMING = {"ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
          "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
          "pk": "pk_%(table_name)s"}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware UTC datetime in Python, stored as naive UTC (SQLite keeps no zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use UTC-aware times")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Any
                             ) -> dt.datetime | None:
        return None if value is None else value.replace(tzinfo=dt.UTC)


class Base(DeclarativeBase):
    """Declarative base with constraint names that migrations can refer to."""

    metadata = MetaData(naming_convention=NAMING)


class Snapshot(Base):
    """One analysis of one protocol (see :class:`store.records.SnapshotIn`)."""

    __tablename__ = "snapshots"
    __table_args__ = (Index("ix_snapshots_protocol_as_of", "protocol", "as_of"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    protocol: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    symbol: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    taken_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    origin: Mapped[str] = mapped_column(String(16))
    hour: Mapped[int] = mapped_column(BigInteger)  # taken_at in whole hours since 1970
    source: Mapped[str] = mapped_column(String(200), default="")
    chain: Mapped[str] = mapped_column(String(40), default="")
    token_address: Mapped[str | None] = mapped_column(String(100))
    block: Mapped[int | None] = mapped_column(BigInteger)
    supply: Mapped[float | None] = mapped_column(Double)
    holder_count: Mapped[int | None] = mapped_column(BigInteger)
    basis_view: Mapped[str] = mapped_column(String(40), default="owners")
    top10_share: Mapped[float | None] = mapped_column(Double)
    nakamoto: Mapped[int | None] = mapped_column(Integer)
    gini: Mapped[float | None] = mapped_column(Double)
    hhi: Mapped[float | None] = mapped_column(Double)
    verdict_level: Mapped[str | None] = mapped_column(String(40))
    confidence: Mapped[str | None] = mapped_column(String(16))
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    governance: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sources: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    missing: Mapped[list[str]] = mapped_column(JSON, default=list)


class SnapshotMember(Base):
    """A top holder or delegate of a snapshot (``kind``), by rank."""

    __tablename__ = "snapshot_members"

    snapshot_id: Mapped[int] = mapped_column(
        Id, ForeignKey("snapshots.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(100))
    balance: Mapped[float] = mapped_column(Double)
    share: Mapped[float | None] = mapped_column(Double)
    label: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(40), default="unlabeled")
    label_source: Mapped[str] = mapped_column(Text, default="")


class Watch(Base):
    """A channel watching a protocol (see :class:`store.records.WatchRow`)."""

    __tablename__ = "watches"
    __table_args__ = (UniqueConstraint("channel_id", "protocol",
                                       name="uq_watches_channel_protocol"),
                      Index("ix_watches_guild_id", "guild_id"))

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    guild_id: Mapped[int] = mapped_column(BigInteger)
    channel_id: Mapped[int] = mapped_column(BigInteger)
    protocol: Mapped[str] = mapped_column(String(120))
    thresholds: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    created_by: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    disabled: Mapped[str] = mapped_column(Text, default="")
    baseline_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("snapshots.id", ondelete="SET NULL"))


class Post(Base):
    """A digest or alert claimed for a watch: the unique ``key`` means never twice.

    ``sent_at`` stays empty until the post went out (a claim whose post failed is retried
    by the next run; see :meth:`store.repo.Store.claim_post`).
    """

    __tablename__ = "posts"
    __table_args__ = (UniqueConstraint("watch_id", "key", name="uq_posts_watch_key"),)

    id: Mapped[int] = mapped_column(Id, primary_key=True, autoincrement=True)
    watch_id: Mapped[int] = mapped_column(Id, ForeignKey("watches.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))  # "digest" or "alert"
    text: Mapped[str] = mapped_column(Text)
    snapshot_id: Mapped[int | None] = mapped_column(
        Id, ForeignKey("snapshots.id", ondelete="SET NULL"))
    claimed_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())


class JobRun(Base):
    """One run of a scheduled job for one slot (a UTC day): ``finished_at`` once done."""

    __tablename__ = "job_runs"

    job: Mapped[str] = mapped_column(String(40), primary_key=True)
    slot: Mapped[str] = mapped_column(String(40), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime())
    summary: Mapped[str] = mapped_column(Text, default="")
