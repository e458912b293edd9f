"""Looking through wrappers: the beneficial-owners view (DESIGN.md §2, "Knowing who holds").

A staking or escrow wrapper among a token's holders (stkAAVE holds 17% of listed AAVE)
holds for the people who hold *its* token. When its own holders can be listed like any
token's, its balance is shared among its top holders pro rata
(:func:`scoring.look_through.attribute`) and the result is scored as the **beneficial**
view; the owners view stays as it is.

Which wrappers can be looked through is data with a source, never guessed from a name or a
balance: ``pipeline/wrapper_facts.csv`` (columns ``chain``, ``address``, ``token`` — the
wrapped token, ``look_through`` — ``yes`` when its holders are a token list, ``kind``,
``label``, ``reason``, ``source``). A wrapper that cannot be looked through (veCRV: its
locks are records, not a token list) is named with its share and the reason; so is every
other staking or lending contract among the holders (:data:`UNRESOLVED`).

Bounds: at most :data:`MAX_WRAPPERS` wrappers per analysis (the largest), each with its top
:data:`WRAPPER_HOLDERS_LIMIT` holders, fetched through the same holder source, HTTP client,
limits and cache as the token's own holders. One level deep: a wrapper holding another
wrapper's token keeps that share as a custodian (left out like in the owners view).
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from importlib import resources

import numpy as np
from numpy.typing import NDArray

from core.categories import Category
from core.errors import SourceError
from core.holder_table import CATEGORIES, CATEGORY_CODE, Addresses, HolderTable, evm_text
from core.labels import LiveLabel
from core.views import LookedThrough, NotLookedThrough, ViewSet
from pipeline.labels import LabelBook, label_holders
from scoring.formatting import pct, short_address
from scoring.look_through import CannotLookThrough, attribute
from scoring.views import score_beneficial
from sources.config import SourcesConfig
from sources.holders import HolderSnapshot, fetch_holders, normalize_chain
from sources.http import HttpClient

#: Wrappers looked through per analysis, largest balance first.
MAX_WRAPPERS = 3
#: Top holders fetched per wrapper.
WRAPPER_HOLDERS_LIMIT = 1000
#: Categories of holder named as "not looked through" when they are (the contracts that
#: hold for others and may have a holder list of their own).
UNRESOLVED: frozenset[Category] = frozenset({Category.STAKING, Category.LENDING})
#: At most this many "not looked through" entries are kept (the largest).
MAX_NOT_LOOKED = 10


@dataclass(frozen=True, slots=True)
class WrapperFact:
    """One row of ``wrapper_facts.csv``: whether ``address`` on ``chain`` can be looked
    through (``look_through``), why (``reason``) and where that is written (``source``)."""

    chain: str
    address: str
    token: str
    look_through: bool
    kind: str
    label: str
    reason: str
    source: str


def _load() -> dict[tuple[str, str], WrapperFact]:
    """The wrapper facts by (chain, address); a row without a source fails loudly."""
    text = (resources.files("pipeline") / "wrapper_facts.csv").read_text(encoding="utf-8")
    facts: dict[tuple[str, str], WrapperFact] = {}
    for row in csv.DictReader(text.splitlines()):
        if not row["source"].strip() or row["look_through"] not in ("yes", "no"):
            raise ValueError(f"wrapper_facts.csv: bad row for {row['address']}")
        fact = WrapperFact(row["chain"], row["address"].lower(), row["token"].lower(),
                           row["look_through"] == "yes", row["kind"], row["label"],
                           row["reason"], row["source"])
        facts[(fact.chain, fact.address)] = fact
    return facts


WRAPPER_FACTS: dict[tuple[str, str], WrapperFact] = _load()


def wrapper_fact(address: str, chain: str = "ethereum") -> WrapperFact | None:
    """The wrapper fact of ``address`` on ``chain``, if any."""
    return WRAPPER_FACTS.get((normalize_chain(chain), address.strip().lower()))


@dataclass(frozen=True)
class WrapperHolders:
    """One wrapper's own top holders, as fetched or read from a file.

    Attributes:
        address: the wrapper (lower-case).
        addresses, balances: its holders (lower-case) and their balances of the wrapper
            token (wrapper units; only ratios to ``supply`` are used).
        supply: its total supply in the same units, ``None`` when unknown.
        source, as_of: where the list came from (a provider or file name, never a host)
            and when.
        live_labels: what the holder API said about its holders.
        failure: why its list could not be had ("" when it could).
    """

    address: str
    addresses: Sequence[str] = ()
    balances: NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    supply: float | None = None
    source: str = ""
    as_of: str = ""
    live_labels: dict[str, LiveLabel] = field(default_factory=dict)
    failure: str = ""

    @classmethod
    def from_snapshot(cls, address: str, snap: HolderSnapshot) -> WrapperHolders:
        """A fetched holder list of the wrapper (balances in wrapper token units)."""
        return cls(address.lower(), snap.addresses, np.asarray(snap.balances, np.float64),
                   snap.token.total_supply, snap.source, snap.fetched_at,
                   dict(snap.live_labels))


def wrappers_to_fetch(chain: str, token: str, addresses: Sequence[str],
                      balances: Sequence[float]) -> list[str]:
    """The wrappers among a token's listed holders that can be looked through (a fact with
    ``look_through`` yes, for this token), largest balance first, at most
    :data:`MAX_WRAPPERS`."""
    token = token.lower()
    found = [(b, a) for a, b in zip(addresses, balances, strict=True)
             if (fact := wrapper_fact(a, chain)) is not None and fact.look_through
             and fact.token in (token, "*") and b > 0]
    return [a for _, a in sorted(found, reverse=True)[:MAX_WRAPPERS]]


def wrapper_limit(cfg: SourcesConfig) -> int:
    """Holders fetched per wrapper: :data:`WRAPPER_HOLDERS_LIMIT`, within the configured
    limits (the keyless limit without a PRO key)."""
    limit = (cfg.holders_limit if cfg.blockscout_pro_api_key
             else min(cfg.holders_limit, cfg.keyless_holders_limit))
    return max(1, min(WRAPPER_HOLDERS_LIMIT, limit))


async def fetch_wrappers(http: HttpClient, cfg: SourcesConfig, chain: str, token: str,
                         snap: HolderSnapshot) -> tuple[WrapperHolders, ...]:
    """The holder lists of the wrappers among ``snap``'s holders (:func:`wrappers_to_fetch`),
    fetched at once; a wrapper whose list cannot be fetched comes back with ``failure``.
    Never raises a :class:`SourceError`."""
    wanted = wrappers_to_fetch(chain, token, snap.addresses, snap.balances)
    limit = wrapper_limit(cfg)

    async def one(address: str) -> WrapperHolders:
        try:
            got = await fetch_holders(http, cfg, chain, address, limit)
        except SourceError as exc:
            return WrapperHolders(address, failure=str(exc).rstrip("."))
        return WrapperHolders.from_snapshot(address, got)

    return tuple(await asyncio.gather(*(one(a) for a in wanted)))


# --------------------------------------------------------------------------- the view


@dataclass
class _Moved:
    """What the wrappers looked through so far give: attributed token units by holder."""

    amounts: dict[str, float] = field(default_factory=dict)
    labels: dict[str, LiveLabel] = field(default_factory=dict)
    rows: list[int] = field(default_factory=list)
    remainder: float = 0.0


def look_through(views: ViewSet, table: HolderTable, wrappers: Sequence[WrapperHolders],
                 book: LabelBook) -> ViewSet:
    """``views`` with the beneficial view (when a wrapper could be looked through) and the
    lists of what was and was not looked through.

    ``table`` is the direct holder list (labelled, largest first); each wrapper's balance is
    its row there. The wrappers' holders are labelled by ``book`` (and their live labels),
    like the direct holders; a holder both direct and via a wrapper is one row.
    """
    raw_denominator = views.raw.denominator
    rows = {a: r for r, a in table.addresses.rows_of({w.address for w in wrappers}).items()}
    moved, looked, skipped = _Moved(), [], {}
    for w in wrappers:
        row = rows.get(w.address)
        if row is None:  # not among the listed holders: nothing of this token to share
            continue
        record = _look_through_one(w, table, row, raw_denominator, moved)
        if isinstance(record, str):
            skipped[w.address] = record
        else:
            looked.append(record)
    missed = not_looked_through(table, raw_denominator, skipped, {w.address for w in looked},
                                book.chain)
    if not looked:
        return replace(views, not_looked_through=missed)
    merged = _beneficial_table(table, moved, book)
    beneficial = score_beneficial(merged, views, float(table.balances.sum()), moved.remainder)
    return replace(views, beneficial=beneficial, looked_through=tuple(looked),
                   not_looked_through=missed)


def _look_through_one(w: WrapperHolders, table: HolderTable, row: int,
                      raw_denominator: float, moved: _Moved) -> LookedThrough | str:
    """Attribute wrapper ``w`` (row ``row`` of ``table``) into ``moved``; the record of
    what was looked through, or why it could not be."""
    label = table.labels.get(row, ("", ""))[0] or short_address(w.address)
    if w.failure:
        return f"its holder list could not be fetched ({w.failure})"
    wrapped = float(table.balances[row])
    addresses = list(w.addresses)
    self_row = addresses.index(w.address) if w.address in addresses else None
    try:
        result = attribute(wrapped, w.balances, w.supply, self_row)
    except CannotLookThrough as exc:
        return str(exc)
    for i, amount in zip(result.rows.tolist(), result.amounts.tolist(), strict=True):
        holder = addresses[i]
        moved.amounts[holder] = moved.amounts.get(holder, 0.0) + amount
        if holder in w.live_labels:
            moved.labels.setdefault(holder, w.live_labels[holder])
    moved.rows.append(row)
    moved.remainder += result.remainder
    share = wrapped / raw_denominator if raw_denominator > 0 else 0.0
    return LookedThrough(w.address, label, wrapped, share, int(result.rows.size),
                         result.covered, result.attributed, result.remainder, w.source,
                         w.as_of)


def _beneficial_table(table: HolderTable, moved: _Moved, book: LabelBook) -> HolderTable:
    """The direct holders with the looked-through wrappers' rows emptied and their balances
    added to their holders (existing rows) or to new rows labelled by ``book``; rows with
    nothing left dropped; largest first (stable)."""
    balances = table.balances.copy()
    balances[moved.rows] = 0.0
    found = _rows_of(table.addresses, moved.amounts)
    for r, address in found.items():
        balances[r] += moved.amounts[address]
    known = set(found.values())
    new = [a for a in moved.amounts if a not in known]
    extra = label_holders(new, [moved.amounts[a] for a in new], book,
                          {a: moved.labels[a] for a in new if a in moved.labels})
    keep = np.flatnonzero(balances > 0)
    all_balances = np.concatenate([balances[keep], extra.balances])
    codes = np.concatenate([table.categories[keep], extra.categories])
    order = np.argsort(-all_balances, kind="stable")
    addresses = _concat(table.addresses.take(keep), extra.addresses).take(order)
    where = np.empty(order.size, dtype=np.intp)
    where[order] = np.arange(order.size)
    old = {int(j): i for i, j in enumerate(keep.tolist())}
    labels = {int(where[old[r]]): v for r, v in table.labels.items() if r in old}
    labels.update({int(where[keep.size + r]): v for r, v in extra.labels.items()})
    return HolderTable(addresses, all_balances[order], codes[order], labels)


def _rows_of(column: Addresses, keys: dict[str, float]) -> dict[int, str]:
    """The rows of ``column`` whose address is a key of ``keys``: row → address. With more
    keys than rows (a 10,000-holder wrapper, a 1,000-holder list) the rows are read and
    looked up in ``keys``; else the keys are hashed (:meth:`Addresses.rows_of`)."""
    if len(keys) <= len(column):
        return column.rows_of(keys.keys())
    return {row: address for row, address in enumerate(column) if address in keys}


def _concat(a: Addresses, b: Addresses) -> Addresses:
    """Two address columns as one (20-byte items when both are, else text)."""
    if a.evm and b.evm:
        return Addresses(np.concatenate([a.bytes_array(), b.bytes_array()]))
    parts = [evm_text(c.bytes_array()) if c.evm else c.bytes_array() for c in (a, b)]
    width = max(p.dtype.itemsize for p in parts)
    return Addresses(np.concatenate([p.astype(f"S{width}") for p in parts]))


def not_looked_through(table: HolderTable, raw_denominator: float, skipped: dict[str, str],
                       looked: set[str], chain: str) -> tuple[NotLookedThrough, ...]:
    """The staking and lending contracts (:data:`UNRESOLVED`) and the wrappers of
    ``wrapper_facts.csv`` among the holders that were not looked through, the largest
    :data:`MAX_NOT_LOOKED`, each with its share of ``raw_denominator`` and the reason: the
    one in ``skipped`` (a failed fetch, an unusable supply), the fact's (a vote-escrow…),
    that its list was not given (a wrapper that can be looked through, beyond the bound or
    in a holder-file analysis), or that no holder list is known for it."""
    codes = [CATEGORY_CODE[c] for c in UNRESOLVED]
    facts = {a for (c, a) in WRAPPER_FACTS if c == normalize_chain(chain)}
    candidates = set(np.flatnonzero(np.isin(table.categories, codes)).tolist())
    candidates |= set(table.addresses.rows_of(facts))
    out: list[NotLookedThrough] = []
    for row in sorted(candidates):  # the table is largest first
        address, balance = table.addresses[row], float(table.balances[row])
        if address in looked or balance <= 0:
            continue
        fact = wrapper_fact(address, chain)
        reason = skipped.get(address) or (
            fact.reason if fact is not None and not fact.look_through
            else f"its holder list was not given (a live analysis fetches the {MAX_WRAPPERS} "
                 "largest wrappers; a holder file needs --look-through WRAPPER=FILE)"
            if fact is not None
            else "no holder list is known for it (not in Lorenz's wrapper facts)")
        label = table.labels.get(row, ("", ""))[0] or (fact.label if fact else "")
        share = balance / raw_denominator if raw_denominator > 0 else 0.0
        out.append(NotLookedThrough(address, label or CATEGORIES[table.categories[row]].value,
                                    share, reason))
        if len(out) == MAX_NOT_LOOKED:
            break
    return tuple(out)


#: Wrappers not looked through that hold less than this share (of the raw denominator)
#: are summed on one line instead of one line each (the JSON still lists every one).
NOT_LOOKED_THROUGH_MIN_SHARE = 0.001


def look_through_lines(views: ViewSet) -> list[str]:
    """One line per wrapper looked through and per one not looked through (for the text
    report, the embed and the provenance)."""
    lines = []
    for w in views.looked_through:
        covered = (f"{pct(w.supply_covered)} of its supply" if w.supply_covered is not None
                   else "its supply unknown: the listed holders taken as all of it")
        lines.append(f"looked through {w.label} ({pct(w.share)} of the denominator): "
                     f"{w.holders_listed:,} holders listed, {covered}; "
                     f"{pct(w.remainder / w.wrapped if w.wrapped else 0.0)} of it left as "
                     f"an unattributed remainder (not one owner) — {w.source}, as of "
                     f"{w.as_of or 'unknown'}")
    small = [n for n in views.not_looked_through if n.share < NOT_LOOKED_THROUGH_MIN_SHARE]
    for n in views.not_looked_through:
        if n.share >= NOT_LOOKED_THROUGH_MIN_SHARE:
            lines.append(f"not looked through: {n.label} ({pct(n.share)}) — {n.reason}")
    if small:
        total = sum(n.share for n in small)
        lines.append(f"not looked through: {len(small)} more wrapper(s) under "
                     f"{NOT_LOOKED_THROUGH_MIN_SHARE:.1%} each ({pct(total)} together)")
    return lines
