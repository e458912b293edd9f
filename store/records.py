"""Plain data going into and coming out of the store (no SQLAlchemy objects leak out).

Shares are fractions (0–1) of the view's denominator; balances are token units; times are
timezone-aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class MemberRow:
    """One listed holder (or delegate) of a snapshot.

    ``kind`` is ``"holder"`` or ``"delegate"``; ``share`` is of the raw denominator (the
    supply when known), ``None`` when unknown; ``category`` comes from labels only.
    """

    rank: int
    address: str
    balance: float
    share: float | None = None
    label: str = ""
    category: str = "unlabeled"
    label_source: str = ""
    kind: str = "holder"


@dataclass(frozen=True, slots=True)
class SnapshotIn:
    """What one analysis leaves in the store.

    Attributes:
        protocol: the protocol's key (DefiLlama slug, else its name, lower case).
        as_of: when the holder list was fetched (the source's time), UTC.
        origin: ``"reply"`` (a bot answer: one per protocol per hour, the latest wins),
            ``"refresh"`` (the daily job) or ``"cli"`` (``lorenz snapshot``).
        source / block: the holder source ("Blockscout PRO"…) and block number when known.
        top10_share, nakamoto, gini, hhi: headline figures of the ``basis_view`` (owners),
            ``None`` when unknown; ``verdict_level`` ``None`` when withheld or absent.
        metrics: every view's figures, ``{view: {field: value}}`` (JSON; new views and
            fields land here without a migration).
        governance: delegate/quorum figures when a governance part exists, else ``None``.
        members: the top holders (and delegates) with categories.
    """

    protocol: str
    name: str
    symbol: str
    as_of: dt.datetime
    origin: str
    source: str = ""
    chain: str = ""
    token_address: str | None = None
    block: int | None = None
    supply: float | None = None
    holder_count: int | None = None
    basis_view: str = "owners"
    top10_share: float | None = None
    nakamoto: int | None = None
    gini: float | None = None
    hhi: float | None = None
    verdict_level: str | None = None
    confidence: str | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    governance: dict[str, Any] | None = None
    sources: list[dict[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    members: tuple[MemberRow, ...] = ()


@dataclass(frozen=True, slots=True)
class SnapshotOut:
    """A stored snapshot: what went in, its id and when it was stored (``taken_at``)."""

    id: int
    taken_at: dt.datetime
    data: SnapshotIn

    @property
    def protocol(self) -> str:
        """The protocol key."""
        return self.data.protocol


@dataclass(frozen=True, slots=True)
class WatchRow:
    """A channel watching a protocol.

    ``thresholds`` override :data:`store.thresholds.DEFAULT_THRESHOLDS` per key;
    ``disabled`` says why the watch stopped (e.g. a missing permission), "" while active;
    ``baseline_id`` is the snapshot the next alerts compare against.
    """

    id: int
    guild_id: int
    channel_id: int
    protocol: str
    thresholds: dict[str, float]
    created_by: int
    created_at: dt.datetime
    disabled: str = ""
    baseline_id: int | None = None
